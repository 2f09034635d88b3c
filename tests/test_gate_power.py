"""The gate's power simulation and minimum detectable drop (webbench.report.power)."""

from __future__ import annotations

import numpy as np
import pytest

from webbench.report.power import Design, _p_worse, min_detectable_drop, power
from webbench.report.stats import mcnemar_exact, stratified_exact


def design(test: str, tasks: int, episodes: int) -> Design:
    return Design(test, (episodes,) * tasks, (episodes,) * tasks)


@pytest.mark.parametrize("test", ["task", "episode", "stratified"])
def test_three_tasks_one_episode_cannot_detect_anything(test: str) -> None:
    # the best possible outcome (3 of 3 lost) gives p = 1/8: no drop is ever significant at 0.05
    assert power(design(test, 3, 1), 1.0, 0.0, 0.05) == 0.0
    assert min_detectable_drop(design(test, 3, 1), 1.0, 0.05) is None


def test_episodes_make_three_tasks_detectable_and_the_per_task_test_does_not() -> None:
    assert power(design("episode", 3, 6), 1.0, 0.0, 0.05) == 1.0
    assert power(design("stratified", 3, 6), 1.0, 0.0, 0.05) == 1.0
    assert power(design("task", 3, 6), 1.0, 0.0, 0.05) == 0.0
    mdd = min_detectable_drop(design("episode", 3, 6), 1.0, 0.05)
    assert mdd is not None and 0.2 < mdd < 0.6
    assert min_detectable_drop(design("episode", 3, 6), 1.0, 0.05) == mdd  # seeded: the same figure


def test_goal_ninety_to_seventy_on_nineteen_tasks_by_six() -> None:
    for test in ("episode", "stratified"):
        assert power(design(test, 19, 6), 0.9, 0.7, 0.05) >= 0.8
    assert power(design("task", 19, 6), 0.9, 0.7, 0.05) < 0.6


def test_more_episodes_detect_smaller_drops() -> None:
    one = min_detectable_drop(design("stratified", 19, 1), 0.9, 0.05)
    six = min_detectable_drop(design("stratified", 19, 6), 0.9, 0.05)
    assert one is not None and six is not None and six < one
    assert min_detectable_drop(design("stratified", 19, 6), 0.0, 0.05) is None  # nothing to drop from


@pytest.mark.parametrize("test", ["episode", "task", "stratified"])
def test_simulated_p_values_are_the_gates_tests(test: str) -> None:
    rng = np.random.default_rng(0)
    d = design(test, 4, 3)
    if test == "episode":
        base, cand = rng.random((5, 12)) < 0.8, rng.random((5, 12)) < 0.5
        expected = [
            mcnemar_exact(int((b & ~c).sum()), int((c & ~b).sum()))[1]
            for b, c in zip(base, cand, strict=True)
        ]
    else:
        base, cand = rng.integers(0, 4, (5, 4)), rng.integers(0, 4, (5, 4))
        if test == "task":
            ob, oc = 2 * base > 3, 2 * cand > 3
            expected = [
                mcnemar_exact(int((b & ~c).sum()), int((c & ~b).sum()))[1]
                for b, c in zip(ob, oc, strict=True)
            ]
        else:
            n = np.full(4, 3)
            expected = [
                stratified_exact(np.c_[b, n], np.c_[c, n]).p_lower for b, c in zip(base, cand, strict=True)
            ]
    assert _p_worse(d, base, cand) == pytest.approx(expected, rel=1e-9)
