"""The Env contract: a gymnasium.Env whose observations are :class:`Observation`.

``reset(options={"task": task})`` returns ``(obs, info)``; ``step(action)`` returns
``(obs, reward, terminated, truncated, info)``. When an episode ends (terminated,
or the harness calls :meth:`WebEnv.finish`), ``info["metrics"]`` holds the
episode's scores, ``info["success"]`` whether it succeeded and ``info["score"]``
the suite's headline per-episode number.

Subclasses implement ``start(task, seed)``, ``act(action)``, ``invalid(raw, reason)``
and ``finish()``; the base class does the parsing, so that an unparsable action is
an observation error and never a crash.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium

from webbench.core.action import Action, ActionParseError, parse_action
from webbench.core.types import Observation, Task

StepResult = tuple[Observation, float, bool, bool, dict[str, Any]]


@dataclass(frozen=True)
class EnvConfig:
    """What a suite needs to build its env: data, split, screenshots, options, LLM settings, services."""

    data: Path | None = None
    split: str | None = None
    screenshots: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    #: Replay envs put each step's gold action in ``obs.extra["gold_action"]``; only set
    #: for agents that declare ``uses_gold = True`` (the ``oracle`` sanity check).
    reveal_gold: bool = False
    #: Run-wide LLM settings (``--llm-cache``, ``--llm-cache-mode``, ``--judge-model``,
    #: ``--judge-base-url``) for suites that call an LLM judge; see ``webbench.llm.judges``.
    llm: dict[str, Any] = field(default_factory=dict)
    #: What ``Suite.services`` yielded for the run (e.g. site base URLs), the same in every worker.
    services: dict[str, Any] = field(default_factory=dict)
    #: The worker's slot, 0 .. workers-1, so that a worker can own its own site instance.
    slot: int = 0


class WebEnv(gymnasium.Env):
    """Base class of every webbench env (live or replay)."""

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, config: EnvConfig) -> None:
        self.config = config
        self.task: Task | None = None
        #: The episode's artifacts folder (HAR files, traces), owned by the run store; None when
        #: the harness keeps no artifacts (``reset(options={"task": ..., "artifacts": Path})``).
        self.artifacts: Path | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Start the task ``options["task"]`` (artifacts into ``options.get("artifacts")``);
        return its first observation and info."""
        super().reset(seed=seed)
        task = (options or {}).get("task")
        if not isinstance(task, Task):
            raise ValueError('reset() needs options={"task": Task}')
        self.task = task
        artifacts = (options or {}).get("artifacts")
        self.artifacts = Path(artifacts) if artifacts is not None else None
        return self.start(task, seed)

    def step(self, action: Action | str) -> StepResult:  # type: ignore[override]
        """Apply one agent action (an Action, or a string in canonical or native syntax)."""
        if isinstance(action, Action):
            return self.act(action)
        raw = str(action)
        try:
            parsed = self.parse(raw)
        except ActionParseError as exc:
            return self.invalid(raw, str(exc))
        return self.act(parsed)

    def parse(self, text: str) -> Action:
        """Return the Action in ``text``; suites extend this to accept their native dialect."""
        return parse_action(text)

    @abstractmethod
    def start(self, task: Task, seed: int | None) -> tuple[Observation, dict[str, Any]]:
        """Begin ``task``; return the first observation and info."""

    @abstractmethod
    def act(self, action: Action) -> StepResult:
        """Apply a parsed action."""

    @abstractmethod
    def invalid(self, raw: str, reason: str) -> StepResult:
        """Handle an action that did not parse (the step counts; obs.error says why)."""

    @abstractmethod
    def finish(self) -> dict[str, Any]:
        """End the episode now (step limit, agent error or time-out); return the final info."""
