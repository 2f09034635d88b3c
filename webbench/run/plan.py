"""Which episodes a run holds, and the seed of each."""

from __future__ import annotations

import hashlib

from webbench.core.types import Task
from webbench.run.episode import Episode


def episode_seed(base_seed: int, suite: str, task_id: str, episode: int) -> int:
    """Return the seed of episode ``episode`` of a task: a 32-bit number derived from all four.

    It is the first 8 hex digits of sha256(f"{base_seed}/{suite}/{task_id}/{episode}"),
    so it depends on nothing else (not the task order, nor the number of workers).
    """
    digest = hashlib.sha256(f"{base_seed}/{suite}/{task_id}/{episode}".encode()).hexdigest()
    return int(digest[:8], 16)


def plan_episodes(
    tasks: list[Task], episodes: int, base_seed: int, done: set[tuple[str, str, int]] | None = None
) -> list[Episode]:
    """Return the episodes to run, task by task, leaving out the keys in ``done``."""
    done = done or set()
    return [
        Episode(task, k, episode_seed(base_seed, task.suite, task.id, k))
        for task in tasks
        for k in range(episodes)
        if (task.suite, task.id, k) not in done
    ]
