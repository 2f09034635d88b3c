"""The WebLINX action dialect: parsing and writing ``click(uid="...")``-style actions.

Native actions are keyword calls named after a WebLINX intent (``click``, ``text_input``,
``change``, ``load``, ``say``, ``scroll``, ``submit``, ``hover``, ...), parsed with
:mod:`ast` (literal arguments only). Canonical webbench actions are accepted too and
mapped onto intents (:func:`from_canonical`). When the text is not a single call, the
first ``name(...)`` in it is used, as the official output parser does.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webbench.core.action import Action, ActionParseError, parse_action, parse_call
from webbench.metrics.weblinx import UNKNOWN, normalize_intent

#: How each intent is written in the native dialect, and the order of its arguments.
NATIVE_NAMES = {"textinput": "text_input"}
ARG_ORDER = ("speaker", "utterance", "text", "value", "url", "uid", "x", "y")


@dataclass(frozen=True)
class NativeAction(Action):
    """A WebLINX action as its native call: ``name`` is the intent, ``args`` its keyword arguments."""

    def __str__(self) -> str:
        return format_native(self.name, self.args)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def format_native(intent: str, args: Mapping[str, Any]) -> str:
    """Return the native call of ``intent`` with ``args``; :func:`parse_native` reads it back."""
    order = {name: i for i, name in enumerate(ARG_ORDER)}
    keys = sorted(args, key=lambda k: (order.get(k, len(order)), k))
    inner = ", ".join(f"{key}={_literal(args[key])}" for key in keys)
    return f"{NATIVE_NAMES.get(intent, intent)}({inner})"


def first_call(text: str) -> str | None:
    """Return the first ``name(...)`` in ``text`` (quotes respected), as the official parser finds it."""
    open_at = text.find("(")
    if open_at == -1:
        return None
    start = open_at
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    in_quote = False
    for i in range(open_at, len(text)):
        if text[i] == '"':
            in_quote = not in_quote
        elif text[i] == ")" and not in_quote:
            return text[start : i + 1]
    return None


def _native(text: str) -> Action:
    name, positional, keywords = parse_call(text)
    intent = normalize_intent(name)
    if intent == UNKNOWN or positional:
        return parse_action(text)
    args = {}
    for key, node in keywords.items():
        try:
            args[key] = ast.literal_eval(node)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            raise ActionParseError(f"{name}(): {key} must be a literal value") from exc
    return NativeAction(intent, args)


def parse_native(text: str) -> Action:
    """Return the action in ``text``: a NativeAction for a keyword call named after an intent,
    else the canonical Action. Raises ActionParseError when neither reads."""
    try:
        return _native(text)
    except ActionParseError:
        call = first_call(text)
        if call is None or call.strip() == text.strip():
            raise
        return _native(call)


def from_canonical(action: Action) -> tuple[str, dict[str, Any]]:
    """Return (intent, arguments) of a canonical or native action, in native argument names.

    click/hover -> same, type -> textinput, select -> change, goto -> load, say/answer -> say,
    scroll -> scroll (offsets unknown), click_xy -> click at (x, y), new_tab/close_tab/switch_tab ->
    tabcreate/tabremove/tabswitch; anything else has no WebLINX intent (``<unk>``).
    """
    if isinstance(action, NativeAction):
        return action.name, dict(action.args)
    name, args = action.name, action.args
    if name in ("click", "hover"):
        return name, {"uid": args["element"]}
    if name == "type":
        return "textinput", {"text": args["text"], "uid": args["element"]}
    if name == "select":
        return "change", {"value": args["option"], "uid": args["element"]}
    if name == "goto":
        return "load", {"url": args["url"]}
    if name in ("say", "answer"):
        return "say", {"speaker": "navigator", "utterance": args["text"]}
    if name == "click_xy":
        return "click", {"x": args["x"], "y": args["y"]}
    if name == "switch_tab":
        return "tabswitch", {"tab_id_to": args["index"]}
    mapped = {"scroll": "scroll", "new_tab": "tabcreate", "close_tab": "tabremove"}
    return mapped.get(name, UNKNOWN), {}
