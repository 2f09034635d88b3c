"""AutoWebBench scoring, as the official ``eval.py`` of THUDM/AutoWebGLM computes it (pure functions).

Per step the official script extracts ``(type, label, param)`` from the gold call and
the predicted call (the regex ``(\\w+)\\((.*)\\)`` at the start of the text, then the
arguments as Python literals) and records:

- ``type``: the function names are equal (when the gold has a type);
- ``label``: the element ids are equal (when the gold takes an element);
- ``all`` (step success): type and element both right, only when the gold takes an element;
- ``param``: ROUGE-1 F of the parameter (text cut with jieba, scored like ``rouge_chinese``).

A label may be a JSON list of acceptable calls: labels are tried in order, each
overwriting the previous label's entries, and the loop stops at the first label with
``all`` right. Quirks of the official code, reproduced in ``official`` mode:

1. a call whose extraction raises is skipped: for the gold, that label records
   nothing (``finish()`` takes ``args[0]`` of an empty tuple, so every ``finish()`` gold
   step counts toward no metric); for the prediction, the whole step records nothing
   (e.g. a predicted ``finish()``, ``click()``, or a call with keyword arguments);
2. a gold call with a newline before its closing parenthesis does not match the regex
   (``.`` stops at newlines): type None, nothing recorded;
3. ``param`` is only recorded when the ROUGE-1 F is truthy: a prediction without a
   parameter, or one with no word in common, is left out instead of scoring 0;
4. the F has ``1e-8`` in its denominator, so identical parameters score 0.99999999.

``corrected`` mode parses calls with :mod:`ast` (multi-line text works), treats
missing arguments as None, never skips a step, scores a missing or non-overlapping
parameter 0, and uses the best label of a list. Task success (webbench's addition:
the paper reports none) is the same in both modes: every step right, where right
means the function, the element (when the gold has one) and the parameter's word
set (when the gold has one) all match one acceptable label.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from webbench.core.action import Action, ActionParseError, make_action, parse_call

Tokenizer = Callable[[str], Iterable[str]]

#: Native functions: (element argument index or None, parameter argument index or None).
NATIVE: dict[str, tuple[int | None, int | None]] = {
    "click": (0, None),
    "hover": (0, None),
    "select": (0, 1),
    "type_string": (0, 1),
    "scroll_page": (None, 0),
    "go": (None, 0),
    "jump_to": (None, 0),
    "switch_tab": (None, 0),
    "user_input": (None, 0),
    "finish": (None, 0),
}
SCORING_MODES = ("official", "corrected")
_OFFICIAL_CALL = re.compile(r"(\w+)\((.*)\)")


def scoring_mode(value: str) -> str:
    """Return ``value`` if it is a scoring mode (the ``--scoring`` option's type); else raise."""
    if value not in SCORING_MODES:
        raise argparse.ArgumentTypeError(f"choose one of {', '.join(SCORING_MODES)}, not {value!r}")
    return value


class SkipStep(Exception):
    """The official script's extraction raised here, so it skips the call (see quirk 1)."""


@dataclass(frozen=True)
class Call:
    """A function call with literal arguments; ``name`` None means the text held no call."""

    name: str | None
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Extracted:
    """The official ``extract`` result: function name, element id and parameter."""

    type: str | None
    label: Any = None
    param: Any = None


def _literal_args(name: str, inner: str) -> Call:
    """Return ``name(inner)`` as a Call; SkipStep where ``eval`` would have raised."""
    try:
        _, positional, keywords = parse_call(f"f({inner})")
        if keywords:
            raise SkipStep(f"{name}(): keyword arguments")
        return Call(name, tuple(ast.literal_eval(node) for node in positional))
    except (ActionParseError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise SkipStep(f"{name}(): arguments are not literals") from exc


def official_call(text: str) -> Call:
    """Return the call the official script reads from ``text`` (regex at the start, then literals).

    Raises SkipStep where the official ``eval`` raises.
    """
    match = _OFFICIAL_CALL.match(text)
    if match is None:
        return Call(None)
    return _literal_args(match.group(1), match.group(2))


def strict_call(text: str) -> Call:
    """Return the call in ``text`` parsed as a whole with :mod:`ast` (corrected mode); no call: None.

    Raw newlines inside quoted arguments (as in some official targets) are read as ``\\n``.
    """
    try:
        name, positional, keywords = parse_call(text)
    except ActionParseError:
        if "\n" not in text:
            return Call(None)
        # Targets such as finish('line 1<newline>line 2') hold raw newlines inside quotes.
        return strict_call(text.replace("\n", "\\n"))
    try:
        args = [ast.literal_eval(node) for node in positional]
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return Call(None)
    if keywords:
        return Call(None)
    return Call(name, tuple(args))


def extract(call: Call, official: bool = True) -> Extracted:
    """Return (type, label, param) of ``call``; an argument the official code indexes but that
    is missing raises SkipStep in official mode and is None in corrected mode."""
    if call.name is None:
        return Extracted(None)
    element_at, param_at = NATIVE.get(call.name, (None, None))

    def arg(index: int | None) -> Any:
        if index is None:
            return None
        if index < len(call.args):
            return call.args[index]
        if official:
            raise SkipStep(f"{call.name}(): argument {index + 1} missing")
        return None

    return Extracted(call.name, arg(element_at), arg(param_at))


def label_list(target: Any) -> list[str]:
    """Return the acceptable gold calls of a ``target``: a JSON list (or list) of calls, or one call."""
    if isinstance(target, list):
        return [str(t) for t in target]
    try:
        decoded = json.loads(target)
    except (ValueError, TypeError):
        return [target]
    return [str(t) for t in decoded] if isinstance(decoded, list) else [target]


# -- ROUGE-1 as rouge_chinese computes it -------------------------------------------------------


def _cut_sentences(text: str) -> list[str]:
    text = re.sub(r"([。！？\?])([^”’])", r"\1\n\2", text)
    text = re.sub(r"(\.{6})([^”’])", r"\1\n\2", text)
    text = re.sub(r"(\…{2})([^”’])", r"\1\n\2", text)
    text = re.sub(r"([。！？\?][”’])([^，。！？\?])", r"\1\n\2", text)
    return text.rstrip().split("\n")


def rouge_words(text: str, tokenize: Tokenizer) -> set[str] | None:
    """Return the unigram set ``rouge_chinese`` builds from ``text`` cut by ``tokenize``
    (None when it has no sentence, where rouge_chinese raises)."""
    sentences = [" ".join(s.split()) for s in _cut_sentences(" ".join(tokenize(text))) if len(s) > 0]
    if not sentences:
        return None
    return {word for sentence in sentences for word in sentence.split(" ")}


def rouge1_f(hypothesis: Any, reference: Any, tokenize: Tokenizer) -> float | None:
    """Return rouge_chinese's ROUGE-1 F of two parameters (non-strings via ``str``).

    None when either side is None or has no sentence (the official script gets no
    score, or raises, there).
    """
    if hypothesis is None or reference is None:
        return None
    hyp = rouge_words(str(hypothesis), tokenize)
    ref = rouge_words(str(reference), tokenize)
    if hyp is None or ref is None:
        return None
    overlap = len(hyp & ref)
    precision = overlap / len(hyp) if hyp else 0.0
    recall = overlap / len(ref) if ref else 0.0
    return 2.0 * ((precision * recall) / (precision + recall + 1e-8))


def same_words(a: Any, b: Any, tokenize: Tokenizer) -> bool:
    """Return True when two parameters have the same ROUGE word set (both None counts as same)."""
    if a is None or b is None:
        return a is None and b is None
    return rouge_words(str(a), tokenize) == rouge_words(str(b), tokenize)


# -- one step ------------------------------------------------------------------------------------


def _label_scores(gold: Extracted, pred: Extracted, tokenize: Tokenizer, official: bool) -> dict[str, float]:
    res: dict[str, float] = {}
    if gold.type is not None:
        res["type"] = float(gold.type == pred.type)
    if gold.label is not None:
        res["label"] = float(gold.label == pred.label)
    if gold.param is not None:
        rouge = rouge1_f(gold.param, pred.param, tokenize)
        if official:
            if rouge:
                res["param"] = rouge
        else:
            res["param"] = rouge or 0.0
    if gold.type is not None and gold.label is not None:
        res["all"] = float(gold.type == pred.type and gold.label == pred.label)
    return res


def _right(gold: Extracted, pred: Extracted, tokenize: Tokenizer) -> bool:
    return (
        gold.type is not None
        and gold.type == pred.type
        and (gold.label is None or gold.label == pred.label)
        and (gold.param is None or same_words(gold.param, pred.param, tokenize))
    )


def score_step(
    labels: Sequence[str],
    prediction: str | Call,
    tokenize: Tokenizer,
    official: bool = True,
) -> dict[str, float]:
    """Return one step's recorded scores (keys ``type``, ``label``, ``param``, ``all``, each
    present only when the step counts toward it) plus ``right`` (1.0 or 0.0, for task success).

    ``prediction`` is the agent's text or an already-extracted Call (canonical actions).
    """
    strict = [extract(strict_call(label), official=False) for label in labels]
    if isinstance(prediction, Call):
        as_parsed, official_pred = prediction, prediction
    else:
        as_parsed, official_pred = strict_call(prediction), None
    pred_strict = extract(as_parsed, official=False)
    right = any(_right(gold, pred_strict, tokenize) for gold in strict)
    if not official:
        best = max(
            (_label_scores(gold, pred_strict, tokenize, False) for gold in strict),
            key=lambda r: (r.get("all", 0.0), r.get("type", 0.0), r.get("label", 0.0), r.get("param", 0.0)),
            default={},
        )
        return {**best, "right": float(right)}
    res: dict[str, float] = {}
    for label in labels:
        try:
            gold = extract(official_call(label))
            pred = extract(official_pred if official_pred is not None else official_call(str(prediction)))
        except SkipStep:
            continue
        res.update(_label_scores(gold, pred, tokenize, True))
        if res.get("all") == 1.0:
            break
    return {**res, "right": float(right)}


# -- the native dialect and canonical actions ------------------------------------------------------


def native_to_action(call: Call) -> Action:
    """Return the canonical Action of a native call; ActionParseError when it has none."""
    name, args = call.name, call.args
    try:
        if name in ("click", "hover"):
            return make_action(name, *args)
        if name == "select":
            return make_action("select", *args)
        if name == "type_string":
            return make_action("type", *args[:2], **({"enter": args[2]} if len(args) > 2 else {}))
        if name == "scroll_page":
            return make_action("scroll", *args)
        if name == "go" and args in (("forward",), ("backward",)):
            return make_action("go_forward" if args[0] == "forward" else "go_back")
        if name == "jump_to":
            return make_action("goto", *args[:1])
        if name == "switch_tab":
            return make_action("switch_tab", *args)
        if name == "user_input":
            return make_action("say", *args)
        if name == "finish":
            return make_action("answer", "" if not args or args[0] is None else args[0])
    except ActionParseError as exc:
        raise ActionParseError(f"{name}(): {exc}") from exc
    raise ActionParseError(f"not an AutoWebBench call: {name}()")


def action_to_native(action: Action) -> Call:
    """Return the native call of a canonical Action (actions without one keep their name)."""
    a = action.args
    table: dict[str, Callable[[], Call]] = {
        "click": lambda: Call("click", (a["element"],)),
        "hover": lambda: Call("hover", (a["element"],)),
        "select": lambda: Call("select", (a["element"], a["option"])),
        "type": lambda: Call("type_string", (a["element"], a["text"], a["enter"])),
        "scroll": lambda: Call("scroll_page", (a["direction"],)),
        "go_back": lambda: Call("go", ("backward",)),
        "go_forward": lambda: Call("go", ("forward",)),
        "goto": lambda: Call("jump_to", (a["url"], False)),
        "switch_tab": lambda: Call("switch_tab", (a["index"],)),
        "say": lambda: Call("user_input", (a["text"],)),
        "answer": lambda: Call("finish", (a["text"],) if a["text"] else ()),
    }
    make = table.get(action.name)
    return make() if make else Call(action.name, tuple(a.values()))


def official_call_name(text: str) -> str | None:
    """Return the function name the official regex finds at the start of ``text`` (or None)."""
    match = _OFFICIAL_CALL.match(text)
    return match.group(1) if match else None


def aggregate(scores: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Return an episode's final info from its steps' scores: micro numerators and denominators
    (``type_hits/type_n``, ``element_*``, ``step_*``, ``param_sum/param_n``) and task success."""
    metrics: dict[str, float] = {}
    for key, hits, count in (
        ("type", "type_hits", "type_n"),
        ("label", "element_hits", "element_n"),
        ("all", "step_hits", "step_n"),
        ("param", "param_sum", "param_n"),
    ):
        values = [s[key] for s in scores if key in s]
        metrics[hits] = float(sum(values))
        metrics[count] = float(len(values))
    success = bool(scores) and all(s.get("right") == 1.0 for s in scores)
    metrics["task_success"] = float(success)
    score = metrics["step_hits"] / metrics["step_n"] if metrics["step_n"] else float(success)
    return {"success": success, "score": score, "metrics": metrics}
