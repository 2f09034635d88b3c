"""Metric declarations and how a suite's per-episode numbers aggregate over a run.

Each suite declares a tuple of :class:`MetricSpec`. An episode's ``metrics`` dict
holds, for every spec, either the per-episode value (``mean``: the run value is
the mean over episodes, i.e. a macro average over tasks) or a numerator and a
denominator (``ratio``: the run value is sum of numerators / sum of
denominators, i.e. a micro average over steps). A spec with ``group_by`` (a record
field such as ``"split"``) aggregates each group of episodes on its own and reports
the unweighted mean of the group values (WebLINX's TEST_OOD: the mean of four splits).

Every episode of a run counts toward every metric. The harness gives an episode that
ended otherwise than ``ok`` (agent or env error, time-out, lost worker) its suite's
failure scores (:meth:`webbench.core.suite.Suite.failure_info`); as a last line of
defence, a non-``ok`` record that still lacks a ``mean`` metric counts at the spec's
``failure`` value (:meth:`MetricSpec.episode_metrics`), and the run summary reports
how many records have no scores at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from webbench.core.record import EpisodeRecord

Aggregation = Literal["mean", "ratio"]


@dataclass(frozen=True)
class MetricSpec:
    """One metric a suite reports: how to aggregate it and whether it is the headline."""

    name: str
    description: str
    aggregation: Aggregation = "mean"
    numerator: str | None = None
    denominator: str | None = None
    headline: bool = False
    higher_is_better: bool = True
    #: A record field (e.g. "split"): the run value is the mean over its values of the group values.
    group_by: str | None = None
    #: A ``mean`` metric's value for an episode that ended otherwise than ok without one of its own
    #: (MiniWoB's reward: -1, as the page scores a time-out).
    failure: float = 0.0
    #: Record fields (dotted paths, e.g. ``"details.app"``) the summary breaks this metric down by;
    #: the run value stays the one over all episodes.
    breakdown: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.aggregation == "ratio" and not (self.numerator and self.denominator):
            raise ValueError(f"ratio metric {self.name} needs a numerator and a denominator")

    def totals(self, episodes: Iterable[Mapping[str, float]]) -> tuple[float, float]:
        """Return (numerator, denominator) over the episodes' metric dicts; the value is their ratio.

        ``ratio``: sums of the declared numerator and denominator (episodes without the
        denominator are skipped). ``mean``: sum of the values and number of episodes that
        have one. Totals of disjoint sets of episodes add up, which is what lets a value be
        recomputed over any subset of tasks (paired tests, bootstrap resamples).
        """
        num = den = 0.0
        if self.aggregation == "ratio":
            for metrics in episodes:
                if self.denominator in metrics:
                    num += float(metrics.get(self.numerator, 0.0))
                    den += float(metrics[self.denominator])
            return num, den
        for metrics in episodes:
            if metrics.get(self.name) is not None:
                num += float(metrics[self.name])
                den += 1.0
        return num, den

    def aggregate(self, episodes: Iterable[Mapping[str, float]]) -> float | None:
        """Return the run-level value over the episodes' metric dicts, or None if undefined."""
        num, den = self.totals(episodes)
        return num / den if den else None

    def episode_metrics(self, record: EpisodeRecord) -> Mapping[str, float]:
        """Return the metric dict of an episode record as this spec counts it.

        A record that did not end ``ok`` and has no value of a ``mean`` metric counts at
        ``failure`` (records written before failures were scored, or whose task could not
        be scored); a ``ratio`` metric cannot be rebuilt without the task's denominator.
        """
        metrics = record.metrics
        if not record.ok and self.aggregation == "mean" and metrics.get(self.name) is None:
            return {**metrics, self.name: self.failure}
        return metrics

    def by_group(self, records: Iterable[EpisodeRecord]) -> dict[str, float | None]:
        """Return the value of each group of episode records (one group "" without ``group_by``)."""
        groups: dict[str, list[Mapping[str, float]]] = {}
        for record in records:
            key = str(getattr(record, self.group_by, "")) if self.group_by else ""
            groups.setdefault(key, []).append(self.episode_metrics(record))
        return {key: self.aggregate(rows) for key, rows in sorted(groups.items())}

    def breakdowns(self, records: Iterable[EpisodeRecord]) -> dict[str, dict[str, float | None]]:
        """Return ``{field: {value: metric over the episodes with that value}}`` for each
        ``breakdown`` field (episodes without the field, or with an empty one, are left out of it)."""
        records = list(records)
        out: dict[str, dict[str, float | None]] = {}
        for path in self.breakdown:
            groups: dict[str, list[Mapping[str, float]]] = {}
            for record in records:
                value = record_field(record, path)
                if value not in (None, ""):
                    groups.setdefault(str(value), []).append(self.episode_metrics(record))
            out[path] = {key: self.aggregate(rows) for key, rows in sorted(groups.items())}
        return out

    def aggregate_records(self, records: Iterable[EpisodeRecord]) -> float | None:
        """Return the run-level value over episode records: the mean of the group values
        (groups whose value is undefined are left out), or None if none is defined."""
        values = [v for v in self.by_group(records).values() if v is not None]
        return sum(values) / len(values) if values else None


def record_field(record: EpisodeRecord, path: str) -> Any:
    """Return the value at the dotted ``path`` of an episode record (``"details.app"``), or None."""
    head, *rest = path.split(".")
    value: Any = getattr(record, head, None)
    for part in rest:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def headline_of(specs: Iterable[MetricSpec]) -> MetricSpec:
    """Return the spec marked headline (the first spec when none is marked)."""
    specs = list(specs)
    return next((s for s in specs if s.headline), specs[0])


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Return the Wilson score interval (low, high) for ``successes`` out of ``n`` (95 % default).

    With n == 0 the interval is (0, 1): nothing is known.
    """
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


#: Resamples and seed of the clustered interval (fixed: a summary is a pure function of its records).
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0


def cluster_bootstrap_interval(
    successes: Sequence[float],
    episodes: Sequence[float],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> tuple[float, float]:
    """Return the percentile bootstrap interval (low, high) of a success rate clustered by task.

    ``successes[i]`` of ``episodes[i]`` (at least 1) episodes succeeded on task i. Each resample draws
    as many tasks as there are, with replacement, and takes the rate over their pooled
    episodes (the point estimate's own formula), so episodes of one task move together. This is
    ``scipy.stats.bootstrap`` (paired, percentile method), seeded: deterministic for a given
    ``seed``. With no tasks the interval is (0, 1).
    """
    from scipy.stats import bootstrap

    s = np.asarray(successes, dtype=float)
    e = np.asarray(episodes, dtype=float)
    if s.size == 0:
        return 0.0, 1.0
    if np.all(s / e == s[0] / e[0]):  # every resample gives the same rate
        return float(s[0] / e[0]), float(s[0] / e[0])
    result = bootstrap(
        (s, e),
        lambda a, b, axis=-1: a.sum(axis=axis) / b.sum(axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=resamples,
        batch=max(1, 1_000_000 // s.size),  # bounds the memory of one batch of resamples
        confidence_level=level,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
