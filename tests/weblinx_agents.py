"""Agents the WebLINX tests load with ``--agent tests/weblinx_agents.py:Name``."""

from __future__ import annotations

import json


class Predictions:
    """Answers each turn from a JSON file ``{"<demo>:<turn index>": "action"}``; ``default`` elsewhere."""

    def __init__(self, path: str, default: str = 'say(speaker="navigator", utterance="ok")') -> None:
        with open(path, encoding="utf-8") as f:
            self.predictions = json.load(f)
        self.default = default

    def act(self, obs) -> str:
        key = f"{obs.extra['demo']}:{obs.extra['turn_index']}"
        return self.predictions.get(key, self.default)


class Recorder:
    """Writes every observation it sees (as JSON lines) to ``path``, then says something."""

    def __init__(self, path: str) -> None:
        self.path = path

    def act(self, obs) -> str:
        record = {
            "goal": obs.goal,
            "url": obs.url,
            "text_has_html": "<html" in obs.text.lower(),
            "elements": [[e.id, e.tag, e.text, e.bbox] for e in obs.elements],
            "dialogue": [[t.speaker, t.text] for t in obs.dialogue],
            "history": obs.history,
            "step": obs.step,
            "extra": {k: v for k, v in obs.extra.items() if k != "gold_action"},
            "screenshot": obs.screenshot is not None and obs.screenshot.startswith(b"\x89PNG"),
        }
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return 'say(speaker="navigator", utterance="ok")'
