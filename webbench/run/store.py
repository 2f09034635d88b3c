"""The run store: plain files under ``<out>/<run_id>/``.

``manifest.json`` (what was run, never a secret), ``episodes.jsonl`` (one line per
finished episode attempt, appended, flushed and fsynced as it ends), ``summary.json``
(aggregates), ``trajectories/`` (per-episode steps and screenshots), ``writer.lock``
(who is writing the run) and the files a suite exports per episode (``Suite.exports``, e.g.
an official offline layout), each written by :meth:`RunStore.write_file`. A torn last line
of ``episodes.jsonl`` (a crash mid-write) is ignored when reading and cut off before the next
append.

An episode may have several lines (``--retry`` re-runs infrastructure failures): the
last line of a (suite, task_id, episode) key supersedes the earlier ones, which stay
in the file as history. Every reader goes through :meth:`RunStore.episodes`, which
returns that last line only. Readers never write: only a store holding the writer
lock (:meth:`RunStore.lock`) creates, appends or cuts.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import shutil
import socket
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from webbench.core.errors import UsageError
from webbench.core.record import EpisodeRecord, RecordError
from webbench.core.redact import redact as redact_secrets  # noqa: F401 (the store's name for it)

EPISODES = "episodes.jsonl"
MANIFEST = "manifest.json"
SUMMARY = "summary.json"
TRAJECTORIES = "trajectories"
LOCK = "writer.lock"
#: The store's own files, which :meth:`RunStore.write_file` never replaces.
_OWN_FILES = (EPISODES, MANIFEST, SUMMARY, LOCK)

#: Statuses ``--retry`` may re-run: infrastructure faults and time-outs (each by name).
#: ``agent_error`` is never retryable: an agent's fault cannot be hidden by a re-run.
RETRYABLE = ("env_error", "timeout")

_held: dict[Path, IO[str]] = {}


class RunStoreError(UsageError):
    """A run folder that cannot be created or read; the message names it."""


class RunLockedError(RunStoreError):
    """Another live process is writing the run folder; the message names it (pid, host, start)."""


class StoreWriteError(RuntimeError):
    """Writing a run file failed (disk full, read-only disk): the run stops (exit 1)."""


def read_record(data: Any, where: str) -> EpisodeRecord:
    """Return the episode record a JSON object holds; RunStoreError naming ``where`` when its keys
    or types are not sound (see :meth:`EpisodeRecord.from_json`)."""
    try:
        return EpisodeRecord.from_json(data, where)
    except RecordError as exc:
        raise RunStoreError(str(exc)) from None


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def read_episodes(path: Path) -> list[EpisodeRecord]:
    """Return every line's record of an ``episodes.jsonl`` (the history); a torn last line is skipped.

    A line that is not JSON, or whose record has wrong keys or types, is a RunStoreError
    naming the file and line.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise RunStoreError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    records = []
    lines = data.split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_constant=_no_constants)
        except ValueError as exc:
            if number >= len(lines) - 1:
                break
            raise RunStoreError(f"{path}: line {number} is not valid JSON ({exc})") from exc
        records.append(read_record(record, f"{path}: line {number}"))
    return records


def latest_records(records: Iterable[EpisodeRecord]) -> list[EpisodeRecord]:
    """Return one record per (suite, task_id, episode) key: its last, in the order those were written."""
    latest: dict[tuple[str, str, int], EpisodeRecord] = {}
    for record in records:
        latest.pop(record.key, None)
        latest[record.key] = record
    return list(latest.values())


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreWriteError(f"cannot write {path} ({exc.strerror or exc})") from exc


def _holder(path: Path) -> str:
    """Return who holds the lock file ``path``, as its holder wrote it."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


class RunStore:
    """One run folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._attempts: Counter[tuple[str, str, int]] | None = None

    @classmethod
    def create(cls, parent: Path, run_id: str, manifest: dict[str, Any]) -> RunStore:
        """Return a new run folder ``parent/run_id`` holding ``manifest``, locked for writing.

        RunStoreError if it already has a manifest or cannot be created (a read-only ``--out``).
        """
        if not re.fullmatch(r"[A-Za-z0-9._-]+", run_id) or run_id in (".", ".."):
            raise RunStoreError(f"--run-id {run_id!r}: use letters, digits, '.', '_' and '-' only")
        store = cls(Path(parent) / run_id)
        try:
            (store.path / TRAJECTORIES).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunStoreError(f"cannot create the run folder {store.path} ({exc.strerror or exc})") from exc
        store.lock()
        if (store.path / MANIFEST).exists():
            store.release()
            raise RunStoreError(
                f"run folder {store.path} already exists; use --resume {store.path} to finish it"
            )
        try:
            _write_json_atomic(store.path / MANIFEST, manifest)
        except StoreWriteError as exc:
            store.release()
            raise RunStoreError(str(exc)) from None
        return store

    @classmethod
    def open(cls, path: Path) -> RunStore:
        """Return the existing run folder ``path`` (nothing is written); RunStoreError if it is not one."""
        store = cls(Path(path))
        if not (store.path / MANIFEST).is_file():
            raise RunStoreError(f"{store.path} is not a run folder (no {MANIFEST})")
        return store

    def lock(self) -> None:
        """Become the run's only writer: an OS lock on ``writer.lock``, released when this process ends.

        RunLockedError (exit 2) names the live holder; the lock of a process that died,
        even by SIGKILL, is free. Locking again from the process that holds it is a no-op.
        """
        key = self.path.resolve()
        if key in _held:
            return
        path = self.path / LOCK
        try:
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        except OSError as exc:
            raise RunStoreError(
                f"cannot write to the run folder {self.path} ({exc.strerror or exc})"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RunLockedError(
                f"{self.path} is being written by {_holder(path)}; wait for it or stop it"
            ) from None
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": started}))
        handle.flush()
        _held[key] = handle

    def release(self) -> None:
        """Give up the writer lock (when this process holds it)."""
        handle = _held.pop(self.path.resolve(), None)
        if handle is not None:
            handle.close()

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

    def artifacts(self, record: EpisodeRecord) -> Path | None:
        """Return the artifacts folder of ``record``'s episode (HAR files, traces: its trajectory
        file's name without ``.json``), or None when the record has no trajectory."""
        if not record.trajectory:
            return None
        return self.path / Path(record.trajectory).with_suffix("")

    def write_file(self, relative: str, content: bytes | Path) -> Path:
        """Write one file of the run at ``relative`` (a path under the run folder) atomically:
        ``content`` as bytes, or a copy of the file ``content``; return its path.

        ValueError when ``relative`` leaves the folder or names one of the store's own files;
        StoreWriteError when it cannot be written.
        """
        parts = Path(relative).parts
        if not parts or Path(relative).is_absolute() or ".." in parts or relative in _OWN_FILES:
            raise ValueError(f"run file {relative!r}: not a new path inside the run folder")
        path = self.path / relative
        tmp = path.with_name(path.name + ".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, tmp)
            else:
                tmp.write_bytes(content)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreWriteError(f"cannot write {path} ({exc.strerror or exc})") from exc
        return path

    def history(self) -> list[EpisodeRecord]:
        """Return every line's record, superseded attempts included, in the order they were written."""
        return read_episodes(self.path / EPISODES)

    def episodes(self) -> list[EpisodeRecord]:
        """Return each episode's current record (the last line of its key), in the order written."""
        return latest_records(self.history())

    def done_keys(self, retry: Collection[str] = ()) -> set[tuple[str, str, int]]:
        """Return the keys of the episodes that have a record whose status is not in ``retry``."""
        return {r.key for r in self.episodes() if r.status not in retry}

    def cut_torn_tail(self) -> None:
        """Remove a torn last line, so that the next append starts on a line of its own."""
        path = self.path / EPISODES
        if not path.exists():
            return
        with open(path, "rb+") as handle:
            data = handle.read()
            if data and not data.endswith(b"\n"):
                handle.truncate(data.rfind(b"\n") + 1)

    def append(self, record: EpisodeRecord) -> None:
        """Append one finished episode's record, numbered with its ``attempt``, and force it to disk.

        StoreWriteError (the run stops) when the line cannot be written; the message names
        the episode, which has no line and is run again by ``--resume``.
        """
        if self._attempts is None:
            self._attempts = Counter(r.key for r in self.history())
        key = record.key
        numbered = replace(record, attempt=self._attempts[key] + 1)
        line = json.dumps(numbered.to_json(), ensure_ascii=False, allow_nan=False)
        try:
            with open(self.path / EPISODES, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise StoreWriteError(
                f"cannot append the record of {key[0]} task {key[1]!r} episode {key[2]} to "
                f"{self.path / EPISODES} ({exc.strerror or exc}); that episode is not saved and "
                f"'webbench eval --resume {self.path}' runs it again"
            ) from exc
        self._attempts[key] += 1

    def write_trajectory_files(self, files: Iterable[tuple[str, bytes]]) -> None:
        """Write an episode's trajectory files made on another machine: each ``(path, data)``,
        ``path`` relative to ``trajectories/`` (ValueError for one that leaves it).

        StoreWriteError (the run stops) when the disk refuses one.
        """
        root = self.trajectories
        for name, data in files:
            relative = Path(name)
            if relative.is_absolute() or ".." in relative.parts or not relative.parts:
                raise ValueError(f"trajectory file {name!r} is not inside {root}")
            path = root / relative
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            except OSError as exc:
                raise StoreWriteError(f"cannot write {path} ({exc.strerror or exc})") from exc

    def write_summary(self, summary: dict[str, Any]) -> None:
        """Write ``summary.json`` (atomically); StoreWriteError when it cannot be written."""
        _write_json_atomic(self.path / SUMMARY, summary)

    def summary(self) -> dict[str, Any] | None:
        """Return the run's ``summary.json``, or None when it has not been written."""
        path = self.path / SUMMARY
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
