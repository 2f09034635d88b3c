"""The command line: usage errors are one line and exit code 2; list and doctor work."""

from __future__ import annotations

import json

import pytest
from conftest import miniwob_eval, webbench

from webbench.run.store import RunStore


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "--suite", "nope", "--agent", "random"], "unknown suite 'nope'"),
        (
            ["eval", "--suite", "miniwob", "--tasks", "zzz,click-test", "--agent", "random"],
            "unknown task(s) of suite miniwob: zzz",
        ),
        (["eval", "--suite", "miniwob", "--subset", "nope", "--agent", "random"], "unknown subset 'nope'"),
        (["eval", "--suite", "miniwob", "--agent", "nomod_q:X"], "no module 'nomod_q'"),
        (["eval", "--suite", "miniwob", "--agent", "random", "--agent-arg", "novalue"], "expected key=value"),
        (
            ["eval", "--suite", "miniwob", "--agent", "random", "--agent-arg", "temperature=1"],
            "bad --agent-arg",
        ),
        (
            ["eval", "--suite", "miniwob", "--agent", "random", "--bogus", "1"],
            "unrecognized arguments: --bogus 1",
        ),
        (["eval", "--agent", "random"], "--suite is required"),
        (["eval", "--suite", "miniwob"], "--agent is required"),
        (["eval", "--suite", "miniwob", "--agent", "random", "--episodes", "x"], "invalid int value"),
        (
            ["eval", "--suite", "miniwob", "--agent", "random", "--workers", "0"],
            "--workers must be at least 1",
        ),
        (
            ["eval", "--suite", "miniwob", "--agent", "random", "--tasks", "a", "--subset", "smoke"],
            "not both",
        ),
        (["eval", "--resume", "/nonexistent/run"], "is not a run folder"),
        (["show", "/nonexistent/run"], "is not a run folder"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["list", "nope"], "unknown suite 'nope'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    result = webbench(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("webbench: error:") and message in lines[0], result.stderr


def test_resume_refuses_a_different_run_definition(tmp_path) -> None:
    config = {
        "suite": "miniwob",
        "agent": "scripted",
        "agent_args": {},
        "split": None,
        "task_ids": ["click-test"],
        "subset": None,
        "episodes": 2,
        "seed": 0,
        "max_steps": None,
        "step_timeout": 120.0,
        "episode_timeout": 900.0,
        "screenshots": False,
        "data": None,
        "suite_options": {},
        "workers": 1,
    }
    RunStore.create(tmp_path, "r", {"config": config, "tasks": ["click-test"]})
    result = webbench("eval", "--resume", str(tmp_path / "r"), "--episodes", "3")
    assert result.returncode == 2 and "episodes 3 differs from the run's 2" in result.stderr


def test_list_suites_and_tasks() -> None:
    suites = webbench("list")
    assert suites.returncode == 0 and "miniwob" in suites.stdout
    tasks = webbench("list", "miniwob")
    assert tasks.returncode == 0 and "click-test-2" in tasks.stdout and "--subset smoke" in tasks.stdout


def test_doctor_one_line_per_requirement() -> None:
    result = webbench(
        "doctor", env={"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-secret-123", "HOME": "/tmp"}
    )
    lines = result.stdout.splitlines()
    names = [line[7:].split()[0] for line in lines]
    assert {"python", "chromium", "chromedriver", "openai", "OPENAI_API_KEY"} <= set(names)
    assert "sk-secret-123" not in result.stdout
    key_line = next(line for line in lines if "OPENAI_API_KEY" in line)
    assert key_line.startswith("[ok  ]") and key_line.endswith("set")


def test_manifest_never_holds_a_secret_arg(tmp_path) -> None:
    from webbench.core.types import Task
    from webbench.run.evaluate import EvalConfig, make_manifest

    config = EvalConfig(suite="miniwob", agent="random", agent_args={"api_key": "sk-abc", "seed": 3})
    manifest = make_manifest(config, "r", [Task("miniwob", "click-test", "g")])
    text = json.dumps(manifest)
    assert "sk-abc" not in text and manifest["config"]["agent_args"] == {"api_key": "***", "seed": 3}
    assert manifest["versions"]["miniwob"] == "1.1.0"


def test_missing_browser_is_a_usage_error_and_creates_no_run(tmp_path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PATH": "/nonexistent", "WEBBENCH_CHROMIUM": "", "HOME": str(tmp_path)}
    code = (
        "import webbench.browser.chromium as c, sys\n"
        "c._BROWSER_CANDIDATES = ()\n"
        "from webbench.cli import main\n"
        "sys.exit(main(['eval', '--suite', 'miniwob', '--tasks', 'click-test', '--agent', 'random',"
        f" '--out', {str(tmp_path)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert (
        result.returncode == 2 and "no Chromium found" in result.stderr and "webbench doctor" in result.stderr
    )
    assert not any(tmp_path.glob("miniwob-*"))


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("exit", "workers keep dying before they start"),
        ("raise", "a worker could not start: RuntimeError: no GPU"),
    ],
)
def test_workers_that_cannot_start_stop_the_run(tmp_path, how: str, message: str) -> None:
    args = miniwob_eval(tmp_path, "click-test", "tests/agents.py:DyingAgent", "--agent-arg", f"how={how}")
    result = webbench(*args, timeout=120)
    assert result.returncode == 1 and message in result.stderr, result.stderr
