"""Statistics of reports and the gate on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from webbench.core.metric import MetricSpec
from webbench.report.compare import task_success
from webbench.report.stats import (
    binomial_tail,
    mcnemar_exact,
    paired_bootstrap,
    paired_permutation,
    pass_at_k,
    pass_hat_k,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # p = 0: (0, z^2 / (n + z^2)) = 3.8415 / 13.8415
        (0, 10, 0.0, 0.277533),
        (10, 10, 0.722467, 1.0),
        (5, 10, 0.236593, 0.763407),
        (1, 20, 0.008881, 0.236131),  # centre 0.122506 -+ half-width 0.113625
        (57, 57, 0.936861, 1.0),  # n / (n + z^2)
    ],
)
def test_wilson_known_bounds(successes: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=1e-6)


def test_wilson_with_no_episode_knows_nothing() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_binomial_tail_exact() -> None:
    assert binomial_tail(0, 5) == 1.0
    assert binomial_tail(6, 5) == 0.0
    assert binomial_tail(10, 12) == (66 + 12 + 1) / 4096


@pytest.mark.parametrize(
    ("base_only", "cand_only", "two_sided", "one_sided"),
    [
        (5, 0, 2 / 32, 1 / 32),  # all 5 discordant pairs against the candidate
        (3, 1, 10 / 16, 5 / 16),  # P(X >= 3 | n = 4) = (4 + 1) / 16
        (10, 2, 2 * 79 / 4096, 79 / 4096),  # (C(12,10) + C(12,11) + C(12,12)) / 2^12
        (1, 6, 2 * 8 / 128, 127 / 128),  # the candidate is better: one-sided p near 1
        (0, 0, 1.0, 1.0),  # no discordant pair: no evidence
        (4, 4, 1.0, binomial_tail(4, 8)),  # balanced: two-sided capped at 1
    ],
)
def test_mcnemar_exact_against_hand_values(base_only, cand_only, two_sided, one_sided) -> None:
    got_two, got_one = mcnemar_exact(base_only, cand_only)
    assert got_two == pytest.approx(two_sided, rel=1e-12)
    assert got_one == pytest.approx(one_sided, rel=1e-12)


def test_pass_at_k_and_pass_hat_k_unbiased_estimators() -> None:
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)  # 1 - C(3,2)/C(5,2)
    assert pass_hat_k(5, 2, 2) == pytest.approx(1 / 10)  # C(2,2)/C(5,2)
    assert pass_at_k(4, 1, 1) == pass_hat_k(4, 1, 1) == 0.25  # k = 1: both are the success rate
    assert pass_at_k(3, 1, 3) == 1.0 and pass_hat_k(3, 1, 3) == 0.0  # k = n: any / all
    assert pass_at_k(3, 0, 2) == 0.0 and pass_hat_k(3, 3, 2) == 1.0
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("majority", [False, False, True, True]),
        ("all", [False, False, False, True]),
        ("any", [False, True, True, True]),
    ],
)
def test_task_outcome_rules(rule: str, expected: list[bool]) -> None:
    # (successes, episodes): 0/2, 1/2 (a tie is a failure under majority), 2/3, 3/3
    cases = [(0, 2), (1, 2), (2, 3), (3, 3)]
    assert [task_success(s, n, rule) for s, n in cases] == expected


def test_metric_totals_match_aggregate() -> None:
    mean = MetricSpec("acc", "x")
    ratio = MetricSpec("step_acc", "x", aggregation="ratio", numerator="ok", denominator="steps")
    episodes = [{"acc": 1.0, "ok": 2, "steps": 4}, {"acc": 0.0, "ok": 3, "steps": 3}, {"ok": 1}]
    assert mean.totals(episodes) == (1.0, 2.0) and mean.aggregate(episodes) == 0.5
    assert ratio.totals(episodes) == (5.0, 7.0) and ratio.aggregate(episodes) == 5 / 7
    assert mean.aggregate([]) is None


def test_paired_bootstrap_is_seeded_and_centred() -> None:
    base = np.array([[1, 1]] * 12 + [[0, 1]] * 8, dtype=float)
    cand = np.array([[1, 1]] * 4 + [[0, 1]] * 16, dtype=float)
    first = paired_bootstrap(base, cand, seed=7, resamples=4000)
    assert first == paired_bootstrap(base, cand, seed=7, resamples=4000)
    assert first.delta == pytest.approx(4 / 20 - 12 / 20)
    assert first.low < first.delta < first.high < 0  # every task that changed got worse
    assert first.p_lower == 0.0 and first.p_higher == 1.0


def test_paired_bootstrap_identical_runs() -> None:
    runs = np.array([[1, 1], [0, 1], [1, 1], [0, 1]], dtype=float)
    result = paired_bootstrap(runs, runs, resamples=500)
    assert (result.delta, result.low, result.high) == (0.0, 0.0, 0.0)
    assert result.p_lower == 1.0  # no evidence of a drop


def test_paired_bootstrap_uses_the_micro_rule_of_totals() -> None:
    # task A: 1 of 10 steps right then 9 of 10; task B: 1 of 1 then 0 of 1 (micro: 2/11 -> 9/11)
    base = np.array([[1, 10], [1, 1]], dtype=float)
    cand = np.array([[9, 10], [0, 1]], dtype=float)
    result = paired_bootstrap(base, cand, resamples=200)
    assert result.delta == pytest.approx(9 / 11 - 2 / 11)
    assert not math.isnan(result.low)


@pytest.mark.parametrize(("down", "up", "same"), [(3, 0, 17), (8, 0, 12), (5, 2, 13), (1, 6, 3)])
def test_permutation_on_binary_outcomes_is_exact_mcnemar(down: int, up: int, same: int) -> None:
    base = [[1, 1]] * down + [[0, 1]] * up + [[1, 1]] * same
    cand = [[0, 1]] * down + [[1, 1]] * up + [[1, 1]] * same
    test = paired_permutation(np.array(base, float), np.array(cand, float))
    two_sided, worse = mcnemar_exact(down, up)
    assert test.exact
    assert test.p_lower == pytest.approx(worse, rel=1e-12)
    assert test.p_two_sided == pytest.approx(two_sided, rel=1e-12)
    assert test.p_higher == pytest.approx(mcnemar_exact(up, down)[1], rel=1e-12)


def test_permutation_monte_carlo_is_seeded_and_close_to_exact() -> None:
    # 20 differing tasks (more than enumerated exactly): 14 lost, 6 gained, 10 unchanged
    base = np.array([[1, 1]] * 14 + [[0, 1]] * 6 + [[1, 1]] * 10, dtype=float)
    cand = np.array([[0, 1]] * 14 + [[1, 1]] * 6 + [[1, 1]] * 10, dtype=float)
    first = paired_permutation(base, cand, seed=1, resamples=40_000)
    assert not first.exact and first == paired_permutation(base, cand, seed=1, resamples=40_000)
    two_sided, worse = mcnemar_exact(14, 6)  # 0.1153, 0.0577
    assert first.p_lower == pytest.approx(worse, abs=0.005)
    assert first.p_two_sided == pytest.approx(two_sided, abs=0.008)


def test_permutation_with_identical_runs() -> None:
    runs = np.array([[1, 2], [3, 4]], dtype=float)
    assert paired_permutation(runs, runs).p_lower == 1.0


def test_grouped_totals_follow_metric_group_by() -> None:
    from webbench.report.stats import grouped_totals, grouped_value

    spec = MetricSpec("acc", "x", group_by="split")
    records = [
        {"split": "geo", "metrics": {"acc": 1.0}},
        {"split": "geo", "metrics": {"acc": 0.0}},
        {"split": "vis", "metrics": {"acc": 1.0}},
    ]
    totals = np.array([spec.totals([r["metrics"]]) for r in records])
    groups = np.array([0, 0, 1])
    assert spec.aggregate_records(records) == 0.75  # mean of the split values 0.5 and 1.0
    assert grouped_value(grouped_totals(totals, groups).sum(0)) == pytest.approx(0.75)
    assert grouped_value(totals.sum(0)) == pytest.approx(2 / 3)  # without groups: the plain mean
    # the candidate loses the only "vis" task: its value is the geo split alone, 0.5
    cand = totals.copy()
    cand[2] = [0.0, 1.0]
    boot = paired_bootstrap(totals, cand, resamples=500, groups=groups)
    assert boot.delta == pytest.approx(0.25 - 0.75)
    assert paired_permutation(totals, cand, groups=groups).p_lower == pytest.approx(0.5)
