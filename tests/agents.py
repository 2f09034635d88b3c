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
