"""`webbench gate` and `webbench compare` on run folders written in the store's format."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import webbench
from report_runs import make_run, outcomes


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A baseline: 20 tasks, the first 16 solved."""
    return make_run(tmp_path, "base", "agent-a", outcomes(20, set(range(16))))


def gate(*args: str) -> tuple[int, str, str]:
    result = webbench("gate", *args, "--resamples", "2000")
    return result.returncode, result.stdout, result.stderr


def test_improvement_passes(tmp_path: Path, base: Path) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(19))))
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand))
    assert code == 0
    assert out.startswith("PASS.") and "rose from 80.0% to 95.0%" in out and "no drop" in out


def test_noise_level_drop_passes_and_says_why(tmp_path: Path, base: Path) -> None:
    # one task flips (5 points, more than --max-drop 0.02) but p = 0.5: noise
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(15))))
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand))
    assert code == 0
    assert "fell from 80.0% to 75.0%" in out
    assert "p = 0.5, not below alpha 0.05" in out and "within noise" in out


def test_drop_within_tolerance_passes(tmp_path: Path, base: Path) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(15))))
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand), "--max-drop", "0.1")
    assert code == 0 and "within the allowed drop of 10.0 points" in out


def test_significant_drop_fails_with_junit_and_markdown(tmp_path: Path, base: Path) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(8))))
    junit, md = tmp_path / "out" / "gate.xml", tmp_path / "out" / "gate.md"
    code, out, _ = gate(
        "--baseline", str(base), "--candidate", str(cand), "--junit", str(junit), "--markdown", str(md)
    )
    assert code == 1
    # 8 tasks went from success to failure, none back: one-sided p = 2^-8
    assert out.startswith("FAIL.") and "8 task(s) went from success to failure and 0 the other way" in out
    assert "p = 0.0039, below alpha 0.05" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"success_rate", "success"}  # default: success rate and the headline metric
    assert suite.get("failures") == "2" and cases["success_rate"].find("failure") is not None
    text = md.read_text()
    assert text.startswith("### webbench gate: ❌ FAIL")
    assert "| miniwob | success\\_rate | 80.0% | 40.0% |" in text and "`task-08`" in text


def test_higher_alpha_does_not_rescue_a_clear_drop_but_a_strict_one_passes_noise(
    tmp_path: Path, base: Path
) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(13))))  # 3 flips: p = 0.125
    assert gate("--baseline", str(base), "--candidate", str(cand))[0] == 0
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand), "--alpha", "0.2")
    assert code == 1 and "p = 0.12, below alpha 0.2" in out


def test_gate_on_one_metric_with_the_bootstrap(tmp_path: Path, base: Path) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(8))))
    junit = tmp_path / "gate.xml"
    code, out, _ = gate(
        "--baseline", str(base), "--candidate", str(cand), "--metric", "reward", "--junit", str(junit)
    )
    assert code == 1 and "one-sided paired permutation test over tasks" in out
    names = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase")]
    assert names == ["reward"]


def test_saved_baseline_gives_the_same_decision(tmp_path: Path, base: Path) -> None:
    saved = tmp_path / "leaderboards" / "baselines" / "a.json"
    result = webbench("gate", "--save-baseline", str(base), "-o", str(saved))
    assert result.returncode == 0, result.stderr
    data = json.loads(saved.read_text())
    assert data["format"] == "webbench-baseline/1" and len(data["suites"]["miniwob"]["tasks"]) == 20
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(8))))
    from_run = gate("--baseline", str(base), "--candidate", str(cand))
    from_file = gate("--baseline", str(saved), "--candidate", str(cand))
    assert from_run[0] == from_file[0] == 1
    assert from_run[1].split("):", 1)[1] == from_file[1].split("):", 1)[1]  # same numbers and reasons


def test_several_episodes_use_the_majority_rule(tmp_path: Path) -> None:
    base = make_run(tmp_path, "base", "a", {f"t{i}": [True, True, True] for i in range(6)})
    # every task drops to 1 of 3: a failure under "majority", still a success under "any"
    cand = make_run(tmp_path, "cand", "b", {f"t{i}": [True, False, False] for i in range(6)})
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand), "--metric", "success_rate")
    assert code == 1 and "6 task(s) went from success to failure" in out
    code, out, _ = gate(
        "--baseline", str(base), "--candidate", str(cand), "--metric", "success_rate", "--task-outcome", "any"
    )
    assert code == 0 and "0 task(s) went from success to failure" in out


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no such run folder or baseline file"),
        ("suites", "the runs share no suite"),
        ("tasks", "share no task"),
        ("metric", "is not a metric of suite miniwob"),
        ("alpha", "--alpha 1.5: must be between 0 and 1"),
        ("nothing", "give --baseline RUN_OR_FILE and --candidate RUN"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, base: Path, case: str, message: str) -> None:
    other = {
        "suites": lambda: make_run(tmp_path, "x", "b", outcomes(20, {1}), suite="mind2web"),
        "tasks": lambda: make_run(tmp_path, "x", "b", outcomes(5, {1}, prefix="other")),
    }
    cand = other[case]() if case in other else base
    args = {
        "missing": ["--baseline", str(tmp_path / "nope"), "--candidate", str(base)],
        "metric": ["--baseline", str(base), "--candidate", str(cand), "--metric", "bogus"],
        "alpha": ["--baseline", str(base), "--candidate", str(cand), "--alpha", "1.5"],
        "nothing": [],
    }.get(case, ["--baseline", str(base), "--candidate", str(cand)])
    code, out, err = gate(*args)
    assert code == 2, (out, err)
    assert message in err and len(err.strip().splitlines()) == 1


def test_malformed_baseline_file_is_a_usage_error(tmp_path: Path, base: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"format": "webbench-baseline/1", "suites": {"miniwob": {"tasks": {"t": [{"success": true}]}}}}'
    )
    code, _, err = gate("--baseline", str(bad), "--candidate", str(base))
    assert code == 2 and f"{bad}: record 1 lacks episode" in err


def test_compare_json_lists_flips_and_tests(tmp_path: Path, base: Path) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(14)) | {17}))
    result = webbench("compare", str(base), str(cand), "--json", "--resamples", "1000")
    assert result.returncode == 0, result.stderr
    suite = json.loads(result.stdout)["suites"][0]
    assert suite["broken"] == ["task-14", "task-15"] and suite["fixed"] == ["task-17"]
    metrics = {m["metric"]: m for m in suite["metrics"]}
    assert set(metrics) == {"success_rate", "success", "reward", "raw_reward"}
    rate = metrics["success_rate"]
    assert rate["test"] == "mcnemar" and rate["base_only"] == 2 and rate["cand_only"] == 1
    assert rate["p_two_sided"] == pytest.approx(1.0)  # 2 * P(X >= 2 | n = 3) = 2 * 4/8
    assert rate["delta"] == pytest.approx(-0.05) and metrics["reward"]["test"] == "permutation"


def test_compare_table(tmp_path: Path, base: Path) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(8))))
    wide = {**os.environ, "COLUMNS": "200"}
    result = webbench("compare", str(base), str(cand), "--resamples", "1000", env=wide)
    assert result.returncode == 0, result.stderr
    assert "agent-a (baseline) vs agent-b (candidate), 20 shared tasks" in result.stdout
    assert "success -> failure (8): task-08, task-09" in result.stdout
    assert "-40.0 points" in result.stdout
