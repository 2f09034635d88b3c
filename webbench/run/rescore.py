"""Re-scoring a finished run from its recorded outputs: what ``webbench rescore`` does.

The source run folder is only read (a read-only one works). Each episode's last record that
ended ``ok`` goes to its suite's :meth:`~webbench.core.suite.Suite.rescore` hook with the
current judge settings; the result is a NEW run folder (``<run_id>.rescored`` beside the source
by default) holding a manifest (the source's, with the judge settings used and
``rescored_from``), one record per episode (re-scored, or copied unchanged when the hook
returns None: it needs the live page) and ``summary.json``, whose ``rescore`` block counts the
re-scored episodes and lists the others with the reason. Every command that reads a run folder
reads it; its records' ``trajectory`` paths point into the source folder.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from webbench.core.env import EnvConfig
from webbench.core.record import EpisodeRecord
from webbench.core.redact import redact
from webbench.core.suite import get_suite
from webbench.run.evaluate import EvalConfig, compute_summary, llm_settings
from webbench.run.store import MANIFEST, RunStore, RunStoreError

#: The ``EvalConfig`` fields ``webbench rescore`` may set (the judges; nothing else changes).
JUDGE_FIELDS = ("judge_model", "judge_base_url", "judge_prompts", "llm_cache", "llm_cache_mode")


@dataclass
class Rescored:
    """The outcome of a re-scoring: the new run folder, its summary, and the episodes not
    re-scored as (task_id, episode, reason)."""

    store: RunStore
    summary: dict[str, Any]
    not_rescored: list[tuple[str, int, str]]


def _rescored_record(record: EpisodeRecord, info: dict[str, Any]) -> EpisodeRecord:
    """Return ``record`` with the verdict of ``info`` (the hook's final info) in place of its own."""
    details = {**record.details, **dict(info.get("details") or {}), "rescored": True}
    return replace(
        record,
        success=bool(info["success"]),
        score=float(info["score"]),
        metrics=dict(info.get("metrics") or {}),
        details=details,
    )


def _check_new(out: Path, run_id: str) -> None:
    if (out / run_id / MANIFEST).exists():
        raise RunStoreError(f"{out / run_id} already exists: give another --run-id (or remove it)")


def _new_store(source: RunStore, out: Path, run_id: str, config: EvalConfig) -> RunStore:
    _check_new(out, run_id)
    manifest = dict(source.manifest)
    manifest.update(
        run_id=run_id,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        config=redact(asdict(config)),
        rescored_from={"run": str(source.path.resolve()), "run_id": source.path.name},
    )
    return RunStore.create(out, run_id, manifest)


def rescore_run(
    source_dir: Path, out: Path | None = None, run_id: str | None = None, judges: dict[str, Any] | None = None
) -> Rescored:
    """Re-score the run in ``source_dir`` into a new run folder ``out/run_id`` (default: beside it,
    ``<run_id>.rescored``) with the judge settings ``judges`` (``JUDGE_FIELDS``; the run's own
    for those not given); return the new folder, its summary and the episodes not re-scored."""
    source = RunStore.open(source_dir)
    out, run_id = out or source.path.parent, run_id or f"{source.path.name}.rescored"
    _check_new(out, run_id)
    saved = EvalConfig(**source.manifest["config"])
    given = {k: v for k, v in (judges or {}).items() if k in JUDGE_FIELDS and v is not None}
    if "judge_prompts" in given:
        given["judge_prompts_sha256"] = None
    config = replace(saved, **given)
    suite = get_suite(config.suite)
    split = config.split or suite.default_split()
    data = Path(config.data) if config.data else None
    env_config = EnvConfig(
        data=data, split=split, options=dict(config.suite_options), llm=llm_settings(config)
    )
    records = source.episodes()
    tasks = {task.id: task for task in suite.run_tasks(split, data, env_config.options)} if records else {}
    rescored: list[EpisodeRecord] = []
    skipped: list[tuple[str, int, str]] = []
    for record in records:  # all scored before the new folder exists: a hook's error leaves nothing
        task = tasks.get(record.task_id)
        info = None
        if task is None:
            reason = "task not in the suite's data"
        elif not record.ok:
            reason = f"status {record.status}"
        else:
            info = suite.rescore(task, record.to_json(), source.artifacts(record), env_config)
            reason = "needs the live page"
        if info is None:
            skipped.append((record.task_id, record.episode, reason))
        rescored.append(record if info is None else _rescored_record(record, info))
    store = _new_store(source, out, run_id, config)
    try:
        for record in rescored:
            trajectory = record.trajectory and os.path.relpath(source.path / record.trajectory, store.path)
            store.append(replace(record, attempt=None, trajectory=trajectory))
        summary = compute_summary(store)
        summary["rescore"] = {
            "from": source.path.name,
            "rescored": len(records) - len(skipped),
            "not_rescored": [{"task_id": t, "episode": e, "reason": r} for t, e, r in skipped],
        }
        store.write_summary(summary)
    finally:
        store.release()
    return Rescored(store, summary, skipped)
