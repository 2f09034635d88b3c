"""Agents the end-to-end tests load with ``--agent tests/agents.py:Name``."""

from __future__ import annotations

import multiprocessing
import os
import time


class ButtonAgent:
    """Clicks the button whose text is in the instruction."""

    def act(self, obs):
        for element in obs.elements:
            if element.tag == "button" and element.text and element.text in obs.goal:
                return f'click("{element.id}")'
        return "noop()"


class MisbehavingAgent(ButtonAgent):
    """Raises on click-test, never answers on click-button, behaves elsewhere."""

    def reset(self, task):
        self.task = task.id

    def act(self, obs):
        if self.task == "click-test":
            raise RuntimeError("agent exploded")
        if self.task == "click-button":
            time.sleep(3600)
        return super().act(obs)


class SlowAgent(ButtonAgent):
    """Thinks for 0.3 s a step (time for a test to kill its browser)."""

    def act(self, obs):
        time.sleep(0.3)
        return super().act(obs)


class ScreenshotAgent(ButtonAgent):
    """Insists on a PNG screenshot in every observation."""

    def act(self, obs):
        assert obs.screenshot.startswith(b"\x89PNG")
        return super().act(obs)


class DyingAgent:
    """Cannot start in a worker process: exits (how="exit") or raises (how="raise")."""

    def __init__(self, how="exit"):
        if multiprocessing.parent_process() is not None:
            if how == "exit":
                os._exit(3)
            raise RuntimeError("no GPU in the worker")

    def act(self, obs):
        return "noop()"


# -- agents with one bad behaviour each (tests/test_agent_guard.py) -----------------------------
#
# Each misbehaves on the first episode it runs and answers noop() on the others, so a test can
# check that the worker which met the bad behaviour also ran the next episode: every agent puts
# its process id in its step trace.


class _FirstEpisodeOnly:
    """Misbehaves (``bad()``) on its first episode only; records its pid in ``step_trace``."""

    def __init__(self):
        self.episodes = 0
        self.step_trace = {}

    def reset(self, task):
        self.episodes += 1

    def act(self, obs):
        self.step_trace = {"pid": os.getpid()}
        return self.bad() if self.episodes == 1 else "noop()"


class _RaisingStr:
    def __str__(self):
        raise RuntimeError("my __str__ is broken")


class _IntStr:
    def __str__(self):
        return 42


class RaisingStrAgent(_FirstEpisodeOnly):
    """Returns an object whose ``__str__`` raises."""

    def bad(self):
        return _RaisingStr()


class NonStrStrAgent(_FirstEpisodeOnly):
    """Returns an object whose ``__str__`` returns an int."""

    def bad(self):
        return _IntStr()


class NoneAgent(_FirstEpisodeOnly):
    """Returns None (forgot the return)."""

    def bad(self):
        return None


class UnknownActionAgent(_FirstEpisodeOnly):
    """Returns an Action built by hand with a name no suite knows."""

    def bad(self):
        from webbench.core.action import Action

        return Action("fly", {"to": "moon"})


class MissingArgsAgent(_FirstEpisodeOnly):
    """Returns an Action built by hand without its required argument."""

    def bad(self):
        from webbench.core.action import Action

        return Action("click", {})


class SurrogateAgent(_FirstEpisodeOnly):
    """Returns action text holding a lone surrogate (how="raw") or one written as an escape (how="escaped")."""

    def __init__(self, how="raw"):
        super().__init__()
        self.how = how

    def bad(self):
        return 'answer("a\ud800b")' if self.how == "raw" else 'answer("a\\ud800b")'


class NulAgent(_FirstEpisodeOnly):
    """Returns action text holding a NUL character (how="raw") or one written as an escape (how="escaped")."""

    def __init__(self, how="raw"):
        super().__init__()
        self.how = how

    def bad(self):
        return 'answer("a\x00b")' if self.how == "raw" else 'answer("a\\x00b")'


class HugeActionAgent(_FirstEpisodeOnly):
    """Returns a 10 MB action."""

    def bad(self):
        return 'answer("' + "x" * 10_000_000 + '")'


class BadUsageAgent(_FirstEpisodeOnly):
    """Reports ``usage`` (a JSON value; the strings "nan", "inf", "-inf" become floats) in its step trace."""

    def __init__(self, usage=None, cost=None):
        super().__init__()
        self.usage = usage
        self.cost = float(cost) if cost is not None else None

    def bad(self):
        usage = (
            self.usage
            if self.cost is None
            else {"input_tokens": 1, "output_tokens": 1, "cost_usd": self.cost}
        )
        self.step_trace = {"pid": os.getpid(), "usage": usage}
        return "noop()"


class RaisingTraceAgent(_FirstEpisodeOnly):
    """Its ``step_trace`` property raises on the first episode."""

    @property
    def step_trace(self):
        if self.episodes == 1:
            raise RuntimeError("no trace for you")
        return {"pid": os.getpid()}

    @step_trace.setter
    def step_trace(self, value):
        pass

    def bad(self):
        return "noop()"


class _Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("cannot print this error")


class UnprintableErrorAgent(_FirstEpisodeOnly):
    """Raises an exception whose ``__str__`` raises (how="unprintable") or holds a lone surrogate (how="surrogate")."""

    def __init__(self, how="unprintable"):
        super().__init__()
        self.how = how

    def bad(self):
        raise _Unprintable() if self.how == "unprintable" else ValueError("bad \ud800 text")


class BadInitAgent:
    """Cannot be built: raises (how="raise"), never returns (how="block"), or raises a message of
    several lines (how="lines"); everywhere, or (where="worker") only in worker processes."""

    def __init__(self, how="raise", where="everywhere"):
        if where == "worker" and multiprocessing.parent_process() is None:
            return
        if how == "raise":
            raise RuntimeError("no API key configured")
        if how == "block":
            time.sleep(3600)
        if how == "lines":
            raise RuntimeError("first line\nsecond line\nthird line")

    def act(self, obs):
        return "noop()"


class BadCloseAgent:
    """``close()`` raises (how="raise") or never returns (how="block"); where="worker" only in workers."""

    def __init__(self, how="raise", where="everywhere"):
        self.how = how
        self.active = where == "everywhere" or multiprocessing.parent_process() is not None

    def act(self, obs):
        return "noop()"

    def close(self):
        if not self.active:
            return
        if self.how == "raise":
            raise RuntimeError("close exploded")
        time.sleep(3600)


class HangingAgent:
    """Never returns from ``act`` (an agent time-out)."""

    def act(self, obs):
        time.sleep(3600)
