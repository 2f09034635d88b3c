"""The run store: plain files under ``<out>/<run_id>/``.

``manifest.json`` (what was run, never a secret), ``episodes.jsonl`` (one line per
finished episode, appended, flushed and fsynced as it ends), ``summary.json``
(aggregates) and ``trajectories/`` (per-episode steps and screenshots). A torn last
line of ``episodes.jsonl`` (a crash mid-write) is ignored when reading and cut off
before the next append.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from webbench.core.errors import UsageError
from webbench.core.redact import redact as redact_secrets  # noqa: F401 (the store's name for it)

EPISODES = "episodes.jsonl"
MANIFEST = "manifest.json"
SUMMARY = "summary.json"
TRAJECTORIES = "trajectories"


class RunStoreError(UsageError):
    """A run folder that cannot be created or read; the message names it."""


def episode_key(record: dict[str, Any]) -> tuple[str, str, int]:
    """Return the (suite, task_id, episode) key that identifies an episode in a run."""
    return record["suite"], record["task_id"], int(record["episode"])


def read_episodes(path: Path) -> list[dict[str, Any]]:
    """Return the records of an ``episodes.jsonl``; a torn or corrupt last line is skipped."""
    if not path.exists():
        return []
    records = []
    lines = path.read_bytes().split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as exc:
            if number >= len(lines) - 1:
                break
            raise RunStoreError(f"{path}: line {number} is not valid JSON ({exc})") from exc
    return records


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class RunStore:
    """One run folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def create(cls, parent: Path, run_id: str, manifest: dict[str, Any]) -> RunStore:
        """Return a new run folder ``parent/run_id`` holding ``manifest``; error if it has one."""
        if not re.fullmatch(r"[A-Za-z0-9._-]+", run_id) or run_id in (".", ".."):
            raise RunStoreError(f"--run-id {run_id!r}: use letters, digits, '.', '_' and '-' only")
        store = cls(Path(parent) / run_id)
        if (store.path / MANIFEST).exists():
            raise RunStoreError(
                f"run folder {store.path} already exists; use --resume {store.path} to finish it"
            )
        (store.path / TRAJECTORIES).mkdir(parents=True, exist_ok=True)
        _write_json_atomic(store.path / MANIFEST, manifest)
        return store

    @classmethod
    def open(cls, path: Path) -> RunStore:
        """Return the existing run folder ``path``; RunStoreError if it is not one."""
        store = cls(Path(path))
        if not (store.path / MANIFEST).is_file():
            raise RunStoreError(f"{store.path} is not a run folder (no {MANIFEST})")
        (store.path / TRAJECTORIES).mkdir(exist_ok=True)
        return store

    @property
    def manifest(self) -> dict[str, Any]:
        """Return the run's manifest."""
        try:
            return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RunStoreError(f"{self.path / MANIFEST}: not valid JSON ({exc})") from exc

    @property
    def trajectories(self) -> Path:
        """Return the folder of per-episode trajectories."""
        return self.path / TRAJECTORIES

    def episodes(self) -> list[dict[str, Any]]:
        """Return every finished episode's record, in the order they finished."""
        return read_episodes(self.path / EPISODES)

    def done_keys(self) -> set[tuple[str, str, int]]:
        """Return the keys of the episodes that already have a record."""
        return {episode_key(r) for r in self.episodes()}

    def cut_torn_tail(self) -> None:
        """Remove a torn last line, so that the next append starts on a line of its own."""
        path = self.path / EPISODES
        if not path.exists():
            return
        with open(path, "rb+") as handle:
            data = handle.read()
            if data and not data.endswith(b"\n"):
                handle.truncate(data.rfind(b"\n") + 1)

    def append(self, record: dict[str, Any]) -> None:
        """Append one finished episode's record and force it to disk."""
        line = json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n"
        with open(self.path / EPISODES, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def write_summary(self, summary: dict[str, Any]) -> None:
        """Write ``summary.json`` (atomically)."""
        _write_json_atomic(self.path / SUMMARY, summary)

    def summary(self) -> dict[str, Any] | None:
        """Return the run's ``summary.json``, or None when it has not been written."""
        path = self.path / SUMMARY
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
