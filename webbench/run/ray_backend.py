"""The Ray backend: the episode workers as Ray actors, on this machine or across a cluster.

Each actor (:class:`EpisodeActor`) drives one :class:`~webbench.run.worker.EpisodeWorker`,
so one browser, and runs one episode at a time; ``--workers N`` actors run at once, each
asking Ray for ``--ray-worker-cpus`` CPUs. The driver (the ``webbench eval`` process) keeps
the same guarantees as the local pool, through the same :class:`~webbench.run.schedule.Schedule`:

- only the driver writes the run folder: an actor writes an episode's trajectory and
  artifacts into a temporary folder of its own node and returns their bytes with the record
  (no shared file system is assumed);
- an actor that dies (killed, its node lost) has its episode recorded ``env_error``, and the
  episode runs once more on another actor; an actor that overruns its episode by more than
  ``GRACE_S`` is killed (``ray.kill``) and its episode recorded ``timeout``;
- an actor is a process-group leader watched by a :class:`~webbench.run.reaper.Reaper` of its
  own node: when it dies in any way, its browser, chromedriver and what else it started are
  killed with its group (the local pool's watchdog, one per actor);
- Ctrl-C (or SIGTERM) kills the actors; the finished episodes are kept;
- the LLM response cache is one file, on the driver's machine: a :class:`CacheServer` actor
  placed on the driver's node holds it, and every actor's agent and judges read and record
  through it (:class:`RemoteCache`), so ``--llm-cache-mode replay`` answers the same on every
  node.

With no ``--ray-address`` (and no ``RAY_ADDRESS``) the driver starts a Ray head of its own,
bound to 127.0.0.1, without dashboard or usage reporting, and stops it at the end;
``auto`` joins the cluster running on this machine, ``host:port`` a remote one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from webbench.core.errors import UsageError
from webbench.core.record import EpisodeRecord, Status
from webbench.run.episode import Episode
from webbench.run.reaper import Reaper
from webbench.run.schedule import Schedule, WorkerStartError, first_line
from webbench.run.store import RunStore
from webbench.run.worker import EpisodeWorker, TrajectoryUnwritable, WorkerBuildError, WorkerSpec

#: How long an actor may take to close its browser when asked to stop.
STOP_WAIT_S = 10.0
#: How long a stopping actor waits for its agent's close() (less than STOP_WAIT_S).
AGENT_CLOSE_S = STOP_WAIT_S / 2
#: Longest wait for results before the driver looks at the time-outs again.
POLL_S = 1.0
#: Environment a Ray head started by the driver gets: no usage reporting, and the node's
#: address is the loopback one (Ray then binds its servers to 127.0.0.1 only).
LOCAL_HEAD_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


class RayUnavailable(UsageError):
    """``--backend ray`` without the ray package, or a Ray cluster that cannot be reached."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--backend ray needs the ray package: pip install 'webbench[ray]'") from None
    return ray


def connect(address: str | None, cpus: float) -> bool:
    """Connect this process to Ray: the cluster at ``address`` (or ``RAY_ADDRESS``; ``auto``: the
    one running here), else a new local head with ``cpus`` CPUs bound to 127.0.0.1.

    Returns True when a head was started here (:func:`disconnect` stops it). RayUnavailable
    (one line) when ray is not installed or the cluster cannot be reached.
    """
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address is None:
        os.environ.update(LOCAL_HEAD_ENV)  # read by ray when it is imported and by the head it starts
    ray = _ray()
    if ray.is_initialized():
        return False
    # ray.init installs its own SIGTERM handler; the run's (stop as on Ctrl-C) is kept
    sigterm = signal.getsignal(signal.SIGTERM)
    options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    if address is None:
        options |= {"num_cpus": cpus, "include_dashboard": False}
    try:
        # "local": a new head even when a cluster runs on this machine (None would join it)
        ray.init(address=address or "local", **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        why = first_line(str(exc)) or type(exc).__name__
        what = f"--ray-address {address}: cannot connect to Ray" if address else "cannot start a Ray head"
        raise RayUnavailable(f"{what} ({why})") from None
    except BaseException:  # Ctrl-C while the head starts: stop what started
        disconnect()
        raise
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    return address is None


def watch_head() -> Reaper:
    """Return a watchdog of the Ray head this process started (its processes are this process's
    descendants, in its process group): when this process dies, even by SIGKILL, they are killed.
    Call ``abandon()`` on it before a clean :func:`disconnect`."""
    reaper = Reaper()
    for pid in descendants(os.getpid()):
        if pid != reaper.pid:
            reaper.watch_process(pid)
    return reaper


def descendants(root: int) -> list[int]:
    """Return the pids of every live descendant of process ``root`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(proc.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def check_room(ray: Any, cpus: float) -> None:
    """Raise RayUnavailable when the cluster has fewer than ``cpus`` CPUs: no actor could start."""
    total = ray.cluster_resources().get("CPU", 0.0)
    if total < cpus:
        raise RayUnavailable(f"--ray-worker-cpus {cpus:g}: the Ray cluster has {total:g} CPUs in all")


def disconnect() -> None:
    """Disconnect from Ray (stopping the head :func:`connect` started); nothing raised."""
    with contextlib.suppress(Exception):
        _ray().shutdown()


class CacheServer:
    """A Ray actor on the driver's node holding the run's LLM response cache file."""

    def __init__(self, path: str, mode: str) -> None:
        from webbench.llm.cache import ResponseCache

        self.cache = ResponseCache(path, mode)

    def get(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        """Return ``(response, None)`` (response None: not cached), or ``(None, why)`` for a replay miss."""
        from webbench.llm.errors import LLMCacheMiss

        try:
            return self.cache.get(key), None
        except LLMCacheMiss as exc:
            return None, str(exc)

    def put(self, key: str, model: str, response: dict[str, Any]) -> None:
        """Record ``response`` under ``key`` (nothing in replay mode)."""
        self.cache.put(key, model, response)


class RemoteCache:
    """The response cache as an actor's agent and judges see it: calls to the driver's CacheServer."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def get(self, key: str) -> dict[str, Any] | None:
        """Return the cached response of ``key`` or None (LLMCacheMiss for a replay miss)."""
        from webbench.llm.errors import LLMCacheMiss

        response, miss = _ray().get(self.server.get.remote(key))
        if miss is not None:
            raise LLMCacheMiss(miss)
        return response

    def put(self, key: str, model: str, response: dict[str, Any]) -> None:
        """Record ``response`` under ``key`` in the driver's file."""
        _ray().get(self.server.put.remote(key, model, response))


def _llm_cache(spec: WorkerSpec) -> Any:
    """Return the run's LLM settings when they name a cache file (None: no cache)."""
    from webbench.llm.settings import LLMSettings

    settings = LLMSettings.from_dict(spec.env_config.llm)
    return settings if settings.cache is not None and settings.cache_mode != "off" else None


class EpisodeActor:
    """What runs inside one Ray actor: an EpisodeWorker writing into a folder of its own node.

    The actor's process leads a process group of its own that a watchdog kills when the
    process dies, so nothing it started outlives it.
    """

    def __init__(self, spec: WorkerSpec, cache: Any = None) -> None:
        with contextlib.suppress(OSError):  # already a group leader
            os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver alone handles Ctrl-C
        self._reaper = Reaper()
        if os.getpgid(0) == os.getpid():  # never another group: that would kill Ray's own processes
            self._reaper.watch(os.getpid())
        self._dir = Path(tempfile.mkdtemp(prefix="webbench-actor-"))
        self.fatal: str | None = None
        settings = _llm_cache(spec)
        if cache is not None and settings is not None:
            from webbench.llm.settings import install_cache

            install_cache(settings, RemoteCache(cache))
        try:
            self.worker: EpisodeWorker | None = EpisodeWorker(replace(spec, traj_dir=self._dir))
        except WorkerBuildError as exc:
            self.worker, self.fatal = None, str(exc)

    def ready(self) -> str | None:
        """Return None when the worker was built, else why it could not be (one line)."""
        return self.fatal

    def run(self, job: Episode) -> tuple[str, EpisodeRecord, list[tuple[str, bytes]]]:
        """Run ``job``; return ``(kind, record, files)``: kind ``done``, ``retire`` (the agent timed
        out: the actor runs no more) or ``unwritable`` (the node's disk refused the trajectory),
        and the episode's files (paths relative to the trajectories folder, bytes)."""
        assert self.worker is not None
        try:
            record = self.worker.run(job)
            kind = "retire" if self.worker.retired else "done"
        except TrajectoryUnwritable as exc:
            kind, record = "unwritable", exc.record
        return kind, record, self._take_files()

    def _take_files(self) -> list[tuple[str, bytes]]:
        """Return the files the last episode wrote (relative path, bytes), removing them."""
        files = [
            (path.relative_to(self._dir).as_posix(), path.read_bytes())
            for path in sorted(self._dir.rglob("*"))
            if path.is_file()
        ]
        for entry in list(self._dir.iterdir()):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        return files

    def close(self) -> None:
        """Close the worker's env and agent and remove the actor's folder (best effort)."""
        if self.worker is not None:
            self.worker.close(AGENT_CLOSE_S)
        shutil.rmtree(self._dir, ignore_errors=True)


@dataclass(eq=False)
class _Actor:
    handle: Any
    slot: int
    call: Any = None  # the pending call (ready, run or close)
    ready: bool = False
    closing: bool = False


class RayPool:
    """Runs a list of episodes on ``n`` Ray actors; ``on_record`` gets each result, whose
    trajectory files are written into ``store`` first."""

    def __init__(
        self,
        spec: WorkerSpec,
        n: int,
        on_record: Callable[[EpisodeRecord], None],
        store: RunStore,
        address: str | None = None,
        worker_cpus: float = 1.0,
    ) -> None:
        self.spec = spec
        self.n = max(1, n)
        self.store = store
        self.address = address
        self.worker_cpus = worker_cpus
        self._actors: list[_Actor] = []
        self._schedule = Schedule([], spec.limits, spec.env_config, on_record, requeue=True)
        self._remote: Any = None
        self._cache: Any = None

    def run(self, jobs: list[Episode]) -> None:
        """Run every job; return when each has a record. Ctrl-C kills the actors and re-raises."""
        self._schedule.pending.extend(jobs)
        if not jobs:
            return
        started = connect(self.address, max(os.cpu_count() or 1, self.n * self.worker_cpus))
        head = watch_head() if started else None
        try:
            ray = _ray()
            check_room(ray, self.worker_cpus)
            self._remote = ray.remote(EpisodeActor).options(
                num_cpus=self.worker_cpus, max_restarts=0, max_task_retries=0
            )
            self._cache = self._start_cache(ray)
            for _ in range(min(self.n, len(jobs))):
                self._spawn()
            self._loop(ray)
        finally:
            self.shutdown()
            if self._cache is not None:
                with contextlib.suppress(Exception):
                    ray.kill(self._cache, no_restart=True)
            if head is not None:
                head.abandon()
                disconnect()

    def _start_cache(self, ray: Any) -> Any:
        """Start the CacheServer of the run's LLM cache on this (the driver's) node; None without one."""
        settings = _llm_cache(self.spec)
        if settings is None:
            return None
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        server = ray.remote(CacheServer).options(num_cpus=0, scheduling_strategy=here)
        return server.remote(str(Path(settings.cache).resolve()), settings.cache_mode)

    def _spawn(self) -> None:
        """Start an actor in the lowest free slot (a replaced actor takes over its slot)."""
        slot = min(set(range(self.n)) - {a.slot for a in self._actors})
        spec = replace(self.spec, env_config=replace(self.spec.env_config, slot=slot))
        handle = self._remote.remote(spec, self._cache)
        self._actors.append(_Actor(handle, slot, call=handle.ready.remote()))

    def _loop(self, ray: Any) -> None:
        schedule = self._schedule
        while schedule.unfinished():
            calls = {a.call: a for a in self._actors if a.call is not None}
            timeout = min(POLL_S, schedule.next_deadline())
            done, _ = ray.wait(list(calls), num_returns=1, timeout=timeout) if calls else ([], [])
            for call in done:
                self._receive(ray, calls[call], call)
            for actor in schedule.overdue():
                self._lose(ray, actor, "timeout", f"episode exceeded {schedule.hard_limit:g} s; actor killed")
            live = sum(1 for a in self._actors if not a.closing)
            for _ in range(min(self.n - live, len(schedule.pending))):
                self._spawn()

    def _receive(self, ray: Any, actor: _Actor, call: Any) -> None:
        actor.call = None
        try:
            result = ray.get(call)
        except ray.exceptions.RayError as exc:
            if actor.closing:
                self._kill(ray, actor)
            else:
                why = first_line(str(exc)) or type(exc).__name__
                self._lose(ray, actor, "env_error", f"ray actor died: {why}")
            return
        if actor.closing:
            self._kill(ray, actor)
            return
        if not actor.ready:
            if result is not None:
                raise WorkerStartError(f"a worker could not start: {result}")
            actor.ready = True
        else:
            kind, record, files = result
            self.store.write_trajectory_files(files)
            if kind == "unwritable":
                self._schedule.unwritable(actor, record)
            self._schedule.finished(actor, record)
            if kind == "retire":
                # its agent thread may still be running: the actor is killed and replaced
                self._kill(ray, actor)
                return
        job = self._schedule.assign(actor)
        if job is not None:
            actor.call = actor.handle.run.remote(job)
        else:
            actor.closing = True
            actor.call = actor.handle.close.remote()

    def _lose(self, ray: Any, actor: _Actor, status: Status, error: str) -> None:
        """Kill ``actor`` and record the episode it held as ``status``."""
        self._kill(ray, actor)
        self._schedule.lost(actor, status, error, actor.ready)

    def _kill(self, ray: Any, actor: _Actor) -> None:
        with contextlib.suppress(Exception):  # an actor already gone
            ray.kill(actor.handle, no_restart=True)
        if actor in self._actors:
            self._actors.remove(actor)

    def shutdown(self) -> None:
        """Let the stopping actors close their browsers (within ``STOP_WAIT_S``), kill every actor."""
        if not self._actors:
            return
        ray = _ray()
        closing = [a.call for a in self._actors if a.closing and a.call is not None]
        if closing:
            with contextlib.suppress(Exception):
                ray.wait(closing, num_returns=len(closing), timeout=STOP_WAIT_S)
        for actor in list(self._actors):
            self._kill(ray, actor)
