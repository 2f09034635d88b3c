"""Statistics for reports, comparisons and the gate (pure functions, exact where possible).

The Wilson interval lives with the metric declarations (:func:`webbench.core.metric.wilson_interval`)
and is re-exported here so that report code imports its statistics from one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np

from webbench.core.metric import wilson_interval

__all__ = [
    "Bootstrap",
    "binomial_tail",
    "mcnemar_exact",
    "paired_bootstrap",
    "paired_permutation",
    "grouped_totals",
    "grouped_value",
    "pass_at_k",
    "pass_hat_k",
    "wilson_interval",
]


def binomial_tail(k: int, n: int) -> float:
    """Return P(X >= k) for X ~ Binomial(n, 1/2), computed exactly with integers."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return sum(comb(n, i) for i in range(k, n + 1)) / 2**n


def mcnemar_exact(base_only: int, cand_only: int) -> tuple[float, float]:
    """Return (two-sided p, one-sided p that the candidate is worse) of the exact McNemar test.

    ``base_only`` counts the pairs (tasks) where only the baseline succeeded,
    ``cand_only`` those where only the candidate did; ties carry no information.
    Under H0 each discordant pair goes either way with probability 1/2, so with
    n = base_only + cand_only: one-sided p = P(X >= base_only), two-sided p =
    min(1, 2 * P(X >= max(base_only, cand_only))), X ~ Binomial(n, 1/2).
    With no discordant pair both are 1.
    """
    n = base_only + cand_only
    if n == 0:
        return 1.0, 1.0
    two_sided = min(1.0, 2 * binomial_tail(max(base_only, cand_only), n))
    return two_sided, binomial_tail(base_only, n)


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


@dataclass(frozen=True)
class Permutation:
    """A paired permutation test's one- and two-sided p-values and whether it was exact."""

    p_lower: float
    p_higher: float
    p_two_sided: float
    exact: bool


#: Largest number of differing tasks whose 2^m swaps are enumerated exactly.
EXACT_SWAPS = 16


def paired_permutation(
    base: np.ndarray,
    cand: np.ndarray,
    seed: int = 0,
    resamples: int = 10_000,
    groups: np.ndarray | None = None,
) -> Permutation:
    """Return the paired permutation (swap) test of candidate against baseline over tasks.

    Under H0 (no difference) each task's two results are exchangeable, so the test
    swaps baseline and candidate totals within tasks and recomputes the delta with
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
        return Permutation(1.0, 1.0, 1.0, True)
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
    tol = 1e-12
    hits = (
        np.sum(deltas <= observed + tol),
        np.sum(deltas >= observed - tol),
        np.sum(np.abs(deltas) >= abs(observed) - tol),
    )
    if exact:
        return Permutation(*(float(h / len(deltas)) for h in hits), exact=True)
    return Permutation(*(float((1 + h) / (1 + len(deltas))) for h in hits), exact=False)


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
