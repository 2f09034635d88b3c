"""The canonical action syntax shared by every suite.

An action is written as a Python-like call, for example ``click("12")`` or
``type("12", "hello", enter=True)``. Parsing uses :mod:`ast` and only accepts
literal arguments; nothing is ever evaluated. :func:`read_reply` turns whatever an
agent's ``act`` returned into something the harness can perform and record.
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass, field
from typing import Any

from webbench.core.jsonsafe import clean_text, describe_error

#: The longest action text an env is given; a longer one is a step error, recorded cut.
MAX_ACTION_CHARS = 100_000


class ActionParseError(ValueError):
    """An action string that is not valid canonical syntax; the message says why."""


class AgentReplyError(ValueError):
    """What an agent returned is not an action at all (or its step trace is unusable)."""


@dataclass(frozen=True)
class ActionSpec:
    """The signature of one canonical action: positional parameters and keyword defaults."""

    params: tuple[tuple[str, type], ...] = ()
    keywords: tuple[tuple[str, type, Any], ...] = ()


ELEMENT = ("element", str)

#: Every canonical action, by name. ``click_xy`` (page coordinates) extends the
#: ARCHITECTURE.md list for suites that accept coordinate clicks (MiniWoB++).
ACTIONS: dict[str, ActionSpec] = {
    "click": ActionSpec((ELEMENT,)),
    "type": ActionSpec((ELEMENT, ("text", str)), (("enter", bool, False),)),
    "select": ActionSpec((ELEMENT, ("option", str))),
    "hover": ActionSpec((ELEMENT,)),
    "press": ActionSpec((("key", str),)),
    "scroll": ActionSpec((("direction", str),)),
    "goto": ActionSpec((("url", str),)),
    "go_back": ActionSpec(),
    "go_forward": ActionSpec(),
    "new_tab": ActionSpec(),
    "switch_tab": ActionSpec((("index", int),)),
    "close_tab": ActionSpec(),
    "say": ActionSpec((("text", str),)),
    "answer": ActionSpec((("text", str),)),
    "noop": ActionSpec(),
    "click_xy": ActionSpec((("x", float), ("y", float))),
}

SCROLL_DIRECTIONS = ("up", "down", "left", "right")


@dataclass(frozen=True)
class Action:
    """A parsed canonical action: its name and its arguments by parameter name."""

    name: str
    args: dict[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        return format_action(self)

    @property
    def element(self) -> str | None:
        """Return the target element id, or None for actions without one."""
        return self.args.get("element")


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def format_action(action: Action) -> str:
    """Return the canonical string of ``action``; ``parse_action`` reads it back unchanged."""
    spec = ACTIONS[action.name]
    parts = [_format_value(action.args[name]) for name, _ in spec.params]
    for name, _, default in spec.keywords:
        value = action.args.get(name, default)
        if value != default:
            parts.append(f"{name}={_format_value(value)}")
    return f"{action.name}({', '.join(parts)})"


def _literal(node: ast.expr, action: str, what: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise ActionParseError(f"{action}(): {what} must be a literal value") from exc


def _coerce(value: Any, kind: type, action: str, name: str) -> Any:
    if kind is str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ActionParseError(f"{action}(): {name} must be a string")
        return str(value)
    if kind is bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise ActionParseError(f"{action}(): {name} must be True or False")
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ActionParseError(f"{action}(): {name} must be an integer")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ActionParseError(f"{action}(): {name} must be a number")
    if not math.isfinite(value):
        raise ActionParseError(f"{action}(): {name} must be a finite number")
    return float(value)


def parse_call(text: str) -> tuple[str, list[ast.expr], dict[str, ast.expr]]:
    """Return (function name, positional nodes, keyword nodes) of one call expression.

    Dialect parsers built on the same Python-call shape share this; it raises
    ActionParseError when ``text`` is not a single call of a plain name.
    """
    source = text.strip()
    if not source:
        raise ActionParseError("empty action")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ActionParseError(f"not a valid action call: {exc.msg}") from exc
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ActionParseError("not a valid action call") from exc
    call = tree.body
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise ActionParseError('an action is a single call such as click("12")')
    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords):
        raise ActionParseError(f"{call.func.id}(): * and ** arguments are not allowed")
    names = [kw.arg for kw in call.keywords]
    repeated = next((name for name in names if names.count(name) > 1), None)
    if repeated:
        raise ActionParseError(f"{call.func.id}() got {repeated!r} twice")
    return call.func.id, list(call.args), {kw.arg: kw.value for kw in call.keywords}


def parse_action(text: str) -> Action:
    """Return the Action written in canonical syntax in ``text``.

    Raises ActionParseError with a one-line reason for anything else.
    """
    name, positional, keywords = parse_call(text)
    return make_action(
        name,
        *(_literal(node, name, f"argument {i + 1}") for i, node in enumerate(positional)),
        **{kw: _literal(node, name, kw) for kw, node in keywords.items()},
    )


def text_problem(text: str) -> str | None:
    """Return why ``text`` cannot be given to a page (a NUL or a lone surrogate), or None."""
    nul = text.find("\x00")
    if nul >= 0:
        return f"holds a NUL character (at {nul})"
    if clean_text(text) is not text:
        at = next(i for i, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF)
        return f"holds a lone surrogate U+{ord(text[at]):04X} (at {at})"
    return None


def _validated(action: Action) -> Action:
    for key, value in action.args.items():
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            raise ActionParseError(f"{action.name}(): {key} {problem}")
    if action.name == "scroll" and action.args["direction"] not in SCROLL_DIRECTIONS:
        raise ActionParseError(f"scroll(): direction must be one of {', '.join(SCROLL_DIRECTIONS)}")
    element = action.args.get("element")
    if element is not None and not element.strip():
        raise ActionParseError(f"{action.name}(): element id is empty")
    if action.name == "press" and not action.args["key"]:
        raise ActionParseError("press(): key is empty")
    return action


def make_action(name: str, *args: Any, **kwargs: Any) -> Action:
    """Return a validated Action built from Python values (the rules of parsing apply)."""
    spec = ACTIONS.get(name)
    if spec is None:
        raise ActionParseError(f"unknown action {name}(); known: {', '.join(ACTIONS)}")
    params = list(spec.params) + [(kw, kind) for kw, kind, _ in spec.keywords]
    if len(args) > len(params):
        raise ActionParseError(f"{name}() takes {len(spec.params)} argument(s), got {len(args)}")
    kinds = dict(params)
    values = dict(zip([pname for pname, _ in params], args, strict=False))
    for key, value in kwargs.items():
        if key not in kinds:
            raise ActionParseError(f"{name}() has no argument {key!r}")
        if key in values:
            raise ActionParseError(f"{name}() got {key!r} twice")
        values[key] = value
    parsed = {key: _coerce(value, kinds[key], name, key) for key, value in values.items()}
    missing = [pname for pname, _ in spec.params if pname not in parsed]
    if missing:
        raise ActionParseError(f"{name}() is missing {', '.join(missing)}")
    for kw, _, default in spec.keywords:
        parsed.setdefault(kw, default)
    return _validated(Action(name, parsed))


@dataclass(frozen=True)
class Reply:
    """An agent's answer made safe to perform and to record.

    ``action`` is a validated Action or the agent's text; ``text`` what the trajectory
    records (valid UTF-8, at most ``MAX_ACTION_CHARS``); ``error`` why the action cannot
    be performed (a step error), else None; ``chars`` the length of the agent's text.
    """

    action: Action | str
    text: str
    error: str | None = None
    chars: int = 0


def _cut(text: str) -> str:
    return clean_text(text[:MAX_ACTION_CHARS])


def _reply_to_action(action: Action) -> Reply:
    """Re-check an Action the agent built itself (its fields may hold anything)."""
    try:
        if not isinstance(action.name, str) or not isinstance(action.args, dict):
            raise ActionParseError("not a well-formed Action (name must be a str, args a dict)")
        if not all(isinstance(key, str) for key in action.args):
            raise ActionParseError(f"{action.name}(): argument names must be strings")
        checked = make_action(action.name, **action.args)
    except ActionParseError as exc:
        text = _cut(repr(action))
        return Reply(text, text, clean_text(str(exc)), len(text))
    text = str(checked)
    if len(text) > MAX_ACTION_CHARS:
        return Reply(_cut(text), _cut(text), _too_long(len(text)), len(text))
    return Reply(checked, text, None, len(text))


def _too_long(chars: int) -> str:
    return f"the action is {chars:,} characters long, over the limit of {MAX_ACTION_CHARS:,}; not performed"


def read_reply(value: object) -> Reply:
    """Return the Reply of what ``act`` returned: a string, an Action, or an object whose
    ``str()`` is the action text.

    An action that cannot be performed (unknown, malformed, too long, holding a NUL or a
    lone surrogate) is a Reply with ``error`` set. Raises AgentReplyError when ``value``
    is no action at all: None, or an object whose ``str()`` fails or is not a string.
    Runs agent code (``__str__``), so the harness calls it under the agent's time limit.
    """
    if isinstance(value, Action):
        return _reply_to_action(value)
    if value is None:
        raise AgentReplyError("act() returned None, not an action (a string or an Action)")
    if isinstance(value, str):
        text = str.__str__(value)
    else:
        try:
            text = str(value)
        except Exception as exc:
            raise AgentReplyError(
                f"act() returned a {type(value).__name__} whose str() failed: {describe_error(exc)}"
            ) from exc
    if len(text) > MAX_ACTION_CHARS:
        return Reply(_cut(text), _cut(text), _too_long(len(text)), len(text))
    problem = text_problem(text)
    if problem:
        return Reply(clean_text(text), clean_text(text), f"the action {problem}", len(text))
    return Reply(text, text, None, len(text))
