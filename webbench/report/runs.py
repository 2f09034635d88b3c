"""Reading what reports compare: run folders and committed baseline files.

A baseline file (``webbench gate --save-baseline RUN -o FILE``) is a slim run: for
every suite, every task's episode records without their trajectories, plus the
run's identity. Loading either gives a :class:`RunData` whose ``records`` are
:class:`~webbench.core.record.EpisodeRecord`, so every report, comparison and gate reads
both the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webbench.core.metric import MetricSpec
from webbench.core.record import EpisodeRecord
from webbench.core.redact import redact
from webbench.core.suite import SuiteError, get_suite
from webbench.run.store import RunStore, RunStoreError, latest_records, read_record

BASELINE_FORMAT = "webbench-baseline/1"

#: Record fields a baseline keeps (everything the paired tests and the leaderboard need).
BASELINE_FIELDS = (
    "episode",
    "seed",
    "split",
    "status",
    "success",
    "score",
    "metrics",
    "steps",
    "duration_s",
    "usage",
    "end_reason",
)


@dataclass
class RunData:
    """One run (folder or baseline file): where it is, who ran, and its episode records."""

    path: Path
    run_id: str
    agent: str
    records: list[EpisodeRecord]
    manifest: dict[str, Any] = field(default_factory=dict)
    is_baseline: bool = False
    label: str = ""

    @property
    def suites(self) -> list[str]:
        """Return the suites this run has episodes of, sorted."""
        return sorted({r.suite for r in self.records})

    @property
    def folder(self) -> Path | None:
        """Return the run folder (trajectories live there), or None for a baseline file."""
        return None if self.is_baseline else self.path


def load_run(path: Path) -> RunData:
    """Return the run folder or baseline file at ``path``; RunStoreError (exit 2) if it is neither.

    Its records are one per (suite, task_id, episode), the last written (see RunStore.episodes).
    """
    path = Path(path)
    if path.is_dir():
        store = RunStore(path)
        if not (path / "manifest.json").is_file():
            raise RunStoreError(f"{path} is not a run folder (no manifest.json)")
        manifest = store.manifest
        config = manifest.get("config") or {}
        records = store.episodes()
        return RunData(
            path, manifest.get("run_id") or path.name, str(config.get("agent", "?")), records, manifest
        )
    if path.is_file():
        return _load_baseline(path)
    raise RunStoreError(f"{path}: no such run folder or baseline file")


def _load_baseline(path: Path) -> RunData:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RunStoreError(f"{path}: not a JSON baseline file ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise RunStoreError(f'{path}: not a webbench baseline (expected "format": "{BASELINE_FORMAT}")')
    records = []
    for suite, body in (data.get("suites") or {}).items():
        tasks = body.get("tasks") if isinstance(body, dict) else None
        if not isinstance(tasks, dict):
            raise RunStoreError(f"{path}: suites.{suite}.tasks must be an object of task id -> episodes")
        for task_id, episodes in tasks.items():
            if not isinstance(episodes, list):
                raise RunStoreError(f"{path}: suites.{suite}.tasks.{task_id} must be a list of episodes")
            for episode in episodes:
                where = f"{path}: record {len(records) + 1}"
                if not isinstance(episode, dict):
                    raise RunStoreError(f"{where} is not a JSON object")
                records.append(read_record({"suite": suite, "task_id": task_id, **episode}, where))
    return RunData(
        path,
        str(data.get("run_id", path.stem)),
        str(data.get("agent", "?")),
        latest_records(records),
        data.get("manifest") or {},
        is_baseline=True,
    )


def load_runs(paths: list[Path]) -> list[RunData]:
    """Return the runs at ``paths`` with unique display labels (see :func:`assign_labels`)."""
    runs = [load_run(p) for p in paths]
    assign_labels(runs)
    return runs


def assign_labels(runs: list[RunData]) -> None:
    """Label each run by its agent; runs that share an agent are told apart by run id."""
    counts = Counter(run.agent for run in runs)
    seen: Counter[str] = Counter()
    for run in runs:
        label = run.agent if counts[run.agent] == 1 else f"{run.agent} ({run.run_id})"
        seen[label] += 1
        run.label = label if seen[label] == 1 else f"{label} #{seen[label]}"


def suite_specs(suite: str) -> tuple[MetricSpec, ...]:
    """Return the metrics ``suite`` declares; none when the suite is not installed here."""
    try:
        return get_suite(suite).metrics
    except SuiteError:
        return ()


def baseline_dict(run: RunData) -> dict[str, Any]:
    """Return the content of a baseline file made from ``run`` (per-task episodes, no trajectories)."""
    suites: dict[str, Any] = {}
    for record in sorted(run.records, key=lambda r: r.key):
        tasks = suites.setdefault(record.suite, {"tasks": {}})["tasks"]
        line = record.to_json()
        tasks.setdefault(record.task_id, []).append({name: line[name] for name in BASELINE_FIELDS})
    manifest = run.manifest
    return {
        "format": BASELINE_FORMAT,
        "run_id": run.run_id,
        "agent": run.agent,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "manifest": redact(
            {k: manifest[k] for k in ("created", "git_commit", "versions", "config") if k in manifest}
        ),
        "suites": suites,
    }
