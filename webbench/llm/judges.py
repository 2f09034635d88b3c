"""LLM judges with the official benchmarks' inputs, parameters and verdict rules, through :class:`LLMClient`.

* WebArena ``fuzzy_match`` and ``ua_match`` (unachievable tasks): inputs, parameters and
  verdict rules of web-arena-x/webarena ``evaluation_harness/helper_functions.py``
  (``llm_fuzzy_match``, ``llm_ua_match``) and ``evaluators.py`` (``StringEvaluator``).
  Official judge model ``gpt-4-1106-preview``, temperature 0, max_tokens 768, top_p 1.
* WebVoyager's screenshot judge: inputs and verdict rule of MinorJerry/WebVoyager
  ``evaluation/auto_eval.py`` (``auto_eval_by_gpt4v``); max_tokens 1000, seed 42,
  temperature 0; ``evaluation/run_eval.sh`` attaches the last 15 screenshots.

The prompt texts are webbench's own wording (:mod:`webbench.llm.judge_prompts`);
the official wording, with which the published numbers were obtained, can be given
with ``--judge-prompts`` and is then sent exactly. Each judgement records which prompt
set it used. Where the official code asserts on a reply with no verdict (and so
crashes the task), a :class:`Judgement` is *undecided*: recorded with its reply and
scored 0 (BENCHMARKS.md sections 3 and 4).

How a suite uses them::

    judge = make_judge(env_config.llm, default_model=WEBARENA_JUDGE_MODEL)
    result = webbench.metrics.webarena.evaluate(config, answer, final_url, page, judge)
    judgements = list(result.judgements)
    info["details"]["judges"] = [j.record() for j in judgements]
    info["usage"] = judgements_usage(judgements)     # summed into the episode record's usage
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from webbench.core.usage import add_usage
from webbench.llm.client import LLMClient, image_part, message, text_part
from webbench.llm.judge_prompts import WEBBENCH_PROMPTS, JudgePrompts, judge_prompts
from webbench.llm.settings import LLMSettings, shared_cache

WEBARENA_JUDGE_MODEL = "gpt-4-1106-preview"
WEBVOYAGER_JUDGE_MODEL = "gpt-4-vision-preview"
WEBARENA_PARAMS = {"temperature": 0, "max_tokens": 768, "top_p": 1.0}
WEBVOYAGER_PARAMS = {"max_tokens": 1000, "seed": 42, "temperature": 0}
#: ``--max_attached_imgs`` in WebVoyager's evaluation/run_eval.sh (auto_eval.py's own default is 1).
WEBVOYAGER_SCREENSHOTS = 15

#: The system message of WebArena's judges (official, kept so that ``--judge-prompts`` reproduces them).
WEBARENA_SYSTEM = "You are a helpful assistant"
#: The text after WebVoyager's screenshots (official, kept for the same reason).
WEBVOYAGER_CLOSING = "Your verdict:\n"


# -- prompts (pure) ----------------------------------------------------------------------------
def fuzzy_match_messages(
    pred: str, reference: str, question: str, prompts: JudgePrompts = WEBBENCH_PROMPTS
) -> list[dict[str, Any]]:
    """Return the request messages of WebArena's ``llm_fuzzy_match``: system, then the filled template."""
    text = prompts.render("fuzzy_match", question=question, reference=reference, pred=pred)
    return [message("system", WEBARENA_SYSTEM), message("user", text)]


def ua_match_messages(
    pred: str, reference: str, question: str, prompts: JudgePrompts = WEBBENCH_PROMPTS
) -> list[dict[str, Any]]:
    """Return the request messages of WebArena's ``llm_ua_match`` (reference = the task's ``string_note``)."""
    text = prompts.render("ua_match", question=question, reference=reference, pred=pred)
    return [message("system", WEBARENA_SYSTEM), message("user", text)]


def webvoyager_messages(
    task: str, answer: str, screenshots: list[bytes], k: int, prompts: JudgePrompts = WEBBENCH_PROMPTS
) -> list[dict[str, Any]]:
    """Return WebVoyager's auto-evaluation messages: the last ``k`` screenshots between two texts.

    As in the official code, the intro gives ``k`` as the count even when fewer screenshots exist.
    """
    intro = prompts.render("webvoyager_user", task=task, answer=answer, k=str(k))
    shots = screenshots[-k:] if k > 0 else []
    content = [text_part(intro), *(image_part(png) for png in shots), text_part(WEBVOYAGER_CLOSING)]
    return [message("system", prompts.render("webvoyager_system")), {"role": "user", "content": content}]


# -- verdicts (pure) ---------------------------------------------------------------------------
def fuzzy_match_verdict(reply: str) -> float | None:
    """Return 0.0 ("partially correct" or "incorrect" in the lowercased reply), 1.0 ("correct"), or None."""
    text = reply.lower()
    if "partially correct" in text or "incorrect" in text:
        return 0.0
    return 1.0 if "correct" in text else None


def ua_match_verdict(reply: str) -> float | None:
    """Return 0.0 ("different" in the lowercased reply), 1.0 ("same"), or None (undecided)."""
    text = reply.lower()
    if "different" in text:
        return 0.0
    return 1.0 if "same" in text else None


def webvoyager_verdict(reply: str) -> float | None:
    """Return 0.0 ("NOT SUCCESS" in the reply), 1.0 ("SUCCESS"), or None (undecided); case-sensitive."""
    if "NOT SUCCESS" in reply:
        return 0.0
    return 1.0 if "SUCCESS" in reply else None


@dataclass(frozen=True)
class Judgement:
    """One judge decision: the score (undecided scores 0), the verdict, the raw reply, and
    ``prompts``: the prompt set asked (``webbench``, or the SHA-256 of the ``--judge-prompts`` file)."""

    judge: str
    score: float
    decided: bool
    reply: str | None = None
    model: str | None = None
    note: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    cached: bool = False
    prompts: str = WEBBENCH_PROMPTS.name

    def record(self) -> dict[str, Any]:
        """Return the JSON-able form kept in the episode record."""
        return asdict(self)


def judgements_usage(judgements: list[Judgement]) -> dict[str, Any]:
    """Return the summed token usage and cost of ``judgements`` (calls made only)."""
    total: dict[str, Any] = {}
    for judgement in judgements:
        add_usage(total, judgement.usage)
    return total


class Judge:
    """The LLM judges, all calling one client (``--judge-model``, ``--judge-base-url``) with one
    prompt set (``--judge-prompts``, else webbench's wording)."""

    def __init__(self, client: LLMClient, prompts: JudgePrompts = WEBBENCH_PROMPTS) -> None:
        self.client = client
        self.prompts = prompts

    def _decided(self, name: str, score: float, note: str) -> Judgement:
        """Return a judgement made without a call (the official code decides these cases itself)."""
        return Judgement(name, score, True, note=note, prompts=self.prompts.name)

    def _ask(self, name: str, messages: list[dict[str, Any]], params: dict[str, Any], rule: Any) -> Judgement:
        completion = self.client.complete(messages, **params)
        score = rule(completion.text)
        return Judgement(
            judge=name,
            score=score if score is not None else 0.0,
            decided=score is not None,
            reply=completion.text,
            model=self.client.model,
            note=None if score is not None else "undecided: the reply holds no verdict; scored 0",
            usage=completion.usage(),
            cached=completion.cached,
            prompts=self.prompts.name,
        )

    def fuzzy_match(self, pred: str, reference: str, question: str) -> Judgement:
        """Return WebArena's ``StringEvaluator.fuzzy_match``: ``pred`` is the cleaned answer.

        An empty ``pred`` is decided without a call (1 if the reference is empty too), as officially.
        """
        if len(pred) == 0:
            return self._decided("fuzzy_match", 1.0 if len(reference) == 0 else 0.0, "empty answer")
        messages = fuzzy_match_messages(pred, reference, question, self.prompts)
        return self._ask("fuzzy_match", messages, WEBARENA_PARAMS, fuzzy_match_verdict)

    def ua_match(self, pred: str, reference: str, question: str) -> Judgement:
        """Return WebArena's ``ua_match``: does the agent's reason ``pred`` match ``string_note``?"""
        messages = ua_match_messages(pred, reference, question, self.prompts)
        return self._ask("ua_match", messages, WEBARENA_PARAMS, ua_match_verdict)

    def webvoyager(
        self, task: str, answer: str | None, screenshots: list[bytes], k: int = WEBVOYAGER_SCREENSHOTS
    ) -> Judgement:
        """Return WebVoyager's auto-evaluation of ``answer`` with the last ``k`` screenshots.

        No answer scores 0 without a call, as in the official script.
        """
        if answer is None:
            return self._decided("webvoyager", 0.0, "no answer")
        messages = webvoyager_messages(task, answer, screenshots, k, self.prompts)
        return self._ask("webvoyager", messages, WEBVOYAGER_PARAMS, webvoyager_verdict)

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()


def make_judge(llm: dict[str, Any] | None, default_model: str, **client_args: Any) -> Judge:
    """Return a Judge for the run's LLM settings (``EnvConfig.llm``).

    Its model is ``--judge-model``, else ``default_model`` (the benchmark's official judge);
    its prompts those of ``--judge-prompts`` over webbench's wording.
    """
    settings = LLMSettings.from_dict(llm)
    client = LLMClient(
        settings.judge_model or default_model,
        base_url=settings.judge_base_url,
        cache=shared_cache(settings),
        **client_args,
    )
    return Judge(client, judge_prompts(settings.judge_prompts, settings.judge_prompts_sha256))
