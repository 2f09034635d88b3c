"""The local backend: worker processes, each driving one :class:`~webbench.run.worker.EpisodeWorker`.

The parent hands each worker one episode at a time over a pipe, so it always knows
what every worker holds. A worker that dies, or overruns its episode by more than
``GRACE_S``, is killed with its whole process group and replaced, and the episode it
held is recorded (``env_error`` with the worker's exit status, or ``timeout``). No
episode is dropped silently. The bookkeeping (what each worker holds, the time-out, the
circuit breaker, what stops a run) is :class:`webbench.run.schedule.Schedule`, which the
Ray backend shares.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from webbench.core.record import EpisodeRecord, Status
from webbench.run.episode import Episode
from webbench.run.reaper import Reaper, kill_group
from webbench.run.schedule import (  # noqa: F401 - the names callers know the pool's errors by
    GRACE_S,
    CircuitBreaker,
    CircuitOpen,
    Schedule,
    WorkerStartError,
)
from webbench.run.worker import EpisodeWorker, TrajectoryUnwritable, WorkerBuildError, WorkerSpec

#: How long a worker may take to close its browser when asked to stop.
STOP_WAIT_S = 10.0
#: How long a stopping worker waits for its agent's close() (less than STOP_WAIT_S, so that
#: a close() that never returns does not keep the worker and its browser until it is killed).
AGENT_CLOSE_S = STOP_WAIT_S / 2


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


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    ready: bool = False
    slot: int = 0


class WorkerPool:
    """Runs a list of episodes on ``n`` worker processes; ``on_record`` gets each result."""

    def __init__(self, spec: WorkerSpec, n: int, on_record: Callable[[EpisodeRecord], None]) -> None:
        self.spec = spec
        self.n = max(1, n)
        self.on_record = on_record
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._reaper: Reaper | None = None
        self._schedule = Schedule([], spec.limits, spec.env_config, on_record)

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
        self._schedule.lost(worker, status, error, worker.ready)

    def run(self, jobs: list[Episode]) -> None:
        """Run every job; return when each has a record. Ctrl-C stops the workers and re-raises."""
        self._schedule.pending.extend(jobs)
        if not jobs:
            return
        self._reaper = Reaper()
        try:
            for _ in range(min(self.n, len(jobs))):
                self._spawn()
            self._loop()
        finally:
            self.shutdown()

    def _loop(self) -> None:
        schedule = self._schedule
        while schedule.unfinished():
            if not self._workers:
                self._spawn()
            ready = wait([w.conn for w in self._workers] + [w.process.sentinel for w in self._workers], 1.0)
            overdue = schedule.overdue()
            for worker in list(self._workers):
                if worker.conn in ready:
                    self._receive(worker)
                elif worker.process.sentinel in ready and worker in self._workers:
                    self._lose(worker, "env_error")
                elif worker in overdue:
                    limit = schedule.hard_limit
                    self._lose(worker, "timeout", f"episode exceeded {limit:g} s; worker killed")
            busy = sum(1 for w in self._workers if w.process.is_alive())
            for _ in range(min(self.n - busy, len(schedule.pending))):
                self._spawn()

    def _receive(self, worker: _Worker) -> None:
        try:
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._lose(worker, "env_error")
            return
        if kind == "unwritable":
            self._schedule.unwritable(worker, payload)
        if kind in ("done", "retire"):
            self._schedule.finished(worker, payload)
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
        if not self._schedule.holds(worker) and worker.ready:
            job = self._schedule.assign(worker)
            if job is not None:
                worker.conn.send(job)
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
