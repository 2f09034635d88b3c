"""The canonical action syntax shared by every suite.

An action is written as a Python-like call, for example ``click("12")`` or
``type("12", "hello", enter=True)``. Parsing uses :mod:`ast` and only accepts
literal arguments; nothing is ever evaluated.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from typing import Any


class ActionParseError(ValueError):
    """An action string that is not valid canonical syntax; the message says why."""


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


def _validated(action: Action) -> Action:
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
