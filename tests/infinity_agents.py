"""Agents for the WebArena-Infinity fault tests: each kills a process of its own worker once."""

from __future__ import annotations

import os
import signal
from pathlib import Path


def _children(marker: str) -> list[int]:
    """Return the pids of this process's children whose command line holds ``marker``."""
    me = str(os.getpid())
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parent = stat.rsplit(")", 1)[1].split()[1]
        if parent == me and marker in cmdline:
            found.append(int(proc.name))
    return found


class _KillOnce:
    """Kills its worker's child process named by ``marker`` at the first step of its first episode,
    then keeps the page as it is (``noop``) and answers at the third step."""

    marker = ""

    def __init__(self) -> None:
        self.killed = False
        self.steps = 0

    def reset(self, task) -> None:
        self.steps = 0

    def act(self, obs) -> str:
        self.steps += 1
        if not self.killed:
            self.killed = True
            for pid in _children(self.marker):
                os.kill(pid, signal.SIGKILL)
        return 'answer("done")' if self.steps >= 3 else "noop()"


class KillServer(_KillOnce):
    """Kills the app server (``webbench.sites._infinity_server``) mid-episode."""

    marker = "webbench.sites._infinity_server"


class KillBrowser(_KillOnce):
    """Kills Chromium (started by the browser session as a child of the worker) mid-episode."""

    marker = "--remote-debugging-port"


class Idle:
    """Never answers: every episode runs to the step limit."""

    def act(self, obs) -> str:
        return "noop()"


class SolveFirst:
    """Plays the scripted agent's plan in its first episode, then only waits: a later episode of the
    same task passes only if the state leaked from the first one."""

    def __init__(self) -> None:
        from webbench.agents.scripted import ScriptedAgent

        self.scripted = ScriptedAgent()
        self.episodes = 0

    def reset(self, task) -> None:
        self.episodes += 1
        self.scripted.reset(task)

    def act(self, obs) -> str:
        return self.scripted.act(obs) if self.episodes == 1 else "noop()"


class ShotCheck:
    """Answers what it was shown: ``png <bytes>`` when the observation has a PNG screenshot."""

    def act(self, obs) -> str:
        shot = obs.screenshot or b""
        return f'answer("png {len(shot)}")' if shot.startswith(b"\x89PNG") else 'answer("none")'
