"""Statistics for reports, comparisons and the gate (pure functions, exact where possible).

The tests rest on scipy's tested distributions (``binomtest``, ``hypergeom``, ``bootstrap``,
imported where used: scipy.stats takes a second to import, which every other command is spared);
what is written here is only how runs become their inputs, cross-checked against scipy and
statsmodels in ``tests/test_report_stats.py``.

The Wilson interval lives with the metric declarations (:func:`webbench.core.metric.wilson_interval`)
and is re-exported here so that report code imports its statistics from one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Any

import numpy as np

from webbench.core.metric import wilson_interval

__all__ = [
    "CLUSTER_BOOTSTRAP",
    "Bootstrap",
    "PValues",
    "cluster_interval",
    "cmh_p_lower",
    "mcnemar_exact",
    "mcnemar_worse",
    "paired_bootstrap",
    "paired_permutation",
    "stratified_exact",
    "stratified_law",
    "stratified_p_lower",
    "stratified_permutation",
    "grouped_totals",
    "grouped_value",
    "pass_at_k",
    "pass_hat_k",
    "wilson_interval",
]


def mcnemar_exact(base_only: int, cand_only: int) -> tuple[float, float]:
    """Return (two-sided p, one-sided p that the candidate is worse) of the exact McNemar test.

    ``base_only`` counts the pairs (tasks, or episodes sharing a seed) where only the
    baseline succeeded, ``cand_only`` those where only the candidate did; ties carry no
    information. Under H0 each discordant pair goes either way with probability 1/2, so
    this is ``scipy.stats.binomtest`` of ``base_only`` out of n = base_only + cand_only at
    1/2: two-sided p = min(1, 2 P(X >= max)), one-sided p = :func:`mcnemar_worse`.
    With no discordant pair both are 1.
    """
    from scipy.stats import binomtest

    n = base_only + cand_only
    if n == 0:
        return 1.0, 1.0
    return float(binomtest(base_only, n, 0.5).pvalue), float(mcnemar_worse(base_only, cand_only))


def mcnemar_worse(base_only: Any, cand_only: Any) -> Any:
    """Return the exact McNemar test's one-sided p that the candidate is worse, P(X >= base_only) for
    X ~ Binomial(base_only + cand_only, 1/2) (scipy's ``binom.sf``; ``binomtest``'s "greater"),
    elementwise on arrays of counts; 1 with no discordant pair.
    """
    from scipy.stats import binom

    return binom.sf(np.asarray(base_only) - 1, np.asarray(base_only) + np.asarray(cand_only), 0.5)


@dataclass(frozen=True)
class PValues:
    """A test's one- and two-sided p-values and whether they are exact (else Monte Carlo)."""

    #: Probability of a candidate-minus-baseline difference as low as observed.
    p_lower: float
    #: Probability of a difference as high as observed.
    p_higher: float
    p_two_sided: float
    exact: bool


def stratified_law(successes: np.ndarray, base_n: np.ndarray, cand_n: np.ndarray) -> np.ndarray:
    """Return, per row, the null law of T = the candidate's successes summed over tasks, given margins.

    ``successes`` is (rows, tasks): each task's successes of both runs together;
    ``base_n``/``cand_n`` (tasks,) the runs' episode counts. Under H0 the candidate's
    successes in task k follow scipy's hypergeometric law (``hypergeom.pmf(x, base_n + cand_n,
    successes, cand_n)``), independently across tasks; T's law is their convolution. Returns
    (rows, sum(cand_n) + 1): column t holds P(T = t).
    """
    from scipy.stats import hypergeom

    successes = np.atleast_2d(np.asarray(successes, dtype=int))
    base_n, cand_n = np.asarray(base_n, dtype=int), np.asarray(cand_n, dtype=int)
    law = np.zeros((len(successes), int(cand_n.sum()) + 1))
    law[:, 0], reach = 1.0, 0
    for k, (nb, nc) in enumerate(zip(base_n, cand_n, strict=True)):
        pmf = hypergeom.pmf(np.arange(nc + 1)[None, :], nb + nc, successes[:, k : k + 1], nc)
        new = np.zeros_like(law)
        for x in range(nc + 1):
            new[:, x : x + reach + 1] += law[:, : reach + 1] * pmf[:, x : x + 1]
        law, reach = new, reach + int(nc)
    return law / law.sum(1, keepdims=True)


def stratified_p_lower(base: np.ndarray, cand: np.ndarray, base_n: np.ndarray, cand_n: np.ndarray) -> Any:
    """Return P(T <= t) of :func:`stratified_exact` for each row of (rows, tasks) success counts."""
    base, cand = np.atleast_2d(base), np.atleast_2d(cand)
    law = stratified_law(base + cand, base_n, cand_n)
    observed = cand.sum(1).astype(int)
    return np.minimum(1.0, np.cumsum(law, axis=1)[np.arange(len(law)), observed])


def cmh_p_lower(base: np.ndarray, cand: np.ndarray, base_n: np.ndarray, cand_n: np.ndarray) -> Any:
    """Return the Cochran-Mantel-Haenszel test's one-sided p that the candidate is worse, per row.

    ``base``/``cand`` are (rows, tasks) success counts, ``base_n``/``cand_n`` (tasks,) episode
    counts. The normal approximation of :func:`stratified_exact` with the continuity
    correction: z = (T - E + 1/2) / sqrt(V) with T the candidate's successes, E and V their
    null mean and variance summed over tasks (the statistic of statsmodels'
    ``StratifiedTable.test_null_odds(correction=True)``, signed); p = Phi(z). Tasks
    without variation add nothing to V; with V = 0 the p-value is 1.
    """
    from scipy.stats import norm

    base, cand = np.atleast_2d(base).astype(float), np.atleast_2d(cand).astype(float)
    nb, nc = np.asarray(base_n, dtype=float), np.asarray(cand_n, dtype=float)
    total, successes = nb + nc, base + cand
    expected = (successes * nc / total).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.where(
            total > 1, nb * nc * successes * (total - successes) / (total**2 * (total - 1)), 0.0
        ).sum(1)
        z = (cand.sum(1) - expected + 0.5) / np.sqrt(variance)
    return np.where(variance > 0, norm.cdf(z), 1.0)


def stratified_exact(base: np.ndarray, cand: np.ndarray) -> PValues:
    """Return the exact stratified test of equal success rates, conditional on each task's margins.

    ``base`` and ``cand`` are (tasks, 2) arrays of each task's (successes, episodes).
    Under H0 (in every task, baseline and candidate episodes succeed alike) and given a
    task's total successes, T, the candidate's successes summed over tasks, follows
    :func:`stratified_law`. This is the exact form of the Cochran-Mantel-Haenszel test
    (of a common odds ratio of 1) and the exact within-task permutation test of the
    success rate; with one task it is Fisher's exact test. ``p_lower`` = P(T <= t),
    ``p_higher`` = P(T >= t), two-sided: the probability of every T no more likely than
    t (Fisher's rule). Tasks without variation (all successes or all failures on both
    sides) contribute a constant and change nothing.
    """
    base, cand = np.asarray(base, dtype=int).reshape(-1, 2), np.asarray(cand, dtype=int).reshape(-1, 2)
    law = stratified_law(base[None, :, 0] + cand[None, :, 0], base[:, 1], cand[:, 1])[0]
    observed = int(cand[:, 0].sum())
    lower, higher = float(law[: observed + 1].sum()), float(law[observed:].sum())
    two_sided = float(law[law <= law[observed] * (1 + 1e-7)].sum())
    return PValues(min(1.0, lower), min(1.0, higher), min(1.0, two_sided), exact=True)


def grouped_totals(totals: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Return per-task totals spread over group columns: shape (tasks, 2K), numerators then denominators.

    ``totals`` is (tasks, 2): each task's (numerator, denominator). ``groups`` gives each
    task's group index (0..K-1; None = one group). Sums of rows stay per group, so any
    weighting of tasks (a resample, a swap) is a matrix product.
    """
    totals = np.asarray(totals, dtype=float).reshape(-1, 2)
    if groups is None:
        return totals
    groups = np.asarray(groups, dtype=int)
    onehot = np.eye(int(groups.max()) + 1 if len(groups) else 1)[groups]
    return np.hstack([totals[:, :1] * onehot, totals[:, 1:] * onehot])


def grouped_value(sums: np.ndarray) -> np.ndarray:
    """Return the value of summed grouped totals (..., 2K): the mean over groups with a non-zero
    denominator of numerator / denominator (with one group, the plain ratio); NaN when none has one.
    """
    sums = np.asarray(sums, dtype=float)
    k = sums.shape[-1] // 2
    num, den = sums[..., :k], sums[..., k:]
    ratios = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    defined = (den > 0).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined > 0, ratios.sum(-1) / np.maximum(defined, 1), np.nan)


@dataclass(frozen=True)
class Bootstrap:
    """A paired bootstrap's result: the observed delta, its interval, and one-sided levels."""

    delta: float
    low: float
    high: float
    #: Share of resamples with delta >= 0: small when the candidate is lower almost surely.
    p_lower: float
    #: Share of resamples with delta <= 0: small when the candidate is higher almost surely.
    p_higher: float


def paired_bootstrap(
    base: np.ndarray,
    cand: np.ndarray,
    seed: int = 0,
    resamples: int = 10_000,
    confidence: float = 0.95,
    groups: np.ndarray | None = None,
) -> Bootstrap:
    """Return the paired percentile bootstrap over tasks of candidate minus baseline.

    ``base`` and ``cand`` are arrays of shape (tasks, 2) holding each shared task's
    (numerator, denominator) totals in the two runs, in the same task order. A
    resample draws tasks with replacement (the same draw for both runs) and
    recomputes each run's value as sum(numerators) / sum(denominators), i.e. the
    metric's own micro or macro rule over the drawn tasks (with ``groups``, the mean
    over groups of each group's ratio, as ``MetricSpec.group_by``). ``delta`` = candidate
    minus baseline on all shared tasks; (low, high) is the two-sided percentile
    interval at ``confidence``; ``p_lower`` is the share of resamples whose delta
    is >= 0 (the bootstrap's achieved significance level for "the candidate is
    lower"; small when nearly every resample shows a drop), ``p_higher`` the share
    whose delta is <= 0. Resamples where a side has no value are left out. The
    generator is numpy's PCG64 seeded with ``seed``, so the same inputs give the
    same interval.
    """
    base, cand = grouped_totals(base, groups), grouped_totals(cand, groups)
    if len(base) != len(cand) or len(base) == 0:
        raise ValueError("paired_bootstrap needs the same non-zero number of tasks on both sides")
    delta = float(grouped_value(cand.sum(0)) - grouped_value(base.sum(0)))
    rng = np.random.default_rng(seed)
    tasks = len(base)
    chunks = []
    for start in range(0, resamples, _CHUNK):
        rows = min(_CHUNK, resamples - start)
        draws = rng.integers(0, tasks, size=(rows, tasks))
        flat = (np.arange(rows)[:, None] * tasks + draws).ravel()
        counts = np.bincount(flat, minlength=rows * tasks).reshape(rows, tasks).astype(float)
        d = grouped_value(counts @ cand) - grouped_value(counts @ base)
        chunks.append(d[~np.isnan(d)])
    deltas = np.concatenate(chunks)
    if len(deltas) == 0:
        return Bootstrap(delta, delta, delta, 1.0, 1.0)
    tail = (1 - confidence) / 2
    low, high = np.quantile(deltas, [tail, 1 - tail])
    return Bootstrap(delta, float(low), float(high), float(np.mean(deltas >= 0)), float(np.mean(deltas <= 0)))


#: Largest number of differing tasks whose 2^m swaps are enumerated exactly.
EXACT_SWAPS = 16


def paired_permutation(
    base: np.ndarray,
    cand: np.ndarray,
    seed: int = 0,
    resamples: int = 10_000,
    groups: np.ndarray | None = None,
) -> PValues:
    """Return the paired permutation (swap) test of candidate against baseline over pairs.

    A pair is a task (``--test task``) or two episodes that share a seed (``--test
    episode``). Under H0 (no difference) each pair's two results are exchangeable, so the test
    swaps baseline and candidate totals within pairs and recomputes the delta with
    the metric's own rule (sum of numerators / sum of denominators; with ``groups``,
    the mean over groups of each group's ratio). Tasks with identical totals on both
    sides are unaffected by a swap. With at most ``EXACT_SWAPS`` differing tasks every
    swap pattern is enumerated (exact p-values; on 0/1 per-task outcomes this is the
    exact McNemar test); beyond that, ``resamples`` random patterns (seeded) give
    p = (1 + hits) / (1 + resamples). ``p_lower``: probability of a delta as low as
    observed (the candidate is worse when higher is better); ``p_higher``: as high;
    two-sided: |delta| as large.
    """
    base, cand = grouped_totals(base, groups), grouped_totals(cand, groups)
    differ = np.any(base != cand, axis=1)
    b, c = base[differ], cand[differ]
    m = len(b)
    if m == 0:
        return PValues(1.0, 1.0, 1.0, True)
    exact = m <= EXACT_SWAPS
    if exact:
        patterns = ((np.arange(2**m)[:, None] >> np.arange(m)) & 1).astype(float)
    else:
        patterns = np.random.default_rng(seed).integers(0, 2, size=(resamples, m)).astype(float)
    tb, tc = base.sum(0), cand.sum(0)
    observed = float(grouped_value(tc) - grouped_value(tb))
    swap = patterns @ (b - c)  # moves each swapped task's baseline totals to the candidate side
    deltas = grouped_value(tc + swap) - grouped_value(tb - swap)
    deltas = deltas[~np.isnan(deltas)]
    hits = _tail_counts(deltas, observed)
    if exact:
        return PValues(*(float(h / len(deltas)) for h in hits), exact=True)
    return PValues(*(float((1 + h) / (1 + len(deltas))) for h in hits), exact=False)


def _tail_counts(deltas: np.ndarray, observed: float) -> tuple[int, int, int]:
    """Return how many ``deltas`` are <= / >= / as far from 0 as ``observed`` (with a float tolerance)."""
    tol = 1e-12
    return (
        int(np.sum(deltas <= observed + tol)),
        int(np.sum(deltas >= observed - tol)),
        int(np.sum(np.abs(deltas) >= abs(observed) - tol)),
    )


def stratified_permutation(
    base: list[np.ndarray],
    cand: list[np.ndarray],
    seed: int = 0,
    resamples: int = 10_000,
    groups: np.ndarray | None = None,
) -> PValues:
    """Return the permutation test of candidate against baseline with episodes permuted within tasks.

    ``base[k]`` and ``cand[k]`` are (episodes, 2) arrays of task k's episode totals
    (numerator, denominator) in each run; the runs may have different episode counts.
    Under H0 a task's episodes are exchangeable between the runs, so each resample
    shuffles every task's pooled episodes (seeded numpy PCG64), deals as many to the
    candidate as it had, and recomputes the delta with the metric's own rule (with
    ``groups``, a task index -> group index array, the mean over groups of each group's
    ratio). Tasks whose episodes are all equal are left as they are. Monte Carlo:
    p = (1 + hits) / (1 + resamples); on 0/1 values :func:`stratified_exact` is exact.
    """
    tasks = len(base)
    groups = np.zeros(tasks, dtype=int) if groups is None else np.asarray(groups, dtype=int)
    width = int(groups.max()) + 1 if tasks else 1

    def spread(rows: np.ndarray, group: int) -> np.ndarray:
        rows = np.asarray(rows, dtype=float).reshape(-1, 2)
        out = np.zeros((len(rows), 2 * width))
        out[:, group], out[:, width + group] = rows[:, 0], rows[:, 1]
        return out

    rng = np.random.default_rng(seed)
    total_b, total_c = np.zeros(2 * width), np.zeros(2 * width)
    dealt = np.zeros((resamples, 2 * width))
    for b, c, group in zip(base, cand, groups, strict=True):
        b, c = spread(b, group), spread(c, group)
        total_b, total_c = total_b + b.sum(0), total_c + c.sum(0)
        pooled = np.vstack([b, c])
        if len(c) == 0 or np.all(pooled == pooled[0]):
            dealt += c.sum(0)
            continue
        order = np.argsort(rng.random((resamples, len(pooled))), axis=1)[:, : len(c)]
        chosen = np.zeros((resamples, len(pooled)))
        np.put_along_axis(chosen, order, 1.0, axis=1)
        dealt += chosen @ pooled
    observed = float(grouped_value(total_c) - grouped_value(total_b))
    deltas = grouped_value(dealt) - grouped_value(total_b + total_c - dealt)
    deltas = deltas[~np.isnan(deltas)]
    if len(deltas) == 0 or np.isnan(observed):
        return PValues(1.0, 1.0, 1.0, exact=False)
    hits = _tail_counts(deltas, observed)
    return PValues(*(float((1 + h) / (1 + len(deltas))) for h in hits), exact=False)


#: The method :func:`cluster_interval` names when it bootstraps over tasks.
CLUSTER_BOOTSTRAP = "cluster bootstrap over tasks"


def cluster_interval(
    successes: np.ndarray,
    episodes: np.ndarray,
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
) -> tuple[float, float, str]:
    """Return (low, high, method) of a success-rate interval that respects tasks as clusters.

    ``successes[k]`` and ``episodes[k]`` are task k's counts. With one episode per task
    (or a single task) the episodes are the units: the Wilson score interval
    (``method = "wilson"``). With several episodes per task they are not independent,
    so the interval is ``scipy.stats.bootstrap``'s percentile interval of
    sum(successes) / sum(episodes) over tasks drawn with replacement
    (``method = "cluster bootstrap over tasks"``), seeded. Tasks with no episode are
    ignored; with none at all the interval is (0, 1).
    """
    from scipy.stats import bootstrap

    successes, episodes = np.asarray(successes, dtype=float), np.asarray(episodes, dtype=float)
    keep = episodes > 0
    successes, episodes = successes[keep], episodes[keep]
    if len(episodes) <= 1 or episodes.max() <= 1:
        return (*wilson_interval(int(successes.sum()), int(episodes.sum())), "wilson")
    result = bootstrap(
        (successes, episodes),
        lambda s, n, axis=-1: s.sum(axis=axis) / n.sum(axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high), CLUSTER_BOOTSTRAP


#: Resamples drawn at once (bounds memory to about _CHUNK * tasks * 8 bytes).
_CHUNK = 1000


def pass_at_k(n: int, c: int, k: int) -> float:
    """Return the unbiased pass@k estimate: P(at least one of k episodes drawn from n succeeds).

    Chen et al. 2021 (Codex): 1 - C(n - c, k) / C(n, k), for n episodes of which c succeeded.
    """
    if not 0 < k <= n:
        raise ValueError(f"pass@k needs 0 < k <= n (k={k}, n={n})")
    return 1.0 - comb(n - c, k) / comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Return the unbiased pass^k estimate: P(all of k episodes drawn from n succeed).

    Yao et al. 2024 (tau-bench): C(c, k) / C(n, k), for n episodes of which c succeeded.
    """
    if not 0 < k <= n:
        raise ValueError(f"pass^k needs 0 < k <= n (k={k}, n={n})")
    return comb(c, k) / comb(n, k)
