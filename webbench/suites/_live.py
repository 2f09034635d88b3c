"""The live-site env shared by the browser suites (WebArena-Infinity, WebArena, ...).

The agent acts in a real Chromium (:mod:`webbench.browser.session`: one browser per env, that is
per worker, and a fresh context per episode) until it answers or the harness stops it; then the
suite's evaluator decides, once, on the final state (never after every step). A suite supplies:

- ``setup(task, seed)``: put the site in the task's starting state (reset, log in) and return the
  start URLs, one tab each (tab 0 in front);
- ``evaluate(task, answer)``: the final info (``success``, ``score``, ``metrics``, ``details``)
  from the answer (None when the agent never answered) and the site's or page's state;
- optionally ``context_options(task)`` (storage state, viewport), ``load(urls)`` (opening the start
  URLs and waiting for the site's own readiness condition), ``check_alive()`` (its sites' health,
  after every action) and ``teardown()``.

Actions the page cannot perform, pages that hang and unknown element ids are step errors in the
next observation, never exceptions; a start URL that does not load, a site or a browser that died
is an env failure, which the harness records as ``env_error``. ``answer`` ends the episode. The
episode's HAR file goes to its artifacts folder (``network.har``) when the suite option ``har`` is
``on``; with ``set_of_marks`` ``on`` every observation's screenshot is the set-of-marks one (boxes and
ids drawn on the page), for vision agents. With ``trace`` ``on`` (:data:`TRACE_OPTION`) the episode's
Playwright trace (screenshots, DOM snapshots, network) goes to its artifacts folder (``trace.zip``);
``retain-on-failure`` keeps it only for an episode that did not succeed (a successful episode's trace
is discarded before it is written). Every observation's ``extra["scroll"]`` is the page's scroll
offset: an element's page box minus it is where the element is on that step's screenshot.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import time
from abc import abstractmethod
from pathlib import Path
from typing import Any

from webbench.browser.axtree import PRUNING_MODES
from webbench.core.action import Action, make_action
from webbench.core.env import EnvConfig, StepResult, WebEnv
from webbench.core.suite import SuiteOption, one_of
from webbench.core.types import Observation, Task

#: Seconds one browser action may take before the step gets an error instead.
ACTION_TIMEOUT_S = 10.0
#: Seconds a start URL may take to load.
NAVIGATION_TIMEOUT_S = 30.0
#: The episode's Playwright trace, in its artifacts folder (``--trace``).
TRACE_FILE = "trace.zip"
TRACE_MODES = ("off", "on", "retain-on-failure")
#: ``--trace``: the suite option every live suite declares (``webbench eval --suite X --trace on``).
TRACE_OPTION = SuiteOption(
    "trace",
    "on: record a Playwright trace per episode in its folder (trace.zip: open it with 'playwright "
    "show-trace'); retain-on-failure: keep it only for episodes that did not succeed (default off)",
    one_of(*TRACE_MODES),
    "off",
)


def pruning_option(default: str, why: str = "") -> SuiteOption:
    """Return the ``--pruning`` suite option (viewport pruning of the accessibility tree) with the
    suite's own ``default`` (``why``: a note on that default for the help text)."""
    return SuiteOption(
        "pruning",
        f"viewport pruning of the accessibility tree: {', '.join(PRUNING_MODES)} (default {default}{why})",
        one_of(*PRUNING_MODES),
        default,
    )


#: ``--set-of-marks``: the suite option of the live suites whose observations can carry marks.
MARKS_OPTION = SuiteOption(
    "set-of-marks",
    "on: each observation's screenshot has the elements' boxes and ids drawn (vision agents)",
    one_of("on", "off"),
    "off",
)


def missing_browser(package: str, install: str, driver: bool = False) -> list[str]:
    """Return what a live suite's preflight lacks, one line each: the Python ``package`` (``install``
    says how to get it) and a Chromium, with its chromedriver when ``driver`` (Selenium suites)."""
    missing = []
    try:
        importlib.import_module(package)
    except ImportError:
        missing.append(f"the {package} package ({install})")
    from webbench.browser.chromium import BrowserNotFound, find_browser, find_chromium

    if not driver:
        if find_browser() is None:
            missing.append("no Chromium found: install Debian's 'chromium' or set WEBBENCH_CHROMIUM")
        return missing
    try:
        find_chromium()
    except BrowserNotFound as exc:
        missing.append(str(exc))
    return missing


def print_site_up(name: str, url: str, started: float) -> None:
    """Print a suite's ``services`` line for a site that is up: ``site NAME: up (URL, N.N s)`` (on stderr),
    the seconds counted from ``started`` (a ``time.monotonic()`` value)."""
    print(f"site {name}: up ({url}, {time.monotonic() - started:.1f} s)", file=sys.stderr)


class SiteDown(RuntimeError):
    """A site did not serve a start URL; the message names the site and the URL."""


class BrowserDied(RuntimeError):
    """The episode's browser exited or disconnected."""


class LiveEnv(WebEnv):
    """A real browser on a live site; subclasses set up the task's state and evaluate the end."""

    #: Real site origins (``http://127.0.0.1:40127``) -> the names the agent sees instead
    #: (``http://gmail.infinity.test``), set by ``setup``: what the agent sees (URL, tabs, page text)
    #: does not depend on the free port a worker's server got, so LLM prompts replay from the
    #: cache; ``goto`` maps the names back.
    origins: dict[str, str]

    def __init__(self, config: EnvConfig) -> None:
        super().__init__(config)
        self.origins = {}
        self._session: Any = None
        #: Where the open episode's trace goes when kept; None when no trace is being recorded.
        self._trace: Path | None = None
        #: The trace ``end_browser_episode`` wrote before scoring (``_final`` decides whether it stays).
        self._written_trace: Path | None = None

    @abstractmethod
    def setup(self, task: Task, seed: int | None) -> list[str]:
        """Reset the site's state for ``task`` and return its start URLs (one tab each)."""

    @abstractmethod
    def evaluate(self, task: Task, answer: str | None) -> dict[str, Any]:
        """Return the final info (``success``, ``score``, ``metrics``, ``details``) of ``task``."""

    def context_options(self, task: Task) -> dict[str, Any]:
        """Return extra ``BrowserSession.new_episode`` options for ``task`` (storage state ...)."""
        return {}

    def records_har(self, task: Task) -> bool:
        """Return True when the episode of ``task`` records a HAR file (default: the option ``har`` is on)."""
        return self.config.options.get("har") == "on"

    def teardown(self) -> None:
        """Release what ``setup`` started for this env (called by ``close``)."""

    @property
    def session(self):
        """Return this env's browser session, launched on first use."""
        if self._session is None:
            from webbench.browser.session import BrowserSession

            self._session = BrowserSession.launch()
        return self._session

    def start(self, task: Task, seed: int | None) -> tuple[Observation, dict[str, Any]]:
        self._answer: str | None = None
        self._history: list[str] = []
        self._steps = 0
        self._stop_trace(keep=True)  # an episode that ended without _final (env_error) keeps its trace
        self.session.end_episode()  # the previous episode's pages are gone before the site resets
        urls = self.setup(task, seed)
        har = self.artifacts / "network.har" if self.artifacts and self.records_har(task) else None
        self.session.new_episode(har_path=har, **self.context_options(task))
        if self.artifacts and (self.config.options.get("trace") or "off") != "off":
            self.session.page.context.tracing.start(screenshots=True, snapshots=True)
            self._trace = self.artifacts / TRACE_FILE
        self.load(urls)
        return self._observe(None), {"start_urls": urls}

    def load(self, urls: list[str]) -> None:
        """Open each start URL in its own tab, tab 0 in front; SiteDown when one does not load."""
        for index, url in enumerate(urls):
            if index:
                self.session.execute(make_action("new_tab"))
            error = self.session.goto(url, timeout=NAVIGATION_TIMEOUT_S)
            if error:
                raise SiteDown(f"start URL {url} did not load: {error}")
        if len(urls) > 1:
            self.session.execute(make_action("switch_tab", 0))

    def check_alive(self) -> None:
        """Raise BrowserDied when the browser is gone (suites add their sites' checks)."""
        if not self.session.alive():
            raise BrowserDied("Chromium died mid-episode")

    def shown(self, text: str) -> str:
        """Return ``text`` with each real site origin replaced by the name the agent sees."""
        for real, alias in self.origins.items():
            text = text.replace(real, alias)
        return text

    def real(self, url: str) -> str:
        """Return ``url`` with a shown site name mapped back to the real origin (for ``goto``)."""
        for real, alias in self.origins.items():
            if url.startswith(alias):
                return real + url[len(alias) :]
        return url

    def end_browser_episode(self) -> None:
        """End the episode's browser context now, before scoring (its HAR file is then complete):
        the trace is written first, and under ``retain-on-failure`` removed again by ``_final``
        if the episode succeeds."""
        self._written_trace = self._trace
        self._stop_trace(keep=True)
        self.session.end_episode()

    def _stop_trace(self, keep: bool) -> None:
        """Stop the episode's trace: written to the artifacts folder when ``keep``, else discarded.

        A trace that cannot be written (the browser died) is lost, never the episode."""
        path, self._trace = self._trace, None
        if path is None:
            return
        with contextlib.suppress(Exception):
            tracing = self.session.page.context.tracing
            if keep:
                path.parent.mkdir(parents=True, exist_ok=True)
                tracing.stop(path=str(path))
            else:
                tracing.stop()

    def _observe(self, error: str | None) -> Observation:
        marks = self.config.options.get("set_of_marks") == "on"
        page = self.session.observe(screenshot=self.config.screenshots and not marks, marks=marks)
        notes = "; ".join(page.notes)
        return Observation(
            goal=self.task.goal if self.task else "",
            url=self.shown(page.url),
            text=self.shown(page.text),
            elements=page.elements,
            screenshot=page.marked if marks else page.screenshot,
            history=list(self._history),
            tabs=[self.shown(tab) for tab in page.tabs],
            error=error or (notes or None),
            step=self._steps,
            extra={"scroll": page.scroll},
        )

    def act(self, action: Action) -> StepResult:
        self._steps += 1
        self._history.append(str(action))
        if action.name == "answer":
            self._answer = action.args["text"]
            info = self._final("answer")
            obs = Observation(goal=self.task.goal if self.task else "", step=self._steps)
            return obs, float(info.get("score", 0.0)), True, False, info
        if action.name == "goto":
            action = make_action("goto", self.real(action.args["url"]))
        error = self.session.execute(action, timeout=ACTION_TIMEOUT_S)
        self.check_alive()
        self.session.settle()  # the page shows what the action did: observations repeat run to run
        return self._observe(error), 0.0, False, False, {}

    def invalid(self, raw: str, reason: str) -> StepResult:
        self._steps += 1
        self._history.append(raw)
        return self._observe(f"unparsable action: {reason}"), 0.0, False, False, {}

    def _final(self, end_reason: str) -> dict[str, Any]:
        assert self.task is not None
        info: dict[str, Any] = {}
        try:
            info = dict(self.evaluate(self.task, self._answer))
        finally:
            keep = self.config.options.get("trace") == "on" or not info.get("success")
            self._stop_trace(keep)
            written, self._written_trace = self._written_trace, None
            if written is not None and not keep:
                written.unlink(missing_ok=True)
            self.session.end_episode()
        info.setdefault("end_reason", end_reason)
        info["answer"] = self._answer
        return info

    def finish(self) -> dict[str, Any]:
        """Evaluate the final state now (step limit, agent error or time-out): no answer given."""
        return self._final("stopped")

    def close(self) -> None:
        """Close the browser and whatever the suite started."""
        if self._session is not None:
            self._stop_trace(keep=True)  # an episode the env failed in (env_error) keeps its trace
        session, self._session = self._session, None
        try:
            self.teardown()
        finally:
            if session is not None:
                with contextlib.suppress(Exception):
                    session.close()
