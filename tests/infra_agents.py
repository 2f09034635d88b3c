"""Agents for the run-infrastructure tests (``--agent tests/infra_agents.py:Name``), on replay suites.

Each replays the gold action (like ``oracle``) except where it is told to fail.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from webbench.agents.oracle import OracleAgent


class WorkerKiller(OracleAgent):
    """Ends its worker process on the tasks named: ``exits`` maps task id -> exit code, ``kill`` lists
    tasks where it sends itself SIGKILL (what the out-of-memory killer does)."""

    def __init__(self, exits: dict[str, int] | None = None, kill: list[str] | None = None, every: int = 0):
        self.exits = exits or {}
        self.kill = kill or []
        self.every = every

    def reset(self, task):
        self.task = task.id

    def act(self, obs):
        if self.every:
            os._exit(self.every)
        if self.task in self.exits:
            os._exit(self.exits[self.task])
        if self.task in self.kill:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().act(obs)


class DiesOnce(OracleAgent):
    """Ends its worker on ``task`` the first time only (``flag`` is a file it creates before dying),
    like a browser crash that a retry gets past."""

    def __init__(self, task: str, flag: str):
        self.target = task
        self.flag = Path(flag)

    def reset(self, task):
        self.task = task.id

    def act(self, obs):
        if self.task == self.target and not self.flag.exists():
            self.flag.touch()
            os._exit(9)
        return super().act(obs)


class RaisesOn(OracleAgent):
    """Raises on ``task`` (an agent bug: agent_error)."""

    def __init__(self, task: str):
        self.target = task

    def reset(self, task):
        self.task = task.id

    def act(self, obs):
        if self.task == self.target:
            raise RuntimeError("agent bug")
        return super().act(obs)


class Slow(OracleAgent):
    """Thinks ``delay`` seconds a step (time for a test to act while the run is going)."""

    def __init__(self, delay: float = 0.2):
        self.delay = delay

    def act(self, obs):
        time.sleep(self.delay)
        return super().act(obs)
