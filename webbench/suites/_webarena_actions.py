"""WebArena's action dialect and its early-stop rules (pure; no browser).

The dialect is the one of the reference runner's ``create_id_based_action`` (LIVE-SUITES.md 1.5):
``click [12]``, ``hover [12]``, ``type [12] [text] [0|1]`` (``[1]``, press Enter after, when the flag
is left out), ``press [Control+a]``, ``scroll [down|up]``, ``new_tab``, ``tab_focus [1]``,
``close_tab``, ``goto [url]``, ``go_back``, ``go_forward``, ``stop [answer]`` (greedy to the last
``]`` of the line; no brackets: the empty answer). Each is mapped onto the canonical action that the
browser session, in its ``webarena`` action style, executes as the reference runner does (``type``
appends to the field's text; clicks at the element's centre).

Early stop, checked before each agent call, on the actions so far (:func:`early_stop`): the step
limit; the last three actions all unparsable; for a ``type``, three equivalent ``type`` actions
(same element, any text) anywhere in the trajectory; otherwise the last three actions equivalent to
the last one. The episode then ends with the literal answer ``"Early stop: <reason>"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from webbench.core.action import Action, ActionParseError, make_action

#: Key names the reference runner maps case-insensitively to Playwright's (``enter`` -> ``Enter``).
SPECIAL_KEYS = {
    name.lower(): name
    for name in (
        "Backquote", "Minus", "Equal", "Backslash", "Backspace", "Meta", "Tab", "Delete", "Escape",
        "ArrowDown", "End", "Enter", "Home", "Insert", "PageDown", "PageUp", "ArrowRight", "ArrowUp",
        "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
    )
}  # fmt: skip
DIALECT = (
    "click", "hover", "type", "press", "scroll", "new_tab", "tab_focus", "close_tab", "goto",
    "go_back", "go_forward", "stop",
)  # fmt: skip
#: The canonical action that stands for an unparsable one in an action history.
UNPARSABLE = None
REPEAT = 3
PARSE_FAILURES = 3
EARLY_STOP_PREFIX = "Early stop: "

_ID = re.compile(r"\[(\d+)\]")
_BRACKETED = re.compile(r"\[(.+)\]")
_TYPE = re.compile(r"\[(\d+)\] \[(.+)\] \[(\d+)\]")
_SCROLL = re.compile(r"\[?(up|down)\]?")


def is_dialect(text: str) -> bool:
    """Return True when ``text`` starts with a WebArena action name not followed by ``(``."""
    head = text.strip().split("[", 1)[0].strip()
    word = head.split()[0] if head.split() else ""
    return word in DIALECT and not text.strip()[len(word) :].lstrip().startswith("(")


def map_key(combination: str) -> str:
    """Return ``combination`` (``ctrl+a`` style, ``+``-separated) with the special keys mapped."""
    return "+".join(SPECIAL_KEYS.get(key.lower(), key) for key in combination.split("+"))


def _match(pattern: re.Pattern[str], text: str, name: str, shape: str) -> re.Match[str]:
    found = pattern.search(text)
    if found is None:
        raise ActionParseError(f"{name}: expected {shape}, got {text.strip()!r}")
    return found


def parse_webarena(text: str) -> Action:
    """Return the canonical Action of one WebArena-dialect action; ActionParseError otherwise."""
    source = text.strip()
    name = source.split("[", 1)[0].strip() if "[" in source else (source.split() or [""])[0]
    if name in ("click", "hover"):
        return make_action(name, _match(_ID, source, name, f"{name} [id]").group(1))
    if name == "type":
        if not (source.endswith("[0]") or source.endswith("[1]")):
            source += " [1]"
        found = _match(_TYPE, source, name, "type [id] [text] [0|1]")
        return make_action("type", found.group(1), found.group(2), enter=found.group(3) == "1")
    if name == "press":
        return make_action("press", map_key(_match(_BRACKETED, source, name, "press [key_comb]").group(1)))
    if name == "scroll":
        return make_action("scroll", _match(_SCROLL, source, name, "scroll [down|up]").group(1))
    if name == "tab_focus":
        return make_action("switch_tab", int(_match(_ID, source, name, "tab_focus [index]").group(1)))
    if name == "goto":
        return make_action("goto", _match(_BRACKETED, source, name, "goto [url]").group(1))
    if name == "stop":
        found = _BRACKETED.search(source)
        return make_action("answer", found.group(1) if found else "")
    if name in ("new_tab", "close_tab", "go_back", "go_forward"):
        return make_action(name)
    raise ActionParseError(f"invalid action {source!r}; WebArena actions: {', '.join(DIALECT)}")


def _equivalent(a: Action, b: Action) -> bool:
    """Return True when the reference runner's ``is_equivalent`` holds for the two actions."""
    if a.name != b.name:
        return False
    if a.name in ("click", "hover", "type", "select"):
        return a.args["element"] == b.args["element"]
    if a.name in ("press", "scroll", "switch_tab", "goto", "answer", "say"):
        return a.args == b.args
    return True


def early_stop(history: Sequence[Action | None], max_steps: int | None = None) -> str | None:
    """Return the reason to stop before the next agent call (``Reach max steps 30`` ...), or None.

    ``history`` holds the episode's actions in order, ``None`` (:data:`UNPARSABLE`) for one that did
    not parse; ``max_steps`` None leaves the step limit to the harness.
    """
    if max_steps is not None and len(history) >= max_steps:
        return f"Reach max steps {max_steps}"
    last_k = history[-PARSE_FAILURES:]
    if len(last_k) >= PARSE_FAILURES and all(action is UNPARSABLE for action in last_k):
        return f"Failed to parse actions for {PARSE_FAILURES} times"
    if not history:
        return None
    last = history[-1]
    if last is UNPARSABLE:
        return None  # three in a row were caught above
    if last.name == "type":
        count = sum(action is not UNPARSABLE and _equivalent(action, last) for action in history)
        return f"Same typing action for {REPEAT} times" if count >= REPEAT else None
    last_k = history[-REPEAT:]
    if len(last_k) >= REPEAT and all(a is not UNPARSABLE and _equivalent(a, last) for a in last_k):
        return f"Same action for {REPEAT} times"
    return None
