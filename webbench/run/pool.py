"""The local backend: worker processes, each driving one :class:`~webbench.run.worker.EpisodeWorker`.

The parent hands each worker one episode at a time over a pipe, so it always knows
what every worker holds. A worker that dies, or overruns its episode by more than
``GRACE_S``, is killed with its whole process group and replaced, and the episode it
held is recorded (``env_error`` with the worker's exit status, or ``timeout``). No
episode is dropped silently.

Three things stop a run instead (each an error naming the cause, exit 1): workers that
cannot start, a run whose first ``BREAKER_N`` records are the same infrastructure error
(a browser that cannot start, a site that is down: a circuit breaker), and a run file
that cannot be written (disk full, read-only disk).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from webbench.core.record import EpisodeRecord, Status
from webbench.run.episode import Episode, make_record
from webbench.run.reaper import Reaper, kill_group
from webbench.run.store import StoreWriteError
from webbench.run.worker import EpisodeWorker, TrajectoryUnwritable, WorkerBuildError, WorkerSpec

#: How long past its episode time-out a silent worker is given before it is killed.
GRACE_S = 60.0
#: How long a worker may take to close its browser when asked to stop.
STOP_WAIT_S = 10.0
#: How long a stopping worker waits for its agent's close() (less than STOP_WAIT_S, so that
#: a close() that never returns does not keep the worker and its browser until it is killed).
AGENT_CLOSE_S = STOP_WAIT_S / 2
#: Workers that die before they are ready this many times stop the run.
MAX_STARTUP_DEATHS = 3
#: A run whose first this many records are ``env_error`` with the same error stops.
BREAKER_N = 3


def _terminate(_signum: int, _frame: Any) -> None:
    raise SystemExit(143)


def worker_main(spec: WorkerSpec, conn: Connection) -> None:
    """Serve episodes received on ``conn`` with an :class:`EpisodeWorker` until told to stop
    (a ``None`` job): ``fatal`` when it cannot be built, ``ready``, then ``done`` for each
    record (``retire`` and exit when the worker retired, ``unwritable`` when the disk is full)."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        worker = EpisodeWorker(spec)
    except WorkerBuildError as exc:  # reported to the parent, which stops the run
        conn.send(("fatal", str(exc)))
        return
    try:
        conn.send(("ready", None))
        while True:
            try:
                job = conn.recv()
            except EOFError:
                break
            if job is None:
                break
            try:
                record = worker.run(job)
            except TrajectoryUnwritable as exc:
                conn.send(("unwritable", exc.record))
                continue
            conn.send(("retire" if worker.retired else "done", record))
            if worker.retired:
                os._exit(0)  # no close: it could wait on the stuck agent; the parent kills the group
    finally:
        worker.close(AGENT_CLOSE_S)


def describe_exit(code: int | None) -> str:
    """Return how a worker process ended, from its exit code (negative: the signal that killed it)."""
    if code is None:
        return "it closed its pipe but did not exit"
    if code >= 0:
        return f"exit code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    likely = " (likely the out-of-memory killer)" if -code == signal.SIGKILL else ""
    return f"killed by {name}{likely}"


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: Episode | None = None
    since: float = field(default_factory=time.monotonic)
    ready: bool = False
    slot: int = 0


class WorkerStartError(RuntimeError):
    """A worker could not build its suite or agent; the message says why."""


class CircuitOpen(RuntimeError):
    """The run's first episodes all failed with the same infrastructure error; the message names it."""


def _first_line(error: str | None) -> str:
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
        self._first.append(re.sub(r"\d+", "#", _first_line(record.error)))
        if len(self._first) < self.n:
            return
        self._settled = True
        if len(set(self._first)) == 1:
            raise CircuitOpen(f"the first {self.n} episodes failed alike ({_first_line(record.error)})")


class WorkerPool:
    """Runs a list of episodes on ``n`` worker processes; ``on_record`` gets each result."""

    def __init__(self, spec: WorkerSpec, n: int, on_record: Callable[[EpisodeRecord], None]) -> None:
        self.spec = spec
        self.n = max(1, n)
        self.on_record = on_record
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._reaper: Reaper | None = None
        self._startup_deaths = 0
        self._breaker = CircuitBreaker()

    @property
    def _hard_limit(self) -> float:
        limits = self.spec.limits
        if limits.episode_timeout is None:
            return float("inf")
        return limits.episode_timeout + GRACE_S

    def _spawn(self) -> _Worker:
        """Start a worker in the lowest free slot (a replaced worker takes over its slot)."""
        slot = min(set(range(self.n)) - {w.slot for w in self._workers})
        spec = replace(self.spec, env_config=replace(self.spec.env_config, slot=slot))
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=worker_main, args=(spec, child), daemon=False)
        process.start()
        child.close()
        assert self._reaper is not None
        self._reaper.watch(process.pid)
        worker = _Worker(process, parent, slot=slot)
        self._workers.append(worker)
        return worker

    def _assign(self, worker: _Worker, pending: deque[Episode]) -> None:
        worker.job = pending.popleft()
        worker.since = time.monotonic()
        worker.conn.send(worker.job)

    def _record(self, record: EpisodeRecord) -> None:
        self.on_record(record)
        self._breaker.check(record)

    def _lose(self, worker: _Worker, status: Status, error: str | None = None) -> None:
        """Kill ``worker`` and record the episode it held as ``status``.

        ``error`` None means the worker died: its exit status (read once it has exited,
        before its process group is killed) is the error.
        """
        if error is None:
            worker.process.join(STOP_WAIT_S)
            error = f"worker process died: {describe_exit(worker.process.exitcode)}"
        kill_group(worker.process.pid)
        worker.process.join(STOP_WAIT_S)
        self._workers.remove(worker)
        if not worker.ready:
            self._startup_deaths += 1
            if self._startup_deaths >= MAX_STARTUP_DEATHS:
                raise WorkerStartError(f"workers keep dying before they start ({error})")
        if worker.job is not None:
            job, worker.job = worker.job, None
            duration = time.monotonic() - worker.since
            self._record(make_record(job, status, error, duration, config=self.spec.env_config))

    def run(self, jobs: list[Episode]) -> None:
        """Run every job; return when each has a record. Ctrl-C stops the workers and re-raises."""
        pending = deque(jobs)
        if not pending:
            return
        self._reaper = Reaper()
        try:
            for _ in range(min(self.n, len(pending))):
                self._spawn()
            self._loop(pending)
        finally:
            self.shutdown()

    def _loop(self, pending: deque[Episode]) -> None:
        while pending or any(w.job is not None for w in self._workers):
            if not self._workers:
                self._spawn()
            ready = wait([w.conn for w in self._workers] + [w.process.sentinel for w in self._workers], 1.0)
            for worker in list(self._workers):
                if worker.conn in ready:
                    self._receive(worker, pending)
                elif worker.process.sentinel in ready and worker in self._workers:
                    self._lose(worker, "env_error")
                elif worker.job is not None and time.monotonic() - worker.since > self._hard_limit:
                    self._lose(worker, "timeout", f"episode exceeded {self._hard_limit:g} s; worker killed")
            busy = sum(1 for w in self._workers if w.process.is_alive())
            for _ in range(min(self.n - busy, len(pending))):
                self._spawn()

    def _receive(self, worker: _Worker, pending: deque[Episode]) -> None:
        try:
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._lose(worker, "env_error")
            return
        if kind == "unwritable":
            worker.job = None
            self.on_record(payload)
            raise StoreWriteError(
                f"{payload.error}; {payload.suite} task {payload.task_id!r} episode "
                f"{payload.episode} is recorded as env_error (re-run it with --retry env_error)"
            )
        if kind in ("done", "retire"):
            worker.job = None
            self._record(payload)
        if kind == "retire":
            # its agent thread may still be running: the worker exits and is replaced
            worker.process.join(STOP_WAIT_S)
            kill_group(worker.process.pid)
            self._workers.remove(worker)
            return
        elif kind == "ready":
            worker.ready = True
        elif kind == "fatal":
            raise WorkerStartError(f"a worker could not start: {payload}")
        if worker.job is None and worker.ready:
            if pending:
                self._assign(worker, pending)
            else:
                self._stop(worker)

    def _stop(self, worker: _Worker) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            worker.conn.send(None)
        worker.process.join(STOP_WAIT_S)
        kill_group(worker.process.pid)
        self._workers.remove(worker)

    def shutdown(self) -> None:
        """Stop every worker (closing its browser), kill what is left, stop the reaper."""
        for worker in list(self._workers):
            if worker.process.is_alive():
                worker.process.terminate()
        deadline = time.monotonic() + STOP_WAIT_S
        for worker in list(self._workers):
            worker.process.join(max(0.0, deadline - time.monotonic()))
            kill_group(worker.process.pid)
        self._workers.clear()
        if self._reaper is not None:
            self._reaper.close()
            self._reaper = None
