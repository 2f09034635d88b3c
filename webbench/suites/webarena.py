"""WebArena (web-arena-x, Apache-2.0): original, Lite, Verified and the project's mini tasks, on live sites.

Tasks: ``--split original|lite|verified|mini`` (812 / 165 / 812 / the project's own), or ``--data
FILE|DIR``: any task file in WebArena's config format (``suites/_webarena_data.py``). Verified's hard
subset is the named subset ``hard``. Ids are the configs' ``task_id``; ``Task.meta`` is the config.

Sites (``suites/_webarena_sites.py``): the variables ``SHOPPING`` ... ``HOMEPAGE``, or ``--sites
FILE`` (a JSON object of them), or ``--sites standins`` (the default of ``--split mini``): each worker
starts its own stand-in sites (``webbench.sites.standins``) and resets them before every task. Before
the run, ``services`` prints one line per site the tasks need (up, down, login failing) and stops with
a usage error when one is missing or down. Each episode logs into its task's sites with the official
accounts (storage states cached per worker, logged in again when the official logged-in check fails),
or, with ``--login headers``, through WebArena-Verified's auto-login headers.

Env: the official observation (accessibility tree, viewport pruning ``official``, 1280x720), the
WebArena dialect beside the canonical syntax (``suites/_webarena_actions.py``), one tab per start URL
(tab 0 in front), the official early-stop rules before each agent call (answer ``"Early stop:
<reason>"``; at the step limit ``"Early stop: Reach max steps <n>"``), and scoring once at the end:
``metrics.webarena.evaluate`` (Lite tasks and ``--rules lite``: WebArena-Lite's rules; program_html
through ``ProgramHtmlReader`` on the live browser), or, for a Verified config,
``metrics.webarena_verified.score_verified`` on the episode's HAR (recorded, and flushed before
scoring). The record's ``details`` hold ``answer``, ``final_url`` (the active tab, real
URL), ``start_urls``, ``sites`` (the base URLs used) and ``site_reset`` (per site), so that ``rescore``
needs nothing else; Verified tasks also write the official offline layout (``exports``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from webbench.core.action import Action, parse_action
from webbench.core.env import EnvConfig, StepResult
from webbench.core.metric import MetricSpec
from webbench.core.suite import Suite, SuiteError, SuiteOption, one_of
from webbench.core.types import Task
from webbench.data.sources import DataSource
from webbench.metrics.webarena import (
    RULES,
    UpstreamCannotScore,
    evaluate,
    needs_judge,
    needs_page,
    parse_fixes,
)
from webbench.suites import _webarena_data as data
from webbench.suites._live import (
    MARKS_OPTION,
    TRACE_OPTION,
    LiveEnv,
    SiteDown,
    missing_browser,
    pruning_option,
)
from webbench.suites._webarena_actions import EARLY_STOP_PREFIX, early_stop, is_dialect, parse_webarena

VIEWPORT = (1280, 720)
#: The domain names WebArena's published runs showed the agent (``--shown-urls published``).
PUBLISHED = {
    "SHOPPING_ADMIN": "http://luma.com/admin",
    "SHOPPING": "http://onestopmarket.com",
    "REDDIT": "http://reddit.com",
    "GITLAB": "http://gitlab.com",
    "WIKIPEDIA": "http://wikipedia.org",
    "MAP": "http://openstreetmap.org",
    "HOMEPAGE": "http://homepage.com",
}


def _fixes_option(text: str) -> str:
    """Return the canonical comma list of the evaluator fixes in ``text`` (argparse type of ``--fixes``)."""
    try:
        return ",".join(sorted(parse_fixes(text)))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _sites_option(text: str) -> str:
    if text in ("env", "standins") or Path(text).is_file():
        return text
    raise argparse.ArgumentTypeError(f"use env, standins or a JSON file of site URLs; {text!r} is no file")


def site_mode(config: EnvConfig) -> str:
    """Return ``standins``, ``env`` or the ``--sites`` file of ``config`` (``mini``: standins)."""
    return config.options.get("sites") or ("standins" if config.split == "mini" else "env")


def configured_sites(config: EnvConfig) -> dict[str, str]:
    """Return the site map of a run on real sites: the ``--sites`` file, else the variables."""
    from webbench.suites._webarena_sites import sites_from_env, sites_from_file

    mode = site_mode(config)
    return sites_from_env() if mode == "env" else sites_from_file(Path(mode))


def _judge_configured(llm: dict[str, Any]) -> bool:
    return bool(
        llm.get("judge_base_url") or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY")
    )


def _final_info(result: Any, details: dict[str, Any]) -> dict[str, Any]:
    """Return the final info of an evaluator result (WebArena's or Verified's) with the env's details."""
    info = {
        "success": result.score == 1.0,
        "score": float(result.score),
        "metrics": result.metrics(),
        "details": {**details, **result.details()},
    }
    judgements = list(getattr(result, "judgements", ()))
    if judgements:
        from webbench.llm.judges import judgements_usage

        info["usage"] = judgements_usage(judgements)
    return info


def _fixes(config: EnvConfig) -> frozenset[str]:
    return parse_fixes(config.options.get("fixes"))


def _rules(split: str | None, options: dict[str, Any]) -> str:
    """The evaluator rules: ``--rules``, else WebArena-Lite's for Lite tasks, else the original's."""
    return options.get("rules") or ("lite" if split == "lite" else "original")


class WebArenaEnv(LiveEnv):
    """One worker's WebArena env: its browser, its logins and (for stand-ins) its own sites."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__(config)
        self.fixes = _fixes(config)
        self._stack = contextlib.ExitStack()
        self._standins: Any = None
        self._states: dict[str, dict[str, Any]] = {}
        self._actions: list[Action | None] = []
        self._resolved: dict[str, Any] = {}
        self._details: dict[str, Any] = {}
        self._judge: Any = None
        self._state: dict[str, Any] | None = None
        self._header_sites: list[str] = []

    # ---- sites ------------------------------------------------------------------------------

    def site_urls(self) -> dict[str, str]:
        """Return this worker's site map (its own stand-ins, started on first use, or the run's)."""
        if site_mode(self.config) != "standins":
            return dict(self.config.services.get("sites") or configured_sites(self.config))
        if self._standins is None:
            from webbench.sites.standins import standin_sites

            names = self.config.services.get("standins") or list(data.LOGIN_SITES)
            self._standins = self._stack.enter_context(standin_sites(names, slot=self.config.slot))
        return dict(self._standins.urls)

    def _storage_state(self, sites: dict[str, str], names: list[str]) -> dict[str, Any] | None:
        """Return the merged storage state of the sites ``names`` (logged in again when stale)."""
        from webbench.suites._webarena_sites import LoginFailed, logged_in, login, merged

        states = []
        for site in names:
            state = self._states.get(site)
            browser = self.session.browser
            if state is None or not logged_in(browser, site, sites, state):
                try:
                    state = self._states[site] = login(browser, site, sites)
                except LoginFailed as exc:
                    raise SiteDown(str(exc)) from exc
            states.append(state)
        return merged(states) if states else None

    # ---- the episode --------------------------------------------------------------------------

    def setup(self, task: Task, seed: int | None) -> list[str]:
        config = task.meta
        sites = self.site_urls()
        needed = data.needed_sites(config)
        missing = [name for name in needed if name not in sites]
        if missing:
            raise SiteDown(f"site {missing[0]} is not configured (set {missing[0]} or give --sites FILE)")
        used = {name: sites[name] for name in needed}
        self._resolved = data.resolve(config, sites)
        reset = {}
        for name in needed:
            site = name.lower()
            reset[site] = self._standins is not None and site in {var.lower() for var in self._standins.urls}
            if reset[site]:
                self._standins.reset(site)
        urls = data.start_urls(self._resolved)
        self.origins = self._aliases(used)
        headers = self.config.options.get("login") == "headers"
        logins = [s for s in data.login_sites(config) if not (headers and s in _header_sites())]
        self._state = self._storage_state(sites, logins)
        self._header_sites = [s for s in data.login_sites(config) if headers and s in _header_sites()]
        self._actions = []
        self._details = {
            "start_urls": urls,
            "sites": used,
            "site_reset": reset,
            "site_group": "+".join(sorted(config.get("sites") or [])) or "none",
        }
        return urls

    def _aliases(self, used: dict[str, str]) -> dict[str, str]:
        if self.config.options.get("shown_urls") == "real":
            return {}
        from urllib.parse import urlsplit

        aliases = {}
        for name, url in used.items():
            real = url.rstrip("/")
            if name == "WIKIPEDIA":  # a landing page: alias the site's origin
                parts = urlsplit(real)
                real = f"{parts.scheme}://{parts.netloc}"
            aliases[real] = PUBLISHED[name]
        return dict(sorted(aliases.items(), key=lambda item: -len(item[0])))

    def records_har(self, task: Task) -> bool:
        return data.is_verified(task.meta) or super().records_har(task)

    def context_options(self, task: Task) -> dict[str, Any]:
        return {
            "viewport": VIEWPORT,
            "pruning": self.config.options.get("pruning") or "official",
            "action_style": "webarena",
            "storage_state": self._state,
        }

    def load(self, urls: list[str]) -> None:
        """Add the auto-login headers (``--login headers``) to each site's requests, then open the tabs."""
        from webbench.suites._webarena_sites import HEADER_LOGINS, base_url

        sites = self._details["sites"]
        for site in self._header_sites:
            header, value = HEADER_LOGINS[site]
            self.session.page.context.route(f"{base_url(site, sites)}/**", _with_header(header, value))
        super().load(urls)

    def parse(self, text: str) -> Action:
        """Return the Action of ``text``: WebArena's dialect (``click [12]``) or the canonical syntax."""
        return parse_webarena(text) if is_dialect(text) else parse_action(text)

    def act(self, action: Action) -> StepResult:
        result = super().act(action)
        if result[2]:
            return result
        self._actions.append(None if action.name == "noop" else action)
        if result[0].error and "net::ERR_" in result[0].error:
            self._check_sites()
        return self._early_stop(result)

    def invalid(self, raw: str, reason: str) -> StepResult:
        result = super().invalid(raw, reason)
        self._actions.append(None)
        return self._early_stop(result)

    def _early_stop(self, result: StepResult) -> StepResult:
        reason = early_stop(self._actions)
        if reason is None:
            return result
        self._answer = EARLY_STOP_PREFIX + reason
        info = self._final("early_stop")
        return result[0], float(info.get("score", 0.0)), True, False, info

    def _check_sites(self) -> None:
        """Raise SiteDown naming the first of the task's sites that no longer answers."""
        from webbench.suites._webarena_sites import probe

        for name, url in self._details["sites"].items():
            if self._standins is not None and not self._standins.alive(name.lower()):
                raise SiteDown(f"site {name.lower()} (stand-in) died mid-episode")
            problem = probe(url)
            if problem:
                raise SiteDown(f"site {name.lower()} ({url}) went down mid-episode: {problem}")

    def check_alive(self) -> None:
        super().check_alive()
        if self._standins is not None:
            for name in self._details.get("sites", {}):
                if not self._standins.alive(name.lower()):
                    raise SiteDown(f"site {name.lower()} (stand-in) died mid-episode")

    def finish(self) -> dict[str, Any]:
        """End at the step limit (or on an agent failure): the answer is the official early stop's."""
        self._answer = f"{EARLY_STOP_PREFIX}Reach max steps {self._steps}"
        return self._final("stopped")

    def evaluate(self, task: Task, answer: str | None) -> dict[str, Any]:
        final_url = self.session.page.url
        details = {**self._details, "answer": answer, "final_url": final_url}
        if data.is_verified(task.meta):
            from webbench.metrics.webarena_verified import score_verified

            self.end_browser_episode()  # the HAR file is complete; the trace kept
            har = self.artifacts / "network.har" if self.artifacts else None
            source = data.task_file(self.config.split or "original", self.config.data, task.id)
            result = score_verified(task.meta, answer, har, source, sites=details["sites"])
            return _final_info(result, details)
        from webbench.suites._webarena_page import ProgramHtmlReader

        page = ProgramHtmlReader(self.session, details["sites"])
        wanted = needs_judge(self._resolved) and _judge_configured(self.config.llm)
        judge = self._make_judge() if wanted else None  # none: "N/A" passes, other calls fail the episode
        rules = _rules(task.split, self.config.options)
        result = evaluate(self._resolved, answer or "", final_url, page, judge, self.fixes, rules)
        return _final_info(result, details)

    def _make_judge(self) -> Any:
        if self._judge is None:
            from webbench.llm.judges import WEBARENA_JUDGE_MODEL, make_judge

            self._judge = make_judge(self.config.llm, default_model=WEBARENA_JUDGE_MODEL)
        return self._judge

    def teardown(self) -> None:
        judge, self._judge = self._judge, None
        try:
            if judge is not None:
                judge.close()
        finally:
            self._stack.close()
            self._standins = None


def _with_header(header: str, value: str) -> Any:
    """Return a Playwright route handler that sends each request on with ``header: value`` added."""

    def handler(route: Any) -> None:
        route.continue_(headers={**route.request.headers, header: value})

    return handler


def _header_sites() -> tuple[str, ...]:
    from webbench.suites._webarena_sites import HEADER_LOGINS

    return tuple(HEADER_LOGINS)


class WebArenaSuite(Suite):
    """WebArena's 812 tasks (and Lite's 165, Verified's 812, the mini set) on live sites."""

    name = "webarena"
    description = (
        "WebArena (web-arena-x): 812 tasks on self-hosted shop, admin, forum, GitLab, map and wiki sites; "
        "also WebArena-Lite, WebArena-Verified and the offline mini set on stand-in sites"
    )
    kind = "live"
    default_max_steps = 30
    actions = (
        "click", "type", "hover", "press", "scroll", "goto", "go_back", "go_forward",
        "new_tab", "switch_tab", "close_tab", "answer", "noop",
    )  # fmt: skip
    metrics = (
        MetricSpec(
            "success",
            "the task's evaluators all passed (the product of their scores is 1)",
            headline=True,
            breakdown=("details.site_group",),
        ),
        MetricSpec("score", "the product of the task's evaluator scores (WebArena-Verified: its score)"),
    )
    options = (
        SuiteOption(
            "sites",
            "where the sites are: env (the variables SHOPPING, SHOPPING_ADMIN, REDDIT, GITLAB, WIKIPEDIA, "
            "MAP, HOMEPAGE; default), standins (webbench's offline stand-ins; default of --split mini), "
            "or a JSON file of those names to base URLs",
            _sites_option,  # type: ignore[arg-type]
        ),
        SuiteOption(
            "login",
            "forms: log in with the official accounts and forms (default); headers: WebArena-Verified's "
            "auto-login headers where the images accept them (shopping, shopping_admin, reddit)",
            one_of("forms", "headers"),
            "forms",
        ),
        SuiteOption(
            "fixes",
            "official evaluator quirks to correct (comma list, or 'all'; see docs/webarena.md)",
            _fixes_option,  # type: ignore[arg-type]
        ),
        SuiteOption(
            "rules",
            "evaluator rules: original (WebArena's code) or lite (WebArena-Lite's VisualAgentBench "
            "evaluator); default lite for --split lite, else original (see docs/webarena-evaluators.md)",
            one_of(*RULES),
        ),
        pruning_option("official", ", as run.py"),
        SuiteOption(
            "shown-urls",
            "published: the agent sees the published runs' domain names (onestopmarket.com ...; default); "
            "real: the sites' base URLs",
            one_of("published", "real"),
            "published",
        ),
        SuiteOption(
            "har",
            "on: record a HAR file per episode (network.har; always on for Verified tasks)",
            one_of("on", "off"),
            "off",
        ),
        MARKS_OPTION,
        TRACE_OPTION,
    )

    def __init__(self) -> None:
        self._data: Path | None = None

    def splits(self) -> list[str]:
        return list(data.SPLITS)

    def load_tasks(self, split: str | None, data_path: Path | None) -> list[Task]:
        self._data = data_path
        return data.load_tasks(split or "original", data_path)

    def run_tasks(self, split: str | None, data_path: Path | None, options: dict[str, Any]) -> list[Task]:
        self._data = data_path
        return data.load_tasks(split or "original", data_path, _rules(split, options))

    def subsets(self, tasks: list[Task] | None = None) -> dict[str, list[str]]:
        """Return Verified's ``hard`` and ``non-hard`` subsets (from the package, the cache or ``--data``)."""
        if tasks and any(task.split != "verified" for task in tasks):
            return {}
        folders = data.search_folders(self._data if self._data and self._data.is_dir() else None)
        return data.subset_ids(folders)

    def data_sources(self) -> tuple[DataSource, ...]:
        return (data.DATA_SOURCE,)

    def make_env(self, config: EnvConfig) -> WebArenaEnv:
        return WebArenaEnv(config)

    def preflight(self, config: EnvConfig) -> list[str]:
        """Return what is missing: Playwright and a Chromium (the sites are checked by ``services``)."""
        return missing_browser("playwright", "pip install playwright")

    @contextlib.contextmanager
    def services(self, config: EnvConfig, tasks: list[Task]) -> Iterator[dict[str, Any]]:
        """Check the sites the tasks need, one line each (stand-ins: start them once, then stop);
        a usage error when one is missing, down or refuses the login. Yields the site map."""
        needed = sorted({n for t in tasks for n in data.needed_sites(t.meta)}, key=data.SITE_VARS.index)
        if site_mode(config) == "standins":
            yield {"standins": self._check_standins([n.lower() for n in needed])}
            return
        sites = configured_sites(config)
        from webbench.suites._webarena_sites import check_sites

        logins = sorted({s for t in tasks for s in data.login_sites(t.meta)})
        if config.options.get("login") == "headers":
            logins = [s for s in logins if s not in _header_sites()]
        failed = check_sites(needed, sites, logins)
        if failed:
            raise SuiteError(
                f"webarena: {len(failed)} site(s) missing, down or refusing the login: {', '.join(failed)} "
                "(see docs/webarena.md)"
            )
        yield {"sites": {name: sites[name] for name in sites}}

    @staticmethod
    def _check_standins(names: list[str]) -> list[str]:
        from webbench.sites.standins import STANDIN_SITES, standin_sites

        lacking = [name for name in names if name not in STANDIN_SITES]
        if lacking:
            raise SuiteError(
                f"webarena: no stand-in for site(s) {', '.join(lacking)} "
                f"(stand-ins: {', '.join(STANDIN_SITES)}); give real sites with the variables or --sites"
            )
        with standin_sites(names) as handle:
            for name in names:
                state = "up" if handle.alive(name) else "down"
                print(f"site {name}: {state} (stand-in, {handle.urls[name.upper()]})", file=sys.stderr)
                if state == "down":
                    raise SuiteError(f"webarena: the {name} stand-in did not start")
        return names

    def rescore(
        self, task: Task, record: dict[str, Any], artifacts: Path | None, config: EnvConfig
    ) -> dict[str, Any] | None:
        """Return the final info of a recorded episode scored again offline (Verified: from its HAR),
        or None when it needs the live page (program_html) or a judge that is not configured."""
        details = dict(record.get("details") or {})
        if "final_url" not in details:
            return None
        if data.is_verified(task.meta):
            from webbench.metrics.webarena_verified import rescore_verified

            source = data.task_file(config.split or "original", config.data, task.id)
            info = rescore_verified(task.meta, record, artifacts, source)
            return {**info, "details": {**details, **info["details"]}}
        resolved = data.resolve(task.meta, details.get("sites") or {})
        if needs_page(resolved) or (needs_judge(resolved) and not _judge_configured(config.llm)):
            return None
        judge = None
        if needs_judge(resolved):
            from webbench.llm.judges import WEBARENA_JUDGE_MODEL, make_judge

            judge = make_judge(config.llm, default_model=WEBARENA_JUDGE_MODEL)
        try:
            rules = _rules(task.split, config.options)
            answer = details.get("answer") or ""
            result = evaluate(resolved, answer, details["final_url"], None, judge, _fixes(config), rules)
            return _final_info(result, details)
        except UpstreamCannotScore:  # recorded before (original rules); Lite's evaluator cannot score it
            return None
        finally:
            if judge is not None:
                judge.close()

    def exports(
        self, task: Task, record: dict[str, Any], artifacts: Path | None, config: EnvConfig
    ) -> dict[str, bytes | Path]:
        """Return WebArena-Verified's offline layout of a Verified task's episode (``webarena-verified/
        <task_id>/agent_response.json``, ``network.har``), so that its official CLI re-scores the run."""
        details = record.get("details") or {}
        if not data.is_verified(task.meta) or "final_url" not in details:
            return {}
        from webbench.metrics.webarena_verified import verified_exports

        source = data.task_file(config.split or "original", config.data, task.id)
        return verified_exports(task.meta, details.get("answer"), artifacts, details.get("sites"), source)

    def summary_notes(self, config: EnvConfig) -> list[str]:
        fixes = config.options.get("fixes")
        lite = (
            ["scored with WebArena-Lite's evaluator rules"]
            if _rules(config.split, config.options) == "lite"
            else []
        )
        if fixes:
            return [*lite, f"scored with fixes {fixes.replace(',', ', ')}: not the official numbers"]
        return [*lite, "official scoring, quirks reproduced (see docs/webarena.md; --fixes to correct)"]


SUITE = WebArenaSuite()
