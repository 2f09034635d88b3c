"""Set-of-marks screenshots: numbered boxes drawn over the page, captured, then removed.

The drawing is ``js/marks.js``, a plain function of one options object that any driver can run
(Playwright here, Selenium for WebVoyager). Boxes are in viewport pixels, as observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from playwright.sync_api import Page

MARKS_JS = files("webbench.browser").joinpath("js/marks.js").read_text()
CONTAINER_ID = "__webbench_marks__"
#: Roles that are text or structure, not targets: they get no mark.
UNMARKED_ROLES = frozenset({"StaticText", "InlineTextBox", "RootWebArea", "generic", "none", "LineBreak"})


@dataclass(frozen=True)
class Mark:
    """One numbered box: the element id as label, and its box in viewport pixels."""

    label: str
    x: float
    y: float
    width: float
    height: float


def visible_marks(boxes: list[tuple[str, str, tuple[float, float, float, float]]], viewport) -> list[Mark]:
    """Return a Mark for each (id, role, box) that is a target with a visible part in ``viewport``."""
    marks = []
    for element_id, role, (x, y, width, height) in boxes:
        if role in UNMARKED_ROLES or width <= 0 or height <= 0:
            continue
        if x + width <= 0 or y + height <= 0 or x >= viewport[0] or y >= viewport[1]:
            continue
        marks.append(Mark(element_id, x, y, width, height))
    return marks


def draw_marks(page: Page, marks: list[Mark]) -> int:
    """Draw ``marks`` over ``page``; return how many were drawn."""
    payload = [mark.__dict__ for mark in marks]
    return page.evaluate(MARKS_JS, {"action": "draw", "marks": payload, "container": CONTAINER_ID})


def remove_marks(page: Page) -> int:
    """Remove the marks from ``page``; return 1 if there were marks, else 0."""
    return page.evaluate(MARKS_JS, {"action": "remove", "container": CONTAINER_ID})


def marked_screenshot(page: Page, marks: list[Mark], timeout_ms: float) -> bytes:
    """Return a PNG of ``page`` with ``marks`` drawn; the marks are removed afterwards."""
    draw_marks(page, marks)
    try:
        return page.screenshot(timeout=timeout_ms)
    finally:
        remove_marks(page)
