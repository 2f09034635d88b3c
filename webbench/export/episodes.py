"""Reading run folders for export: each episode's record fields, its run's identity and its steps.

Records are read only through :meth:`webbench.run.store.RunStore.episodes` (the last attempt
of each episode) and trajectories as each record's ``trajectory`` path says. Record fields
are read in :func:`record_fields` alone, so that a typed record changes one function; a
trajectory step is read in :func:`read_step` alone, which keeps only what export uses (the
agent's full prompts stay on disk: 10,000 episodes' traces would not fit in memory).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webbench.core.record import EpisodeRecord
from webbench.run.store import RunStore, RunStoreError


@dataclass(slots=True)
class ExportStep:
    """One step as export needs it: what the agent saw, its thought, raw reply and action, the error."""

    observation: dict[str, Any]
    action: str
    error: str | None = None
    thought: str | None = None
    reply: str | None = None
    parse_error: str | None = None
    screenshot: str | None = None

    @property
    def has_text(self) -> bool:
        """Return True when the trajectory kept the observation's page text."""
        return isinstance(self.observation.get("text"), str)


#: The observation fields a conversation shows.
OBSERVATION_FIELDS = ("url", "error", "text", "text_chars")


@dataclass
class ExportEpisode:
    """One finished episode as export needs it: identity, outcome, the task's goal and the steps."""

    run_id: str
    agent: str
    model: str | None
    suite: str
    task_id: str
    episode: int
    seed: int | None
    status: str
    success: bool
    score: float
    end_reason: str | None
    answer: str | None
    goal: str = ""
    steps: list[ExportStep] = field(default_factory=list)
    #: The system prompt the agent was sent (its first LLM call's), when its trace kept one.
    system: str | None = None
    #: The folder the trajectory's relative paths (screenshots) start from.
    trajectory_dir: Path | None = None
    #: The LLM judge's decision when ``correct`` was re-judged (``Judgement.record()``).
    judgement: dict[str, Any] | None = None

    @property
    def task_key(self) -> tuple[str, str]:
        """Return the (suite, task id) the episode is an attempt of."""
        return self.suite, self.task_id


def record_fields(record: EpisodeRecord) -> dict[str, Any]:
    """Return the fields export reads from one episode record (the only reader of record fields)."""
    return {
        "suite": record.suite,
        "task_id": record.task_id,
        "episode": record.episode,
        "seed": record.seed,
        "status": record.status,
        "success": record.success,
        "score": record.score,
        "end_reason": record.end_reason,
        "answer": None if record.answer is None else str(record.answer),
        "trajectory": record.trajectory,
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _calls(trace: dict[str, Any]) -> list[dict[str, Any]]:
    calls = trace.get("calls")
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def read_step(step: dict[str, Any]) -> ExportStep:
    """Return what export uses of one trajectory step (the only reader of step fields).

    The raw reply is the agent's last LLM call's (``agent.calls[-1].reply``), else a
    ``reply`` its trace holds; the thought and parse error are its trace's.
    """
    trace = step.get("agent") if isinstance(step.get("agent"), dict) else {}
    calls = _calls(trace)
    observation = step.get("observation") if isinstance(step.get("observation"), dict) else {}
    return ExportStep(
        observation={k: observation[k] for k in OBSERVATION_FIELDS if k in observation},
        action=str(step.get("action", "")),
        error=_text(step.get("error")),
        thought=_text(trace.get("thought")),
        reply=_text(calls[-1].get("reply") if calls else trace.get("reply")),
        parse_error=_text(trace.get("parse_error")),
        screenshot=_text(step.get("screenshot")),
    )


def sent_system_prompt(steps: list[dict[str, Any]]) -> str | None:
    """Return the system message of the first LLM call the trajectory's first step records, if any."""
    for step in steps[:1]:
        trace = step.get("agent") if isinstance(step.get("agent"), dict) else {}
        for call in _calls(trace)[:1]:
            messages = call.get("messages")
            first = messages[0] if isinstance(messages, list) and messages else {}
            if isinstance(first, dict) and first.get("role") == "system":
                return _text(first.get("content"))
    return None


def _read_trajectory(path: Path) -> dict[str, Any]:
    """Return a trajectory file's content; RunStoreError naming the file when it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunStoreError(f"{path}: the episode's trajectory file is missing") from None
    except (OSError, ValueError) as exc:
        raise RunStoreError(f"{path}: not a readable trajectory ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("steps", []), list):
        raise RunStoreError(f"{path}: not a trajectory (no list of steps)")
    return data


def load_episodes(path: Path) -> list[ExportEpisode]:
    """Return the episodes of the run folder ``path`` in the order written, with their steps.

    RunStoreError (exit 2) when ``path`` is not a run folder or a trajectory cannot be read.
    An episode without a trajectory (a lost worker) has no steps.
    """
    store = RunStore.open(Path(path))
    manifest = store.manifest
    config = manifest.get("config") or {}
    agent_args = config.get("agent_args") or {}
    model = agent_args.get("model")
    run_id = str(manifest.get("run_id") or store.path.name)
    episodes = []
    for record in store.episodes():
        fields = record_fields(record)
        relative = fields.pop("trajectory")
        trajectory = _read_trajectory(store.path / relative) if relative else {}
        task = trajectory.get("task") or {}
        steps = [s for s in trajectory.get("steps", []) if isinstance(s, dict)]
        episodes.append(
            ExportEpisode(
                run_id=run_id,
                agent=str(config.get("agent", "?")),
                model=None if model is None else str(model),
                goal=str(task.get("goal", "")),
                steps=[read_step(s) for s in steps],
                system=sent_system_prompt(steps),
                trajectory_dir=store.trajectories,
                **fields,
            )
        )
    return episodes
