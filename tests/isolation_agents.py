"""Agents the MiniWoB isolation tests load with ``--agent tests/isolation_agents.py:Name``.

Each writes what it saw at the first step of every episode, one JSON line, to
``$WEBBENCH_OBS_DUMP.<pid>`` (one file per worker process).
"""

from __future__ import annotations

import json
import os
import time

from webbench.agents.scripted import ScriptedAgent
from webbench.browser.chromium import marked_pids


def _dump(line: dict) -> None:
    with open(f"{os.environ['WEBBENCH_OBS_DUMP']}.{os.getpid()}", "a") as out:
        out.write(json.dumps(line) + "\n")


class ObservingAgent(ScriptedAgent):
    """The scripted agent, writing each episode's first observation (task, text, elements, fields)."""

    def reset(self, task):
        super().reset(task)
        self.task_id = task.id

    def act(self, obs):
        if obs.step == 0:
            _dump(
                {
                    "task": self.task_id,
                    "text": obs.text,
                    "elements": [[e.id, e.tag, e.text, list(e.bbox), e.attrs] for e in obs.elements],
                    "fields": obs.extra.get("fields"),
                }
            )
        return super().act(obs)


class BrowserWatchingAgent(ScriptedAgent):
    """The scripted agent, slowed down (0.3 s a step, time to kill a chromedriver), writing at each
    episode's first step the Chromium processes alive (those holding the test's mark)."""

    def act(self, obs):
        if obs.step == 0:
            mark = os.environ["WEBBENCH_TEST_MARK"]
            alive = []
            for pid in marked_pids(mark, "WEBBENCH_TEST_MARK"):
                try:
                    with open(f"/proc/{pid}/comm") as comm:
                        name = comm.read().strip()
                except OSError:
                    continue
                if name.startswith("chrom") and name != "chromedriver":
                    alive.append(pid)
            _dump({"chromium": alive})
        time.sleep(0.3)
        return super().act(obs)
