"""The episode worker: one env and one agent running episodes one at a time, whatever drives it.

A backend (the local process pool, :mod:`webbench.run.pool`; later Ray actors) builds one
:class:`EpisodeWorker` per worker process from a picklable :class:`WorkerSpec`, hands it
episodes and passes the records it returns to the parent, which alone writes the run
store. The worker knows nothing of pipes or processes:

- building the suite or the agent fails: :class:`WorkerBuildError` (one line), the run stops;
- the env is built at the first episode (with the worker's slot, ``EnvConfig.slot``); an env
  that cannot start gives that episode ``env_error``, and is tried again at the next one;
- an env that failed during an episode (reset or step raised) is closed at once and rebuilt
  for the next episode;
- an agent that timed out may still be running on its thread: the worker is ``retired`` and
  must not run another episode. Its owner ends the worker's process without :meth:`close`
  (a close could wait on the stuck agent) and kills what the process started;
- a trajectory the disk refuses (full, read-only) is :class:`TrajectoryUnwritable`, carrying
  the episode's ``env_error`` record: the run stops after storing it.
"""

from __future__ import annotations

import contextlib
import errno
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webbench.core.agent import close_agent, make_agent
from webbench.core.env import EnvConfig, WebEnv
from webbench.core.jsonsafe import describe_error
from webbench.core.record import EpisodeRecord
from webbench.core.suite import get_suite
from webbench.run.episode import Episode, EpisodeRunner, Limits, make_record
from webbench.run.shots import ShotKeeper, ShotPolicy

#: What an OSError from writing an episode's files means the disk cannot take more (full, read-only).
_DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker needs to build its env and agent (picklable)."""

    suite: str
    env_config: EnvConfig
    agent_spec: str
    agent_kwargs: dict[str, Any]
    limits: Limits
    traj_dir: Path
    #: How step screenshots are kept (width, this worker's share of the run's byte budget).
    shots: ShotPolicy = ShotPolicy()


class WorkerBuildError(RuntimeError):
    """The worker could not build its suite or agent; the message (one line) says why."""


class TrajectoryUnwritable(RuntimeError):
    """The disk refused an episode's trajectory; ``record`` is that episode's ``env_error`` record."""

    def __init__(self, record: EpisodeRecord) -> None:
        super().__init__(record.error)
        self.record = record


class EpisodeWorker:
    """Runs episodes of ``spec`` one at a time with one agent and one env (rebuilt when it broke)."""

    def __init__(self, spec: WorkerSpec) -> None:
        """Build the suite and the agent; WorkerBuildError (one line) when either fails."""
        self.spec = spec
        try:
            self.suite = get_suite(spec.suite)
            self.agent = make_agent(spec.agent_spec, spec.agent_kwargs, spec.limits.step_timeout)
        except Exception as exc:  # noqa: BLE001 - the backend stops the run with this message
            # the agent's own error when building it failed, else what went wrong (one line)
            raise WorkerBuildError(" ".join(describe_error(exc.__cause__ or exc).split())) from exc
        self.env: WebEnv | None = None
        self.shots = ShotKeeper(spec.shots)
        #: Set when an agent timed out: its thread may still run, so this worker runs no more episodes.
        self.retired = False

    def run(self, job: Episode) -> EpisodeRecord:
        """Run ``job`` to its end and return its record (its trajectory is saved).

        TrajectoryUnwritable when the disk refuses the trajectory.
        """
        if self.retired:
            raise RuntimeError("a retired worker runs no more episodes")
        started = time.monotonic()
        try:
            if self.env is None:
                self.env = self.suite.make_env(self.spec.env_config)
        except Exception as exc:  # noqa: BLE001 - reported as the episode's env_error
            error = f"env start failed: {type(exc).__name__}: {exc}"
            return make_record(
                job, "env_error", error, time.monotonic() - started, config=self.spec.env_config
            )
        runner = EpisodeRunner(self.env, self.agent, self.spec.limits, self.spec.traj_dir, self.shots)
        try:
            record = runner.run(job)
        except OSError as exc:
            if exc.errno not in _DISK_ERRORS:
                raise
            error = f"cannot write the trajectory under {self.spec.traj_dir} ({exc.strerror or exc})"
            raise TrajectoryUnwritable(
                make_record(job, "env_error", error, time.monotonic() - started)
            ) from exc
        if runner.env_broken:
            self._close_env()
        self.retired = runner.tainted
        return record

    def _close_env(self) -> None:
        env, self.env = self.env, None
        if env is not None:
            with contextlib.suppress(Exception):  # a dead browser cannot be closed politely
                env.close()

    def close(self, agent_timeout: float) -> None:
        """Close the env and the agent (the agent's ``close()`` given ``agent_timeout`` seconds);
        best effort: nothing raised."""
        self._close_env()
        with contextlib.suppress(Exception):  # closing is best effort at exit, and bounded
            close_agent(self.agent, agent_timeout)
