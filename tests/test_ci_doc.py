"""docs/ci.md's commands, run as the doc gives them (on fewer tasks), with a loopback chat server.

The set-up block records a run of the llm agent in the cache; the workflow's replay step
must then answer every request of every episode from the cache, with two workers as the
doc has it and with one, and the gate and report steps must run on the result.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, read_jsonl
from llm_server import ChatServer, Reply, user_text

pytestmark = pytest.mark.browser

DOC = (ROOT / "docs" / "ci.md").read_text()
#: The doc's task set, and the smaller one the test runs instead: tasks whose Submit button
#: stays on the page from one episode to the next (with the focus the last click gave it).
DOC_TASKS = "--subset scripted --episodes 3"
FEWER_TASKS = "--tasks enter-text,login-user --episodes 3 --max-steps 3"


def submit_model(request: dict) -> Reply:
    """A 'model' that clicks the page's first button (the Submit button: the episode ends)."""
    button = re.search(r"\[(\d+)\] button", user_text(request))
    action = f'click("{button.group(1)}")' if button else "noop()"
    return Reply(f"Thought: submit.\nAction: {action}", 300, 10)


def sh_blocks() -> list[str]:
    """Return the doc's ```sh blocks, in order."""
    return re.findall(r"```sh\n(.*?)```", DOC, re.S)


def workflow_step(name: str) -> str:
    """Return the ``run:`` script of the workflow step called ``name``."""
    workflow = re.search(r"```yaml\n(.*?)```", DOC, re.S).group(1)
    step = re.search(
        rf"- name: {re.escape(name)}\n(?:\s+if: .*\n)?\s+run: (?:\|\n((?:[ ]{{10}}.*\n)+)|(.+)\n)", workflow
    )
    assert step, f"docs/ci.md has no workflow step {name!r} with a run: script"
    return textwrap.dedent(step.group(1) or step.group(2) + "\n")


def fewer(script: str) -> str:
    """Return ``script`` with its eval commands on the test's tasks (each must name the doc's)."""
    assert script.count("webbench eval") == script.count(DOC_TASKS), script
    return script.replace(DOC_TASKS, FEWER_TASKS)


def run_shell(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``script`` in bash (``webbench`` being this checkout's CLI), leaving out its ``git`` lines."""
    lines = [line for line in script.splitlines() if not line.startswith("git ")]
    prelude = f'set -e\nwebbench() {{ "{sys.executable}" -m webbench "$@"; }}\n'
    return subprocess.run(
        ["bash", "-c", prelude + "\n".join(lines)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip


def shell_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def outcomes(run: Path) -> dict[tuple[str, int], tuple]:
    return {
        (r["task_id"], r["episode"]): (r["status"], r["success"], r["steps"])
        for r in read_jsonl(run / "episodes.jsonl")
    }


def cached_calls(run: Path) -> list[bool]:
    """Return, for every LLM call of every step of the run, whether the cache answered it."""
    return [
        call["cached"]
        for path in (run / "trajectories").glob("*.json")
        for step in json.loads(path.read_text())["steps"]
        for call in step["agent"]["calls"]
    ]


def test_the_ci_doc_records_then_replays_from_the_cache_with_any_worker_count(tmp_path) -> None:
    (setup,) = [block for block in sh_blocks() if "--llm-cache-mode rw" in block]
    replay = workflow_step("Replay the cached LLM run")
    assert "--llm-cache-mode replay" in replay and "--workers 2" in replay
    with ChatServer(submit_model) as server:
        recorded = run_shell(fewer(setup), tmp_path, shell_env(OPENAI_BASE_URL=server.url))
        assert recorded.returncode == 0, recorded.stderr
        assert server.requests
        url = server.url
    baseline = outcomes(tmp_path / "runs" / "ci-baseline")
    assert len(baseline) == 6 and all(status == "ok" for status, _ok, _steps in baseline.values())
    assert (tmp_path / "ci" / "llm-cache.sqlite").is_file()

    # The server is gone: only the cache can answer.
    offline = shell_env(OPENAI_BASE_URL=url)
    for workers, run_id in (("2", "candidate"), ("1", "candidate-1")):
        script = fewer(replay).replace("--workers 2", f"--workers {workers}")
        script = script.replace("--run-id candidate", f"--run-id {run_id}")
        done = run_shell(script, tmp_path, offline)
        assert done.returncode == 0, done.stderr
        run = tmp_path / "runs" / run_id
        assert outcomes(run) == baseline, workers
        calls = cached_calls(run)
        assert calls and all(calls), (workers, calls)

    gate = run_shell(workflow_step("Gate against the committed baseline"), tmp_path, offline)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert (tmp_path / "gate.xml").is_file() and (tmp_path / "gate.md").is_file()
    report = run_shell(workflow_step("HTML report"), tmp_path, offline)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report.html").is_file()
    assert run_shell(workflow_step("Check the machine"), tmp_path, offline).returncode == 0


def test_the_repository_baseline_commands_run(tmp_path) -> None:
    (block,) = [block for block in sh_blocks() if "miniwob-scripted.json" in block]
    done = run_shell(block.replace("leaderboards/", f"{ROOT}/leaderboards/"), tmp_path, shell_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(read_jsonl(tmp_path / "runs" / "cand" / "episodes.jsonl")) == 57
