"""MiniWoB++ end to end through `webbench eval`, in a real Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import ROOT, marked_env, marked_processes, miniwob_eval, read_jsonl, wait_until, webbench

pytestmark = pytest.mark.browser


def _readme_agent(tmp_path: Path) -> Path:
    code = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    path = tmp_path / "my_agent.py"
    path.write_text(code)
    return path


def _start(args: list[str], mark: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "webbench", *args],
        cwd=ROOT,
        env=marked_env(mark),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def _no_leftovers(mark: str) -> None:
    assert wait_until(lambda: not marked_processes(mark), timeout=30), marked_processes(mark)


def test_done_means_command(tmp_path) -> None:
    result = webbench(
        *miniwob_eval(tmp_path, "click-test-2,click-button,enter-text", "scripted", "--episodes", "5")
    )
    assert result.returncode == 0, result.stderr
    records = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    assert len(records) == 15
    assert all(r["success"] and r["status"] == "ok" for r in records)
    assert "100.0%" in result.stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())["suites"]["miniwob"]
    assert summary["success_rate"] == 1.0 and summary["n"] == 15
    assert 0 < summary["metrics"]["reward"] <= 1 and summary["metrics"]["raw_reward"] == 1.0
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["config"]["agent"] == "scripted" and len(manifest["tasks"]) == 3
    assert len({r["seed"] for r in records}) == 15
    trajectory = json.loads((tmp_path / "r" / records[0]["trajectory"]).read_text())
    assert trajectory["steps"][0]["action"].startswith("click(")


def test_readme_agent_runs_unchanged(tmp_path) -> None:
    agent = f"{_readme_agent(tmp_path)}:Agent"
    result = webbench(*miniwob_eval(tmp_path, "click-test-2", agent, "--episodes", "3"))
    assert result.returncode == 0, result.stderr
    assert [r["success"] for r in read_jsonl(tmp_path / "r" / "episodes.jsonl")] == [True] * 3


def test_show_prints_the_summary(tmp_path) -> None:
    assert webbench(*miniwob_eval(tmp_path, "click-test", "scripted")).returncode == 0
    shown = webbench("show", str(tmp_path / "r"))
    assert shown.returncode == 0 and "success rate" in shown.stdout and "100.0%" in shown.stdout


def test_raising_and_hanging_agents_end_their_episodes_only(tmp_path) -> None:
    mark = uuid.uuid4().hex
    args = miniwob_eval(
        tmp_path,
        "click-test,click-button,click-test-2",
        "tests/agents.py:MisbehavingAgent",
        "--episodes",
        "2",
        "--step-timeout",
        "1",
    )
    result = webbench(*args, timeout=300, env=marked_env(mark))
    assert result.returncode == 0, result.stderr
    records = {(r["task_id"], r["episode"]): r for r in read_jsonl(tmp_path / "r" / "episodes.jsonl")}
    assert len(records) == 6
    for k in range(2):
        assert records[("click-test", k)]["status"] == "agent_error"
        assert records[("click-test", k)]["error"] == "RuntimeError: agent exploded"
        assert records[("click-button", k)]["status"] == "timeout"
        assert "did not answer within 1 s" in records[("click-button", k)]["error"]
        assert records[("click-test-2", k)]["status"] == "ok" and records[("click-test-2", k)]["success"]
    trajectory = json.loads((tmp_path / "r" / records[("click-test", 0)]["trajectory"]).read_text())
    assert "RuntimeError: agent exploded" in trajectory["traceback"]
    _no_leftovers(mark)


def test_sigkill_then_resume_runs_every_episode_exactly_once(tmp_path) -> None:
    mark = uuid.uuid4().hex
    tasks = "click-test,click-test-2,click-button,focus-text"
    episodes = tmp_path / "r" / "episodes.jsonl"
    proc = _start(miniwob_eval(tmp_path, tasks, "scripted", "--episodes", "6", "--workers", "2"), mark)
    assert wait_until(lambda: _lines(episodes) >= 4, timeout=120)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert _lines(episodes) < 24, "the run finished before it could be killed"
    _no_leftovers(mark)
    result = webbench("eval", "--resume", str(tmp_path / "r"), env=marked_env(mark))
    assert result.returncode == 0, result.stderr
    records = read_jsonl(episodes)
    keys = [(r["task_id"], r["episode"]) for r in records]
    assert len(keys) == 24 and len(set(keys)) == 24
    assert all(r["success"] for r in records)
    _no_leftovers(mark)


def test_ctrl_c_stops_cleanly_and_keeps_finished_episodes(tmp_path) -> None:
    mark = uuid.uuid4().hex
    episodes = tmp_path / "r" / "episodes.jsonl"
    proc = _start(
        miniwob_eval(tmp_path, "click-test,click-test-2", "scripted", "--episodes", "40", "--workers", "2"),
        mark,
    )
    assert wait_until(lambda: _lines(episodes) >= 3, timeout=120)
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and f"--resume {tmp_path / 'r'}" in err
    kept = read_jsonl(episodes)
    assert 3 <= len(kept) < 80
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["episodes"] == len(kept)
    _no_leftovers(mark)


def test_a_browser_that_dies_costs_one_episode(tmp_path) -> None:
    mark = uuid.uuid4().hex
    episodes = tmp_path / "r" / "episodes.jsonl"
    proc = _start(
        miniwob_eval(tmp_path, "click-test-2", "tests/agents.py:SlowAgent", "--episodes", "12"), mark
    )
    assert wait_until(lambda: _lines(episodes) >= 2, timeout=120)
    browsers = [int(p.split()[0]) for p in marked_processes(mark) if "chrom" in p.split()[1]]
    assert browsers
    for pid in browsers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    records = read_jsonl(episodes)
    assert len(records) == 12
    statuses = [r["status"] for r in records]
    assert 1 <= statuses.count("env_error") <= 2, statuses
    assert statuses[-1] == "ok" and records[-1]["success"]
    assert next(r for r in records if r["status"] == "env_error")["error"]
    _no_leftovers(mark)


def test_screenshots_are_given_and_kept(tmp_path) -> None:
    result = webbench(
        *miniwob_eval(tmp_path, "click-test-2", "tests/agents.py:ScreenshotAgent", "--screenshots")
    )
    assert result.returncode == 0, result.stderr
    record = read_jsonl(tmp_path / "r" / "episodes.jsonl")[0]
    assert record["success"], record
    step = json.loads((tmp_path / "r" / record["trajectory"]).read_text())["steps"][0]
    assert (tmp_path / "r" / "trajectories" / step["screenshot"]).read_bytes().startswith(b"\x89PNG")
