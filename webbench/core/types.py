"""The data an agent and a suite exchange: Task, Element, Observation, dialogue turns."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Task:
    """One task of a suite. ``meta`` holds the suite's own configuration (e.g. an eval block)."""

    suite: str
    id: str
    goal: str
    split: str = ""
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Element:
    """One element an action can target. ``bbox`` is (x, y, width, height) in page pixels."""

    id: str
    tag: str
    text: str = ""
    bbox: tuple[float, float, float, float] | None = None
    attrs: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Turn:
    """One utterance of a dialogue (WebLINX): who spoke and what was said."""

    speaker: str
    text: str


@dataclass
class Observation:
    """What the agent sees at one step.

    ``text`` is the page as text (accessibility tree, cleaned HTML, simplified HTML
    prompt or DOM listing, by suite); ``screenshot`` is PNG bytes when the run asked
    for screenshots; ``error`` says what went wrong with the previous action;
    ``extra`` holds suite-specific data (e.g. MiniWoB's utterance fields).
    """

    goal: str
    url: str = ""
    text: str = ""
    elements: list[Element] = field(default_factory=list)
    screenshot: bytes | None = None
    dialogue: list[Turn] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    tabs: list[str] = field(default_factory=list)
    error: str | None = None
    step: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def element(self, element_id: str) -> Element | None:
        """Return the element with id ``element_id``, or None."""
        for element in self.elements:
            if element.id == element_id:
                return element
        return None

    def digest(self) -> dict[str, Any]:
        """Return a small JSON-able summary of this observation for trajectories."""
        return {
            "step": self.step,
            "url": self.url,
            "text_chars": len(self.text),
            "text_sha1": hashlib.sha1(self.text.encode("utf-8", "replace")).hexdigest()[:12],
            "elements": len(self.elements),
            "error": self.error,
        }
