"""WebVoyager's native dialect, its element list and its blocked-page signs (pure functions).

Reply parsing is upstream's (MinorJerry/WebVoyager ``run.py`` and ``utils.py``
``extract_information``): a reply without ``Thought:`` or without ``Action:`` is a format error;
the action is the text after ``Action:`` (``re.split`` on ``Thought:|Action:|Observation:``, the
third piece), matched against the patterns below in order, first hit wins, case-sensitive (so an
``ANSWER; ...`` holding ``Click 3`` is a click, and ``Wait``, ``GoBack`` and ``Google`` count only
at the start). An action that matches nothing cannot be executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from webbench.core.action import Action

#: Upstream's message after a reply without Thought or Action (the turn carries no screenshot).
FORMAT_ERROR = "Format ERROR: Both 'Thought' and 'Action' should be included in your reply."
#: Upstream's message after an action that failed, spelling ("exected") included.
CANNOT_EXECUTE = (
    "The action you have chosen cannot be exected. Please double-check if you have selected the wrong "
    "Numerical Label or Action or Action format. Then provide the revised Thought and Action."
)
_SPLIT = re.compile(r"Thought:|Action:|Observation:")
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("click", re.compile(r"Click \[?(\d+)\]?")),
    ("type", re.compile(r"Type \[?(\d+)\]?[; ]+\[?(.[^\]]*)\]?")),
    ("scroll", re.compile(r"Scroll \[?(\d+|WINDOW)\]?[; ]+\[?(up|down)\]?")),
    ("wait", re.compile(r"^Wait")),
    ("goback", re.compile(r"^GoBack")),
    ("google", re.compile(r"^Google")),
    ("answer", re.compile(r"ANSWER[; ]+\[?(.[^\]]*)\]?")),
)
#: Input types upstream's element list treats as text boxes.
TEXT_INPUTS = ("text", "search", "password", "email", "tel")
#: Text of this length or more is left out of the element list (the box stays).
MAX_LISTED_TEXT = 200


class FormatError(ValueError):
    """A reply without ``Thought:`` or without ``Action:``."""


@dataclass(frozen=True)
class Native:
    """One WebVoyager action: its key (click, type, scroll, wait, goback, google, answer), the
    element number (or ``WINDOW`` for a scroll), and its content (typed text, direction, answer)."""

    key: str | None
    number: str | None = None
    content: str | None = None
    #: Canonical type only: press Enter after typing (native Type always does).
    enter: bool = True

    def describe(self) -> str:
        """Return the action in WebVoyager's syntax (``Click [3]``, ``Type [2]; text``) for histories."""
        head = _NAMES.get(self.key or "", "?")
        if self.number is not None:
            head += f" [{self.number}]"
        return f"{head}; {self.content}" if self.content is not None else head


_NAMES = {
    "click": "Click", "type": "Type", "scroll": "Scroll", "wait": "Wait", "goback": "GoBack",
    "google": "Google", "answer": "ANSWER",
}  # fmt: skip


def extract_information(text: str) -> Native:
    """Return the action of an action text by upstream's patterns in order (key None: no match)."""
    for key, pattern in PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        if key == "click":
            return Native("click", match.group(1))
        if key in ("type", "scroll"):
            return Native(key, match.group(1), match.group(2))
        if key == "answer":
            return Native("answer", None, match.group(1))
        return Native(key)
    return Native(None)


def parse_reply(reply: str) -> Native:
    """Return the action of a whole ``Thought: ... Action: ...`` reply; FormatError when either is missing."""
    if "Thought:" not in reply or "Action:" not in reply:
        raise FormatError(FORMAT_ERROR)
    return extract_information(_SPLIT.split(reply)[2].strip())


def from_canonical(action: Action) -> Native:
    """Return the WebVoyager action of a canonical one (key None: the suite has no such action)."""
    args = action.args
    if action.name == "click":
        return Native("click", args["element"])
    if action.name == "type":
        return Native("type", args["element"], args["text"], enter=args["enter"])
    if action.name == "scroll" and args["direction"] in ("up", "down"):
        return Native("scroll", "WINDOW", args["direction"])
    simple = {"go_back": "goback", "noop": "wait"}
    if action.name in simple:
        return Native(simple[action.name])
    if action.name == "answer":
        return Native("answer", None, args["text"])
    return Native(None)


def element_line(index: int, item: dict[str, Any]) -> str | None:
    """Return upstream's element-list entry of the marked item ``index`` (None: not listed).

    ``item`` has ``text`` (the trimmed text content), ``tag`` (lowercase), ``type`` and ``ariaLabel``.
    """
    text, tag, kind, aria = item.get("text") or "", item["tag"], item.get("type"), item.get("ariaLabel")
    if not text:
        textbox = (tag == "input" and kind in TEXT_INPUTS) or tag == "textarea"
        if textbox or (tag == "button" and kind in ("submit", "button")):
            return f'[{index}]: <{tag}> "{aria if aria else text}";'
        return None
    if len(text) >= MAX_LISTED_TEXT or ("<img" in text and "src=" in text):
        return None
    described = f'"{text}", "{aria}"' if aria and aria != text else f'"{text}"'
    prefix = f"<{tag}> " if tag in ("button", "input", "textarea") else ""
    return f"[{index}]: {prefix}{described};"


def element_list(items: list[dict[str, Any]]) -> str:
    """Return upstream's text list of the marked items: the listed entries joined by tabs."""
    lines = (element_line(index, item) for index, item in enumerate(items))
    return "\t".join(line for line in lines if line is not None)


#: Signs of a page that asks the visitor to prove it is human, or refuses access.
_BLOCKED_TITLE = re.compile(
    r"just a moment|attention required|access denied|are you a robot|verify you are human|captcha|"
    r"security check|bot detection|pardon our interruption",
    re.I,
)
_BLOCKED_TEXT = re.compile(
    r"verify (?:that )?you are (?:a )?human|are you a robot|not a robot|unusual traffic|access denied|"
    r"complete the (?:security )?check|press (?:&|and) hold|(?:solve|complete) the captcha",
    re.I,
)
_CHALLENGE_FRAMES = re.compile(r"recaptcha|hcaptcha|challenges\.cloudflare\.com|turnstile|captcha", re.I)
#: A page with more visible text than this is a real page that mentions such words, not a wall.
MAX_BLOCKED_TEXT = 3000


def blocked_reason(title: str, text: str, frames: list[str]) -> str | None:
    """Return why the page looks like a CAPTCHA or access-denied wall (None: it does not).

    ``title`` is the document title, ``text`` its visible text, ``frames`` the ``src`` of its iframes.
    A challenge iframe (reCAPTCHA, hCaptcha, Cloudflare) or a telling title is enough; telling words in
    the text count only on a short page.
    """
    frame = next((src for src in frames if _CHALLENGE_FRAMES.search(src)), None)
    if frame:
        return f"challenge frame {frame[:120]}"
    if _BLOCKED_TITLE.search(title):
        return f"page title {title[:120]!r}"
    words = _BLOCKED_TEXT.search(text)
    if words and len(text) <= MAX_BLOCKED_TEXT:
        return f"page text {words.group(0)!r}"
    return None
