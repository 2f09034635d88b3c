"""Aggregating a run's episode records into ``summary.json`` (pure functions).

Every record counts toward every metric (episodes that did not end ``ok`` at their
failure scores; see :mod:`webbench.core.metric`). The success rate's 95 % interval is
Wilson's with one episode per task (or one task), and with several episodes per task a
percentile bootstrap over tasks (:func:`webbench.core.metric.cluster_bootstrap_interval`):
episodes of one task are not independent draws, and treating them so gives intervals
far too narrow (3 tasks x 100 episodes, 2 solved: Wilson says 61-72 %).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from webbench.core.metric import MetricSpec, cluster_bootstrap_interval, headline_of, wilson_interval
from webbench.core.record import STATUSES, EpisodeRecord


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def success_interval(records: list[EpisodeRecord]) -> tuple[tuple[float, float], str]:
    """Return the 95 % interval of the records' success rate and its method's name.

    ``"cluster-bootstrap"`` when some task has several episodes and there are several
    tasks, else ``"wilson"`` (episodes are then independent draws).
    """
    per_task: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        counts = per_task[record.task_id]
        counts[0] += 1 if record.success else 0
        counts[1] += 1
    if 1 < len(per_task) < len(records):
        successes, episodes = zip(*per_task.values(), strict=True)
        return cluster_bootstrap_interval(successes, episodes), "cluster-bootstrap"
    return wilson_interval(sum(1 for r in records if r.success), len(records)), "wilson"


def summarize_suite(
    records: list[EpisodeRecord], specs: Iterable[MetricSpec], notes: list[str] | None = None
) -> dict[str, Any]:
    """Return one suite's summary: n, success rate with its 95 % interval (and the interval's
    method), metrics, statuses, the number of episodes that did not end ``ok`` and of those
    without any scores."""
    specs = list(specs)
    n = len(records)
    successes = sum(1 for r in records if r.success)
    (low, high), method = success_interval(records)
    usage = [r.usage for r in records]
    costs = [u.get("cost_usd") for u in usage]
    not_ok = sum(1 for r in records if not r.ok)
    unscored = sum(1 for r in records if not r.metrics) if specs else 0
    summary: dict[str, Any] = {
        "n": n,
        "successes": successes,
        "success_rate": successes / n if n else None,
        "success_rate_ci95": [low, high],
        "success_rate_ci95_method": method,
        "headline": headline_of(specs).name if specs else None,
        "metrics": {spec.name: spec.aggregate_records(records) for spec in specs},
        "status_counts": {s: sum(1 for r in records if r.status == s) for s in STATUSES},
        "not_ok": not_ok,
        "unscored": unscored,
        "mean_steps": _mean([float(r.steps) for r in records]),
        "mean_duration_s": _mean([float(r.duration_s) for r in records]),
        "tasks": len({r.task_id for r in records}),
        "usage": {
            "input_tokens": sum(int(u.get("input_tokens", 0)) for u in usage),
            "output_tokens": sum(int(u.get("output_tokens", 0)) for u in usage),
            "cost_usd": None
            if any(c is None and u for c, u in zip(costs, usage, strict=True))
            else sum(float(c or 0.0) for c in costs),
        },
    }
    groups = _group_values(records, specs)
    if groups:
        summary["groups"] = groups
    breakdowns = {spec.name: spec.breakdowns(records) for spec in specs if spec.breakdown}
    if breakdowns:
        summary["breakdowns"] = breakdowns
    notes = list(notes or [])
    if not_ok:
        notes.append(
            f"{not_ok} of {n} episodes ended otherwise than ok; each counts toward every metric "
            "(replay: steps not reached score as failed; live: the suite's failure value)"
        )
    if unscored:
        notes.append(
            f"{unscored} episode(s) have no scores (written before failures were scored, or their task "
            "could not be scored): mean metrics count them at the failure value, ratio metrics leave them out"
        )
    if notes:
        summary["notes"] = notes
    return summary


def _group_values(records: list[EpisodeRecord], specs: list[MetricSpec]) -> dict[str, Any]:
    """Return ``{field: {group: {metric: value}}}`` for grouped specs spanning several groups."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for spec in specs:
        if spec.group_by is None:
            continue
        values = spec.by_group(records)
        if len(values) > 1:
            for group, value in values.items():
                out.setdefault(spec.group_by, {}).setdefault(group, {})[spec.name] = value
    return out


def summarize_run(
    records: list[EpisodeRecord],
    specs_by_suite: dict[str, Iterable[MetricSpec]],
    notes_by_suite: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Return ``summary.json``'s content: ``{"suites": {suite: summary}}`` plus totals."""
    by_suite: dict[str, list[EpisodeRecord]] = defaultdict(list)
    for record in records:
        by_suite[record.suite].append(record)
    notes_by_suite = notes_by_suite or {}
    return {
        "suites": {
            suite: summarize_suite(rows, specs_by_suite.get(suite, ()), notes_by_suite.get(suite))
            for suite, rows in sorted(by_suite.items())
        },
        "episodes": len(records),
        "status_counts": dict(Counter(r.status for r in records)),
    }
