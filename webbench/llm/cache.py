"""The LLM response cache: one SQLite file keyed by a hash of the full request.

The key is the SHA-256 of the canonical JSON of ``{"model", "messages", "params"}``
(the endpoint's URL and the API key are not part of it, so a cache recorded through
one provider or proxy replays anywhere). Modes: ``rw`` reads and records, ``replay``
only reads (a miss is an :class:`LLMCacheMiss`, and the network is never touched),
``off`` is no cache. Worker processes share the file: WAL journal and a busy time-out.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from webbench.llm.errors import LLMCacheMiss, LLMConfigError

CACHE_MODES = ("rw", "replay", "off")
#: Seconds a writer waits for another process's lock before giving up.
BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    response TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def request_key(model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
    """Return the cache key of a request: hex SHA-256 of its canonical JSON."""
    canonical = json.dumps(
        {"model": model, "messages": messages, "params": params},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """A SQLite response cache shared by threads and processes; ``mode`` is rw or replay."""

    def __init__(self, path: str | Path, mode: str = "rw") -> None:
        if mode not in ("rw", "replay"):
            raise LLMConfigError(f"cache mode {mode!r}: expected rw or replay (off means no cache)")
        self.path = Path(path)
        self.mode = mode
        if mode == "replay" and not self.path.is_file():
            raise LLMConfigError(f"--llm-cache {self.path}: no such file to replay from")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if mode == "rw":
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute(_SCHEMA)
            self._db.execute("SELECT key FROM responses LIMIT 1")
        except sqlite3.DatabaseError as exc:
            raise LLMConfigError(f"--llm-cache {self.path}: not a webbench LLM cache ({exc})") from exc

    def get(self, key: str) -> dict[str, Any] | None:
        """Return the cached response of ``key``, or None (in replay mode a miss raises LLMCacheMiss)."""
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            if self.mode == "replay":
                raise LLMCacheMiss(
                    f"--llm-cache-mode replay: no cached response for request {key[:16]} in {self.path} "
                    "(record it first with --llm-cache-mode rw)"
                )
            return None
        return json.loads(row[0])

    def put(self, key: str, model: str, response: dict[str, Any]) -> None:
        """Record ``response`` under ``key`` (replay mode records nothing)."""
        if self.mode != "rw":
            return
        payload = json.dumps(response, ensure_ascii=False, sort_keys=True)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, model, response, created) VALUES (?, ?, ?, ?)",
                (key, model, payload, time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


def open_cache(path: str | Path | None, mode: str) -> ResponseCache | None:
    """Return the cache at ``path`` in ``mode``, or None when there is none (no path, or mode off)."""
    if mode not in CACHE_MODES:
        raise LLMConfigError(f"--llm-cache-mode {mode!r}: expected one of {', '.join(CACHE_MODES)}")
    if mode == "off":
        return None
    if path is None:
        if mode == "replay":
            raise LLMConfigError("--llm-cache-mode replay needs --llm-cache PATH")
        return None
    return ResponseCache(path, mode)
