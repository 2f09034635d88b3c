"""Aggregation over any number of runs: one pandas table of episodes, then per suite, agent and task.

Leaderboard rows are :func:`webbench.run.summary.summarize_suite` applied to each
(suite, agent) group, so a report shows exactly the numbers ``webbench show``
prints for the same episodes (same micro/macro rules, same failure scores, same interval, and the
same count of episodes that did not end ``ok``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from webbench.core.record import EpisodeRecord
from webbench.report.runs import RunData, suite_specs
from webbench.report.stats import pass_at_k, pass_hat_k
from webbench.run.summary import summarize_suite

#: Episode-length buckets (number of steps) for the "success by episode length" chart.
LENGTH_BINS = (-1, 0, 1, 2, 3, 5, 10, 20, float("inf"))
LENGTH_LABELS = ("0", "1", "2", "3", "4-5", "6-10", "11-20", "21+")

#: ``details`` keys a suite may set to name an episode's site or domain, in order of preference.
SITE_KEYS = ("site", "sites", "website", "domain", "web_name")


def site_of(record: EpisodeRecord) -> str:
    """Return the site/domain an episode belongs to, for grouping.

    The first of ``details.site``, ``.sites`` (a list is joined with '+'),
    ``.website``, ``.domain``, ``.web_name``; else the task id's prefix before
    ``--`` (WebVoyager ids are ``Site--n``); else the task family: the id up to
    its first '-' (MiniWoB ``click-button`` -> ``click``).
    """
    for key in SITE_KEYS:
        value = record.details.get(key)
        if value:
            return "+".join(map(str, value)) if isinstance(value, list) else str(value)
    task_id = record.task_id
    if "--" in task_id:
        return task_id.split("--", 1)[0]
    return task_id.split("-", 1)[0]


def episode_frame(runs: list[RunData]) -> pd.DataFrame:
    """Return one row per episode of every run, in run order, with a global index ``idx``.

    Columns: idx, label, run_id, suite, task_id, episode, status, success, score,
    steps, duration_s, input_tokens, output_tokens, site, length (bucket), and
    ``record`` (the :class:`EpisodeRecord`) and ``run`` (its RunData index).
    """
    rows = []
    for run_index, run in enumerate(runs):
        for record in run.records:
            usage = record.usage
            rows.append(
                {
                    "label": run.label,
                    "run": run_index,
                    "run_id": run.run_id,
                    "suite": record.suite,
                    "task_id": record.task_id,
                    "episode": record.episode,
                    "status": record.status,
                    "success": record.success,
                    "score": float(record.score),
                    "steps": record.steps,
                    "duration_s": float(record.duration_s),
                    "input_tokens": int(usage.get("input_tokens") or 0),
                    "output_tokens": int(usage.get("output_tokens") or 0),
                    "site": site_of(record),
                    "record": record,
                }
            )
    columns = ["label", "run", "run_id", "suite", "task_id", "episode", "status", "success", "score"]
    columns += ["steps", "duration_s", "input_tokens", "output_tokens", "site", "record"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(0, "idx", range(len(frame)))
    frame["length"] = pd.cut(frame["steps"], LENGTH_BINS, labels=LENGTH_LABELS).astype(str)
    return frame


def common_k(frame: pd.DataFrame) -> int:
    """Return the k for pass@k / pass^k: the fewest episodes any (task, agent) has (0 if empty)."""
    if frame.empty:
        return 0
    return int(frame.groupby(["label", "task_id"]).size().min())


def task_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (suite, task, agent): n, successes, rate, flaky, pass@k, pass^k, episodes.

    ``k`` is per suite (:func:`common_k`); pass@k and pass^k are the unbiased
    estimators (Chen et al. 2021; Yao et al. 2024) and are NaN when k < 2. A task is
    flaky for an agent when its episodes disagree (some succeed, some fail).
    """
    if frame.empty:
        return pd.DataFrame(
            columns=["suite", "task_id", "label", "n", "successes", "rate", "flaky", "k", "pass_at_k"]
            + ["pass_hat_k", "episodes"]
        )
    grouped = frame.groupby(["suite", "task_id", "label"], sort=True)
    table = grouped.agg(n=("success", "size"), successes=("success", "sum"), episodes=("idx", list))
    table = table.reset_index()
    table["rate"] = table["successes"] / table["n"]
    table["flaky"] = (table["successes"] > 0) & (table["successes"] < table["n"])
    ks = {suite: common_k(part) for suite, part in frame.groupby("suite")}
    table["k"] = table["suite"].map(ks)
    table["pass_at_k"] = [
        pass_at_k(n, c, k) if k >= 2 else float("nan")
        for n, c, k in zip(table["n"], table["successes"], table["k"], strict=True)
    ]
    table["pass_hat_k"] = [
        pass_hat_k(n, c, k) if k >= 2 else float("nan")
        for n, c, k in zip(table["n"], table["successes"], table["k"], strict=True)
    ]
    return table


def leaderboard(frame: pd.DataFrame, tasks: pd.DataFrame | None = None) -> dict[str, list[dict[str, Any]]]:
    """Return, per suite, one row per agent: its ``summarize_suite`` summary plus pass@k, pass^k, flaky.

    Each row is the summary dict (n, successes, success_rate, success_rate_ci95 and its
    method, metrics, status_counts, not_ok, mean_steps, mean_duration_s, tasks, usage) with
    ``label``, ``k``, ``pass_at_k`` and ``pass_hat_k`` (means over tasks, None when
    k < 2) and ``flaky`` (number of flaky tasks) added; rows are sorted by success rate.
    """
    tasks = task_table(frame) if tasks is None else tasks
    boards: dict[str, list[dict[str, Any]]] = {}
    for (suite, label), part in frame.groupby(["suite", "label"], sort=True):
        row = summarize_suite(list(part["record"]), suite_specs(suite))
        per_task = tasks[(tasks["suite"] == suite) & (tasks["label"] == label)]
        k = int(per_task["k"].iloc[0]) if len(per_task) else 0
        row.update(
            label=label,
            k=k,
            pass_at_k=float(per_task["pass_at_k"].mean()) if k >= 2 else None,
            pass_hat_k=float(per_task["pass_hat_k"].mean()) if k >= 2 else None,
            flaky=int(per_task["flaky"].sum()),
        )
        boards.setdefault(suite, []).append(row)
    for rows in boards.values():
        rows.sort(key=lambda r: -(r["success_rate"] or 0.0))
    return boards


def success_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Return success rate and episode count per (suite, label, ``column`` value)."""
    grouped = frame.groupby(["suite", "label", column], sort=True, observed=True)["success"]
    return grouped.agg(rate="mean", n="size").reset_index()
