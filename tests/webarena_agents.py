"""A tiny agent for the WebArena end-to-end test that answers in WebArena's dialect.

Task ``click``: click the link named "Go to the target", then ``stop [done]``. Tasks ``answer`` and ``html``:
``stop [ 42 ]`` (the stop answer is everything between the first ``[`` and the last ``]``). Task
``tabs``: checks that two tabs are open with tab 0 in front, focuses tab 1, then stops. Any other
task: ``repeat`` scrolls down forever, ``garbage`` writes no action at all (both end by the
early-stop rules). Task ``5`` (Verified's format) answers Verified's JSON.
"""

from __future__ import annotations

import re


class DialectAgent:
    """Solves the three test tasks by reading the observation's accessibility-tree text."""

    def reset(self, task) -> None:
        self.task = task.id
        self.steps = 0

    def act(self, obs) -> str:
        self.steps += 1
        if self.task == "click":
            if self.steps == 1:
                link = re.search(r"\[(\d+)\] link 'Go to the target'", obs.text)
                return f"click [{link.group(1) if link else 0}]"
            return "stop [done]"
        if self.task in ("answer", "html"):
            return "stop [ 42 ]"
        if self.task == "tabs":
            if self.steps == 1:
                front = obs.text.startswith("Tab 0 (current): First | Tab 1: Second")
                return "tab_focus [1]" if front and len(obs.tabs) == 2 else "stop [wrong tabs]"
            return "stop [the second tab]"
        if self.task == "5":  # a WebArena-Verified task: the answer is Verified's JSON
            return 'stop [{"task_type": "retrieve", "status": "SUCCESS", "retrieved_data": ["42"]}]'
        if self.task == "repeat":
            return "scroll [down]"
        return "fly away"
