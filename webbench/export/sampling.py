"""Rejection sampling and preference pairs over the episodes of each task (pure).

``rft`` keeps at most K successful episodes per task, in the order they were run, and
reports pass@k per task (the unbiased estimator of Chen et al. 2021, over all of the task's
episodes, before filters). ``dpo`` pairs a successful and a failed episode of the same task
that were shown the same prompt (the system prompt and the first user turn: the same task
instance), as TRL's conversational preference layout: ``prompt`` (the messages both share,
up to the last user turn before they differ), ``chosen`` and ``rejected`` (the rest of each).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from webbench.export.episodes import ExportEpisode

Messages = list[dict[str, str]]
TaskKey = tuple[str, str]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Return the probability that at least one of ``k`` of ``n`` attempts (``c`` successes) succeeds."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} attempts, not {n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def by_task(episodes: list[ExportEpisode]) -> dict[TaskKey, list[ExportEpisode]]:
    """Return the episodes grouped by (suite, task id), tasks and episodes in the order first seen."""
    groups: dict[TaskKey, list[ExportEpisode]] = defaultdict(list)
    for episode in episodes:
        groups[episode.task_key].append(episode)
    return dict(groups)


@dataclass(frozen=True)
class TaskStats:
    """A task's attempts and successes (before filters)."""

    attempts: int
    successes: int


def task_stats(episodes: list[ExportEpisode]) -> dict[TaskKey, TaskStats]:
    """Return each task's attempts and suite-judged successes."""
    return {
        key: TaskStats(len(group), sum(e.success for e in group)) for key, group in by_task(episodes).items()
    }


def rft_select(episodes: list[ExportEpisode], per_task: int) -> list[ExportEpisode]:
    """Return the successful episodes, at most ``per_task`` per task, the first ones run."""
    chosen = []
    for group in by_task(episodes).values():
        chosen += [e for e in group if e.success][:per_task]
    return chosen


def rft_summary(stats: dict[TaskKey, TaskStats], kept: int, per_task: int) -> str:
    """Return the summary line of an ``rft`` export: episodes kept, tasks solved, mean pass@1 and pass@k."""
    if not stats:
        return "rft: no episodes"
    k = min(s.attempts for s in stats.values())
    solved = sum(s.successes > 0 for s in stats.values())
    mean1 = sum(pass_at_k(s.attempts, s.successes, 1) for s in stats.values()) / len(stats)
    meank = sum(pass_at_k(s.attempts, s.successes, k) for s in stats.values()) / len(stats)
    at_k = f", pass@{k} {meank:.3f}" if k > 1 else ""
    return (
        f"rft: {kept} episodes (at most {per_task} per task) of {solved} of {len(stats)} tasks solved; "
        f"pass@1 {mean1:.3f}{at_k} (mean over tasks; k = the fewest attempts of a task)"
    )


def pass_fields(stat: TaskStats) -> dict[str, Any]:
    """Return the per-task numbers an ``rft`` record's metadata carries."""
    return {
        "task_attempts": stat.attempts,
        "task_successes": stat.successes,
        "task_pass@1": pass_at_k(stat.attempts, stat.successes, 1),
        "task_pass@n": pass_at_k(stat.attempts, stat.successes, stat.attempts),
    }


def split_prompt(chosen: Messages, rejected: Messages) -> tuple[Messages, Messages, Messages] | None:
    """Return (prompt, chosen rest, rejected rest): the prompt is the longest shared prefix that ends
    with a user turn and holds the first user turn; None when the two differ before that or end alike."""
    shared = 0
    while shared < min(len(chosen), len(rejected)) and chosen[shared] == rejected[shared]:
        shared += 1
    while shared > 0 and chosen[shared - 1]["role"] != "user":
        shared -= 1
    first_user = next((i for i, m in enumerate(chosen) if m["role"] == "user"), len(chosen))
    if shared <= first_user or chosen[shared:] == rejected[shared:]:
        return None
    return chosen[:shared], chosen[shared:], rejected[shared:]


def pair_order(wins: int, losses: int) -> list[tuple[int, int]]:
    """Return every (win, loss) index pair once, in bands of pairs that share no episode: band d pairs
    win i with loss (i + d) mod ``losses`` (the roles swapped when there are more wins than losses)."""
    pairs = itertools.product(range(wins), range(losses))
    if wins <= losses:
        return sorted(pairs, key=lambda p: ((p[1] - p[0]) % losses, p[0]))
    return sorted(pairs, key=lambda p: ((p[0] - p[1]) % wins, p[1]))


def dpo_pairs(
    items: list[tuple[ExportEpisode, Messages]], pairs_per_task: int
) -> tuple[list[tuple[ExportEpisode, ExportEpisode, Messages, Messages, Messages]], int]:
    """Return up to ``pairs_per_task`` preference pairs per task, and how many tasks had successes
    and failures but no pair (no shared prompt).

    Each pair is (chosen episode, rejected episode, prompt, chosen, rejected), taken in the
    order of :func:`pair_order`, so that as many different episodes as possible are used.
    """
    groups: dict[TaskKey, list[tuple[ExportEpisode, Messages]]] = defaultdict(list)
    for episode, messages in items:
        groups[episode.task_key].append((episode, messages))
    pairs = []
    unpaired = 0
    for group in groups.values():
        wins = [item for item in group if item[0].success]
        losses = [item for item in group if not item[0].success]
        found = []
        for w, r in pair_order(len(wins), len(losses)):
            if len(found) >= pairs_per_task:
                break
            split = split_prompt(wins[w][1], losses[r][1])
            if split is not None:
                found.append((wins[w][0], losses[r][0], *split))
        pairs += found
        unpaired += bool(wins and losses and not found)
    return pairs, unpaired
