"""WebArena's evaluators (string_match, url_match, program_html), as the official code computes them.

Source: web-arena-x/webarena ``evaluation_harness/evaluators.py`` (the same code as PyPI
``libwebarena`` 0.0.5); the rules are LIVE-SUITES.md sections 1.2-1.4. :func:`evaluate` scores
one episode from the task config (placeholders already replaced), the stop answer, the active
tab's final URL, a :class:`PageReader` for program_html (``webbench.suites._webarena_page``
implements it on the live browser) and a :class:`WebArenaJudge` for fuzzy_match and the
unachievable tasks (``webbench.llm.judges.Judge`` satisfies it). The task score is the product
of the evaluators' scores, every evaluator run (judge calls included) as officially.

The official code's quirks are reproduced by default; each can be corrected by name
(``fixes``, see :data:`FIXES` and ``docs/webarena-evaluators.md``).

``rules="lite"`` scores as WebArena-Lite's own evaluator does (THUDM/VisualAgentBench
``VAB-WebArena-Lite/new/evaluators.py``, VisualWebArena-based): answers cleaned without the strip;
string must_include items split on ``" |OR| "`` and a one-WORD reference tested against the answer's
tokens; one fuzzy_match judge call on the references joined by ", "; url_match by URL equality
(``url_note`` absent or ``EXACT``) or reference-in-URL (``GOLD in PRED``) after ``localhost`` ->
``127.0.0.1`` and one trailing "/" dropped; program_html values not HTML-unescaped, must_include
tokenised by the same one-word rule; the ``required_values``, ``must_exclude`` and ``one_of``
approaches. Everything else is shared with the original rules.

The one-character must_include rule tokenises the answer with NLTK's ``word_tokenize``, which
needs the ``punkt_tab`` sentence model. When NLTK finds it, it is used exactly; otherwise the
answer goes through the same word tokenizer without the sentence split
(``word_tokenize(text, preserve_line=True)``): the only difference is that a period ending a
sentence inside the answer stays on its word ("is 5. next" gives ``5.``, not ``5`` and ``.``);
the period at the very end is split off either way. The result details name the tokenizer used.

Pure: no browser, no files, no network; the page and the judge come in as protocols.
"""

from __future__ import annotations

import ast
import collections
import html
import math
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any, Protocol

from webbench.core.errors import UsageError
from webbench.metrics.quirks import parse_quirks
from webbench.metrics.strings import clean_answer

EVAL_TYPES = ("string_match", "url_match", "program_html")
STRING_APPROACHES = ("exact_match", "must_include", "fuzzy_match")
#: WebArena-Lite's string approaches (``rules="lite"``) and program_html required contents.
LITE_STRING_APPROACHES = (*STRING_APPROACHES, "required_values", "must_exclude", "one_of")
LITE_CONTENTS = ("exact_match", "must_include", "must_exclude", "required_values", "fuzzy_match")
#: The evaluator rule sets: the original WebArena code's and WebArena-Lite's (see the module doc).
RULES = ("original", "lite")
#: The only url_note the official URL evaluator knows (also its default when the key is absent).
GOLD_IN_PRED = "GOLD in PRED"
#: WebArena-Lite's default url_note (the final URL equals a reference).
EXACT = "EXACT"
URL_NOTES = {"original": (GOLD_IN_PRED,), "lite": (EXACT, GOLD_IN_PRED)}
#: WebArena-Lite's numeric inequalities (required_values), tried in this order as upstream.
INEQUALITIES: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda x, y: x <= y + 1e-8,
    ">=": lambda x, y: x >= y - 1e-8,
    "==": lambda x, y: abs(x - y) <= 1e-8,
    "<": lambda x, y: x < y + 1e-8,
    ">": lambda x, y: x > y - 1e-8,
}
OR = " |OR| "
#: The names of the one-character rule's tokenizer (result details): with and without the sentence model.
TOKENIZER_PUNKT = "nltk word_tokenize (punkt_tab)"
TOKENIZER_NO_PUNKT = "nltk word_tokenize without punkt_tab (no sentence split)"
#: Longest page value kept in the details of a program_html target (page HTML can be megabytes).
DETAIL_CHARS = 2000

#: Quirks of the official code, reproduced unless named in ``fixes``.
FIXES: dict[str, str] = {
    "na-overwrite": 'for fuzzy_match "N/A" the running string score is multiplied by exact_match("N/A") '
    "and, when that is not 1, REPLACED by the ua_match verdict: a failed exact_match or must_include "
    'before it is forgotten, and after one an "N/A" answer still goes to the judge; fixed: the '
    'unachievable factor (1 for "N/A", else ua_match) is multiplied in',
    "must-include-or": 'string must_include does not split " |OR| " (task 386, ["65 |OR| 3"], can never '
    "pass); fixed: split, any alternative passes (as program_html does)",
    "clean-twice": "the answer is cleaned when read and again inside each matcher, so an answer in two "
    "pairs of quotes loses both; fixed: cleaned once",
    "one-char-lists": "the one-character token rule applies only when must_include has exactly one "
    'item, so in ["0", "1"] "0" matches "10"; fixed: every one-character item is a token test',
    "must-include-string": "(Lite rules) a string must_include that is a string, not a list, fails "
    'upstream\'s assert (Lite task 81, "yjlou"): the episode is an env_error; fixed: a one-item list',
}

#: The ``func:`` helpers of the 812 tasks and their parameters (``page`` = the ``__page__`` argument).
HELPER_PARAMS: dict[str, tuple[str, ...]] = {
    "reddit_get_post_url": ("url",),
    "shopping_get_latest_order_url": (),
    "shopping_get_sku_latest_review_author": ("sku",),
    "shopping_get_sku_latest_review_rating": ("sku",),
    "gitlab_get_project_memeber_role": ("page", "account_name"),
}
HELPERS: frozenset[str] = frozenset(HELPER_PARAMS)
#: The ``__page__`` argument of a parsed helper call.
PAGE_ARG = "__page__"


class WebArenaConfigError(UsageError):
    """A malformed WebArena task config; the message is ``task <id>: <field>: <problem>``."""


class UpstreamCannotScore(ValueError):
    """The official evaluator fails on this task (its episode is an env_error); the message is
    ``task <id>: <field>: <problem>``."""


class PageReader(Protocol):
    """What program_html needs from the live page (``webbench.suites._webarena_page``)."""

    def read(self, url: str, locator: str, prep_actions: Sequence[str]) -> str:
        """Return the value of ``locator`` at ``url`` as Python ``str()`` of it (see the module doc).

        ``url``: ``"last"`` (the agent's page), a concrete URL, or ``"func:..."`` (``__last_url__``
        already replaced); ``locator``: ``""`` (the page HTML), a JS expression, or ``"func:..."``.
        """
        ...


class WebArenaJudge(Protocol):
    """The LLM judges; ``webbench.llm.judges.Judge`` satisfies it. Each returns a Judgement
    (``.score``: 0 or 1, undecided replies scored 0; ``.record()``: its JSON-able form)."""

    def fuzzy_match(self, pred: str, reference: str, question: str) -> Any: ...

    def ua_match(self, pred: str, reference: str, question: str) -> Any: ...


@dataclass(frozen=True)
class EvaluatorResult:
    """One evaluator's score (0 or 1) and what it compared."""

    name: str
    score: float
    details: dict[str, Any]


@dataclass(frozen=True)
class WebArenaResult:
    """The task score (the product of the evaluators'), each evaluator's result, the judgements made."""

    score: float
    evaluators: tuple[EvaluatorResult, ...]
    judgements: tuple[Any, ...] = ()
    fixes: frozenset[str] = field(default_factory=frozenset)
    rules: str = "original"

    def metrics(self) -> dict[str, float]:
        """Return ``success`` and ``score``, each evaluator's score, and each string approach's factor."""
        values = {"success": float(self.score == 1.0), "score": self.score}
        for result in self.evaluators:
            values[result.name] = result.score
            values.update(result.details.get("approaches", {}))
        return values

    def details(self) -> dict[str, Any]:
        """Return the JSON-able breakdown for the episode record."""
        return {
            "score": self.score,
            "evaluators": {r.name: {"score": r.score, **r.details} for r in self.evaluators},
            "judgements": [_record(j) for j in self.judgements],
            "fixes": sorted(self.fixes),
            "rules": self.rules,
        }


def _record(judgement: Any) -> Any:
    record = getattr(judgement, "record", None)
    return record() if callable(record) else judgement


def parse_fixes(text: str | Iterable[str] | None) -> frozenset[str]:
    """Return the set of quirk names in ``text`` (comma-separated, or ``all``); ValueError if unknown."""
    return parse_quirks(text, FIXES)


# -- config checks ----------------------------------------------------------------------------
def parse_helper_call(text: str) -> tuple[str, tuple[str, ...]]:
    """Return (name, arguments) of a ``func:`` call; ValueError if it is not a registered helper.

    ``text`` is what follows ``func:``, e.g. ``gitlab_get_project_memeber_role(__page__, 'x')``:
    parsed with :mod:`ast`, never evaluated. Arguments are string literals or ``__page__``
    (given as :data:`PAGE_ARG`), checked against the helper's parameters.
    """
    try:
        call = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"not a function call: {text!r} ({exc.msg})") from None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name) or call.keywords:
        raise ValueError(f"not a call of a named helper with positional arguments: {text!r}")
    name = call.func.id
    if name not in HELPER_PARAMS:
        raise ValueError(f"unknown helper {name!r} (known: {', '.join(sorted(HELPERS))})")
    params = HELPER_PARAMS[name]
    if len(call.args) != len(params):
        raise ValueError(f"{name} takes {len(params)} argument(s), not {len(call.args)}")
    args = []
    for param, arg in zip(params, call.args, strict=True):
        if param == "page":
            if not (isinstance(arg, ast.Name) and arg.id == PAGE_ARG):
                raise ValueError(f"{name}: argument {param!r} must be {PAGE_ARG}")
            args.append(PAGE_ARG)
        elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            args.append(arg.value)
        else:
            raise ValueError(f"{name}: argument {param!r} must be a string literal")
    return name, tuple(args)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class _Checker:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.task = config.get("task_id", "?") if isinstance(config, Mapping) else "?"

    def fail(self, where: str, problem: str) -> WebArenaConfigError:
        return WebArenaConfigError(f"task {self.task}: {where}: {problem}")

    def need(
        self, block: Mapping[str, Any], key: str, where: str, ok: Callable[[Any], bool], what: str
    ) -> Any:
        if key not in block:
            raise self.fail(f"{where}{key}", f"missing (expected {what})")
        if not ok(block[key]):
            raise self.fail(f"{where}{key}", f"expected {what}, got {block[key]!r:.80}")
        return block[key]


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def check_config(config: Mapping[str, Any], rules: str = "original") -> None:
    """Check one WebArena task config; raise WebArenaConfigError (``task <id>: <field>: <problem>``).

    Checks what the evaluators of ``rules`` (:data:`RULES`) read: the eval block, its eval types,
    each type's fields (reference answers, reference URL and url_note, program_html targets with
    their url, locator, prep_actions and required contents), and that every ``func:`` names a
    registered helper with the right arguments. Returns None when the config can be scored.
    """
    check = _Checker(config)
    if not isinstance(config, Mapping):
        raise check.fail("config", f"expected a JSON object, got {type(config).__name__}")
    block = check.need(config, "eval", "", lambda v: isinstance(v, Mapping), "an object")
    types = check.need(block, "eval_types", "eval.", _is_str_list, "a list of eval type names")
    for kind in types:
        if kind not in EVAL_TYPES:
            raise check.fail(
                "eval.eval_types", f"unknown eval type {kind!r} (known: {', '.join(EVAL_TYPES)})"
            )
    if "string_match" in types:
        _check_answers(check, config, block, rules)
    if "url_match" in types:
        check.need(block, "reference_url", "eval.", _nonempty_str, "a URL (alternatives joined by ' |OR| ')")
        notes = URL_NOTES[rules]
        if block.get("url_note", notes[0]) not in notes:
            known = " or ".join(repr(n) for n in notes)
            raise check.fail("eval.url_note", f"unknown matching rule {block['url_note']!r} (only {known})")
    if "program_html" in types:
        targets = check.need(
            block, "program_html", "eval.", lambda v: isinstance(v, list), "a list of targets"
        )
        for i, target in enumerate(targets):
            _check_target(check, config, target, f"eval.program_html[{i}]", rules)


def _is_inequalities(value: Any) -> bool:
    return _is_str_list(value) and all(
        any(op in alt for op in INEQUALITIES) for item in value for alt in item.split(OR)
    )


#: The Lite-only approaches' checks: (test, what is expected).
_LITE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "required_values": (_is_inequalities, 'a list of inequalities ("< 700", ">= 300", alternatives |OR|)'),
    "must_exclude": (lambda v: _is_str_list(v) and not any(OR in i for i in v), "a list of strings, no |OR|"),
    "one_of": (_is_str_list, "a list of strings"),
}


def _check_answers(check: _Checker, config: Mapping[str, Any], block: Mapping[str, Any], rules: str) -> None:
    answers = check.need(block, "reference_answers", "eval.", lambda v: isinstance(v, Mapping), "an object")
    where = "eval.reference_answers."
    for approach, value in answers.items():
        if approach == "exact_match":
            check.need(answers, approach, where, _is_str, "a string")
        elif approach == "must_include":
            check.need(answers, approach, where, _is_str_list, "a list of strings")
        elif rules == "lite" and approach in _LITE_CHECKS:
            check.need(answers, approach, where, *_LITE_CHECKS[approach])
        elif approach == "fuzzy_match":
            check.need(
                answers,
                approach,
                where,
                lambda v: v == "N/A" or _is_str_list(v),
                'a list of strings or "N/A"',
            )
            check.need(config, "intent", "", _is_str, "the task's question")
            if value == "N/A":
                check.need(block, "string_note", "eval.", _is_str, "the reason the task is unachievable")
        else:
            known = ", ".join(LITE_STRING_APPROACHES if rules == "lite" else STRING_APPROACHES)
            raise check.fail(f"{where}{approach}", f"unknown approach (known: {known})")


def _check_target(check: _Checker, config: Mapping[str, Any], target: Any, where: str, rules: str) -> None:
    if not isinstance(target, Mapping):
        raise check.fail(where, f"expected an object, got {target!r:.80}")
    url = check.need(target, "url", f"{where}.", _nonempty_str, '"last", a URL or func:<helper>(...)')
    locator = check.need(target, "locator", f"{where}.", _is_str, '"", a JS expression or func:<helper>(...)')
    for key, value in (("url", url), ("locator", locator)):
        if value.startswith("func"):
            try:
                parse_helper_call(value.split("func:", 1)[-1].replace("__last_url__", ""))
            except ValueError as exc:
                raise check.fail(f"{where}.{key}", str(exc)) from None
    if locator.strip() and not locator.startswith(("document.", "[...document.", "func:")):
        raise check.fail(
            f"{where}.locator",
            f'unknown locator {locator!r:.80} (expected "", document.…, [...document.… or func:…)',
        )
    if "prep_actions" in target:
        check.need(target, "prep_actions", f"{where}.", _is_str_list, "a list of JS snippets")
    required = check.need(
        target, "required_contents", f"{where}.", lambda v: isinstance(v, Mapping), "an object"
    )
    rwhere = f"{where}.required_contents."
    if "exact_match" in required:
        check.need(required, "exact_match", rwhere, _is_str, "a string")
    elif "must_include" in required:
        check.need(required, "must_include", rwhere, _is_str_list, "a list of strings")
    elif rules == "lite" and any(key in required for key in ("must_exclude", "required_values")):
        key = "must_exclude" if "must_exclude" in required else "required_values"
        check.need(required, key, rwhere, *_LITE_CHECKS[key])
    elif "fuzzy_match" in required:
        check.need(required, "fuzzy_match", rwhere, _is_str_list, "a list of strings")
        check.need(config, "intent", "", _is_str, "the task's question")
    else:
        known = ", ".join(LITE_CONTENTS) if rules == "lite" else "exact_match, must_include or fuzzy_match"
        raise check.fail(f"{where}.required_contents", f"expected {known}")


def needs_judge(config: Mapping[str, Any]) -> bool:
    """Return True when scoring ``config`` may call the LLM judge (fuzzy_match, "N/A", page fuzzy_match)."""
    block = config["eval"]
    if "string_match" in block["eval_types"] and "fuzzy_match" in (block.get("reference_answers") or {}):
        return True
    targets = (block.get("program_html") or []) if "program_html" in block["eval_types"] else []
    return any("fuzzy_match" in t["required_contents"] for t in targets)


def needs_page(config: Mapping[str, Any]) -> bool:
    """Return True when scoring ``config`` needs the live page (program_html with at least one target)."""
    block = config["eval"]
    return "program_html" in block["eval_types"] and bool(block.get("program_html"))


# -- string_match -----------------------------------------------------------------------------
@cache
def _word_tokenizer() -> tuple[Callable[[str], list[str]], str]:
    """Return NLTK's word tokenizer and its name: with the punkt_tab sentence model when NLTK has it."""
    try:
        import nltk
        from nltk.tokenize import word_tokenize
    except ImportError:
        raise UsageError(
            "WebArena's one-character must_include rule needs NLTK: pip install 'webbench[webarena]'"
        ) from None
    try:
        nltk.data.find("tokenizers/punkt_tab/english/")
    except LookupError:
        return partial(
            word_tokenize, preserve_line=True
        ), "nltk word_tokenize without punkt_tab (no sentence split)"
    return word_tokenize, "nltk word_tokenize (punkt_tab)"


def tokenizer_name() -> str:
    """Return the name of the tokenizer the one-character rule uses here (see the module doc)."""
    return _word_tokenizer()[1]


def _token_test(clean_ref: str, one_char: bool) -> bool:
    """Whether ``clean_ref`` is tested against the answer's tokens: a one-word reference (Lite's rule),
    of one character when ``one_char`` (the original's rule, for the items it applies to)."""
    if one_char and len(clean_ref) != 1:
        return False
    return len(_word_tokenizer()[0](clean_ref)) == 1


def _must_include(
    ref: str, pred: str, tokenize: bool | None, clean: Callable[[str], str], notes: dict[str, Any]
) -> float:
    """``tokenize``: True, the original's one-character rule; None, Lite's one-word rule; False, neither."""
    clean_ref = clean(ref)
    if tokenize is not False and _token_test(clean_ref, one_char=bool(tokenize)):
        tokens_of, name = _word_tokenizer()
        notes["tokenizer"] = name
        tokens = tokens_of(pred)
        notes.setdefault("tokens", tokens)
        return float(clean_ref in tokens)
    return float(clean_ref in pred)


def _int_of(text: str) -> int | None:
    """WebArena-Lite's ``str_2_int``: the stripped text without commas as an int, else None."""
    try:
        return int(text.strip().replace(",", ""))
    except ValueError:
        return None


def _inequality(value: float, inequality: str) -> bool:
    """Whether ``value`` satisfies ``inequality`` ("< 700"): the first operator of
    :data:`INEQUALITIES` found in it, as upstream's ``compare_inequality``."""
    op = next(op for op in INEQUALITIES if op in inequality)
    _, number = inequality.split(op)
    return INEQUALITIES[op](value, float(number.strip()))


def _required_values(value: Any, inequalities: Sequence[str]) -> float:
    number = _int_of(value) if isinstance(value, str) else value
    if number is None:
        return 0.0
    return float(all(any(_inequality(number, alt) for alt in item.split(OR)) for item in inequalities))


def _task_field(config: Mapping[str, Any], where: str, problem: str) -> UpstreamCannotScore:
    return UpstreamCannotScore(f"task {config.get('task_id', '?')}: {where}: {problem}")


def _lite_items(config: Mapping[str, Any], value: Any, fixes: frozenset[str]) -> list[str]:
    if isinstance(value, str) and "must-include-string" in fixes:
        return [value]
    if not isinstance(value, list):
        raise _task_field(
            config,
            "eval.reference_answers.must_include",
            f"WebArena-Lite's evaluator asserts a list, got {value!r:.40} (upstream cannot score this "
            "task; --fixes must-include-string reads it as a one-item list)",
        )
    return value


def string_match(
    config: Mapping[str, Any],
    answer: str,
    judge: WebArenaJudge | None,
    fixes: frozenset[str],
    rules: str = "original",
) -> tuple[EvaluatorResult, list[Any]]:
    """Return the string_match result and the judgements made (StringEvaluator, LIVE-SUITES.md 1.2;
    ``rules="lite"``: WebArena-Lite's StringEvaluator, see the module doc)."""
    block = config["eval"]
    lite = rules == "lite"
    clean = partial(clean_answer, strip=not lite)
    pred = clean(answer)
    matched = (lambda s: s) if "clean-twice" in fixes else clean
    details: dict[str, Any] = {"answer": answer, "pred": pred}
    approaches: dict[str, float] = {}
    judgements: list[Any] = []
    score = 1.0
    for approach, value in block["reference_answers"].items():
        if approach == "exact_match":
            factor = float(matched(pred) == clean(value))
            score *= factor
        elif approach == "must_include":
            factor = 1.0
            items = _lite_items(config, value, fixes) if lite else value
            for item in items:
                tokenize = None if lite else len(value) == 1 or "one-char-lists" in fixes
                alternatives = item.split(OR) if lite or "must-include-or" in fixes else [item]
                hit = max(_must_include(alt, matched(pred), tokenize, clean, details) for alt in alternatives)
                factor *= hit
            score *= factor
        elif approach == "required_values":
            factor = _required_values(pred, value)
            score *= factor
        elif approach == "must_exclude":
            factor = float(not any(_must_include(v, matched(pred), None, clean, details) for v in value))
            score *= factor
        elif approach == "one_of":
            factor = float(any(clean(v) in pred for v in value))
            score *= factor
        elif value == "N/A":
            question = config["intent"]
            passed = float(matched(pred) == clean("N/A"))
            if "na-overwrite" in fixes:
                factor = (
                    passed
                    if passed == 1.0
                    else _ask(judge, "ua_match", pred, block["string_note"], question, judgements)
                )
                score *= factor
            else:
                score *= passed
                if score != 1.0:
                    score = _ask(judge, "ua_match", pred, block["string_note"], question, judgements)
                factor = score
            approaches["unachievable"] = factor
            continue
        elif lite:
            factor = _ask(judge, "fuzzy_match", pred, ", ".join(value), config["intent"], judgements)
            score *= factor
        else:
            factor = 1.0
            for reference in value:
                factor *= _ask(judge, "fuzzy_match", pred, reference, config["intent"], judgements)
            score *= factor
        approaches[approach] = factor
    details["approaches"] = approaches
    return EvaluatorResult("string_match", score, details), judgements


def _ask(
    judge: WebArenaJudge | None, kind: str, pred: str, reference: str, question: str, out: list[Any]
) -> float:
    if judge is None:
        raise UsageError(f"WebArena {kind} needs an LLM judge (--judge-model, --judge-base-url)")
    judgement = getattr(judge, kind)(pred, reference, question)
    out.append(judgement)
    return float(judgement.score)


# -- url_match --------------------------------------------------------------------------------
def _base_and_query(url: str) -> tuple[str, dict[str, list[str]]]:
    parsed = urllib.parse.urlparse(url)
    return parsed.netloc + parsed.path, urllib.parse.parse_qs(parsed.query)


def _lite_url(url: str) -> str:
    url = url.replace("localhost", "127.0.0.1")
    return url[:-1] if url.endswith("/") else url


def url_match(config: Mapping[str, Any], final_url: str, rules: str = "original") -> EvaluatorResult:
    """Return the url_match result (URLEvaluator, LIVE-SUITES.md 1.3) for the active tab's ``final_url``.

    Each reference base (netloc + path, after ``rstrip("/")``) is tried as a SUBSTRING of the
    final URL's base; every query key of the references needs one of its values in the final URL
    (``parse_qs``: blank values are dropped); extra keys in the final URL are ignored.
    ``rules="lite"``: WebArena-Lite's URLExactEvaluator on the whole URLs (see the module doc).
    """
    if rules == "lite":
        pred = _lite_url(final_url)
        references = [_lite_url(url) for url in config["eval"]["reference_url"].split(OR)]
        note = config["eval"].get("url_note", EXACT)
        hit = pred in references if note == EXACT else any(ref in pred for ref in references)
        details = {"final_url": final_url, "references": references, "url_note": note}
        return EvaluatorResult("url_match", float(hit), details)
    pred = final_url.rstrip("/")
    references = [url.rstrip("/") for url in config["eval"]["reference_url"].split(OR)]
    pred_base, pred_query = _base_and_query(pred)
    allowed: dict[str, set[str]] = collections.defaultdict(set)
    bases = []
    for reference in references:
        base, query = _base_and_query(reference)
        bases.append(base)
        for key, values in query.items():
            allowed[key].update(values)
    base_score = float(any(base in pred_base for base in bases))
    query_score = 1.0
    for key, values in allowed.items():
        query_score *= float(any(value in pred_query.get(key, []) for value in values))
    details = {"final_url": final_url, "references": references, "base": base_score, "query": query_score}
    return EvaluatorResult("url_match", base_score * query_score, details)


# -- program_html -----------------------------------------------------------------------------
def program_html(
    config: Mapping[str, Any],
    final_url: str,
    page: PageReader | None,
    judge: WebArenaJudge | None,
    rules: str = "original",
) -> tuple[EvaluatorResult, list[Any]]:
    """Return the program_html result (HTMLContentEvaluator, LIVE-SUITES.md 1.4) and any judgements.

    Targets in order; each value is read through ``page``, HTML-unescaped, then checked:
    ``exact_match`` (clean equality), ``must_include`` (every item, each split on ``" |OR| "``,
    any alternative a substring, never tokenised), or WebArena-Lite's ``fuzzy_match`` (one judge
    call on the items joined by ", "). The score is the product over the targets.
    ``rules="lite"`` (HTMLContentExactEvaluator): values not unescaped, must_include by the
    one-word token rule, and ``must_exclude`` and ``required_values`` too.
    """
    lite = rules == "lite"
    targets = config["eval"]["program_html"]
    if targets and page is None:
        raise ValueError("program_html needs the live page (a PageReader)")
    score = 1.0
    checked: list[dict[str, Any]] = []
    judgements: list[Any] = []
    for target in targets:
        url = target["url"]
        if url.startswith("func"):
            url = url.replace("__last_url__", final_url)
        value = page.read(url, target["locator"], target.get("prep_actions", ()))  # type: ignore[union-attr]
        value = value if lite else html.unescape(value)
        required = target["required_contents"]
        clean = partial(clean_answer, strip=not lite)
        notes: dict[str, Any] = {}
        if "exact_match" in required:
            target_score = float(clean(value) == clean(required["exact_match"]))
        elif "must_include" in required:
            pred = clean(value)
            tokenize = None if lite else False
            target_score = float(
                all(
                    any(_must_include(alt, pred, tokenize, clean, notes) for alt in item.split(OR))
                    for item in required["must_include"]
                )
            )
        elif lite and "must_exclude" in required:
            pred = clean(value)
            target_score = float(
                not any(_must_include(v, pred, None, clean, notes) for v in required["must_exclude"])
            )
        elif lite and "required_values" in required:
            target_score = _required_values(value, required["required_values"])
        else:
            reference = ", ".join(required["fuzzy_match"])
            shown_pred = value if lite else clean_answer(value)  # Lite judges the value as read
            target_score = _ask(judge, "fuzzy_match", shown_pred, reference, config["intent"], judgements)
        score *= target_score
        shown = value if len(value) <= DETAIL_CHARS else value[:DETAIL_CHARS] + f"... ({len(value)} chars)"
        checked.append(
            {"url": url, "locator": target["locator"], "value": shown, "score": target_score, **notes}
        )
    return EvaluatorResult("program_html", score, {"targets": checked}), judgements


# -- the task score ---------------------------------------------------------------------------
def evaluate(
    config: Mapping[str, Any],
    answer: str,
    final_url: str,
    page: PageReader | None,
    judge: WebArenaJudge | None,
    fixes: frozenset[str] = frozenset(),
    rules: str = "original",
) -> WebArenaResult:
    """Return the WebArena score of one episode: the product of the config's evaluators, in order.

    ``answer`` is the stop answer ("" when none, the literal "Early stop: ..." when the harness
    stopped the episode); ``final_url`` the active tab's URL; ``page`` is needed for program_html
    targets, ``judge`` for fuzzy_match and "N/A" tasks (an "N/A" answer passes with no call).
    All evaluators run (as officially, no short cut after a 0). ``rules``: "original" (WebArena's
    code) or "lite" (WebArena-Lite's, see the module doc). The config must pass :func:`check_config`
    with the same rules; unknown ``fixes`` or ``rules`` raise ValueError, and a task the official
    evaluator cannot score raises :class:`UpstreamCannotScore`.
    """
    unknown = set(fixes) - set(FIXES)
    if unknown:
        raise ValueError(f"unknown quirk(s) {', '.join(sorted(unknown))}; known: {', '.join(FIXES)}")
    if rules not in RULES:
        raise ValueError(f"unknown evaluator rules {rules!r}; known: {', '.join(RULES)}")
    results: list[EvaluatorResult] = []
    judgements: list[Any] = []
    for kind in config["eval"]["eval_types"]:
        if kind == "string_match":
            result, asked = string_match(config, answer, judge, fixes, rules)
        elif kind == "url_match":
            result, asked = url_match(config, final_url, rules), []
        else:
            result, asked = program_html(config, final_url, page, judge, rules)
        results.append(result)
        judgements.extend(asked)
    score = math.prod(r.score for r in results)
    return WebArenaResult(float(score), tuple(results), tuple(judgements), frozenset(fixes), rules)
