"""Executing canonical page actions on one tab, each bounded by its own time-out.

Two styles, chosen per episode:

- ``"canonical"`` (default): Playwright's element actions on the element with the given id
  (they wait until it is visible, enabled and not covered, scroll it into view, and give up at
  the time-out); ``type`` replaces the field's text (``fill``), then presses Enter when
  ``enter=True``.
- ``"webarena"``: as WebArena's ``browser_env``: ``click``/``hover`` act at the centre of the
  element's box as last observed, without scrolling (an element outside the viewport is an
  error); ``type`` clicks the centre, then types, appending to what the field holds; Enter
  only when ``enter=True`` (the WebArena dialect sets it, as ``type [id] [text]`` defaults to 1).

Both: ``press`` takes Playwright key names (``Meta`` becomes ``Control`` off macOS, as
WebArena); ``scroll`` moves the page by one window height (or width), as WebArena; ``goto``,
``go_back`` and ``go_forward`` wait for the ``load`` event. Every failure is returned as a
one-line error string, never raised; a page that stops responding gives a time-out error.
A text node's id (a ``StaticText`` line) acts on its parent element.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from webbench.browser import cdp
from webbench.browser.observe import PageState
from webbench.browser.snapshot import ID_ATTR, TEXT_ATTR
from webbench.core.action import Action

ACTION_STYLES = ("canonical", "webarena")
PAGE_ACTIONS = ("click", "type", "select", "hover", "press", "scroll", "goto", "go_back", "go_forward")
Box = tuple[float, float, float, float]

_SCROLL_JS = """([axis, sign]) => {
  const target = document.scrollingElement || document.body;
  if (axis === "y") target.scrollTop = target.scrollTop + sign * window.innerHeight;
  else target.scrollLeft = target.scrollLeft + sign * window.innerWidth;
  return true;
}"""
_SCROLLS = {"down": ("y", 1), "up": ("y", -1), "right": ("x", 1), "left": ("x", -1)}


def short_error(exc: BaseException) -> str:
    """Return the first line of an exception's message (Playwright adds a call log after it)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def key_name(key: str, platform: str = sys.platform) -> str:
    """Return ``key`` with ``Meta`` mapped to ``Control`` unless ``platform`` is macOS."""
    if platform == "darwin":
        return key
    return "+".join("Control" if part == "Meta" else part for part in key.split("+"))


_CHECK_JS = """(selector) => {
  const element = document.querySelector(selector);
  if (!element) return "missing";
  const rect = element.getBoundingClientRect();
  const shown = !element.checkVisibility || element.checkVisibility({ visibilityProperty: true });
  return rect.width > 0 && rect.height > 0 && shown ? "ok" : "hidden";
}"""


def element_locator(page: Page, state: PageState, element_id: str, timeout_ms: float) -> Locator | str:
    """Return a locator of the visible element ``element_id`` (or a text node's parent), or an error.

    The check runs in the page with a time-out (one CDP call in the main frame,
    ``wait_for_function`` in a child frame), so a page that does not respond gives a time-out
    error instead of a hang.
    """
    frame = state.frame_of(page, element_id)
    if frame is None or frame.is_detached():
        return f"element {element_id} is not on the page (its frame is gone)"
    selector = f'[{ID_ATTR}="{element_id}"], [{TEXT_ATTR}~="{element_id}"]'
    if frame is page.main_frame:
        status = cdp.evaluate(state.main_session(page), cdp.call(_CHECK_JS, selector), timeout_ms)
    else:
        status = frame.wait_for_function(_CHECK_JS, arg=selector, timeout=timeout_ms).json_value()
    if status == "missing":
        return f"element {element_id} is not on the page (unknown id, or removed since the observation)"
    if status == "hidden":
        return f"element {element_id} is not visible"
    return frame.locator(selector).first


def _on_screen(box: Box | None, viewport: tuple[float, float], element_id: str) -> str | None:
    if box is None or box[2] <= 0 or box[3] <= 0:
        return f"element {element_id} has no visible box"
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    if not (0 <= cx < viewport[0] and 0 <= cy < viewport[1]):
        return f"element {element_id} is outside the viewport (scroll first)"
    return None


def _element_action(
    page: Page,
    state: PageState,
    action: Action,
    style: str,
    boxes: Mapping[str, Box],
    viewport: tuple[float, float],
    timeout_ms: float,
) -> str | None:
    element_id = action.args["element"]
    found = element_locator(page, state, element_id, timeout_ms)
    if isinstance(found, str):
        return found
    webarena = style == "webarena"
    if webarena and action.name in ("click", "hover", "type"):
        problem = _on_screen(boxes.get(element_id), viewport, element_id)
        if problem:
            return problem
    if action.name == "click":
        found.click(timeout=timeout_ms, force=webarena)
    elif action.name == "hover":
        found.hover(timeout=timeout_ms, force=webarena)
    elif action.name == "select":
        try:
            found.select_option(label=action.args["option"], timeout=timeout_ms)
        except PlaywrightError:
            found.select_option(value=action.args["option"], timeout=timeout_ms)
    elif webarena:
        found.click(timeout=timeout_ms, force=True)
        found.press_sequentially(action.args["text"], timeout=timeout_ms)
    else:
        found.fill(action.args["text"], timeout=timeout_ms)
    if action.name == "type" and action.args.get("enter"):
        found.press("Enter", timeout=timeout_ms)
    return None


def run_page_action(
    page: Page,
    state: PageState,
    action: Action,
    *,
    style: str,
    boxes: Mapping[str, Box],
    viewport: tuple[float, float],
    timeout_ms: float,
) -> str | None:
    """Execute one page action (``PAGE_ACTIONS``) on ``page``; return an error string or None."""
    try:
        if action.element is not None:
            return _element_action(page, state, action, style, boxes, viewport, timeout_ms)
        if action.name == "press":
            focused = page.locator("*:focus")
            target = focused.first if focused.count() else page.locator("body")
            target.press(key_name(action.args["key"]), timeout=timeout_ms)
        elif action.name == "scroll":
            page.main_frame.wait_for_function(
                _SCROLL_JS, arg=_SCROLLS[action.args["direction"]], timeout=timeout_ms
            )
        elif action.name == "goto":
            page.goto(action.args["url"], timeout=timeout_ms, wait_until="load")
        elif action.name == "go_back":
            page.go_back(timeout=timeout_ms, wait_until="load")
        elif action.name == "go_forward":
            page.go_forward(timeout=timeout_ms, wait_until="load")
        else:
            return f"{action.name}() is not a page action"
    except PlaywrightError as exc:
        return f"{action.name}() failed: {short_error(exc)}"
    return None
