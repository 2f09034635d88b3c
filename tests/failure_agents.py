"""Agents that try to game the scores by failing, and their honest twins (``--agent tests/failure_agents.py:X``).

On the tasks it is told to skip (``skip``: comma-separated task ids, or ``"odd"``: AutoWebBench
tasks whose number is odd) each gaming agent answers the first ``first`` steps as the honest
one does, then fails on purpose; the honest twin answers ``noop()`` from there on.
"""

from __future__ import annotations

import os

from webbench.agents.scripted import ScriptedAgent


class _Skipper:
    """Knows which tasks to skip and how many steps it has answered in the current one."""

    uses_gold = True

    def __init__(self, skip: str = "odd", first: int = 0) -> None:
        self.skip = skip
        self.first = int(first)

    def reset(self, task) -> None:
        self.n = 0
        if self.skip == "odd":
            self.skipping = int(task.id.rsplit("-", 1)[1]) % 2 == 1
        else:
            self.skipping = task.id in self.skip.split(",")
        self.solve(task)

    def solve(self, task) -> None:
        """Prepare to solve ``task`` (replay suites: nothing to prepare, the gold is revealed)."""

    def answer(self, obs) -> str:
        return obs.extra["gold_action"]

    def act(self, obs) -> str:
        self.n += 1
        if not self.skipping or self.n <= self.first:
            return self.answer(obs)
        return self.give_up(obs)

    def give_up(self, obs) -> str:
        return "noop()"


class Honest(_Skipper):
    """Solves the tasks it does not skip; answers ``noop()`` on the others."""


class Crasher(_Skipper):
    """Kills its worker process (``os._exit(0)``) on the tasks it skips."""

    def give_up(self, obs) -> str:
        os._exit(0)


class _Scripted(_Skipper):
    """MiniWoB: the ``scripted`` agent's rules on the tasks it does not skip."""

    uses_gold = False

    def solve(self, task) -> None:
        self.scripted = ScriptedAgent()
        self.scripted.reset(task)

    def answer(self, obs) -> str:
        return self.scripted.act(obs)


class ScriptedHonest(_Scripted):
    """The scripted rules, and ``noop()`` on the skipped tasks."""


class ScriptedCrasher(_Scripted):
    """The scripted rules, and ``os._exit(0)`` on the skipped tasks."""

    def give_up(self, obs) -> str:
        os._exit(0)


class ScriptedOffscreen(_Scripted):
    """The scripted rules, and a click far off the page on the skipped tasks."""

    def give_up(self, obs) -> str:
        return "click_xy(5000, 5000)"
