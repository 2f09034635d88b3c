"""Metric aggregation (mean / ratio), Wilson intervals and the run summary."""

from __future__ import annotations

import pytest

from webbench.core.metric import MetricSpec, headline_of, wilson_interval
from webbench.run.summary import summarize_run


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
    summary = summarize_run(records, {"s": [MetricSpec("m", "", headline=True)]})["suites"]["s"]
    assert summary["n"] == 2 and summary["success_rate"] == 0.5 and summary["metrics"] == {"m": 0.5}
    assert summary["status_counts"] == {"ok": 1, "agent_error": 0, "env_error": 0, "timeout": 1}
    assert summary["mean_steps"] == 3.0 and summary["tasks"] == 2
    assert summary["usage"] == {"input_tokens": 10, "output_tokens": 2, "cost_usd": 0.5}


def test_unknown_cost_stays_unknown() -> None:
    records = [
        {"suite": "s", "task_id": "a", "usage": {"input_tokens": 5, "output_tokens": 1, "cost_usd": None}}
    ]
    assert summarize_run(records, {})["suites"]["s"]["usage"]["cost_usd"] is None
