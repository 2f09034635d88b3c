"""Agents of the Ray backend tests (``--agent tests/ray_agents.py:Name``), MiniWoB++ and replay suites."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from webbench.agents.scripted import ScriptedAgent


class KillsItsActorOnce(ScriptedAgent):
    """Plays MiniWoB's scripted plans, but at the first step of ``task`` (its browser running) sends
    its own process SIGKILL, once (``flag`` is a file it creates first): an actor lost mid-episode."""

    def __init__(self, task: str, flag: str):
        super().__init__()
        self.target = task
        self.flag = Path(flag)

    def act(self, obs):
        if self.task_id == self.target and not self.flag.exists():
            self.flag.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return super().act(obs)


class SlowScripted(ScriptedAgent):
    """MiniWoB's scripted plans, ``delay`` seconds a step (time for a test to act mid-run)."""

    def __init__(self, delay: float = 0.3):
        super().__init__()
        self.delay = delay

    def act(self, obs):
        time.sleep(self.delay)
        return super().act(obs)
