"""WebVoyager (MinorJerry/WebVoyager, Apache-2.0): 643 tasks on 15 live websites, judged by an LLM.

Tasks: ``--data`` (a folder holding ``WebVoyager_data.jsonl``, ``reference_answer.json`` and
``magnitude_patches/``, or a user's own JSON-lines task file in WebVoyager's format), else what
``webbench data pull webvoyager`` put in the cache (pinned sha256). ``--patches magnitude`` applies
Magnitude's published date patches (590 tasks). One subset per site (``--subset allrecipes``).

The env is upstream's (LIVE-SUITES.md section 3): a fresh headless Chromium through Selenium per
episode, window 1024x768, 15 iterations; each observation is the set-of-marks screenshot (upstream's
marking rules and look, black boxes) and upstream's tab-separated element list as ``obs.text``. The
agent answers in WebVoyager's dialect (a whole ``Thought: ... Action: ...`` reply: ``Click [N]``,
``Type [N]; text``, ``Scroll [N|WINDOW]; up|down``, ``Wait``, ``GoBack``, ``Google``, ``ANSWER;
text``, parsed in upstream's order with its quirks) or in canonical syntax (click, type, scroll up or
down, go_back, noop = Wait, answer). A reply without ``Thought:`` or ``Action:`` gets upstream's
format-error message and no screenshot; an action that fails gets upstream's fixed "cannot be
exected" message and no screenshot (the element numbers of the last screenshot stay valid), except
a click some other element intercepted, which gets a fresh screenshot and no message, as upstream.
``Google`` opens ``--search-page`` (default https://www.google.com/).

The episode ends at ``ANSWER`` (or the step limit); the auto judge (``Judge.webvoyager``) then gets
the task, the answer and the last ``--judge-screenshots`` (15) marked screenshots; no answer scores
0 without a call. A page asking the agent to prove it is human (CAPTCHA, "verify you are human",
access denied) ends the episode as ``env_error`` with ``end_reason`` ``blocked`` and the URL.

Stand-in sites (``envs/webvoyager``) serve the hosts ``*.webvoyager.test``: when a task starts on
one, ``services`` starts the stand-in server on 127.0.0.1 and the browser resolves those hosts to it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from webbench.core.action import Action, ActionParseError, make_action, parse_action
from webbench.core.env import EnvConfig, StepResult
from webbench.core.metric import MetricSpec
from webbench.core.suite import Suite, SuiteError, SuiteOption, one_of
from webbench.core.types import Element, Observation, Task
from webbench.data.sources import DataSource
from webbench.suites._live import LiveEnv, missing_browser, print_site_up
from webbench.suites._webvoyager_data import DATA_SOURCE, load_tasks, site_slug
from webbench.suites._webvoyager_dialect import (
    CANNOT_EXECUTE,
    FormatError,
    Native,
    blocked_reason,
    element_list,
    from_canonical,
    parse_reply,
)

#: Upstream's published iterations (run.sh ``--max_iter 15``).
MAX_ITERATIONS = 15
#: Screenshots the agent keeps in its context (run.sh ``--max_attached_imgs 3``), for agents that read it.
CONTEXT_SCREENSHOTS = 3
DEFAULT_SEARCH_PAGE = "https://www.google.com/"
#: The stand-in sites' domain (``recipes.webvoyager.test`` ...).
STANDIN_DOMAIN = "webvoyager.test"
STANDINS_DIR = Path(__file__).resolve().parents[2] / "envs" / "webvoyager"
NAVIGATION_TIMEOUT_S = 30.0


class PageBlocked(RuntimeError):
    """The page asks the agent to prove it is human, or refuses access; ``info`` says where."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"blocked at {url}: {reason}")
        self.info = {"end_reason": "blocked", "details": {"blocked_url": url, "blocked_reason": reason}}


def _uses_standins(tasks: list[Task]) -> bool:
    return any((urlsplit(t.meta["web"]).hostname or "").endswith("." + STANDIN_DOMAIN) for t in tasks)


def _verdict(judgement: Any) -> str:
    """Return the judge's verdict word for the report: SUCCESS, NOT SUCCESS or undecided."""
    if not judgement.decided:
        return "undecided"
    return "SUCCESS" if judgement.score == 1.0 else "NOT SUCCESS"


class WebVoyagerEnv(LiveEnv):
    """One worker's WebVoyager env: a Selenium Chromium per episode, judged at the end."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__(config)
        self._judge: Any = None
        self._shots: list[bytes] = []
        self._items: list[dict[str, Any]] = []
        self._elements: list[Element] = []
        self._turn_error: str | None = None

    @property
    def session(self):
        """Return this env's Selenium session (a browser per episode)."""
        if self._session is None:
            from webbench.suites._webvoyager_browser import SeleniumSession

            standin = self.config.services.get("standin")
            extra = (f"--host-resolver-rules=MAP *.{STANDIN_DOMAIN} {standin}",) if standin else ()
            self._session = SeleniumSession(extra_args=extra)
        return self._session

    def setup(self, task: Task, seed: int | None) -> list[str]:
        self._shots, self._items, self._elements, self._turn_error = [], [], [], None
        return [task.meta["web"]]

    def load(self, urls: list[str]) -> None:
        """Open the task's site; SiteDown when it does not load, PageBlocked when it is a wall."""
        super().load(urls)
        self._check_blocked()

    def _check_blocked(self) -> None:
        reason = blocked_reason(*self.session.signs())
        if reason:
            raise PageBlocked(self.session.url(), reason)

    def _observe(self, error: str | None) -> Observation:
        """Return a marked observation, or (after a failed turn) the message alone, with no screenshot."""
        base = {
            "goal": self.task.goal if self.task else "",
            "step": self._steps,
            "history": list(self._history),
        }
        extra = {"context_screenshots": CONTEXT_SCREENSHOTS}
        if self._turn_error is not None:
            obs = Observation(**base, url=self.session.url(), elements=self._elements, error=self._turn_error)
            obs.extra = {**extra, "turn": "error"}
            return obs
        items, png = self.session.mark_page()
        self._items = items
        self._elements = [_element(index, item) for index, item in enumerate(items)]
        self._shots.append(png)
        url = self.session.url()
        return Observation(
            **base,
            url=url,
            text=element_list(items),
            elements=self._elements,
            screenshot=png,
            tabs=[url],
            error=error,
            extra={**extra, "turn": "observation"},
        )

    def step(self, action: Action | str) -> StepResult:  # type: ignore[override]
        """Apply a canonical Action, or a reply text: canonical syntax, else WebVoyager's dialect."""
        if isinstance(action, Action):
            return self.act(action)
        raw = str(action)
        try:
            canonical = parse_action(raw)
        except ActionParseError:
            canonical = None
        if canonical is not None:
            return self.act(canonical)
        try:
            native = parse_reply(raw)
        except FormatError as exc:
            return self._failed_turn(raw, str(exc))
        return self._run(native, raw)

    def parse(self, text: str) -> Action:
        """Return the canonical Action of ``text`` (canonical syntax, or a native Click / Type on a
        numbered element; what the run records as the step's target); ActionParseError otherwise."""
        try:
            return parse_action(text)
        except ActionParseError:
            pass
        try:
            native = parse_reply(text)
        except FormatError as exc:
            raise ActionParseError(str(exc)) from None
        if native.key == "click" and native.number is not None:
            return make_action("click", native.number)
        if native.key == "type" and native.number is not None:
            return make_action("type", native.number, native.content or "")
        raise ActionParseError(f"{native.describe()} names no element")

    def act(self, action: Action) -> StepResult:
        return self._run(from_canonical(action), str(action))

    def invalid(self, raw: str, reason: str) -> StepResult:
        return self._failed_turn(raw, CANNOT_EXECUTE)

    def _failed_turn(self, raw: str, message: str) -> StepResult:
        self._steps += 1
        self._history.append(raw)
        self._turn_error = message
        return self._observe(None), 0.0, False, False, {}

    def _run(self, native: Native, raw: str) -> StepResult:
        from selenium.common.exceptions import WebDriverException

        if native.key == "answer":
            self._steps += 1
            self._history.append(native.describe())
            self._answer = native.content
            info = self._final("answer")
            return (
                Observation(goal=self.task.goal if self.task else "", step=self._steps),
                0.0,
                True,
                False,
                info,
            )
        if native.key is None:
            return self._failed_turn(raw, CANNOT_EXECUTE)
        self._steps += 1
        self._history.append(native.describe())
        self._turn_error = None
        warning = ""
        try:
            warning = self._perform(native)
        except (WebDriverException, IndexError, ValueError) as exc:
            if "element click intercepted" not in str(exc):
                self._turn_error = CANNOT_EXECUTE
        self.check_alive()
        self.session.wait_ready()
        self._check_blocked()
        return self._observe(warning or None), 0.0, False, False, {}

    def _element(self, number: str | None) -> Any:
        return self._items[int(number or "")]["element"]

    def _perform(self, native: Native) -> str:
        """Do ``native`` in the browser; return upstream's typing warning (or ""); raises as Selenium does."""
        session = self.session
        if native.key == "click":
            session.click(self._element(native.number))
        elif native.key == "type":
            return session.type(self._element(native.number), native.content or "", native.enter)
        elif native.key == "scroll":
            element = None if native.number == "WINDOW" else self._element(native.number)
            session.scroll(element, native.content or "down")
        elif native.key == "goback":
            session.back()
        elif native.key == "google":
            session.get(self.config.options.get("search_page") or DEFAULT_SEARCH_PAGE, NAVIGATION_TIMEOUT_S)
        return ""  # wait: the page is awaited after every action

    def evaluate(self, task: Task, answer: str | None) -> dict[str, Any]:
        from webbench.llm.judges import WEBVOYAGER_JUDGE_MODEL, make_judge

        k = int(self.config.options.get("judge_screenshots") or 15)
        if self._judge is None:
            self._judge = make_judge(self.config.llm, WEBVOYAGER_JUDGE_MODEL)
        judgement = self._judge.webvoyager(task.goal, answer, self._shots, k)
        return {
            "success": judgement.score == 1.0,
            "score": judgement.score,
            "metrics": {"success": judgement.score, "judge_undecided": float(not judgement.decided)},
            "details": {
                "web_name": task.meta["web_name"],
                "reference_answer": task.meta.get("reference"),
                "judges": [judgement.record()],
                "screenshots_judged": min(k, len(self._shots)) if answer is not None else 0,
                "evaluators": [
                    {
                        "name": "judge",
                        "score": judgement.score,
                        "verdict": _verdict(judgement),
                        "reply": judgement.reply,
                        "message": judgement.note,
                    }
                ],
            },
            "usage": judgement.usage,
        }

    def teardown(self) -> None:
        judge, self._judge = self._judge, None
        if judge is not None:
            judge.close()


def _element(index: int, item: dict[str, Any]) -> Element:
    rect = item["rects"][0] if item["rects"] else None
    bbox = (rect["left"], rect["top"], rect["width"], rect["height"]) if rect else None
    attrs = {k: str(item[key]) for k, key in (("type", "type"), ("aria-label", "ariaLabel")) if item.get(key)}
    return Element(str(index), item["tag"], item.get("text") or "", bbox, attrs)


class WebVoyagerSuite(Suite):
    """WebVoyager's tasks on the live web, its Selenium env and its auto judge."""

    name = "webvoyager"
    description = "WebVoyager (MinorJerry): 643 tasks on 15 live websites, set-of-marks, judged by an LLM"
    kind = "live"
    default_max_steps = MAX_ITERATIONS
    actions = ("click", "type", "scroll", "go_back", "noop", "answer")
    metrics = (
        MetricSpec(
            "success",
            "the auto judge's verdict: SUCCESS (an undecided reply scores 0)",
            headline=True,
            breakdown=("details.web_name",),
        ),
        MetricSpec(
            "judge_undecided",
            "share of episodes whose judge reply held no verdict (scored 0)",
            higher_is_better=False,
        ),
    )
    options = (
        SuiteOption(
            "patches",
            "magnitude: apply Magnitude's published date patches (590 tasks); none: the original 643",
            one_of("none", "magnitude"),
            "none",
        ),
        SuiteOption("search-page", f"the page the Google action opens (default {DEFAULT_SEARCH_PAGE})"),
        SuiteOption("judge-screenshots", "the last k screenshots the judge sees (default 15)", int, 15),
        SuiteOption("standins", f"the stand-in sites' folder (default {STANDINS_DIR})"),
    )

    def _data(self, data: Path | None) -> Path:
        if data is not None:
            return data
        if not DATA_SOURCE.present():
            raise SuiteError("webvoyager: no data: run 'webbench data pull webvoyager' or give --data")
        return DATA_SOURCE.folder()

    def load_tasks(self, split: str | None, data: Path | None) -> list[Task]:
        return load_tasks(self.name, self._data(data), None)

    def run_tasks(self, split: str | None, data: Path | None, options: dict[str, Any]) -> list[Task]:
        """Return the tasks, with Magnitude's patches when ``--patches magnitude``."""
        patches = options.get("patches")
        return load_tasks(self.name, self._data(data), patches if patches != "none" else None)

    def subsets(self, tasks: list[Task] | None = None) -> dict[str, list[str]]:
        """Return one subset per site (``allrecipes``, ``cambridge-dictionary`` ...) of ``tasks``."""
        if tasks is None:
            tasks = self.load_tasks(None, None) if DATA_SOURCE.present() else []
        out: dict[str, list[str]] = {}
        for task in tasks:
            out.setdefault(site_slug(task.meta["web_name"]), []).append(task.id)
        return out

    def make_env(self, config: EnvConfig) -> WebVoyagerEnv:
        return WebVoyagerEnv(config)

    def data_sources(self) -> tuple[DataSource, ...]:
        return (DATA_SOURCE,)

    def preflight(self, config: EnvConfig) -> list[str]:
        """Return what is missing: Selenium, a Chromium and its chromedriver."""
        return missing_browser("selenium", "pip install selenium", driver=True)

    def summary_notes(self, config: EnvConfig) -> list[str]:
        """Return the note that the original (unpatched) task texts were used, when they were."""
        if config.options.get("patches", "none") == "none":
            return [
                "original task texts (2024): many Booking and Google Flights tasks ask for dates now past; "
                "--patches magnitude applies Magnitude's date patches"
            ]
        return []

    @contextlib.contextmanager
    def services(self, config: EnvConfig, tasks: list[Task]) -> Iterator[dict[str, Any]]:
        """Start the stand-in sites when a task starts on one (one line), else nothing (the live web)."""
        if not _uses_standins(tasks):
            yield {}
            return
        from webbench.sites.process import SiteError, SiteProcess

        folder = Path(config.options.get("standins") or STANDINS_DIR)
        if not (folder / "server.py").is_file():
            raise SuiteError(f"webvoyager: the tasks use *.{STANDIN_DOMAIN} but {folder} has no server.py")
        started = time.monotonic()
        process = SiteProcess("webvoyager-standins", "webbench.sites._webvoyager_standins", [str(folder)])
        try:
            url = process.start()
        except SiteError as exc:
            raise SuiteError(f"site webvoyager-standins: {exc}") from exc
        try:
            print_site_up("webvoyager-standins", url, started)
            yield {"standin": url.removeprefix("http://")}
        finally:
            process.stop()


SUITE = WebVoyagerSuite()
