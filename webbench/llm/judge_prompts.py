"""The LLM judges' prompt texts: webbench's own wording, or a ``--judge-prompts`` JSON file.

Each text is a template whose placeholders are ``{name}`` with a name from
:data:`PLACEHOLDERS`. Rendering is one pass over the template: the inserted values
are never scanned again, so braces in a task, an answer or a reference are kept as
they are. Any other brace in a template is literal text.

webbench's wording asks the same questions as the official judges, on the same
inputs and with the same verdict words; the official wording, with which the
published numbers were obtained, can be supplied as a file (see docs/llm.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from webbench.llm.errors import LLMConfigError

#: The keys a prompts file may hold, each with the placeholders its template must use.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "fuzzy_match": ("question", "reference", "pred"),
    "ua_match": ("question", "reference", "pred"),
    "webvoyager_system": (),
    "webvoyager_user": ("task", "answer", "k"),
}

#: webbench's own wording of the judges (what runs without ``--judge-prompts``).
WEBBENCH_TEXTS: dict[str, str] = {
    "fuzzy_match": (
        "You are grading the answer a web agent gave to a question, using a reference answer.\n"
        "Question: {question}\n"
        "Reference answer: {reference}\n"
        "Agent's answer: {pred}\n"
        "Wording may differ: grade whether the agent's answer means the same as the reference. "
        'Wherever "N/A" appears, it stands for "this cannot be achieved".\n'
        "Give your grade as one of: correct, incorrect, partially correct."
    ),
    "ua_match": (
        "Nobody can complete the task below, for the known reason given. An agent tried it, "
        "gave up, and explained why.\n"
        "Task: {question}\n"
        "Known reason: {reference}\n"
        "Agent's explanation: {pred}\n"
        "Does the agent's explanation point to the known reason, even if only indirectly? "
        'Answer "same" if it does, "different" if it does not.'
    ),
    "webvoyager_system": (
        "You decide whether a web agent accomplished a task on a website. For each case you get:\n"
        "- the task: a request in plain language to do something on a site (search, look up, "
        "compare, check what is available, and so on);\n"
        "- the agent's final response: the text it wrote when it stopped;\n"
        "- screenshots of the browser from the end of the agent's run.\n"
        "\n"
        "Rules:\n"
        "- You cannot browse. Base your decision only on the task, the response and the "
        "screenshots; do not rely on anything none of them shows.\n"
        "- A task that asks for several things is accomplished only when all of them are done; "
        "one missing part makes it a failure.\n"
        "- The screenshots show what the browser really displayed. The response was written by "
        "the agent afterwards and may disagree with them. If the response contradicts a "
        "screenshot, believe the screenshot. If the response states something the screenshots "
        "do not show, accept the response.\n"
        "\n"
        "Explain your reasoning, then finish with your verdict: SUCCESS if the task was "
        "accomplished, NOT SUCCESS if it was not."
    ),
    "webvoyager_user": (
        "Task: {task}\nAgent's final response: {answer}\nThe last {k} screenshots of the run follow."
    ),
}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def template_problem(template: str, allowed: tuple[str, ...]) -> str | None:
    """Return what is wrong with ``template`` (a placeholder missing or unknown), or None."""
    used = set(_PLACEHOLDER.findall(template))
    unknown = sorted(used - set(allowed))
    if unknown:
        expected = ", ".join("{" + name + "}" for name in allowed) or "none"
        return f"unknown placeholder {{{unknown[0]}}} (allowed: {expected})"
    missing = [name for name in allowed if name not in used]
    if missing:
        return f"missing placeholder {{{missing[0]}}}"
    return None


def render(template: str, **values: str) -> str:
    """Return ``template`` with each ``{name}`` replaced by ``values[name]`` (one pass, values verbatim)."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def check_texts(texts: object, source: str) -> dict[str, str]:
    """Return ``texts`` as a dict of prompt templates; LLMConfigError naming ``source`` and the key if bad."""
    known = ", ".join(PLACEHOLDERS)
    if not isinstance(texts, Mapping):
        raise LLMConfigError(f"{source}: expected a JSON object with any of the keys {known}")
    for key, text in texts.items():
        if key not in PLACEHOLDERS:
            raise LLMConfigError(f"{source}: unknown key {key!r} (known: {known})")
        if not isinstance(text, str) or not text:
            raise LLMConfigError(f"{source}: key {key!r}: expected a non-empty string")
        problem = template_problem(text, PLACEHOLDERS[key])
        if problem:
            raise LLMConfigError(f"{source}: key {key!r}: {problem}")
    return dict(texts)


def load_prompts_file(path: str | Path) -> tuple[dict[str, str], str]:
    """Return the checked templates of the prompts file ``path`` and the file's SHA-256 (hex).

    Raises LLMConfigError (a usage error) naming the file, and the key when one is at fault.
    """
    source = f"--judge-prompts {path}"
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise LLMConfigError(f"{source}: cannot read the file ({exc.strerror})") from exc
    try:
        texts = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise LLMConfigError(f"{source}: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise LLMConfigError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    return check_texts(texts, source), hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class JudgePrompts:
    """The four judge templates in use, and the name judgements record (``webbench`` or a SHA-256)."""

    texts: Mapping[str, str]
    name: str

    def render(self, key: str, **values: str) -> str:
        """Return the template ``key`` filled with ``values``."""
        return render(self.texts[key], **values)


WEBBENCH_PROMPTS = JudgePrompts(WEBBENCH_TEXTS, "webbench")


def judge_prompts(overrides: Mapping[str, str] | None, sha256: str | None = None) -> JudgePrompts:
    """Return webbench's prompts with ``overrides`` (checked templates) replacing some of them.

    The name is ``sha256`` (the prompts file's), or ``custom`` for overrides given without one.
    """
    if not overrides:
        return WEBBENCH_PROMPTS
    return JudgePrompts({**WEBBENCH_TEXTS, **overrides}, sha256 or "custom")
