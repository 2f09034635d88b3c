"""The Playwright browser session a live env drives: one Chromium per worker, a context per episode.

Contract (what ``suites/_live.py`` relies on; sync API, one thread)::

    session = BrowserSession.launch()                    # Chromium found by browser.chromium
    session.new_episode(viewport=(1280, 720), storage_state=None, har_path=None,
                        pruning="official", action_style="canonical")
    session.goto(url)                                    # -> error string or None
    obs = session.observe(screenshot=False, marks=False) # -> PageObservation
    error = session.execute(action, timeout=10.0)        # -> error string or None
    session.end_episode()                                # closes the context, flushes the HAR
                                                         # (and opens the next one's: see end_episode)
    session.close()                                      # kills Chromium; idempotent

``PageObservation.text`` is WebArena's accessibility-tree text (tab header, blank line, tree;
see ``browser.axtree``) with stable ids: ``js/bid.js`` numbers every node of every frame in the
page itself (``data-webbench-id``), so an element keeps its id from step to step, and the same
page gets the same ids when it is loaded again. ``elements`` lists each printed node once, with
its box in page pixels and its printed properties as ``attrs``; ``scroll`` is the main frame's scroll
offset (a page box minus it is the box on the screenshot). ``screenshot`` is a PNG when
asked; ``marked`` a set-of-marks PNG (boxes and ids drawn, captured, removed) when asked.

Chromium is started by this module, not by Playwright's launcher (which puts the browser in a
process group of its own, so killing the worker's group would leave it running): it runs in the
worker's process group, dies with the worker (``PR_SET_PDEATHSIG`` on Linux), and Playwright
attaches to it over CDP on a loopback port. Every call that touches the page has a time-out; a
page whose script never returns is interrupted (``Runtime.terminateExecution``) and the step
gets an error. ``answer``, ``say`` and ``noop`` do nothing here (the env handles them).
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from webbench.browser import cdp
from webbench.browser.actions import ACTION_STYLES, PAGE_ACTIONS, run_page_action, short_error
from webbench.browser.axtree import PRUNING_MODES, observation_text
from webbench.browser.chromium import CHROMIUM_FLAGS, BrowserNotFound, find_browser
from webbench.browser.marks import marked_screenshot, visible_marks
from webbench.browser.observe import PageState, bid_call, observe_tree
from webbench.core.action import Action, make_action
from webbench.core.errors import UsageError
from webbench.core.types import Element

DEFAULT_VIEWPORT = (1280, 720)
#: Resolves after two animation frames and a task turn, or after 100 ms (frames of a hidden tab).
_SETTLE_JS = (
    "new Promise(done => { const cap = setTimeout(done, 100); requestAnimationFrame(() => "
    "requestAnimationFrame(() => setTimeout(() => { clearTimeout(cap); done(); }, 0))); })"
)
#: Flags Playwright's own launcher adds (WebArena's browser had them): no back/forward cache (a
#: page restored from it fires no load event), no scrollbars in headless layout, no throttling
#: of background tabs, no popup blocking.
PLAYWRIGHT_PARITY_FLAGS = (
    "--hide-scrollbars",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-popup-blocking",
    "--disable-hang-monitor",
)
#: Headless Chromium also builds each window's omnibox popups as WebUI pages (a renderer process
#: and a CDP target each, per context): off, as Puppeteer does.
_DISABLED_FEATURES = ("BackForwardCache", "WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
ENV_ACTIONS = ("answer", "say", "noop")
#: Time-out of each call that opens or takes the next episode's spare context, in seconds.
SPARE_TIMEOUT_S = 10.0
_PR_SET_PDEATHSIG = 1


@dataclass
class PageObservation:
    """One observation of the current tab: text, elements, url, tab titles, optional PNGs."""

    text: str
    elements: list[Element]
    url: str
    tabs: list[str]
    screenshot: bytes | None = None
    marked: bytes | None = None
    notes: list[str] = field(default_factory=list)
    #: The main frame's scroll offset: an element's page box minus it is its box on the screenshot.
    scroll: tuple[float, float] = (0.0, 0.0)


@dataclass
class _Episode:
    context: BrowserContext
    viewport: tuple[int, int]
    pruning: str
    style: str
    current: Page
    plain: bool  # no storage state, no HAR: the next episode likely takes a spare context
    states: dict[Page, PageState] = field(default_factory=dict)
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)


def _context_options(viewport: tuple[int, int]) -> dict[str, Any]:
    return {"viewport": {"width": viewport[0], "height": viewport[1]}, "device_scale_factor": 1}


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _flags() -> list[str]:
    """Return the project's Chromium flags plus Playwright's, with one merged --disable-features."""
    prefix = "--disable-features="
    features = [
        f for flag in CHROMIUM_FLAGS if flag.startswith(prefix) for f in flag[len(prefix) :].split(",")
    ]
    others = [flag for flag in CHROMIUM_FLAGS if not flag.startswith(prefix)]
    return [*others, *PLAYWRIGHT_PARITY_FLAGS, prefix + ",".join([*features, *_DISABLED_FEATURES])]


def _read_endpoint(proc: subprocess.Popen, timeout_s: float) -> str:
    """Return the DevTools websocket URL Chromium prints on stderr; drain stderr afterwards."""
    found: list[str] = []
    ready = threading.Event()

    def reader() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").strip()
            if not found and line.startswith("DevTools listening on "):
                found.append(line.split(" ", 3)[3])
                ready.set()
        ready.set()

    threading.Thread(target=reader, name="chromium-stderr", daemon=True).start()
    ready.wait(timeout_s)
    if not found:
        raise BrowserNotFound(f"Chromium did not start within {timeout_s:.0f} s (no DevTools endpoint)")
    return found[0]


class BrowserSession:
    """One Chromium for one worker; a fresh context per episode; tabs, observations, actions."""

    def __init__(self, playwright: Playwright, browser: Browser, proc: subprocess.Popen, user_dir: str):
        self._playwright = playwright
        self._browser = browser
        self._proc = proc
        self._user_dir = user_dir
        self._episode: _Episode | None = None
        self._spare: tuple[BrowserContext, tuple[int, int]] | None = None

    @classmethod
    def launch(
        cls, executable: str | None = None, *, args: tuple[str, ...] = (), timeout: float = 30.0
    ) -> BrowserSession:
        """Return a session on a new headless Chromium (found by ``browser.chromium`` if not given)."""
        binary = executable or find_browser()
        if binary is None:
            raise BrowserNotFound("no Chromium found: install Debian's 'chromium' or set WEBBENCH_CHROMIUM")
        user_dir = tempfile.mkdtemp(prefix="webbench-chromium-")
        command = [
            binary,
            *_flags(),
            *args,
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={user_dir}",
            "--no-startup-window",
        ]
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        playwright = None
        try:
            endpoint = _read_endpoint(proc, timeout)
            playwright = sync_playwright().start()
            browser = playwright.chromium.connect_over_cdp(endpoint, timeout=timeout * 1000)
        except BaseException:
            if playwright is not None:
                playwright.stop()
            proc.kill()
            proc.wait()
            shutil.rmtree(user_dir, ignore_errors=True)
            raise
        return cls(playwright, browser, proc, user_dir)

    @property
    def browser(self) -> Browser:
        """Return the Playwright Browser (for tools that drive it directly, e.g. benchmarks)."""
        return self._browser

    @property
    def pid(self) -> int:
        """Return the process id of the Chromium browser process."""
        return self._proc.pid

    def alive(self) -> bool:
        """Return True while Chromium runs and Playwright is still connected to it."""
        return self._proc.poll() is None and self._browser.is_connected()

    # ---- episodes -------------------------------------------------------------------------

    def new_episode(
        self,
        viewport: tuple[int, int] = DEFAULT_VIEWPORT,
        storage_state: str | Path | dict[str, Any] | None = None,
        har_path: str | Path | None = None,
        pruning: str = "official",
        action_style: str = "canonical",
    ) -> None:
        """Start an episode: a new context (ending any open one) with one blank tab."""
        if pruning not in PRUNING_MODES:
            raise UsageError(f"pruning must be one of {', '.join(PRUNING_MODES)}, not {pruning!r}")
        if action_style not in ACTION_STYLES:
            raise UsageError(f"action style must be one of {', '.join(ACTION_STYLES)}, not {action_style!r}")
        self.end_episode()
        plain = storage_state is None and har_path is None
        context, page = self._take_spare(viewport, plain)
        if context is None or page is None:
            options = _context_options(viewport)
            if storage_state is not None:
                options["storage_state"] = (
                    storage_state if isinstance(storage_state, dict) else str(storage_state)
                )
            if har_path is not None:
                options["record_har_path"] = str(har_path)
                options["record_har_content"] = "embed"
            context = self._browser.new_context(**options)
            page = context.new_page()
        self._episode = _Episode(context, viewport, pruning, action_style, page, plain)
        context.on("page", self._on_new_page)

    def _on_new_page(self, page: Page) -> None:
        if self._episode is not None:
            self._episode.current = page

    def end_episode(self) -> None:
        """Close the episode's context (flushing its HAR file); nothing if none is open.

        After an episode without storage state or HAR, the next episode's context is opened
        first (a fresh context like any other, its tab started but not waited for), so that
        Chromium starts its renderer while this one closes and the caller resets its site.
        """
        self._end(prepare=True)

    def _end(self, prepare: bool) -> None:
        episode, self._episode = self._episode, None
        if episode is None:
            return
        if prepare and episode.plain and self._spare is None:
            self._spare = self._open_spare(episode.viewport)
        with contextlib.suppress(PlaywrightError):
            episode.context.close()

    def _open_spare(self, viewport: tuple[int, int]) -> tuple[BrowserContext, tuple[int, int]] | None:
        """Return a new context with its blank tab requested over CDP (Playwright sets it up)."""
        timeout_ms = SPARE_TIMEOUT_S * 1000
        try:
            browser_cdp = self._browser.new_browser_cdp_session()
            try:
                before = cdp.send(browser_cdp, "Target.getBrowserContexts", {}, timeout_ms)
                context = self._browser.new_context(**_context_options(viewport))
                after = cdp.send(browser_cdp, "Target.getBrowserContexts", {}, timeout_ms)
                new = set(after["browserContextIds"]) - set(before["browserContextIds"])
                if len(new) != 1:
                    context.close()
                    return None
                target = {"url": "about:blank", "browserContextId": new.pop()}
                cdp.send(browser_cdp, "Target.createTarget", target, timeout_ms)
            finally:
                browser_cdp.detach()
        except PlaywrightError:
            return None
        return context, viewport

    def _take_spare(
        self, viewport: tuple[int, int], plain: bool
    ) -> tuple[BrowserContext | None, Page | None]:
        """Return the spare context and its tab if they fit the episode, else close it: (None, None)."""
        spare, self._spare = self._spare, None
        if spare is None:
            return None, None
        context, spare_viewport = spare
        if plain and tuple(spare_viewport) == tuple(viewport):
            try:
                pages = context.pages
                timeout_ms = SPARE_TIMEOUT_S * 1000
                return context, pages[0] if pages else context.wait_for_event("page", timeout=timeout_ms)
            except PlaywrightError:
                pass
        with contextlib.suppress(PlaywrightError):
            context.close()
        return None, None

    def _discard_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            with contextlib.suppress(PlaywrightError):
                spare[0].close()

    def close(self) -> None:
        """End the episode, disconnect and kill Chromium; safe to call twice."""
        with contextlib.suppress(Exception):
            self._end(prepare=False)
        with contextlib.suppress(Exception):
            self._discard_spare()
        with contextlib.suppress(Exception):
            self._browser.close()
        with contextlib.suppress(Exception):
            self._playwright.stop()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        shutil.rmtree(self._user_dir, ignore_errors=True)

    def __enter__(self) -> BrowserSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- tabs -----------------------------------------------------------------------------

    def _require(self) -> _Episode:
        if self._episode is None:
            raise RuntimeError("no episode: call new_episode() first")
        return self._episode

    @property
    def page(self) -> Page:
        """Return the current tab's Playwright page."""
        return self._require().current

    def tabs(self) -> list[Page]:
        """Return the open tabs, in order."""
        return list(self._require().context.pages)

    @contextlib.contextmanager
    def side_tab(self) -> Iterator[Page]:
        """Yield a new tab of the episode's context for the harness (evaluators); the current tab
        stays current, and the side tab is closed on exit."""
        episode = self._require()
        current = episode.current
        page = episode.context.new_page()
        episode.current = current
        try:
            yield page
        finally:
            with contextlib.suppress(PlaywrightError):
                page.close(run_before_unload=False)
            episode.states.pop(page, None)
            episode.current = current

    def _tab_action(self, action: Action) -> str | None:
        episode = self._require()
        pages = episode.context.pages
        if action.name == "new_tab":
            episode.current = episode.context.new_page()
        elif action.name == "switch_tab":
            index = action.args["index"]
            if not 0 <= index < len(pages):
                return f"switch_tab({index}): there are {len(pages)} tab(s), numbered from 0"
            episode.current = pages[index]
            episode.current.bring_to_front()
        else:
            episode.current.close(run_before_unload=False)
            episode.states.pop(episode.current, None)
            remaining = episode.context.pages
            episode.current = remaining[-1] if remaining else episode.context.new_page()
        return None

    # ---- responsiveness ---------------------------------------------------------------------

    def _in_page(self, page: Page, expression: str, timeout_ms: float) -> tuple[Any, str | None]:
        """Return (the value of ``expression`` in the main frame, None), or (None, an error).

        A time-out interrupts the stuck script (``Runtime.terminateExecution``) and tries once
        more; any other failure (a navigation in progress) waits for the new document first.
        """
        problem = "the page is not responding"
        for attempt in range(2):
            try:
                return cdp.evaluate(self._cdp(page), expression, timeout_ms), None
            except PlaywrightError as exc:
                problem = f"the page is not responding: {short_error(exc)}"
                if attempt:
                    break
                with contextlib.suppress(PlaywrightError):
                    if "Timeout" in str(exc):
                        cdp.send(self._cdp(page), "Runtime.terminateExecution", {}, timeout_ms)
                    else:
                        page.wait_for_load_state("domcontentloaded", timeout=timeout_ms)
        return None, problem

    def _cdp(self, page: Page):
        """Return the page's CDP session (opened once, shared with the observation)."""
        return self._state(page).main_session(page)

    def _state(self, page: Page) -> PageState:
        return self._require().states.setdefault(page, PageState())

    # ---- the public step API -----------------------------------------------------------------

    def goto(self, url: str, timeout: float = 30.0) -> str | None:
        """Load ``url`` in the current tab and wait for its load event; return an error or None."""
        return self.execute(make_action("goto", url), timeout=timeout)

    def execute(self, action: Action, timeout: float = 10.0) -> str | None:
        """Execute ``action`` on the current tab within ``timeout`` seconds; return an error or None."""
        episode = self._require()
        timeout_ms = timeout * 1000
        if action.name in ENV_ACTIONS:
            return None
        try:
            if action.name in ("new_tab", "switch_tab", "close_tab"):
                return self._tab_action(action)
            if action.name not in PAGE_ACTIONS:
                return f"{action.name}() is not supported by the browser session"
            page = episode.current
            if action.name == "press":
                _, problem = self._in_page(page, "true", timeout_ms)
                if problem:
                    return problem
            error = run_page_action(
                page,
                self._state(page),
                action,
                style=episode.style,
                boxes=episode.boxes,
                viewport=episode.viewport,
                timeout_ms=timeout_ms,
            )
        except PlaywrightError as exc:
            return f"{action.name}() failed: {short_error(exc)}"
        if error and "Timeout" in error:
            self._recover(episode.current, action, min(timeout_ms, 2000))
        return error

    def _recover(self, page: Page, action: Action, timeout_ms: float) -> None:
        """After a timed-out action: stop a pending navigation, or interrupt a stuck script."""
        if action.name in ("goto", "go_back", "go_forward"):
            with contextlib.suppress(PlaywrightError):
                cdp.send(self._cdp(page), "Page.stopLoading", {}, timeout_ms)
        self._in_page(page, "true", timeout_ms)

    def settle(self, timeout: float = 1.0) -> None:
        """Wait until the current tab has rendered what the last action changed: two animation
        frames and a task turn (work a handler queued with ``requestAnimationFrame`` or
        ``setTimeout(0)``), at most ``timeout`` seconds; a page that does not get there is left as is."""
        page = self._require().current
        with contextlib.suppress(PlaywrightError, cdp.ScriptError):
            cdp.send(
                self._cdp(page),
                "Runtime.evaluate",
                {"expression": _SETTLE_JS, "awaitPromise": True, "returnByValue": True},
                timeout * 1000,
            )

    def observe(
        self, screenshot: bool = False, marks: bool = False, timeout: float = 10.0
    ) -> PageObservation:
        """Return the current tab's observation (tree text, elements, url, tabs, PNGs on request).

        A page that does not respond, or fails to be read, gives an empty tree and a note.
        """
        episode = self._require()
        page = episode.current
        timeout_ms = timeout * 1000
        notes: list[str] = []
        main, problem = self._in_page(page, bid_call(0), timeout_ms)
        tree, elements, printed, title, scroll = "", [], [], None, (0.0, 0.0)
        if problem:
            notes.append(problem)
        else:
            try:
                state = self._state(page)
                result = observe_tree(
                    episode.context, page, state, episode.viewport, episode.pruning, main, timeout_ms
                )
                tree, printed, notes, title = result.tree, result.nodes, result.notes, result.title
                scroll = result.scroll
                elements = _elements(printed, result.scroll)
            except PlaywrightError as exc:
                notes.append(f"the page could not be read: {short_error(exc)}")
        pages = episode.context.pages
        titles = [title if tab is page and title is not None else self._title(tab) for tab in pages]
        current = pages.index(page) if page in pages else 0
        episode.boxes = {node.id: node.box for node in printed if node.box is not None}
        obs = PageObservation(
            observation_text(titles, current, tree), elements, page.url, titles, notes=notes, scroll=scroll
        )
        if screenshot:
            obs.screenshot = self._capture(page, timeout_ms, notes)
        if marks and not problem:
            boxes = [(node.id, node.role, node.box) for node in printed if node.box is not None]
            try:
                obs.marked = marked_screenshot(page, visible_marks(boxes, episode.viewport), timeout_ms)
            except PlaywrightError as exc:
                notes.append(f"no set-of-marks screenshot: {short_error(exc)}")
        return obs

    def _capture(self, page: Page, timeout_ms: float, notes: list[str]) -> bytes | None:
        try:
            return page.screenshot(timeout=timeout_ms)
        except PlaywrightError as exc:
            notes.append(f"no screenshot: {short_error(exc)}")
            return None

    @staticmethod
    def _title(page: Page) -> str:
        try:
            return page.title()
        except PlaywrightError:
            return ""


def _elements(printed, scroll: tuple[float, float]) -> list[Element]:
    """Return one Element per printed id (first line wins), boxes moved to page pixels."""
    seen: set[str] = set()
    elements = []
    for node in printed:
        if node.id in seen:
            continue
        seen.add(node.id)
        bbox = None
        if node.box is not None:
            x, y, width, height = node.box
            bbox = (x + scroll[0], y + scroll[1], width, height)
        elements.append(Element(node.id, node.role, node.name, bbox, dict(node.properties)))
    return elements
