"""Aggregation over run folders, baseline files, published numbers and the report's safe JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, webbench
from report_runs import make_run

from webbench.core.errors import UsageError
from webbench.core.record import EpisodeRecord
from webbench.report.aggregate import episode_frame, leaderboard, site_of, task_table
from webbench.report.html import script_json
from webbench.report.published import load_published
from webbench.report.runs import baseline_dict, load_run, load_runs
from webbench.run.store import RunStore, RunStoreError
from webbench.run.summary import summarize_suite
from webbench.suites.miniwob import SUITE as MINIWOB


@pytest.fixture
def two_runs(tmp_path: Path):
    a = make_run(
        tmp_path, "a", "scripted", {"t1": [True, True, True], "t2": [True, False, False], "t3": [False] * 3}
    )
    b = make_run(tmp_path, "b", "random", {"t1": [True, False, True], "t2": [False] * 3})
    return load_runs([a, b])


def test_leaderboard_rows_are_the_run_summary(two_runs) -> None:
    frame = episode_frame(two_runs)
    boards = leaderboard(frame)
    row = next(r for r in boards["miniwob"] if r["label"] == "scripted")
    expected = summarize_suite(two_runs[0].records, MINIWOB.metrics)
    keys = ("n", "successes", "success_rate", "success_rate_ci95", "success_rate_ci95_method", "metrics")
    for key in (*keys, "status_counts", "not_ok", "tasks"):
        assert row[key] == expected[key]
    assert row["success_rate"] == pytest.approx(4 / 9)
    # k = 3 episodes per task: pass@3 = any, pass^3 = all, averaged over tasks
    assert (
        row["k"] == 3
        and row["pass_at_k"] == pytest.approx(2 / 3)
        and row["pass_hat_k"] == pytest.approx(1 / 3)
    )
    assert row["flaky"] == 1
    assert [r["label"] for r in boards["miniwob"]] == ["scripted", "random"]  # by success rate


def test_task_table_flags_flaky_tasks(two_runs) -> None:
    tasks = task_table(episode_frame(two_runs)).set_index(["task_id", "label"])
    assert bool(tasks.loc[("t2", "scripted"), "flaky"]) and bool(tasks.loc[("t1", "random"), "flaky"])
    assert not tasks.loc[("t1", "scripted"), "flaky"] and not tasks.loc[("t3", "scripted"), "flaky"]
    assert tasks.loc[("t1", "random"), "pass_at_k"] == pytest.approx(1.0)
    assert tasks.loc[("t1", "random"), "pass_hat_k"] == pytest.approx(0.0)


def test_runs_of_the_same_agent_get_distinct_labels(tmp_path: Path) -> None:
    a = make_run(tmp_path, "monday", "llm", {"t": [True]})
    b = make_run(tmp_path, "tuesday", "llm", {"t": [False]})
    assert [r.label for r in load_runs([a, b])] == ["llm (monday)", "llm (tuesday)"]


def test_site_of() -> None:
    def record(task_id: str, **details) -> EpisodeRecord:
        return EpisodeRecord(suite="s", task_id=task_id, episode=0, details=details)

    assert site_of(record("Allrecipes--3")) == "Allrecipes"
    assert site_of(record("click-button")) == "click"
    assert site_of(record("7", sites=["gitlab", "reddit"])) == "gitlab+reddit"
    assert site_of(record("x", website="amazon", domain="Shopping")) == "amazon"


def test_baseline_file_round_trip(tmp_path: Path, two_runs) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(baseline_dict(two_runs[0])))
    loaded = load_run(path)
    assert loaded.is_baseline and loaded.agent == "scripted" and loaded.folder is None
    key = lambda r: (r.task_id, r.episode)  # noqa: E731
    original = sorted(two_runs[0].records, key=key)
    assert [(r.task_id, r.episode, r.success, r.metrics) for r in sorted(loaded.records, key=key)] == [
        (r.task_id, r.episode, r.success, r.metrics) for r in original
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON baseline file"),
        ('{"format": "other"}', "not a webbench baseline"),
        (
            '{"format": "webbench-baseline/1", "suites": {"m": {"tasks": []}}}',
            "suites.m.tasks must be an object",
        ),
    ],
)
def test_bad_baseline_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(RunStoreError, match=message):
        load_run(path)


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    run = make_run(tmp_path, "a", "x", {"t1": [True], "t2": [False]})
    with open(run / "episodes.jsonl", "a") as handle:
        handle.write('{"suite": "miniwob", "task_')
    assert len(load_run(run).records) == 2


def test_committed_published_numbers_load_and_cite() -> None:
    entries = load_published(ROOT / "webbench" / "report" / "published.json")
    assert {e.suite for e in entries} == {
        "miniwob",
        "mind2web",
        "webarena",
        "webvoyager",
        "weblinx",
        "autowebbench",
        "webarena_infinity",
    }
    webarena = next(e for e in entries if e.suite == "webarena" and e.model == "GPT-4")
    assert (
        webarena.metrics == {"success_rate": 0.1441}
        and "812" in webarena.subset
        and "Zhou" in webarena.citation
    )
    assert all(e.citation and e.split and e.subset for e in entries)


def test_published_file_errors_name_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps({"format": "webbench-published/1", "entries": [{"suite": "miniwob", "model": "X"}]})
    )
    with pytest.raises(UsageError, match=r"entry 1 \(X\) lacks metrics, split, subset, citation"):
        load_published(path)


def test_committed_baselines_are_real_runs() -> None:
    for name in ("miniwob-scripted", "miniwob-random"):
        run = load_run(ROOT / "leaderboards" / "baselines" / f"{name}.json")
        assert run.suites == ["miniwob"] and len({r.task_id for r in run.records}) == 19
        assert all(r.status == "ok" for r in run.records)


def test_script_json_cannot_close_the_script_element() -> None:
    text = str(script_json({"goal": "</script><script>alert(1)</script> & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"goal": "</script><script>alert(1)</script> & \u2028"}


def test_report_usage_errors(tmp_path: Path) -> None:
    result = webbench("report", str(tmp_path / "missing"), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "no such run folder or baseline file" in result.stderr
    RunStore.create(tmp_path, "empty", {"config": {"agent": "x"}})
    result = webbench("report", str(tmp_path / "empty"), "-o", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "hold no finished episode" in result.stderr


def test_report_writes_one_offline_file(tmp_path: Path, two_runs) -> None:
    out = tmp_path / "site" / "report.html"
    result = webbench("report", str(two_runs[0].path), str(two_runs[1].path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "").replace("http://127.0.0.1/", "")
    assert "https://" not in html and "<link" not in html and 'src="http' not in html
    assert "Furuta et al." in html  # published reference rows with their citation
    assert 'href="#ep-0"' in html and "pass@3" in html


def test_published_numbers_name_metrics_the_suites_report() -> None:
    import json

    from conftest import ROOT

    from webbench.core.suite import get_suite, suite_names

    entries = json.loads((ROOT / "webbench" / "report" / "published.json").read_text())["entries"]
    for entry in entries:
        if entry["suite"] not in suite_names():
            continue
        known = {m.name for m in get_suite(entry["suite"]).metrics} | {"success_rate"}
        assert set(entry["metrics"]) <= known, (entry["suite"], entry["model"], set(entry["metrics"]) - known)
