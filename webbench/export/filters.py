"""Which episodes make training data (``--filter``, repeatable; pure).

* ``valid``: every step parsed as an action, and the episode ended ``ok`` by the agent's own
  doing (not an error, a time-out or the step limit);
* ``correct``: a success by the suite's own evaluator; with a judge (``--judge-model``) an
  episode that ended with an answer is kept when the judge accepts the answer instead;
* ``single-action``: no step's raw reply holds more than one ``Action:`` line;
* ``no-repeat``: no action occurs ``max_repeat`` times or more in a row (``--max-repeat``);
* ``max-steps=N``: at most N steps.

Filters apply in the order given; each reports how many episodes it removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from webbench.agents.llm import action_lines
from webbench.core.errors import UsageError
from webbench.export.episodes import ExportEpisode, ExportStep

FILTERS = ("valid", "correct", "single-action", "no-repeat", "max-steps")
#: The step-error prefix of an action that did not parse (every suite's ``invalid``).
UNPARSABLE = "unparsable action"
#: Ends that are not the agent's doing although the episode is ``ok``.
HARNESS_ENDS = ("step_limit",)

Verdict = Callable[[ExportEpisode], bool]


@dataclass(frozen=True)
class FilterSpec:
    """One ``--filter``: its name and, for ``max-steps``, the number."""

    name: str
    value: int | None = None

    @property
    def label(self) -> str:
        """Return the filter as the user writes it."""
        return self.name if self.value is None else f"{self.name}={self.value}"


def parse_filter(text: str) -> FilterSpec:
    """Return the filter ``--filter text`` names; UsageError for an unknown one or a bad number."""
    name, sep, value = text.strip().partition("=")
    if name not in FILTERS:
        raise UsageError(f"--filter {text!r}: unknown filter; use one of {', '.join(FILTERS)}")
    if name != "max-steps":
        if sep:
            raise UsageError(f"--filter {text!r}: {name} takes no value")
        return FilterSpec(name)
    if not value.strip().isdigit() or int(value) < 1:
        raise UsageError(f"--filter {text!r}: give max-steps=N with N a whole number >= 1")
    return FilterSpec(name, int(value))


def step_parsed(step: ExportStep) -> bool:
    """Return True when the step's action parsed (no parse error in the trace, no unparsable-action error)."""
    return not step.parse_error and not (step.error or "").startswith(UNPARSABLE)


def is_valid(episode: ExportEpisode) -> bool:
    """Return True when every step parsed and the episode ended ``ok`` not by the step limit."""
    if episode.status != "ok" or episode.end_reason in HARNESS_ENDS or not episode.steps:
        return False
    return all(step_parsed(step) for step in episode.steps)


def is_correct(episode: ExportEpisode, judge: Verdict | None = None) -> bool:
    """Return the suite's success, or the judge's verdict for an episode that ended with an answer."""
    if judge is not None and episode.answer is not None:
        return judge(episode)
    return episode.success


def is_single_action(episode: ExportEpisode) -> bool:
    """Return True when no step's raw reply holds more than one ``Action:`` line."""
    return not any(step.reply is not None and len(action_lines(step.reply)) > 1 for step in episode.steps)


def longest_repeat(episode: ExportEpisode) -> int:
    """Return the length of the longest run of one action repeated in consecutive steps."""
    longest, run, previous = 0, 0, None
    for step in episode.steps:
        action = step.action
        run = run + 1 if action == previous else 1
        previous = action
        longest = max(longest, run)
    return longest


def keeps(spec: FilterSpec, episode: ExportEpisode, max_repeat: int, judge: Verdict | None) -> bool:
    """Return True when ``episode`` passes the filter ``spec``."""
    if spec.name == "valid":
        return is_valid(episode)
    if spec.name == "correct":
        return is_correct(episode, judge)
    if spec.name == "single-action":
        return is_single_action(episode)
    if spec.name == "no-repeat":
        return longest_repeat(episode) < max_repeat
    assert spec.value is not None
    return len(episode.steps) <= spec.value


def apply_filters(
    episodes: list[ExportEpisode],
    specs: list[FilterSpec],
    max_repeat: int = 3,
    judge: Verdict | None = None,
) -> tuple[list[ExportEpisode], list[tuple[str, int]]]:
    """Return the episodes every filter keeps (in order), and each filter's label and how many it removed."""
    removed = []
    for spec in specs:
        kept = [episode for episode in episodes if keeps(spec, episode, max_repeat, judge)]
        removed.append((spec.label, len(episodes) - len(kept)))
        episodes = kept
    return episodes, removed
