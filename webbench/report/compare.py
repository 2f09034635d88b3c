"""Paired comparison of two runs on the tasks they share (used by ``compare`` and ``gate``).

Per-task outcomes (how several episodes of a task become one paired observation):

* A task's episodes in a run are all its records there, whatever their status (an
  episode that ended in an error or a time-out is a failure, as in the summary).
* **Binary success** (for the exact McNemar test and the flipped-task list): with s
  successes out of n episodes, the task succeeded under the rule ``majority`` (the
  default) iff 2s > n (one success out of two is a failure), under ``all`` iff s = n,
  under ``any`` iff s >= 1. With one episode per task all three rules agree.
* **Totals** (for values, deltas, the paired bootstrap interval and the paired
  permutation test of every metric other than the success rate): each metric's
  (numerator, denominator) over the task's episodes (:meth:`MetricSpec.totals`);
  success rate uses (successes, episodes). A value over a set of tasks is
  sum(numerators) / sum(denominators), which equals the metric's own aggregate over
  those tasks' episodes; for a metric with ``group_by`` (e.g. WebLINX's mean over
  splits) it is the mean over groups of each group's ratio, as
  ``MetricSpec.aggregate_records`` computes it (a task's group is its first episode's).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from webbench.core.errors import UsageError
from webbench.core.metric import MetricSpec, headline_of
from webbench.report.runs import RunData, suite_specs
from webbench.report.stats import (
    grouped_totals,
    grouped_value,
    mcnemar_exact,
    paired_bootstrap,
    paired_permutation,
)

OutcomeRule = Literal["majority", "all", "any"]
OUTCOME_RULES: tuple[str, ...] = ("majority", "all", "any")
SUCCESS_RATE = "success_rate"


def task_success(successes: int, n: int, rule: OutcomeRule = "majority") -> bool:
    """Return a task's binary outcome from its s successes out of n episodes under ``rule``."""
    if rule == "majority":
        return 2 * successes > n
    if rule == "all":
        return n > 0 and successes == n
    if rule == "any":
        return successes >= 1
    raise ValueError(f"unknown outcome rule {rule!r}; use one of {', '.join(OUTCOME_RULES)}")


def group_by_task(records: list[dict[str, Any]], suite: str) -> dict[str, list[dict[str, Any]]]:
    """Return the records of ``suite`` grouped by task id."""
    tasks: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record["suite"] == suite:
            tasks.setdefault(str(record["task_id"]), []).append(record)
    return tasks


def success_totals(episodes: list[dict[str, Any]]) -> tuple[float, float]:
    """Return (successes, episodes) of a task's records."""
    return float(sum(1 for r in episodes if r.get("success"))), float(len(episodes))


def metric_totals(spec: MetricSpec | None, episodes: list[dict[str, Any]]) -> tuple[float, float]:
    """Return a task's (numerator, denominator) of ``spec`` (success rate when ``spec`` is None)."""
    if spec is None:
        return success_totals(episodes)
    return spec.totals(r.get("metrics") or {} for r in episodes)


@dataclass
class MetricComparison:
    """One metric of one suite, baseline against candidate, on the shared tasks."""

    suite: str
    metric: str
    test: str
    tasks: int
    base: float | None
    cand: float | None
    delta: float | None
    low: float | None
    high: float | None
    p_two_sided: float
    p_worse: float
    higher_is_better: bool = True
    base_only: int = 0
    cand_only: int = 0

    @property
    def drop(self) -> float | None:
        """Return how much worse the candidate is (positive = worse), on the metric's scale."""
        if self.delta is None:
            return None
        return -self.delta if self.higher_is_better else self.delta


@dataclass
class SuiteComparison:
    """Everything compared for one suite: metrics, shared tasks, and the tasks that flipped."""

    suite: str
    shared: list[str]
    base_only_tasks: list[str]
    cand_only_tasks: list[str]
    metrics: list[MetricComparison] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    base_errors: int = 0
    cand_errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict of this comparison."""
        return asdict(self)


def _value(totals: np.ndarray, groups: np.ndarray | None) -> float | None:
    value = float(grouped_value(grouped_totals(totals, groups).sum(0)))
    return None if np.isnan(value) else value


def task_groups(spec: MetricSpec | None, tasks: list[list[dict[str, Any]]]) -> np.ndarray | None:
    """Return each task's group index for a ``group_by`` metric (from its first episode), else None."""
    if spec is None or not spec.group_by:
        return None
    keys = [str(episodes[0].get(spec.group_by, "")) for episodes in tasks]
    index = {key: i for i, key in enumerate(sorted(set(keys)))}
    return np.array([index[key] for key in keys], dtype=int)


def _compare_metric(
    suite: str,
    spec: MetricSpec | None,
    base_tasks: list[list[dict[str, Any]]],
    cand_tasks: list[list[dict[str, Any]]],
    flips: tuple[int, int],
    seed: int,
    resamples: int,
    confidence: float,
) -> MetricComparison:
    base = np.array([metric_totals(spec, e) for e in base_tasks], dtype=float).reshape(-1, 2)
    cand = np.array([metric_totals(spec, e) for e in cand_tasks], dtype=float).reshape(-1, 2)
    name = SUCCESS_RATE if spec is None else spec.name
    higher = True if spec is None else spec.higher_is_better
    groups = task_groups(spec, base_tasks)
    b_value, c_value = _value(base, groups), _value(cand, groups)
    if b_value is None or c_value is None:
        return MetricComparison(
            suite, name, "none", len(base), b_value, c_value, None, None, None, 1.0, 1.0, higher
        )
    boot = paired_bootstrap(base, cand, seed, resamples, confidence, groups)
    interval = (boot.delta, boot.low, boot.high)
    if spec is None:
        two_sided, p_worse = mcnemar_exact(*flips)
        return MetricComparison(
            suite, name, "mcnemar", len(base), b_value, c_value, *interval, two_sided, p_worse, higher, *flips
        )
    test = paired_permutation(base, cand, seed, resamples, groups)
    p_worse = test.p_lower if higher else test.p_higher
    return MetricComparison(
        suite, name, "permutation", len(base), b_value, c_value, *interval, test.p_two_sided, p_worse, higher
    )


def resolve_metrics(suite: str, names: list[str] | None) -> list[MetricSpec | None]:
    """Return the specs to compare for ``suite`` (None stands for the success rate).

    Default: the success rate and every declared metric. With ``names``, those only
    (``success_rate`` or a metric the suite declares); an unknown name is a UsageError.
    """
    specs = {spec.name: spec for spec in suite_specs(suite)}
    if not names:
        return [None, *specs.values()]
    chosen: list[MetricSpec | None] = []
    for name in names:
        if name == SUCCESS_RATE:
            chosen.append(None)
        elif name in specs:
            chosen.append(specs[name])
        else:
            known = ", ".join([SUCCESS_RATE, *specs])
            raise UsageError(f"--metric {name!r} is not a metric of suite {suite}; known: {known}")
    return chosen


def headline_metrics(suite: str) -> list[str]:
    """Return the gate's default metrics of ``suite``: the success rate and the headline metric."""
    specs = suite_specs(suite)
    names = [SUCCESS_RATE]
    if specs:
        names.append(headline_of(specs).name)
    return names


def shared_suites(base: RunData, cand: RunData) -> list[str]:
    """Return the suites both runs have; UsageError when there is none."""
    suites = sorted(set(base.suites) & set(cand.suites))
    if not suites:
        raise UsageError(
            f"the runs share no suite: baseline {base.path} has {', '.join(base.suites) or 'no episodes'}, "
            f"candidate {cand.path} has {', '.join(cand.suites) or 'no episodes'}"
        )
    return suites


def compare_runs(
    base: RunData,
    cand: RunData,
    metrics: list[str] | None = None,
    rule: OutcomeRule = "majority",
    seed: int = 0,
    resamples: int = 10_000,
    confidence: float = 0.95,
    default_metrics: bool = False,
) -> list[SuiteComparison]:
    """Return a paired comparison per shared suite; UsageError when suites or tasks do not overlap.

    ``metrics`` names the metrics (see :func:`resolve_metrics`); with
    ``default_metrics`` and no names, the gate's default (success rate and headline).
    """
    results = []
    for suite in shared_suites(base, cand):
        base_by_task, cand_by_task = group_by_task(base.records, suite), group_by_task(cand.records, suite)
        shared = sorted(set(base_by_task) & set(cand_by_task))
        if not shared:
            raise UsageError(
                f"suite {suite}: the baseline ({base.path}) and the candidate ({cand.path}) share no task"
            )
        names = metrics or (headline_metrics(suite) if default_metrics else None)
        base_eps = [base_by_task[t] for t in shared]
        cand_eps = [cand_by_task[t] for t in shared]
        outcome_b = [task_success(*map(int, success_totals(e)), rule) for e in base_eps]
        outcome_c = [task_success(*map(int, success_totals(e)), rule) for e in cand_eps]
        broken = [t for t, b, c in zip(shared, outcome_b, outcome_c, strict=True) if b and not c]
        fixed = [t for t, b, c in zip(shared, outcome_b, outcome_c, strict=True) if c and not b]
        comparison = SuiteComparison(
            suite,
            shared,
            sorted(set(base_by_task) - set(cand_by_task)),
            sorted(set(cand_by_task) - set(base_by_task)),
            broken=broken,
            fixed=fixed,
            base_errors=sum(1 for e in base_eps for r in e if r.get("status", "ok") != "ok"),
            cand_errors=sum(1 for e in cand_eps for r in e if r.get("status", "ok") != "ok"),
        )
        for spec in resolve_metrics(suite, names):
            comparison.metrics.append(
                _compare_metric(
                    suite, spec, base_eps, cand_eps, (len(broken), len(fixed)), seed, resamples, confidence
                )
            )
        results.append(comparison)
    return results
