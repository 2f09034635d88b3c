"""Metric aggregation (mean / ratio), Wilson intervals and the run summary."""

from __future__ import annotations

import numpy as np
import pytest
from rich.console import Console

from webbench.core.metric import MetricSpec, cluster_bootstrap_interval, headline_of, wilson_interval
from webbench.core.record import EpisodeRecord
from webbench.report.console import print_summary
from webbench.run.summary import summarize_run


def _typed(rows: list[dict]) -> list[EpisodeRecord]:
    """Return the records of ``episodes.jsonl``-shaped rows (episode 0 unless given)."""
    return [EpisodeRecord.from_json({"episode": 0, **row}, "test record") for row in rows]


def test_wilson_known_values() -> None:
    # hand-computed: p=0.5, n=10, z=1.96 -> centre 0.5, half = 1.96*sqrt(0.025+0.0096)/1.384
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.7225, abs=1e-4) and high == pytest.approx(1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_mean_and_ratio_aggregation() -> None:
    episodes = [{"acc": 1.0, "hits": 3, "n": 3}, {"acc": 0.0, "hits": 1, "n": 5}, {"hits": 0, "n": 0}]
    assert MetricSpec("acc", "").aggregate(episodes) == 0.5
    assert MetricSpec("micro", "", "ratio", "hits", "n").aggregate(episodes) == 0.5
    assert MetricSpec("micro", "", "ratio", "hits", "n").aggregate([]) is None
    with pytest.raises(ValueError, match="needs a numerator"):
        MetricSpec("bad", "", "ratio")


def test_headline() -> None:
    specs = [MetricSpec("a", ""), MetricSpec("b", "", headline=True)]
    assert headline_of(specs).name == "b"
    assert headline_of(specs[:1]).name == "a"


def test_summary_counts_statuses_and_usage() -> None:
    records = [
        {
            "suite": "s",
            "task_id": "a",
            "status": "ok",
            "success": True,
            "metrics": {"m": 1.0},
            "steps": 2,
            "duration_s": 1.0,
            "usage": {"input_tokens": 10, "output_tokens": 2, "cost_usd": 0.5},
        },
        {
            "suite": "s",
            "task_id": "b",
            "status": "timeout",
            "success": False,
            "metrics": {"m": 0.0},
            "steps": 4,
            "duration_s": 3.0,
            "usage": {},
        },
    ]
    summary = summarize_run(_typed(records), {"s": [MetricSpec("m", "", headline=True)]})["suites"]["s"]
    assert summary["n"] == 2 and summary["success_rate"] == 0.5 and summary["metrics"] == {"m": 0.5}
    assert summary["status_counts"] == {"ok": 1, "agent_error": 0, "env_error": 0, "timeout": 1}
    assert summary["mean_steps"] == 3.0 and summary["tasks"] == 2
    assert summary["usage"] == {"input_tokens": 10, "output_tokens": 2, "cost_usd": 0.5}


def test_unknown_cost_stays_unknown() -> None:
    records = [
        {"suite": "s", "task_id": "a", "usage": {"input_tokens": 5, "output_tokens": 1, "cost_usd": None}}
    ]
    assert summarize_run(_typed(records), {})["suites"]["s"]["usage"]["cost_usd"] is None


# -- the success-rate interval, clustered by task --------------------------------------------------


def _episodes(outcomes: dict[str, list[bool]]) -> list[dict]:
    return [
        {"suite": "s", "task_id": task, "status": "ok", "success": ok, "metrics": {}}
        for task, oks in outcomes.items()
        for ok in oks
    ]


def test_repeated_episodes_of_few_tasks_give_a_wide_interval() -> None:
    # 3 tasks x 100 episodes, 2 solved every time. Resampling 3 tasks: P(no solved task) = 1/27
    # = 3.7 % and P(three solved) = 8/27 = 29.6 %, both above 2.5 %: the interval is [0, 1].
    records = _episodes({"a": [True] * 100, "b": [True] * 100, "c": [False] * 100})
    summary = summarize_run(_typed(records), {})["suites"]["s"]
    assert summary["success_rate"] == pytest.approx(2 / 3)
    assert summary["success_rate_ci95_method"] == "cluster-bootstrap"
    assert summary["success_rate_ci95"] == [0.0, 1.0]
    # treating the 300 episodes as independent, as Wilson does, claims 61-72 %
    low, high = wilson_interval(200, 300)
    assert low == pytest.approx(0.611, abs=1e-3) and high == pytest.approx(0.718, abs=1e-3)


def test_one_episode_per_task_or_one_task_keeps_wilson() -> None:
    once = summarize_run(_typed(_episodes({"a": [True], "b": [False], "c": [True]})), {})["suites"]["s"]
    assert once["success_rate_ci95_method"] == "wilson"
    assert once["success_rate_ci95"] == list(wilson_interval(2, 3))
    single = summarize_run(_typed(_episodes({"a": [True, False, True, True]})), {})["suites"]["s"]
    assert single["success_rate_ci95_method"] == "wilson"
    assert single["success_rate_ci95"] == list(wilson_interval(3, 4))


def test_cluster_bootstrap_matches_scipy_and_is_deterministic() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(7)
    episodes = rng.integers(1, 9, size=40)
    successes = rng.binomial(episodes, rng.uniform(0, 1, size=40))
    ours = cluster_bootstrap_interval(successes, episodes, resamples=20_000, seed=1)
    theirs = scipy_stats.bootstrap(
        (successes, episodes),
        lambda s, e, axis: s.sum(axis=axis) / e.sum(axis=axis),
        paired=True,
        vectorized=True,
        method="percentile",
        n_resamples=20_000,
        rng=np.random.default_rng(1),
    ).confidence_interval
    assert ours[0] == pytest.approx(theirs.low, abs=0.01) and ours[1] == pytest.approx(theirs.high, abs=0.01)
    assert ours[0] < successes.sum() / episodes.sum() < ours[1]
    assert cluster_bootstrap_interval(successes, episodes) == cluster_bootstrap_interval(successes, episodes)
    assert cluster_bootstrap_interval([], []) == (0.0, 1.0)


def test_summary_counts_episodes_not_ok() -> None:
    records = _episodes({"a": [True], "b": [False]})
    records[1]["status"] = "agent_error"
    summary = summarize_run(_typed(records), {"s": [MetricSpec("m", "", headline=True)]})["suites"]["s"]
    assert summary["not_ok"] == 1
    assert summary["notes"] == [
        "1 of 2 episodes ended otherwise than ok; each counts toward every metric "
        "(replay: steps not reached score as failed; live: the suite's failure value)",
        "2 episode(s) have no scores (written before failures were scored, or their task could not be "
        "scored): mean metrics count them at the failure value, ratio metrics leave them out",
    ]
    assert summary["metrics"] == {"m": 0.0}  # the ok record without a value is left out; the other fails


def test_console_table_names_the_interval_and_the_episodes_not_ok() -> None:
    records = _episodes({"a": [True] * 3, "b": [False] * 3})
    records[-1]["status"] = "timeout"
    console = Console(record=True, width=200)
    print_summary(summarize_run(_typed(records), {}), console)
    text = console.export_text()
    assert "95% CI 0.0%-100.0%, bootstrap over tasks" in text
    assert "ended not ok" in text and "1 of 6" in text
    console = Console(record=True, width=200)
    print_summary(summarize_run(_typed(_episodes({"a": [True], "b": [False]})), {}), console)
    assert "Wilson" in console.export_text()
