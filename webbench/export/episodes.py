"""Reading run folders for export: each episode's record fields, its run's identity and its steps.

Records are read only through :meth:`webbench.run.store.RunStore.episodes` (the last attempt
of each episode) and trajectories as each record's ``trajectory`` path says. Record fields
are read in :func:`record_fields` alone, so that a typed record changes one function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webbench.run.store import RunStore, RunStoreError


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
    steps: list[dict[str, Any]] = field(default_factory=list)
    #: The folder the trajectory's relative paths (screenshots) start from.
    trajectory_dir: Path | None = None
    #: The LLM judge's decision when ``correct`` was re-judged (``Judgement.record()``).
    judgement: dict[str, Any] | None = None

    @property
    def task_key(self) -> tuple[str, str]:
        """Return the (suite, task id) the episode is an attempt of."""
        return self.suite, self.task_id


def record_fields(record: Any) -> dict[str, Any]:
    """Return the fields export reads from one episode record (the only reader of record fields)."""
    answer = record.get("answer")
    return {
        "suite": record["suite"],
        "task_id": record["task_id"],
        "episode": int(record["episode"]),
        "seed": record.get("seed"),
        "status": record.get("status", "ok"),
        "success": record.get("success") is True,
        "score": float(record.get("score", 0.0)),
        "end_reason": record.get("end_reason"),
        "answer": None if answer is None else str(answer),
        "trajectory": record.get("trajectory"),
    }


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
        episodes.append(
            ExportEpisode(
                run_id=run_id,
                agent=str(config.get("agent", "?")),
                model=None if model is None else str(model),
                goal=str(task.get("goal", "")),
                steps=[s for s in trajectory.get("steps", []) if isinstance(s, dict)],
                trajectory_dir=store.trajectories,
                **fields,
            )
        )
    return episodes
