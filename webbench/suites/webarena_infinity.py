"""WebArena-Infinity (web-arena-x, MIT): 13 generated apps, each task checked by its own verifier.

Tasks: both task sets of every app (``--split real|function``, ``real`` by default), ids
``<app>/<task id>``, the difficulty (real tasks) in ``meta`` and as named subsets, as are the apps.
Data: ``--data`` (a checkout of the upstream repo, or its ``apps`` folder), else what ``webbench data
pull webarena-infinity`` put in the cache (the pinned commit, checked).

Sites: every worker serves the apps its episodes need with the app's own ``server.py``, on
127.0.0.1 and a port of its own (one server per worker per app, started on demand, stopped with the
env: state never leaks between workers). Before any episode the run starts each app the tasks need
once and prints one line per app (``services``).

An episode follows the protocol found in the apps (docs/webarena-infinity.md): the previous
episode's browser context is closed (no stale page may push after the reset), ``POST /api/reset``
restores the seed, a fresh context opens the app and the env waits for the page's ``PUT
/api/state`` (its seed push; a condition, not upstream's 0.5 s sleep); the agent acts until it
answers or the step limit (upstream's 50); then, once no ``PUT /api/state`` is in flight, the task's
verifier (the benchmark's own file, imported as a module) decides. Its message goes into the
record; a verifier that raises is a failure with its message, as upstream. The agent sees each app
as ``http://<app>.infinity.test`` (URL, tabs, page text; ``goto`` maps it back), not its worker's
port, so that what it sees, and so its LLM prompts, are the same in every run. A server that died, a
browser that died, or a verifier that hangs (the server hangs) is an ``env_error``.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from webbench.core.env import EnvConfig
from webbench.core.metric import MetricSpec
from webbench.core.suite import Suite, SuiteError, SuiteOption, one_of
from webbench.core.types import Task
from webbench.data.sources import DataSource
from webbench.suites._infinity_data import (
    DATA_SOURCE,
    TASK_SETS,
    apps_dir,
    default_data,
    load_tasks,
    named_subsets,
)
from webbench.suites._live import (
    MARKS_OPTION,
    TRACE_OPTION,
    LiveEnv,
    SiteDown,
    missing_browser,
    print_site_up,
    pruning_option,
)

#: The browser window of every episode (the scripted plans were checked at this size).
VIEWPORT = (1280, 900)
#: Seconds the page may take to push its seed state after it is opened.
SEED_TIMEOUT_S = 30.0
#: Seconds the page's pushes still in flight may take before the verifier runs.
SETTLE_TIMEOUT_S = 10.0
#: Seconds a verifier may take (it calls the app server, which may hang).
VERIFY_TIMEOUT_S = 30.0
#: How often the env looks again while it waits for the page's pushes to settle.
POLL_S = 0.02


def _state_push(request: Any) -> bool:
    return request.method == "PUT" and request.url.endswith("/api/state")


def _data(data: Path | str | None) -> Path:
    """Return the data folder: the given one, else the cache ``webbench data pull`` fills."""
    return Path(data) if data else default_data()


class InfinityEnv(LiveEnv):
    """One worker's WebArena-Infinity env: its own app servers and its own browser."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__(config)
        from webbench.sites.infinity import InfinitySites

        self.sites = InfinitySites(apps_dir(_data(config.data)))
        self.server: Any = None
        self._in_flight = 0

    def setup(self, task: Task, seed: int | None) -> list[str]:
        self.server = self.sites.server(task.meta["app"])
        self.server.reset()
        self.origins = {self.server.url: f"http://{task.meta['app']}.infinity.test"}
        return [f"{self.server.url}/"]

    def context_options(self, task: Task) -> dict[str, Any]:
        return {"viewport": VIEWPORT, "pruning": self.config.options.get("pruning") or "off"}

    def load(self, urls: list[str]) -> None:
        """Open the app and wait until its page has pushed its seed state (``PUT /api/state``)."""
        context = self.session.page.context
        self._in_flight = 0
        context.on("request", self._sent)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)
        with self.session.page.expect_response(
            lambda response: _state_push(response.request), timeout=SEED_TIMEOUT_S * 1000
        ):
            super().load(urls)

    def _sent(self, request: Any) -> None:
        if _state_push(request):
            self._in_flight += 1

    def _ended(self, request: Any) -> None:
        if _state_push(request):
            self._in_flight = max(0, self._in_flight - 1)

    def check_alive(self) -> None:
        """Raise SiteDown when the app server or the browser died during the episode."""
        super().check_alive()
        if self.server is not None and not self.server.alive():
            raise SiteDown(
                f"the {self.server.app} app server died mid-episode ({self.server.process.log_tail()})"
            )

    def _settle(self) -> None:
        """Wait (bounded) until no ``PUT /api/state`` the page sent is still in flight."""
        page = self.session.page
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        page.evaluate("0")  # a round trip: every request the page sent before now is known here
        while self._in_flight and time.monotonic() < deadline:
            page.wait_for_timeout(POLL_S * 1000)

    def evaluate(self, task: Task, answer: str | None) -> dict[str, Any]:
        from webbench.suites._infinity_verify import run_verifier

        self.check_alive()
        self._settle()
        passed, message = run_verifier(Path(task.meta["verifier"]), self.server.url, VERIFY_TIMEOUT_S)
        return {
            "success": passed,
            "score": float(passed),
            "metrics": {"success": float(passed)},
            "details": {
                "app": task.meta["app"],
                "difficulty": task.meta["difficulty"],
                "task_set": task.meta["task_set"],
                "verifier": message,
                "evaluators": [{"name": "verifier", "score": float(passed), "message": message}],
            },
        }

    def teardown(self) -> None:
        self.sites.close()


class WebArenaInfinitySuite(Suite):
    """WebArena-Infinity's 13 apps, their function and real tasks, and their official verifiers."""

    name = "webarena_infinity"
    description = (
        "WebArena-Infinity (web-arena-x): 13 self-hosted apps, 737 function and 1,620 real tasks, "
        "each checked by the benchmark's own verifier"
    )
    kind = "live"
    #: Upstream's runner: 50 steps (``--max-steps 50``).
    default_max_steps = 50
    actions = (
        "click", "type", "select", "hover", "press", "scroll", "goto", "go_back", "go_forward",
        "new_tab", "switch_tab", "close_tab", "answer", "noop",
    )  # fmt: skip
    metrics = (
        MetricSpec(
            "success",
            "the task's own verifier passed on the final app state",
            headline=True,
            breakdown=("details.app", "details.difficulty", "details.task_set"),
        ),
    )
    options = (
        pruning_option("off"),
        MARKS_OPTION,
        SuiteOption(
            "har", "on: record a HAR file per episode in its folder (network.har)", one_of("on", "off"), "off"
        ),
        TRACE_OPTION,
    )

    def splits(self) -> list[str]:
        return ["real", "function"]

    def load_tasks(self, split: str | None, data: Path | None) -> list[Task]:
        folder = _data(data)
        if not folder.exists():
            raise SuiteError(
                f"{self.name}: no data at {folder}: run 'webbench data pull webarena-infinity' "
                "or give --data (a checkout of web-arena-x/webarena-infinity)"
            )
        return load_tasks(folder, split or "real")

    def subsets(self, tasks: list[Task] | None = None) -> dict[str, list[str]]:
        """Return one subset per difficulty and one per app, of ``tasks`` (default: the cached data)."""
        if tasks is None:
            tasks = (
                [t for split in TASK_SETS for t in self.load_tasks(split, None)]
                if default_data().exists()
                else []
            )
        return named_subsets(tasks)

    def make_env(self, config: EnvConfig) -> InfinityEnv:
        return InfinityEnv(config)

    def data_sources(self) -> tuple[DataSource, ...]:
        return (DATA_SOURCE,)

    def preflight(self, config: EnvConfig) -> list[str]:
        """Return what is missing: the apps' data, Playwright and a Chromium."""
        missing = []
        folder = _data(config.data)
        if not folder.exists():
            missing.append(f"no WebArena-Infinity data at {folder} ('webbench data pull webarena-infinity')")
        return missing + missing_browser("playwright", "pip install 'webbench[webarena-infinity]'")

    @contextlib.contextmanager
    def services(self, config: EnvConfig, tasks: list[Task]) -> Iterator[dict[str, Any]]:
        """Health-check each app the tasks need (start its server once, one line per app), then
        stop it again: every worker starts its own servers."""
        from webbench.sites.infinity import InfinityServer
        from webbench.sites.process import SiteError

        folder = apps_dir(_data(config.data))
        for app in sorted({task.meta["app"] for task in tasks}):
            started = time.monotonic()
            try:
                with InfinityServer(folder / app) as server:
                    url = server.url
            except SiteError as exc:
                print(f"site {app}: down: {exc}", file=sys.stderr)
                raise SuiteError(f"site {app}: {exc}") from exc
            print_site_up(app, url, started)
        yield {}


SUITE = WebArenaInfinitySuite()
