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
from webbench.core.record import EpisodeRecord
from webbench.report.runs import RunData, suite_specs
from webbench.report.stats import (
    PValues,
    grouped_totals,
    grouped_value,
    mcnemar_exact,
    paired_bootstrap,
    paired_permutation,
    stratified_exact,
    stratified_permutation,
)

OutcomeRule = Literal["majority", "all", "any"]
OUTCOME_RULES: tuple[str, ...] = ("majority", "all", "any")
SUCCESS_RATE = "success_rate"
#: ``--test`` values: the unit the paired tests work on (``auto`` picks episode or stratified).
TEST_DESIGNS: tuple[str, ...] = ("auto", "task", "episode", "stratified")
#: The test each design runs: (on the success rate, on any other metric).
DESIGN_TESTS = {
    "task": ("mcnemar", "permutation"),
    "episode": ("mcnemar-episode", "permutation-episode"),
    "stratified": ("stratified-exact", "stratified-permutation"),
}


def task_success(successes: Any, n: Any, rule: OutcomeRule = "majority") -> Any:
    """Return a task's binary outcome from its s successes out of n episodes under ``rule``.

    Works elementwise on numpy arrays of counts too (the power simulation's).
    """
    if rule == "majority":
        return 2 * successes > n
    if rule == "all":
        return (n > 0) & (successes == n)
    if rule == "any":
        return successes >= 1
    raise ValueError(f"unknown outcome rule {rule!r}; use one of {', '.join(OUTCOME_RULES)}")


def group_by_task(records: list[EpisodeRecord], suite: str) -> dict[str, list[EpisodeRecord]]:
    """Return the records of ``suite`` grouped by task id."""
    tasks: dict[str, list[EpisodeRecord]] = {}
    for record in records:
        if record.suite == suite:
            tasks.setdefault(record.task_id, []).append(record)
    return tasks


def success_totals(episodes: list[EpisodeRecord]) -> tuple[float, float]:
    """Return (successes, episodes) of a task's records."""
    return float(sum(1 for r in episodes if r.success)), float(len(episodes))


def metric_totals(spec: MetricSpec | None, episodes: list[EpisodeRecord]) -> tuple[float, float]:
    """Return a task's (numerator, denominator) of ``spec`` (success rate when ``spec`` is None)."""
    if spec is None:
        return success_totals(episodes)
    return spec.totals(spec.episode_metrics(r) for r in episodes)


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
    #: The tests' unit (``task``, ``episode`` or ``stratified``) and why it was chosen.
    design: str = "task"
    design_reason: str = ""
    #: Each shared task's (successes, episodes) in each run, in ``shared`` order.
    base_counts: list[tuple[int, int]] = field(default_factory=list)
    cand_counts: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict of this comparison."""
        return asdict(self)


def _value(totals: np.ndarray, groups: np.ndarray | None) -> float | None:
    value = float(grouped_value(grouped_totals(totals, groups).sum(0)))
    return None if np.isnan(value) else value


def task_groups(spec: MetricSpec | None, tasks: list[list[EpisodeRecord]]) -> np.ndarray | None:
    """Return each task's group index for a ``group_by`` metric (from its first episode), else None."""
    if spec is None or not spec.group_by:
        return None
    keys = [str(getattr(episodes[0], spec.group_by, "")) for episodes in tasks]
    index = {key: i for i, key in enumerate(sorted(set(keys)))}
    return np.array([index[key] for key in keys], dtype=int)


Pairs = list[list[tuple[EpisodeRecord, EpisodeRecord]]]


def episode_pairs(
    shared: list[str], base_tasks: list[list[EpisodeRecord]], cand_tasks: list[list[EpisodeRecord]]
) -> tuple[Pairs | None, str]:
    """Return each shared task's episodes paired by (episode, seed), or (None, why they do not pair).

    The runs pair when, in every shared task, both have the same episode indices, once
    each, and each episode has the same non-null seed in both (the same task instance).
    """
    pairs: Pairs = []
    for task, b_eps, c_eps in zip(shared, base_tasks, cand_tasks, strict=True):
        b_by = {r.episode: r for r in b_eps}
        c_by = {r.episode: r for r in c_eps}
        if len(b_by) != len(b_eps) or len(c_by) != len(c_eps) or set(b_by) != set(c_by):
            return None, f"task {task} has episodes {sorted(b_by)} in one run, {sorted(c_by)} in the other"
        for key in sorted(b_by):
            seed_b, seed_c = b_by[key].seed, c_by[key].seed
            if seed_b is None or seed_b != seed_c:
                return None, f"task {task} episode {key} has seeds {seed_b} and {seed_c}"
        pairs.append([(b_by[key], c_by[key]) for key in sorted(b_by)])
    return pairs, "every shared (task, episode) has the same seed in both runs"


def choose_design(requested: str, pairs: Pairs | None, why: str) -> tuple[str, str]:
    """Return (design that runs, why): ``auto`` pairs episodes when they share seeds, else stratifies.

    ``--test episode`` on runs that do not pair is a UsageError saying why.
    """
    if requested not in TEST_DESIGNS:
        raise UsageError(f"--test {requested!r}: use one of {', '.join(TEST_DESIGNS)}")
    if requested == "episode" and pairs is None:
        raise UsageError(f"--test episode needs episodes that share seeds, but {why}; use --test stratified")
    if requested != "auto":
        return requested, f"--test {requested}"
    return ("episode" if pairs is not None else "stratified"), why


def _episode_totals(spec: MetricSpec | None, episodes: list[EpisodeRecord]) -> np.ndarray:
    return np.array([metric_totals(spec, [r]) for r in episodes], dtype=float).reshape(-1, 2)


def _success_test(
    design: str,
    base_tasks: list[list[EpisodeRecord]],
    cand_tasks: list[list[EpisodeRecord]],
    pairs: Pairs | None,
    flips: tuple[int, int],
) -> tuple[PValues, tuple[int, int]]:
    """Return the success rate's p-values under ``design`` and its discordant counts (tasks or episodes)."""
    if design == "stratified":
        base = np.array([success_totals(e) for e in base_tasks]).reshape(-1, 2)
        cand = np.array([success_totals(e) for e in cand_tasks]).reshape(-1, 2)
        return stratified_exact(base, cand), (0, 0)
    if design == "episode":
        assert pairs is not None
        outcomes = [(b.success, c.success) for task in pairs for b, c in task]
        flips = (sum(b and not c for b, c in outcomes), sum(c and not b for b, c in outcomes))
    two_sided, worse = mcnemar_exact(*flips)
    return PValues(worse, mcnemar_exact(flips[1], flips[0])[1], two_sided, exact=True), flips


def _metric_test(
    design: str,
    spec: MetricSpec,
    base_tasks: list[list[EpisodeRecord]],
    cand_tasks: list[list[EpisodeRecord]],
    pairs: Pairs | None,
    groups: np.ndarray | None,
    seed: int,
    resamples: int,
) -> PValues:
    """Return a declared metric's permutation test under ``design`` (paired tasks or episodes, strata)."""
    if design == "stratified":
        base = [_episode_totals(spec, e) for e in base_tasks]
        cand = [_episode_totals(spec, e) for e in cand_tasks]
        return stratified_permutation(base, cand, seed, resamples, groups)
    if design == "episode":
        assert pairs is not None
        base = np.vstack([_episode_totals(spec, [b for b, _ in task]) for task in pairs])
        cand = np.vstack([_episode_totals(spec, [c for _, c in task]) for task in pairs])
        unit_groups = None if groups is None else np.repeat(groups, [len(task) for task in pairs])
        return paired_permutation(base, cand, seed, resamples, unit_groups)
    base = np.array([metric_totals(spec, e) for e in base_tasks], dtype=float).reshape(-1, 2)
    cand = np.array([metric_totals(spec, e) for e in cand_tasks], dtype=float).reshape(-1, 2)
    return paired_permutation(base, cand, seed, resamples, groups)


def _compare_metric(
    suite: str,
    spec: MetricSpec | None,
    base_tasks: list[list[EpisodeRecord]],
    cand_tasks: list[list[EpisodeRecord]],
    design: str,
    pairs: Pairs | None,
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
    success_name, metric_name = DESIGN_TESTS[design]
    if spec is None:
        test, counts = _success_test(design, base_tasks, cand_tasks, pairs, flips)
        return MetricComparison(
            suite,
            name,
            success_name,
            len(base),
            b_value,
            c_value,
            *interval,
            test.p_two_sided,
            test.p_lower,
            higher,
            *counts,
        )
    test = _metric_test(design, spec, base_tasks, cand_tasks, pairs, groups, seed, resamples)
    p_worse = test.p_lower if higher else test.p_higher
    return MetricComparison(
        suite, name, metric_name, len(base), b_value, c_value, *interval, test.p_two_sided, p_worse, higher
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
    test: str = "auto",
) -> list[SuiteComparison]:
    """Return a paired comparison per shared suite; UsageError when suites or tasks do not overlap.

    ``metrics`` names the metrics (see :func:`resolve_metrics`); with
    ``default_metrics`` and no names, the gate's default (success rate and headline).
    ``test`` (``TEST_DESIGNS``) chooses the unit of the tests: per-task outcomes
    (``task``), episodes paired by seed (``episode``), episodes stratified by task
    (``stratified``), or ``auto``: episode when the runs share seeds, else stratified.
    The intervals are always the paired bootstrap over tasks (clustered by task).
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
        pairs, why = episode_pairs(shared, base_eps, cand_eps)
        design, reason = choose_design(test, pairs, why)
        comparison = SuiteComparison(
            suite,
            shared,
            sorted(set(base_by_task) - set(cand_by_task)),
            sorted(set(cand_by_task) - set(base_by_task)),
            broken=broken,
            fixed=fixed,
            base_errors=sum(1 for e in base_eps for r in e if not r.ok),
            cand_errors=sum(1 for e in cand_eps for r in e if not r.ok),
            design=design,
            design_reason=reason,
            base_counts=[tuple(map(int, success_totals(e))) for e in base_eps],
            cand_counts=[tuple(map(int, success_totals(e))) for e in cand_eps],
        )
        flips = (len(broken), len(fixed))
        for spec in resolve_metrics(suite, names):
            comparison.metrics.append(
                _compare_metric(
                    suite, spec, base_eps, cand_eps, design, pairs, flips, seed, resamples, confidence
                )
            )
        results.append(comparison)
    return results
