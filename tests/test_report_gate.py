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
    assert out.startswith("PASS") and "rose from 80.0% to 95.0%" in out and "no drop" in out


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
    # one episode per task: the episode pairs are the tasks
    assert (
        out.startswith("FAIL") and "8 episode pair(s) went from success to failure and 0 the other way" in out
    )
    assert "p = 0.0039, below alpha 0.05" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    # default: success rate and the headline metric, plus the suite's power
    assert set(cases) == {"power", "success_rate", "success"}
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
    assert code == 1 and "one-sided paired permutation test over episode pairs" in out
    names = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase")]
    assert names == ["power", "reward"]


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


def test_per_task_test_uses_the_majority_rule(tmp_path: Path) -> None:
    base = make_run(tmp_path, "base", "a", {f"t{i}": [True, True, True] for i in range(6)})
    # every task drops to 1 of 3: a failure under "majority", still a success under "any"
    cand = make_run(tmp_path, "cand", "b", {f"t{i}": [True, False, False] for i in range(6)})
    args = ["--baseline", str(base), "--candidate", str(cand), "--metric", "success_rate", "--test", "task"]
    code, out, _ = gate(*args)
    assert code == 1 and "6 task(s) went from success to failure" in out
    code, out, _ = gate(*args, "--task-outcome", "any")
    assert code == 0 and "0 task(s) went from success to failure" in out
    # the default pairs the 18 episodes by seed: 12 pairs lost, none gained, whatever the task rule
    code, out, _ = gate(*args[:-2], "--task-outcome", "any")
    assert code == 1 and "12 episode pair(s) went from success to failure and 0 the other way" in out


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
    assert rate["test"] == "mcnemar-episode" and rate["base_only"] == 2 and rate["cand_only"] == 1
    assert rate["p_two_sided"] == pytest.approx(1.0)  # 2 * P(X >= 2 | n = 3) = 2 * 4/8
    assert rate["delta"] == pytest.approx(-0.05) and metrics["reward"]["test"] == "permutation-episode"


def test_compare_table(tmp_path: Path, base: Path) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(20, set(range(8))))
    wide = {**os.environ, "COLUMNS": "200"}
    result = webbench("compare", str(base), str(cand), "--resamples", "1000", env=wide)
    assert result.returncode == 0, result.stderr
    assert "agent-a (baseline) vs agent-b (candidate), 20 shared tasks" in result.stdout
    assert "success -> failure (8): task-08, task-09" in result.stdout
    assert "-40.0 points" in result.stdout


def _three_by_six(tmp_path: Path, shared_seeds: bool) -> tuple[Path, Path]:
    base = make_run(tmp_path, "base", "scripted", {f"t{i}": [True] * 6 for i in range(3)})
    extra = None if shared_seeds else {"seed": 12345}  # every candidate episode on another instance
    cand = make_run(tmp_path, "cand", "random", {f"t{i}": [False] * 6 for i in range(3)}, record_extra=extra)
    return base, cand


@pytest.mark.parametrize(
    ("shared_seeds", "test", "design"),
    [
        (True, "mcnemar-episode", "episodes paired by seed"),
        (False, "stratified-exact", "episodes stratified by task"),
    ],
)
def test_total_drop_on_three_tasks_fails_with_all_episodes(
    tmp_path: Path, shared_seeds: bool, test: str, design: str
) -> None:
    base, cand = _three_by_six(tmp_path, shared_seeds)
    md = tmp_path / "gate.md"
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand), "--markdown", str(md))
    assert code == 1 and out.startswith("FAIL (underpowered).")
    assert f"miniwob was tested on {design}" in out and "3 tasks x 6 episodes" in out
    assert "the minimum detectable drop at alpha 0.05 with 80% power from the baseline's 100.0% is" in out
    assert "p < 0.0001, below alpha 0.05" in out
    assert "| miniwob | success\\_rate | 100.0% | 0.0% |" in md.read_text() and test in md.read_text()
    # the old per-task test cannot fail on 3 tasks (p >= 1/8), and says that no drop is detectable
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand), "--test", "task")
    assert code == 0 and "p = 0.12, not below alpha 0.05" in out
    assert "no drop, even to 0%, is detectable at alpha 0.05" in out


def test_require_power_exits_2_after_writing_the_outputs(tmp_path: Path) -> None:
    base, cand = _three_by_six(tmp_path, True)
    junit = tmp_path / "gate.xml"
    code, out, err = gate(
        "--baseline", str(base), "--candidate", str(cand), "--junit", str(junit), "--require-power"
    )
    assert code == 2 and out.startswith("FAIL (underpowered).")
    assert (
        "--require-power: the gate is underpowered on miniwob" in err and len(err.strip().splitlines()) == 1
    )
    power = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "power")
    assert power.find("error").get("type") == "underpowered"
    # a large enough allowed drop is within the design's reach: no error
    code, out, _ = gate(
        "--baseline", str(base), "--candidate", str(cand), "--max-drop", "0.5", "--require-power"
    )
    assert code == 1 and out.startswith("FAIL.") and "within the allowed drop of 50.0 points" in out


def test_missing_baseline_tasks_fail_unless_allowed(tmp_path: Path, base: Path) -> None:
    cand = make_run(tmp_path, "cand", "agent-b", outcomes(18, set(range(16))))  # lacks task-18, task-19
    junit = tmp_path / "gate.xml"
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand), "--junit", str(junit))
    assert code == 1 and out.startswith("FAIL")
    assert "2 miniwob baseline task(s) are missing from the candidate (task-18, task-19), which fails" in out
    missing = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "missing_tasks")
    assert missing.find("failure").get("type") == "missing"
    code, out, _ = gate("--baseline", str(base), "--candidate", str(cand), "--allow-missing")
    assert code == 0 and "(task-18, task-19), allowed by --allow-missing" in out


@pytest.mark.parametrize("value", ["nan", "-0.1", "1.5", "lots"])
def test_bad_max_drop_is_one_line(tmp_path: Path, base: Path, value: str) -> None:
    code, out, err = gate("--baseline", str(base), "--candidate", str(base), "--max-drop", value)
    assert code == 2 and out == ""
    assert (
        f"--max-drop: {value!r}: must be a number from 0 to 1" in err and len(err.strip().splitlines()) == 1
    )


def test_output_that_cannot_be_written_is_one_line_before_any_verdict(tmp_path: Path, base: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    code, out, err = gate("--baseline", str(base), "--candidate", str(base), "--junit", str(folder))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"--junit {folder}: is a folder" in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = gate(
        "--baseline", str(base), "--candidate", str(base), "--markdown", str(blocker / "g.md")
    )
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"--markdown {blocker / 'g.md'}: cannot write" in err


def test_episode_test_needs_shared_seeds(tmp_path: Path) -> None:
    base, cand = _three_by_six(tmp_path, False)
    code, _, err = gate("--baseline", str(base), "--candidate", str(cand), "--test", "episode")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert (
        "--test episode needs episodes that share seeds, but task t0 episode 0 has seeds 0 and 12345" in err
    )


def test_compare_json_records_the_design(tmp_path: Path) -> None:
    base, cand = _three_by_six(tmp_path, False)
    result = webbench("compare", str(base), str(cand), "--json", "--resamples", "500")
    suite = json.loads(result.stdout)["suites"][0]
    assert (
        suite["design"] == "stratified"
        and "task t0 episode 0 has seeds 0 and 12345" in suite["design_reason"]
    )
    assert {m["metric"]: m["test"] for m in suite["metrics"]}["success_rate"] == "stratified-exact"
    assert suite["base_counts"] == [[6, 6]] * 3 and suite["cand_counts"] == [[0, 6]] * 3


def test_committed_baselines_gate_random_against_scripted() -> None:
    from conftest import ROOT

    folder = ROOT / "leaderboards" / "baselines"
    code, out, _ = gate(
        "--baseline",
        str(folder / "miniwob-scripted.json"),
        "--candidate",
        str(folder / "miniwob-random.json"),
    )
    assert code == 1 and "miniwob was tested on episodes paired by seed" in out
    assert "19 tasks x 3 episodes" in out and "episode pair(s) went from success to failure" in out


GATE_TASKS = "enter-text,enter-password,click-button-sequence"


@pytest.mark.browser
def test_gate_fails_random_against_scripted_on_three_miniwob_tasks(tmp_path: Path) -> None:
    """Real runs (Chromium, the miniwob package): 3 tasks x 6 episodes, seeds shared or not."""
    from conftest import miniwob_eval

    runs = {}
    for name, agent, seed in (
        ("scripted", "scripted", "0"),
        ("same", "random", "0"),
        ("other", "random", "1"),
    ):
        out = tmp_path / name
        result = webbench(*miniwob_eval(out, GATE_TASKS, agent, "--episodes", "6", "--seed", seed))
        assert result.returncode == 0, result.stderr
        runs[name] = out / "r"
    for candidate, design in (("same", "episodes paired by seed"), ("other", "episodes stratified by task")):
        code, out, err = gate("--baseline", str(runs["scripted"]), "--candidate", str(runs[candidate]))
        assert code == 1, (out, err)
        assert out.startswith("FAIL") and f"miniwob was tested on {design}" in out
        assert "3 tasks x 6 episodes" in out and "the minimum detectable drop at alpha 0.05" in out
        assert "below alpha 0.05, so the drop is real" in out
    # the per-task test on the same runs cannot fail: 3 tasks give p >= 1/8
    code, out, _ = gate(
        "--baseline", str(runs["scripted"]), "--candidate", str(runs["same"]), "--test", "task"
    )
    assert code == 0 and "no drop, even to 0%, is detectable" in out
