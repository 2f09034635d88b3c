"""The Suite plug-in contract and the registry of suites.

A benchmark is one module ``webbench/suites/<name>.py`` that defines ``SUITE``, an
instance of a :class:`Suite` subclass whose ``name`` is the module name. Third-party
packages can add suites through the ``webbench.suites`` entry-point group.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from webbench.core.action import ACTIONS
from webbench.core.env import EnvConfig, WebEnv
from webbench.core.errors import UsageError
from webbench.core.metric import MetricSpec
from webbench.core.types import Task
from webbench.data.sources import DataSource

#: Folder of the project-written task sets (named subsets), one folder per suite.
TASKS_DIR = Path(__file__).resolve().parents[1] / "tasks"


class SuiteError(UsageError):
    """A usage error about suites, splits, tasks or their data; the message names the culprit."""


@dataclass(frozen=True)
class SuiteOption:
    """An extra ``webbench eval`` option a suite declares (e.g. Mind2Web's ``--ranks``)."""

    name: str
    help: str
    type: type = str
    default: Any = None


def one_of(*values: str) -> Callable[[str], str]:
    """Return a ``SuiteOption.type`` that accepts exactly ``values`` (anything else: a one-line error)."""

    def check(value: str) -> str:
        if value not in values:
            raise argparse.ArgumentTypeError(f"use one of {', '.join(values)}, not {value!r}")
        return value

    return check


class Suite(ABC):
    """A benchmark: where its tasks come from, its env, and the metrics it reports."""

    name: str = ""
    description: str = ""
    metrics: tuple[MetricSpec, ...] = ()
    options: tuple[SuiteOption, ...] = ()
    #: The step limit of the benchmark's reference runner.
    default_max_steps: int = 30
    #: ``live`` (a real browser; the agent acts until it answers) or ``replay`` (recorded steps).
    kind: str = "replay"
    #: The most workers the suite can use at once (stateful sites); None: no bound.
    max_workers: int | None = None
    #: The canonical actions the suite's env accepts (agents that declare
    #: ``uses_suite_actions = True`` receive them as ``suite_actions``).
    actions: tuple[str, ...] = tuple(ACTIONS)
    #: True when the reward decays with the time an episode takes (more workers than cores lower it).
    time_based_reward: bool = False

    @property
    def default_screenshots(self) -> bool:
        """Return whether ``webbench eval`` takes screenshots when neither ``--screenshots`` nor
        ``--no-screenshots`` is given: on for live suites (the report shows every step), else off."""
        return self.kind == "live"

    def splits(self) -> list[str]:
        """Return the split names this suite accepts (empty: it has no splits)."""
        return []

    def default_split(self) -> str | None:
        """Return the split used when ``--split`` is not given."""
        splits = self.splits()
        return splits[0] if splits else None

    @abstractmethod
    def load_tasks(self, split: str | None, data: Path | None) -> list[Task]:
        """Return every task of ``split`` (from ``data`` when given, else the suite's source)."""

    def run_tasks(self, split: str | None, data: Path | None, options: dict[str, Any]) -> list[Task]:
        """Return the tasks of a run: ``load_tasks`` as the run's suite ``options`` change them
        (e.g. WebVoyager's ``--patches``); by default the options change nothing."""
        return self.load_tasks(split, data)

    @abstractmethod
    def make_env(self, config: EnvConfig) -> WebEnv:
        """Return a new env for this suite."""

    def subsets(self, tasks: list[Task] | None = None) -> dict[str, list[str]]:
        """Return the named task subsets: ``webbench/tasks/<suite>/<name>.txt``, one id a line.

        ``tasks`` are the loaded tasks of the run (suites whose subsets come from task metadata,
        such as a difficulty, derive them from these)."""
        folder = TASKS_DIR / self.name
        if not folder.is_dir():
            return {}
        return {path.stem: read_task_list(path) for path in sorted(folder.glob("*.txt"))}

    def data_sources(self) -> tuple[DataSource, ...]:
        """Return where the suite's official files come from (``webbench data``); none by default."""
        return ()

    def preflight(self, config: EnvConfig) -> list[str]:
        """Return what this machine lacks for a run (browser, driver, site, data), one line each;
        an empty list when nothing is missing. ``eval`` refuses to start and ``doctor`` reports."""
        return []

    @contextlib.contextmanager
    def services(self, config: EnvConfig, tasks: list[Task]) -> Iterator[dict[str, Any]]:
        """Start or check what the episodes of ``tasks`` need (health checks: one line per site),
        once per run; yield what the envs receive as ``EnvConfig.services`` (picklable: base URLs
        and the like); stop it on exit."""
        yield {}

    def failure_info(self, task: Task, config: EnvConfig) -> dict[str, Any]:
        """Return the final info of an episode of ``task`` that ended without the env's verdict.

        Used for an episode whose env failed or whose worker was lost: it did not succeed
        and scores each metric's failure value (a live suite's official failure score, e.g.
        MiniWoB's -1). This default covers ``mean`` metrics; a suite with ``ratio`` metrics,
        whose denominators depend on the task, overrides it (the replay suites score every
        recorded step as failed). Raises when the task itself cannot be scored.
        """
        return {
            "success": False,
            "score": 0.0,
            "metrics": {spec.name: spec.failure for spec in self.metrics if spec.aggregation == "mean"},
            "end_reason": "failed",
        }

    def exports(
        self, task: Task, record: dict[str, Any], artifacts: Path | None, config: EnvConfig
    ) -> dict[str, bytes | Path]:
        """Return the files to write into the run folder for a finished episode of ``task``
        (``record`` is its ``episodes.jsonl`` object, ``artifacts`` its folder of HAR files and
        traces): run-folder paths -> bytes, or a Path to copy. Written by the run store after the
        record; a later episode of the same path replaces it. Default: none."""
        return {}

    def rescore(
        self, task: Task, record: dict[str, Any], artifacts: Path | None, config: EnvConfig
    ) -> dict[str, Any] | None:
        """Return the new final info (``success``, ``score``, ``metrics``, ``details``) of a recorded
        episode of ``task``, scored again from its recorded outputs (``record``, its
        ``episodes.jsonl`` object; ``artifacts``, its folder) with the judge settings of
        ``config.llm``; None when it needs the live page (``webbench rescore`` lists it as not
        re-scored). Default: None."""
        return None

    def summary_notes(self, config: EnvConfig) -> list[str]:
        """Return remarks the summary must carry for this configuration (e.g. missing ranks)."""
        return []


def read_task_list(path: Path) -> list[str]:
    """Return the task ids of a task-list file (blank lines and ``#`` comments skipped)."""
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.append(line)
    return ids


def _builtin_names() -> list[str]:
    import webbench.suites as package

    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


def _plugin_entries() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group="webbench.suites")}


def suite_names() -> list[str]:
    """Return the names of every available suite (built-in and plug-in)."""
    return sorted(set(_builtin_names()) | set(_plugin_entries()))


def get_suite(name: str) -> Suite:
    """Return the suite called ``name`` (a built-in's ``-`` may stand for ``_``: ``webarena-infinity``);
    SuiteError when there is none."""
    if name not in _builtin_names() and name.replace("-", "_") in _builtin_names():
        name = name.replace("-", "_")
    if name in _builtin_names():
        suite = importlib.import_module(f"webbench.suites.{name}").SUITE
    elif name in _plugin_entries():
        suite = _plugin_entries()[name].load()
    else:
        raise SuiteError(f"unknown suite {name!r}; available: {', '.join(suite_names())}")
    if not isinstance(suite, Suite):
        raise SuiteError(f"suite {name!r} does not define a Suite instance")
    return suite


def select_tasks(
    suite: Suite,
    tasks: list[Task],
    ids: list[str] | None = None,
    subset: str | None = None,
) -> list[Task]:
    """Return ``tasks`` restricted to ``ids`` or the named ``subset`` (in that order of the list).

    Raises SuiteError naming the unknown subset or task ids.
    """
    if subset is not None:
        subsets = suite.subsets(tasks)
        if subset not in subsets:
            known = ", ".join(subsets) or "none"
            raise SuiteError(f"unknown subset {subset!r} of suite {suite.name}; known: {known}")
        ids = subsets[subset]
    if ids is None:
        return tasks
    by_id = {task.id: task for task in tasks}
    unknown = [task_id for task_id in ids if task_id not in by_id]
    if unknown:
        raise SuiteError(
            f"unknown task(s) of suite {suite.name}: {', '.join(unknown[:5])}"
            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            + f" (see 'webbench list {suite.name}')"
        )
    return [by_id[task_id] for task_id in dict.fromkeys(ids)]
