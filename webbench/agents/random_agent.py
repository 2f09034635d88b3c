"""``random``: a seeded agent that picks uniformly among the legal actions of the observation."""

from __future__ import annotations

import hashlib
import random

from webbench.core.action import Action, make_action
from webbench.core.types import Element, Observation, Task

#: Tags (MiniWoB, HTML and ARIA roles) that take typed text.
TEXT_INPUT_TAGS = (
    "input_text",
    "input_password",
    "input_email",
    "input_number",
    "input_search",
    "input_tel",
    "input_url",
    "textarea",
    "input",
    "textbox",
    "searchbox",
    "combobox",
)
_WORDS = ("hello", "yes", "no", "submit", "search", "test", "apple", "42")


def is_text_input(element: Element) -> bool:
    """Return whether ``element`` takes typed text (by tag or role)."""
    return element.tag.lower() in TEXT_INPUT_TAGS


def legal_actions(obs: Observation) -> list[Action]:
    """Return the actions that make sense on ``obs``: a click per element, typing, selects, noop."""
    actions = [make_action("noop")]
    for element in obs.elements:
        actions.append(make_action("click", element.id))
        if is_text_input(element):
            actions.extend(make_action("type", element.id, word) for word in _WORDS[:2])
        options = element.attrs.get("options")
        if options:
            actions.extend(make_action("select", element.id, o.strip()) for o in options.split("|"))
    return actions


class RandomAgent:
    """Uniform over ``legal_actions``; the choice depends only on (seed, task, goal, step)."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.task_id = ""

    def reset(self, task: Task) -> None:
        """Remember the task, part of what seeds each choice."""
        self.task_id = task.id

    def act(self, obs: Observation) -> Action:
        """Return one legal action drawn at random."""
        key = f"{self.seed}|{self.task_id}|{obs.goal}|{obs.step}|{len(obs.text)}"
        rng = random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:16], 16))
        return rng.choice(legal_actions(obs))
