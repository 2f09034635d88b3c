"""WebVoyager's browser: a fresh headless Chromium per episode through Selenium, as upstream's run.py.

The driver is found as MiniWoB's is (:func:`webbench.browser.chromium.find_chromium`). Every
Selenium call has a time-out: the HTTP call to chromedriver (``COMMAND_TIMEOUT_S``), page loads
(``driver.set_page_load_timeout``) and scripts (``set_script_timeout``). Upstream sleeps a fixed
2-10 s after each action (3 s after a click, 10 after a submit button or a Type, 5 for Wait, 2 after
GoBack and Google); here each action is followed by :meth:`SeleniumSession.wait_ready`, a wait on
``document.readyState == "complete"`` (chromedriver itself waits for a navigation an action starts),
bounded by ``READY_TIMEOUT_S``. A page that keeps changing after it is complete (a search that
answers late) is seen as it is then, not 2-10 s later: the one departure from upstream's timing.

Set-of-marks (``mark_page``): the shared ``webbench/browser/js/marks.js`` picks the elements by
WebVoyager's rules (``collect``), draws their boxes in WebVoyager's style, the screenshot is taken
with the boxes, then they are removed.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from webbench.browser.marks import CONTAINER_ID, MARKS_JS
from webbench.suites._webvoyager_dialect import TEXT_INPUTS

#: Seconds any one call to chromedriver may take (its HTTP request), whatever it does.
COMMAND_TIMEOUT_S = 60.0
#: Seconds a script (marking, reading the page) may run.
SCRIPT_TIMEOUT_S = 20.0
#: Seconds a page may take to become ``complete`` after an action.
READY_TIMEOUT_S = 20.0
#: Upstream's window (``--window_width 1024 --window_height 768``).
WINDOW = (1024, 768)
_MARKS = f"return ({MARKS_JS})(arguments[0]);"
_SIGNS = (
    "return [document.title || '', (document.body ? document.body.innerText : '').slice(0, 20000),"
    " [...document.querySelectorAll('iframe')].map(f => f.src || '')];"
)
#: Upstream's guard while typing: a space typed outside a text field does not scroll the page.
_NO_SPACE_SCROLL = (
    "window.onkeydown = function(e) {if(e.keyCode == 32 && e.target.type != 'text' && "
    "e.target.type != 'textarea' && e.target.type != 'search') {e.preventDefault();}};"
)


def user_agent(major: int | None) -> str:
    """Return the desktop user agent the browser announces (headless Chrome's says ``HeadlessChrome``)."""
    version = f"{major}.0.0.0" if major else "120.0.0.0"
    return (
        "Mozilla/5.0 (X11; Linux x86_64) "
        f"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{version} Safari/537.36"
    )


class SeleniumSession:
    """The browser of one env: a new Chromium for each episode (``new_episode``), quit by ``end_episode``."""

    def __init__(self, window: tuple[int, int] = WINDOW, extra_args: tuple[str, ...] = ()) -> None:
        self.window = window
        self.extra_args = tuple(extra_args)
        self.driver: Any = None
        self._mark: str | None = None

    def new_episode(self, **_options: Any) -> None:
        """Start a fresh browser (a clean profile, as upstream starts one per task)."""
        from webbench.browser.chromium import find_chromium, major_version, start_selenium_chrome

        self.end_episode()
        paths = find_chromium()
        self._mark = uuid.uuid4().hex
        args = (f"--user-agent={user_agent(major_version(paths.browser))}", "--force-device-scale-factor=1")
        self.driver = start_selenium_chrome(paths, self.window, self._mark, (*args, *self.extra_args))
        # the HTTP call to chromedriver: a hung driver cannot stall the episode
        self.driver.command_executor._client_config.timeout = COMMAND_TIMEOUT_S
        self.driver.set_script_timeout(SCRIPT_TIMEOUT_S)
        # Upstream's old headless mode gave a viewport of the window's size; the new one counts the
        # window's frame: grow the window until the page sees exactly ``window``.
        inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        outer = self.driver.get_window_size()
        if list(inner) != list(self.window):
            self.driver.set_window_size(
                outer["width"] + self.window[0] - inner[0], outer["height"] + self.window[1] - inner[1]
            )

    def end_episode(self) -> None:
        """Quit the browser and its driver; kill whatever of them is left. Idempotent."""
        from webbench.browser.chromium import kill_marked

        driver, mark, self.driver, self._mark = self.driver, self._mark, None, None
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.quit()
        if mark is not None:
            kill_marked(mark)

    def close(self) -> None:
        """End the episode's browser (the session holds nothing else)."""
        self.end_episode()

    def alive(self) -> bool:
        """Return True while the browser answers."""
        from selenium.common.exceptions import WebDriverException

        if self.driver is None:
            return False
        try:
            self.driver.execute_script("return 1")
        except WebDriverException:
            return False
        return True

    def goto(self, url: str, timeout: float = 30.0) -> str | None:
        """Open ``url`` and wait until it is complete; return the error, or None."""
        from selenium.common.exceptions import WebDriverException

        try:
            self.driver.set_page_load_timeout(timeout)
            self.driver.get(url)
            self.wait_ready(timeout)
        except WebDriverException as exc:
            return (exc.msg or type(exc).__name__).splitlines()[0]
        return None

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Wait (bounded) until the page's ``document.readyState`` is ``complete``; never raises for a
        page that stays loading (the agent sees it as it is)."""
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.support.wait import WebDriverWait

        def ready(driver: Any) -> bool:
            try:
                return driver.execute_script("return document.readyState") == "complete"
            except WebDriverException:
                return False  # between two documents

        with contextlib.suppress(TimeoutException):
            WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(ready)

    def url(self) -> str:
        """Return the current URL."""
        return self.driver.current_url

    def mark_page(self) -> tuple[list[dict[str, Any]], bytes]:
        """Return the items WebVoyager marks (``element`` a Selenium WebElement) and the PNG of the
        viewport with their boxes drawn; the boxes are removed before this returns."""
        items = self.driver.execute_script(_MARKS, {"action": "collect"})
        marks = [
            {"label": index, "x": r["left"], "y": r["top"], "width": r["width"], "height": r["height"]}
            for index, item in enumerate(items)
            for r in item["rects"]
        ]
        self.driver.execute_script(
            _MARKS, {"action": "draw", "marks": marks, "container": CONTAINER_ID, "style": "webvoyager"}
        )
        try:
            png = self.driver.get_screenshot_as_png()
        finally:
            self.driver.execute_script(_MARKS, {"action": "remove", "container": CONTAINER_ID})
        return items, png

    def signs(self) -> tuple[str, str, list[str]]:
        """Return the page's title, visible text (its start) and iframe sources (blocked-page check)."""
        title, text, frames = self.driver.execute_script(_SIGNS)
        return str(title), str(text), [str(src) for src in frames]

    # -- WebVoyager's actions (upstream run.py's exec_action_*) ---------------------------------------
    def click(self, element: Any) -> None:
        """Click ``element``, a link opening in the same tab."""
        self.driver.execute_script("arguments[0].setAttribute('target', '_self')", element)
        element.click()

    def type(self, element: Any, text: str, enter: bool = True) -> str:
        """Clear ``element`` (clear, select-all, space, backspace), click it, type ``text``, press Enter;
        return upstream's warning when the element may not be a text box (else "")."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        tag, kind = element.tag_name.lower(), element.get_attribute("type")
        warning = ""
        if tag not in ("input", "textarea") or (tag == "input" and kind not in TEXT_INPUTS):
            warning = (
                f"note: The web element you're trying to type may not be a textbox, and its tag name is "
                f"<{element.tag_name}>, type is {kind}."
            )
        with contextlib.suppress(WebDriverException):  # upstream: "not always work to delete"
            element.clear()
            element.send_keys(Keys.CONTROL + "a")
            element.send_keys(" ")
            element.send_keys(Keys.BACKSPACE)
        actions = ActionChains(self.driver)
        actions.click(element).perform()
        with contextlib.suppress(WebDriverException):
            self.driver.execute_script(_NO_SPACE_SCROLL)
        actions.send_keys(text)
        if enter:
            actions.send_keys(Keys.ENTER)
        actions.perform()
        return warning

    def scroll(self, element: Any | None, direction: str) -> None:
        """Scroll the window by 2/3 of the window height (``element`` None), or focus ``element`` and
        press Alt+Arrow."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        if element is None:
            step = self.window[1] * 2 // 3
            self.driver.execute_script(f"window.scrollBy(0, {step if direction == 'down' else -step});")
            return
        self.driver.execute_script("arguments[0].focus();", element)
        arrow = Keys.ARROW_DOWN if direction == "down" else Keys.ARROW_UP
        ActionChains(self.driver).key_down(Keys.ALT).send_keys(arrow).key_up(Keys.ALT).perform()

    def back(self) -> None:
        """Go back one page."""
        self.driver.back()

    def get(self, url: str, timeout: float = 30.0) -> None:
        """Open ``url`` (raises on failure, as upstream's ``driver.get``)."""
        self.driver.set_page_load_timeout(timeout)
        self.driver.get(url)
