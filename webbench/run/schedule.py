"""The bookkeeping every backend shares: which episodes are left, what each worker holds since
when, what a lost worker's episode becomes, and what stops a run.

A backend (the local process pool, the Ray actors) owns its workers and asks a
:class:`Schedule` what to do: :meth:`Schedule.assign` the next episode to a ready worker,
:meth:`Schedule.finished` with the record it returned, :meth:`Schedule.lost` when it died or
was killed, and :meth:`Schedule.overdue` for the workers past their episode's hard limit
(its time-out plus ``GRACE_S``). Every episode ends with a record; a lost one is
``env_error`` (or ``timeout``), and with ``requeue=True`` an episode lost to a dead worker
is run once more (its ``env_error`` record stays as history, superseded by the new one).

Three things stop a run (each an error naming the cause): workers that die before they
start ``MAX_STARTUP_DEATHS`` times, a run whose first ``BREAKER_N`` records are the same
infrastructure error (:class:`CircuitBreaker`), and a trajectory the disk refuses.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from webbench.core.env import EnvConfig
from webbench.core.record import EpisodeRecord, Status
from webbench.run.episode import Episode, Limits, make_record
from webbench.run.store import StoreWriteError

#: How long past its episode time-out a silent worker is given before it is killed.
GRACE_S = 60.0
#: Workers that die before they are ready this many times stop the run.
MAX_STARTUP_DEATHS = 3
#: A run whose first this many records are ``env_error`` with the same error stops.
BREAKER_N = 3


class WorkerStartError(RuntimeError):
    """A worker could not build its suite or agent; the message says why."""


class CircuitOpen(RuntimeError):
    """The run's first episodes all failed with the same infrastructure error; the message names it."""


def first_line(error: str | None) -> str:
    """Return the first line of an error message ("" for none)."""
    lines = (error or "").strip().splitlines()
    return lines[0] if lines else ""


class CircuitBreaker:
    """Watches the first records of a run; trips when ``n`` in a row are the same env_error."""

    def __init__(self, n: int = BREAKER_N) -> None:
        self.n = n
        self._first: list[str] = []
        self._settled = False

    def check(self, record: EpisodeRecord) -> None:
        """Take the next record; raise CircuitOpen when the first ``n`` are the same env_error."""
        if self._settled:
            return
        if record.status != "env_error":
            self._settled = True
            return
        # numbers blanked: ports, pids and temporary names differ between two equal failures
        self._first.append(re.sub(r"\d+", "#", first_line(record.error)))
        if len(self._first) < self.n:
            return
        self._settled = True
        if len(set(self._first)) == 1:
            raise CircuitOpen(f"the first {self.n} episodes failed alike ({first_line(record.error)})")


@dataclass
class _Held:
    job: Episode
    since: float


class Schedule:
    """The episodes of a run and who holds which; ``on_record`` gets every record, in order."""

    def __init__(
        self,
        jobs: list[Episode],
        limits: Limits,
        env_config: EnvConfig,
        on_record: Callable[[EpisodeRecord], None],
        requeue: bool = False,
    ) -> None:
        self.pending: deque[Episode] = deque(jobs)
        self.limits = limits
        self.env_config = env_config
        self.on_record = on_record
        self.requeue = requeue
        self._held: dict[Hashable, _Held] = {}
        self._requeued: set[tuple[str, str, int]] = set()
        self._startup_deaths = 0
        self._breaker = CircuitBreaker()

    @property
    def hard_limit(self) -> float:
        """Return the seconds a worker may hold an episode before it is killed (inf: no limit)."""
        if self.limits.episode_timeout is None:
            return float("inf")
        return self.limits.episode_timeout + GRACE_S

    def unfinished(self) -> bool:
        """Return True while an episode is waiting or held by a worker."""
        return bool(self.pending or self._held)

    def holds(self, worker: Hashable) -> bool:
        """Return True when ``worker`` holds an episode."""
        return worker in self._held

    def assign(self, worker: Hashable) -> Episode | None:
        """Return the next episode, now held by ``worker`` (None when none is waiting)."""
        if not self.pending:
            return None
        job = self.pending.popleft()
        self._held[worker] = _Held(job, time.monotonic())
        return job

    def finished(self, worker: Hashable, record: EpisodeRecord) -> None:
        """Take the record of the episode ``worker`` held (CircuitOpen when the breaker trips)."""
        self._held.pop(worker, None)
        self.on_record(record)
        self._breaker.check(record)

    def unwritable(self, worker: Hashable, record: EpisodeRecord) -> None:
        """Store the ``env_error`` record of an episode whose trajectory the disk refused, and
        raise StoreWriteError: the run stops."""
        self._held.pop(worker, None)
        self.on_record(record)
        raise StoreWriteError(
            f"{record.error}; {record.suite} task {record.task_id!r} episode "
            f"{record.episode} is recorded as env_error (re-run it with --retry env_error)"
        )

    def lost(self, worker: Hashable, status: Status, error: str, ready: bool = True) -> None:
        """Record the episode ``worker`` held (if any) as ``status`` with ``error``: it died
        (``env_error``) or was killed for overrunning (``timeout``).

        With ``requeue``, an episode lost to a dead worker runs once more. A worker that
        died before it was ``ready`` counts toward ``MAX_STARTUP_DEATHS`` (WorkerStartError).
        """
        if not ready:
            self._startup_deaths += 1
            if self._startup_deaths >= MAX_STARTUP_DEATHS:
                raise WorkerStartError(f"workers keep dying before they start ({error})")
        held = self._held.pop(worker, None)
        if held is None:
            return
        job = held.job
        record = make_record(job, status, error, time.monotonic() - held.since, config=self.env_config)
        key = record.key
        if self.requeue and status == "env_error" and key not in self._requeued:
            self._requeued.add(key)
            self.pending.append(job)
        self.finished(worker, record)

    def overdue(self) -> list[Hashable]:
        """Return the workers that have held their episode longer than the hard limit."""
        now = time.monotonic()
        return [w for w, held in self._held.items() if now - held.since > self.hard_limit]

    def next_deadline(self) -> float:
        """Return the seconds until the next held episode passes the hard limit (inf: none)."""
        if not self._held:
            return float("inf")
        oldest = min(held.since for held in self._held.values())
        return max(0.0, oldest + self.hard_limit - time.monotonic())
