"""Statistics of reports and the gate on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from webbench.core.metric import MetricSpec
from webbench.core.record import EpisodeRecord
from webbench.report.compare import task_success
from webbench.report.stats import (
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


@pytest.mark.parametrize(
    ("base_only", "cand_only", "two_sided", "one_sided"),
    [
        (5, 0, 2 / 32, 1 / 32),  # all 5 discordant pairs against the candidate
        (3, 1, 10 / 16, 5 / 16),  # P(X >= 3 | n = 4) = (4 + 1) / 16
        (10, 2, 2 * 79 / 4096, 79 / 4096),  # (C(12,10) + C(12,11) + C(12,12)) / 2^12
        (1, 6, 2 * 8 / 128, 127 / 128),  # the candidate is better: one-sided p near 1
        (0, 0, 1.0, 1.0),  # no discordant pair: no evidence
        (4, 4, 1.0, 163 / 256),  # balanced: two-sided capped at 1; (70 + 56 + 28 + 8 + 1) / 2^8
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
        EpisodeRecord(suite="s", task_id="a", episode=0, split="geo", metrics={"acc": 1.0}),
        EpisodeRecord(suite="s", task_id="b", episode=0, split="geo", metrics={"acc": 0.0}),
        EpisodeRecord(suite="s", task_id="c", episode=0, split="vis", metrics={"acc": 1.0}),
    ]
    totals = np.array([spec.totals([r.metrics]) for r in records])
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


# ---- cross-checks against scipy and statsmodels on hand-built tables ----------------------------


@pytest.mark.parametrize(("base_only", "cand_only"), [(5, 0), (3, 1), (10, 2), (1, 6), (7, 7), (0, 4)])
def test_mcnemar_matches_statsmodels_and_binomtest(base_only: int, cand_only: int) -> None:
    from scipy.stats import binomtest
    from statsmodels.stats.contingency_tables import mcnemar

    # rows: baseline success / failure; columns: candidate success / failure; 9 ties each way
    table = [[9, base_only], [cand_only, 9]]
    two_sided, worse = mcnemar_exact(base_only, cand_only)
    assert two_sided == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-12)
    n = base_only + cand_only
    assert worse == pytest.approx(binomtest(base_only, n, 0.5, alternative="greater").pvalue, rel=1e-12)
    from webbench.report.stats import mcnemar_worse

    assert mcnemar_worse(np.array([base_only]), np.array([cand_only]))[0] == pytest.approx(worse)


@pytest.mark.parametrize(("sb", "nb", "sc", "nc"), [(4, 6, 1, 5), (6, 6, 0, 6), (2, 8, 5, 7), (3, 3, 3, 3)])
def test_stratified_exact_on_one_task_is_fisher(sb: int, nb: int, sc: int, nc: int) -> None:
    from scipy.stats import fisher_exact

    from webbench.report.stats import stratified_exact

    got = stratified_exact(np.array([[sb, nb]]), np.array([[sc, nc]]))
    table = [[sc, nc - sc], [sb, nb - sb]]
    assert got.p_lower == pytest.approx(fisher_exact(table, alternative="less").pvalue, rel=1e-9)
    assert got.p_higher == pytest.approx(fisher_exact(table, alternative="greater").pvalue, rel=1e-9)
    assert got.p_two_sided == pytest.approx(fisher_exact(table).pvalue, rel=1e-9)


def _brute_force_lower(base: list[list[bool]], cand: list[list[bool]]) -> float:
    """P(candidate successes <= observed) over every way of dealing each task's pooled episodes."""
    import itertools

    laws = []
    for b, c in zip(base, cand, strict=True):
        pooled = b + c
        deals = list(itertools.combinations(range(len(pooled)), len(c)))
        laws.append([sum(pooled[i] for i in deal) for deal in deals])
    observed = sum(sum(c) for c in cand)
    hits = total = 0
    for combo in itertools.product(*laws):
        total += 1
        hits += sum(combo) <= observed
    return hits / total


def test_stratified_exact_is_the_within_task_permutation_test() -> None:
    from webbench.report.stats import stratified_exact

    base = [[True, True, False], [True, False], [True, True, True], [False, False]]  # last: no variation
    cand = [[False, True, False], [False, False, True], [True, True, False], [False, False, False]]
    counts = lambda runs: np.array([[sum(r), len(r)] for r in runs])  # noqa: E731
    got = stratified_exact(counts(base), counts(cand))
    assert got.exact and got.p_lower == pytest.approx(_brute_force_lower(base, cand), rel=1e-9)
    # a task without variation changes nothing
    without = stratified_exact(counts(base[:3]), counts(cand[:3]))
    assert without.p_lower == pytest.approx(got.p_lower, rel=1e-12)


def test_stratified_exact_all_ties_and_total_drop() -> None:
    from webbench.report.stats import stratified_exact

    same = np.array([[6, 6], [0, 6], [6, 6]])
    ties = stratified_exact(same, same)
    assert (ties.p_lower, ties.p_higher, ties.p_two_sided) == (1.0, 1.0, 1.0)
    # 100 % to 0 % on 3 tasks x 6 episodes: each task's law is hypergeometric(12, 6, 6), P(0) = 1/924
    drop = stratified_exact(np.array([[6, 6]] * 3), np.array([[0, 6]] * 3))
    assert drop.p_lower == pytest.approx((1 / 924) ** 3, rel=1e-6)


def test_stratified_exact_and_cmh_agree_with_statsmodels_on_large_tables() -> None:
    from statsmodels.stats.contingency_tables import StratifiedTable

    from webbench.report.stats import cmh_p_lower, stratified_exact

    rng = np.random.default_rng(3)
    nb, nc = rng.integers(20, 40, size=12), rng.integers(20, 40, size=12)
    sb, sc = rng.binomial(nb, 0.7), rng.binomial(nc, 0.6)
    tables = [np.array([[c, m - c], [b, n - b]]) for b, n, c, m in zip(sb, nb, sc, nc, strict=True)]
    two_sided = StratifiedTable(tables).test_null_odds(correction=True).pvalue
    cmh = float(cmh_p_lower(sb[None], sc[None], nb, nc)[0])
    assert cmh < 0.5 and cmh == pytest.approx(two_sided / 2, rel=1e-9)  # the signed statistic's half
    exact = stratified_exact(np.c_[sb, nb], np.c_[sc, nc])
    assert exact.p_lower == pytest.approx(cmh, rel=0.15)


def test_cmh_without_variation_is_one() -> None:
    from webbench.report.stats import cmh_p_lower

    assert cmh_p_lower(np.array([[6, 0]]), np.array([[6, 0]]), np.array([6, 6]), np.array([6, 6]))[0] == 1.0


def test_stratified_permutation_on_binary_values_matches_the_exact_test() -> None:
    from webbench.report.stats import stratified_exact, stratified_permutation

    base = [[1, 1, 1, 0, 1, 1], [1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1]]
    cand = [[0, 1, 0, 0, 1, 0], [1, 0, 0, 1, 0, 0], [1, 1, 1, 1, 1, 1]]  # last task: no variation
    as_totals = lambda task: np.array([[v, 1] for v in task], dtype=float)  # noqa: E731
    perm = stratified_permutation([as_totals(t) for t in base], [as_totals(t) for t in cand], 0, 20_000)
    counts = lambda runs: np.array([[sum(r), len(r)] for r in runs])  # noqa: E731
    exact = stratified_exact(counts(base), counts(cand))
    assert not perm.exact
    assert perm.p_lower == pytest.approx(exact.p_lower, abs=0.004)
    assert perm == stratified_permutation(
        [as_totals(t) for t in base], [as_totals(t) for t in cand], 0, 20_000
    )


def test_stratified_permutation_on_one_task_matches_scipy() -> None:
    from scipy.stats import permutation_test

    from webbench.report.stats import stratified_permutation

    base = np.array([0.9, 0.8, 0.95, 0.7, 0.85, 0.6])
    cand = np.array([0.5, 0.9, 0.4, 0.6, 0.3])
    ours = stratified_permutation([np.c_[base, np.ones(6)]], [np.c_[cand, np.ones(5)]], 1, 20_000)
    theirs = permutation_test(
        (cand, base),
        lambda x, y, axis=-1: x.mean(axis=axis) - y.mean(axis=axis),
        permutation_type="independent",
        alternative="less",
        n_resamples=np.inf,  # exact: 462 ways
    )
    assert ours.p_lower == pytest.approx(theirs.pvalue, abs=0.006)


def test_stratified_permutation_of_identical_runs() -> None:
    from webbench.report.stats import stratified_permutation

    task = np.array([[1.0, 1.0], [0.0, 1.0]])
    same = stratified_permutation([task], [task], resamples=200)
    assert same.p_two_sided == 1.0 and same.p_lower > 0.5 and same.p_higher > 0.5
    ties = np.array([[1.0, 1.0], [1.0, 1.0]])  # no variation: nothing to permute
    assert stratified_permutation([ties], [ties], resamples=200).p_lower == 1.0


def test_paired_bootstrap_agrees_with_scipy() -> None:
    from scipy.stats import bootstrap

    rng = np.random.default_rng(5)
    base = np.c_[rng.integers(0, 7, 30), np.full(30, 6)].astype(float)
    cand = np.c_[rng.integers(0, 7, 30), np.full(30, 6)].astype(float)
    ours = paired_bootstrap(base, cand, seed=0, resamples=20_000)
    theirs = bootstrap(
        (base[:, 0], base[:, 1], cand[:, 0], cand[:, 1]),
        lambda bs, bn, cs, cn, axis=-1: cs.sum(axis) / cn.sum(axis) - bs.sum(axis) / bn.sum(axis),
        paired=True,
        n_resamples=20_000,
        method="percentile",
        rng=np.random.default_rng(0),
    ).confidence_interval
    assert ours.low == pytest.approx(theirs.low, abs=0.01)
    assert ours.high == pytest.approx(theirs.high, abs=0.01)
