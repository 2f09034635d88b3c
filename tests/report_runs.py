"""Run folders written in the store's own format (real files, through RunStore) for report tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from webbench.core.record import EpisodeRecord
from webbench.run.episode import safe_name
from webbench.run.store import RunStore


def miniwob_metrics(success: bool) -> dict[str, float]:
    """Return the per-episode metrics MiniWoB records for a success or a failure."""
    return {
        "success": float(success),
        "reward": 0.9 if success else -1.0,
        "raw_reward": 1.0 if success else -1.0,
    }


def make_run(
    parent: Path,
    run_id: str,
    agent: str,
    outcomes: dict[str, list[bool]],
    suite: str = "miniwob",
    goal: str = "Do the task.",
    record_extra: dict[str, Any] | None = None,
    steps: list[dict[str, Any]] | Callable[[str, int, bool], list[dict[str, Any]]] | None = None,
) -> Path:
    """Write a run folder: one episode per entry of ``outcomes[task]`` (True = success); return it.

    Each episode gets a trajectory file with ``steps`` (default: one click; a callable is given
    the task id, episode and success) and the task's goal.
    """
    store = RunStore.create(
        parent,
        run_id,
        {
            "run_id": run_id,
            "created": "2026-01-01T00:00:00+00:00",
            "git_commit": "0" * 40,
            "config": {"suite": suite, "agent": agent, "agent_args": {}, "episodes": 1},
            "tasks": list(outcomes),
        },
    )
    for task_id, results in outcomes.items():
        for episode, success in enumerate(results):
            name = f"{safe_name(task_id)}__{episode}"
            if callable(steps):
                episode_steps = steps(task_id, episode, success)
            elif steps is not None:
                episode_steps = steps
            else:
                episode_steps = [
                    {"step": 0, "observation": {"url": "http://127.0.0.1/"}, "action": 'click("1")'}
                ]
            trajectory = {
                "task": {"suite": suite, "id": task_id, "goal": goal},
                "episode": episode,
                "seed": episode,
                "status": "ok",
                "error": None,
                "traceback": None,
                "steps": episode_steps,
            }
            (store.trajectories / f"{name}.json").write_text(json.dumps(trajectory), encoding="utf-8")
            record = {
                "suite": suite,
                "task_id": task_id,
                "split": "",
                "episode": episode,
                "seed": episode,
                "status": "ok",
                "success": success,
                "score": float(success),
                "metrics": miniwob_metrics(success),
                "steps": len(trajectory["steps"]),
                "duration_s": 0.5,
                "usage": {},
                "error": None,
                "answer": None,
                "end_reason": "done",
                "details": {},
                "trajectory": f"trajectories/{name}.json",
                **(record_extra or {}),
            }
            store.append(EpisodeRecord(**record))
    return store.path


def outcomes(
    n_tasks: int, succeed: set[int], episodes: int = 1, prefix: str = "task"
) -> dict[str, list[bool]]:
    """Return ``n_tasks`` tasks named ``prefix-00``...; those whose index is in ``succeed`` always succeed."""
    return {f"{prefix}-{i:02d}": [i in succeed] * episodes for i in range(n_tasks)}
