"""The replay env shared by the static suites (Mind2Web, AutoWebBench, WebLINX).

Each step shows a recorded page (with the gold history: teacher forcing), scores the
agent's action against the gold action, and moves on along the gold trajectory
whatever the agent did. A suite supplies three things: the recorded steps of a task
(``steps``, which may be a lazy iterator so files are streamed), how one prediction
scores against its gold step (``score_step``), and how a task's step scores become
the episode's metrics (``aggregate``). When the harness ends an episode early (step
limit, agent error, time-out) the steps not reached score as failures, so that
averages over tasks stay the benchmark's own; an episode whose env failed or whose
worker was lost scores every step as failed (:meth:`ReplaySuite.failure_info`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from webbench.core.action import Action
from webbench.core.env import EnvConfig, StepResult, WebEnv
from webbench.core.suite import Suite
from webbench.core.types import Observation, Task


@dataclass
class GoldStep:
    """One recorded step: what the agent is shown, the suite's gold, and the gold as an
    agent action string (canonical or native) that must score perfectly."""

    observation: Observation
    gold: Any
    gold_action: str | None = None


class ReplayEnv(WebEnv):
    """A teacher-forced replay of recorded steps; subclasses say how to load and score."""

    @abstractmethod
    def steps(self, task: Task) -> Iterable[GoldStep]:
        """Return the recorded steps of ``task`` in order (a generator is fine)."""

    @abstractmethod
    def score_step(self, step: GoldStep, action: Action | None, raw: str) -> dict[str, float]:
        """Return one step's scores; ``action`` is None when the prediction did not parse.

        ``raw`` is the agent's text as given (native dialects keep details the canonical
        Action drops), or the canonical string when the agent returned an Action.
        """

    @abstractmethod
    def aggregate(self, task: Task, scores: list[dict[str, float]]) -> dict[str, Any]:
        """Return the final info (``success``, ``score``, ``metrics``) from every step's scores."""

    def _next(self) -> GoldStep | None:
        step = next(self._pending, None)
        if step is not None and self.config.reveal_gold:
            step.observation.extra["gold_action"] = step.gold_action
        return step

    def start(self, task: Task, seed: int | None) -> tuple[Observation, dict[str, Any]]:
        self._pending: Iterator[GoldStep] = iter(self.steps(task))
        self._scores: list[dict[str, float]] = []
        self._details: list[dict[str, Any]] = []
        self._current = self._next()
        if self._current is None:
            return Observation(goal=task.goal, step=0), {"empty": True}
        return self._current.observation, {}

    def _advance(self, scores: dict[str, float], raw: str, error: str | None) -> StepResult:
        self._scores.append(scores)
        self._details.append({"prediction": raw, "scores": scores})
        self._current = self._next()
        if self._current is None:
            info = self._final("done")
            obs = Observation(goal=self.task.goal if self.task else "", step=len(self._scores), error=error)
            return obs, float(info["score"]), True, False, info
        obs = self._current.observation
        obs.error = error
        return obs, 0.0, False, False, {}

    def step(self, action: Action | str) -> StepResult:  # type: ignore[override]
        """Apply one action; ``score_step`` gets the agent's own text when it gave a string."""
        self._raw = action if isinstance(action, str) else None
        try:
            return super().step(action)
        finally:
            self._raw = None

    def act(self, action: Action) -> StepResult:
        raw = getattr(self, "_raw", None) or str(action)
        if self._current is None:
            return self._advance({}, raw, "the episode has no more steps")
        return self._advance(self.score_step(self._current, action, raw), raw, None)

    def invalid(self, raw: str, reason: str) -> StepResult:
        if self._current is None:
            return self._advance({}, raw, reason)
        return self._advance(self.score_step(self._current, None, raw), raw, f"unparsable action: {reason}")

    def _final(self, end_reason: str) -> dict[str, Any]:
        assert self.task is not None
        info = dict(self.aggregate(self.task, self._scores))
        info.setdefault("end_reason", end_reason)
        details = dict(info.get("details", {}))
        details.setdefault("steps", self._details)
        info["details"] = details
        return info

    def finish(self) -> dict[str, Any]:
        """Score every step not reached as a failed prediction, then aggregate."""
        while self._current is not None:
            self._scores.append(self.score_step(self._current, None, ""))
            self._details.append({"prediction": None, "scores": self._scores[-1]})
            self._current = self._next()
        return self._final("stopped")


class ReplaySuite(Suite):
    """A suite whose env is a :class:`ReplayEnv`: a failed episode scores each recorded step as failed."""

    def failure_info(self, task: Task, config: EnvConfig) -> dict[str, Any]:
        """Return the final info of ``task`` with no step reached: every gold step scored as an
        unanswered prediction, so each ratio metric keeps the task's denominator."""
        env = self.make_env(config)
        try:
            env.reset(options={"task": task})
            info = env.finish()
        finally:
            env.close()
        info["end_reason"] = "failed"
        return info
