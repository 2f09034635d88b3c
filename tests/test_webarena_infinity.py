"""The WebArena-Infinity suite end to end: the apps' own servers, a real Chromium, the official verifiers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import ROOT, SHARED_DATA, marked_env, marked_processes, read_jsonl, wait_until, webbench
from llm_server import ChatServer, Reply, user_text

from webbench.agents.infinity_plans import PLANS
from webbench.core.env import EnvConfig
from webbench.core.record import EpisodeRecord
from webbench.core.suite import get_suite
from webbench.run.summary import summarize_suite

INFINITY = SHARED_DATA / "webarena-infinity"
AGENTS = ROOT / "tests" / "infinity_agents.py"

pytestmark = pytest.mark.skipif(not INFINITY.is_dir(), reason="../shared/data/webarena-infinity is missing")


def infinity_eval(out: Path, tasks: str, agent: str, *extra: str, env=None) -> subprocess.CompletedProcess:
    """Run ``webbench eval`` on WebArena-Infinity function tasks into ``out/r``."""
    return webbench(
        "eval", "--suite", "webarena-infinity", "--split", "function", "--tasks", tasks,
        "--agent", agent, "--data", str(INFINITY), "--out", str(out), "--run-id", "r", *extra,
        env=env,
    )  # fmt: skip


def test_every_app_loads_both_task_sets_with_subsets():
    suite = get_suite("webarena-infinity")
    assert suite.name == "webarena_infinity" and suite.default_split() == "real"
    real = suite.load_tasks("real", INFINITY)
    function = suite.load_tasks("function", INFINITY)
    assert (len(real), len(function)) == (1620, 737)
    assert len({t.meta["app"] for t in real}) == len({t.meta["app"] for t in function}) == 13
    subsets = suite.subsets(real)
    assert sorted(len(subsets[d]) for d in ("easy", "medium", "hard")) == [260, 260, 1100]
    assert len(subsets["gmail"]) == 60
    listing = webbench("list", "webarena-infinity", "--split", "function", "--data", str(INFINITY))
    assert listing.returncode == 0 and "737 tasks" in listing.stdout and "--subset gmail" in listing.stdout


def test_missing_data_is_one_usage_line(tmp_path):
    result = webbench(
        "eval", "--suite", "webarena-infinity", "--agent", "scripted", "--data", str(tmp_path / "none"),
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "none" in result.stderr


def test_success_breaks_down_by_app_difficulty_and_task_set():
    spec = get_suite("webarena_infinity").metrics[0]
    records = [
        EpisodeRecord(suite="webarena_infinity", task_id=f"{app}/t{i}", episode=0, success=ok,
                      metrics={"success": float(ok)}, details={"app": app, "difficulty": level, "task_set": "real"})
        for i, (app, level, ok) in enumerate(
            [("gmail", "easy", True), ("gmail", "hard", False), ("xero-invoicing", "hard", False),
             ("xero-invoicing", "easy", True)]
        )
    ]  # fmt: skip
    records.append(
        EpisodeRecord(suite="webarena_infinity", task_id="gmail/t9", episode=0, status="env_error")
    )
    summary = summarize_suite(records, [spec])
    assert summary["metrics"]["success"] == pytest.approx(2 / 5)  # the env_error counts as a failure
    assert summary["breakdowns"]["success"] == {
        "details.app": {"gmail": 0.5, "xero-invoicing": 0.5},
        "details.difficulty": {"easy": 1.0, "hard": 0.0},
        "details.task_set": {"real": 0.5},
    }


@pytest.mark.browser
def test_scripted_agent_solves_the_planned_function_tasks_by_the_official_verifiers(tmp_path):
    mark = uuid.uuid4().hex
    result = infinity_eval(tmp_path, ",".join(PLANS), "scripted", "--workers", "2", env=marked_env(mark))
    assert result.returncode == 0, result.stderr
    # one health line per app the tasks need, before any episode
    apps = sorted({task.split("/")[0] for task in PLANS})
    assert [line.split(":")[0] for line in result.stderr.splitlines() if line.startswith("site ")] == [
        f"site {app}" for app in apps
    ]
    records = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    assert len(records) == len(PLANS) >= 12 and len(apps) >= 3
    failed = {
        r["task_id"]: (r["status"], r["details"].get("verifier"), r["error"])
        for r in records
        if not r["success"]
    }
    assert not failed
    assert all(r["details"]["verifier"] and r["answer"] == "done" for r in records)
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())["suites"]["webarena_infinity"]
    assert summary["success_rate"] == 1.0 and set(summary["breakdowns"]["success"]["details.app"]) == set(
        apps
    )
    assert marked_processes(mark) == []


@pytest.mark.browser
def test_each_episode_starts_from_the_seed_state(tmp_path):
    # episode 0 solves the task; episode 1, in the same worker and on the same app server, waits:
    # it passes only if the first episode's state leaked past the reset
    result = infinity_eval(
        tmp_path,
        "linear-account-settings/task_1",
        f"{AGENTS}:SolveFirst",
        "--episodes",
        "2",
        "--max-steps",
        "6",
    )
    assert result.returncode == 0, result.stderr
    records = sorted(read_jsonl(tmp_path / "r" / "episodes.jsonl"), key=lambda r: r["episode"])
    assert [(r["status"], r["success"]) for r in records] == [("ok", True), ("ok", False)]
    assert records[1]["end_reason"] == "stopped" and records[1]["details"]["verifier"]


@pytest.mark.browser
@pytest.mark.parametrize(
    ("agent", "reason"), [("KillServer", "app server died mid-episode"), ("KillBrowser", "Chromium died")]
)
def test_a_site_or_browser_killed_mid_episode_is_env_error_and_the_next_episode_starts_fresh(
    tmp_path, agent, reason
):
    mark = uuid.uuid4().hex
    tasks = "linear-account-settings/task_1,linear-account-settings/task_2"
    result = infinity_eval(tmp_path, tasks, f"{AGENTS}:{agent}", env=marked_env(mark))
    assert result.returncode == 0, result.stderr
    first, second = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    assert first["status"] == "env_error" and reason in first["error"], (first, second)
    assert "\n" not in first["error"].strip()
    assert second["status"] == "ok" and second["details"]["verifier"]
    assert marked_processes(mark) == []


@pytest.mark.browser
def test_sigkill_of_the_harness_then_resume_runs_every_episode_once(tmp_path):
    mark = uuid.uuid4().hex
    tasks = ",".join(list(PLANS)[:6])
    args = [
        sys.executable, "-m", "webbench", "eval", "--suite", "webarena_infinity", "--split", "function",
        "--tasks", tasks, "--agent", "scripted", "--data", str(INFINITY), "--out", str(tmp_path),
        "--run-id", "r",
    ]  # fmt: skip
    episodes = tmp_path / "r" / "episodes.jsonl"
    harness = subprocess.Popen(
        args, cwd=ROOT, env=marked_env(mark), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_until(lambda: episodes.exists() and len(read_jsonl(episodes)) >= 2, timeout=180)
    finally:
        os.kill(harness.pid, signal.SIGKILL)
        harness.wait()
    assert wait_until(lambda: marked_processes(mark) == [], timeout=30), marked_processes(mark)
    resumed = webbench("eval", "--resume", str(tmp_path / "r"), env=marked_env(mark))
    assert resumed.returncode == 0, resumed.stderr
    keys = [r["task_id"] for r in read_jsonl(episodes)]
    assert sorted(keys) == sorted(tasks.split(",")) and len(keys) == len(set(keys))
    assert marked_processes(mark) == []


def _linear_model(request: dict) -> Reply:
    """A scripted 'model' for linear-account-settings/task_1: edit the full name, type, save, answer."""
    text = user_text(request)
    done = len(re.findall(r"^\s+\d+\. ", text.split("Previous actions:", 1)[-1], flags=re.M))

    def node(role: str, name: str | None = None) -> str:
        pattern = rf"\[(\d+)\] {role} " + (re.escape(repr(name)) if name else "")
        found = re.search(pattern, text)
        return found.group(1) if found else "0"

    action = [
        f'click("{node("button", "Edit Full name")}")',
        f'type("{node("textbox")}", "Jordan Rivera")',
        f'click("{node("button", "Save")}")',
        'answer("done")',
    ][min(done, 3)]
    return Reply(f"Thought: step {done + 1} of the edit.\nAction: {action}", 500, 20)


@pytest.mark.browser
def test_llm_agent_completes_episodes_on_an_app_and_replays_from_the_cache_offline(tmp_path):
    cache = tmp_path / "cache.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")} | {"OPENAI_API_KEY": "sk-test"}
    task = "linear-account-settings/task_1"

    def run(out: Path, url: str, *extra: str) -> list[dict]:
        result = infinity_eval(
            out, task, "llm", "--episodes", "2", "--agent-arg", f"base_url={url}", "--agent-arg", "model=gpt-4o",
            "--agent-arg", "retry_base=0.01", "--llm-cache", str(cache), *extra, env=env,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return read_jsonl(out / "r" / "episodes.jsonl")

    with ChatServer(_linear_model) as server:
        url = server.url
        live = run(tmp_path / "live", url, "--har", "on")
        prompts = [user_text(request) for request in server.requests]
    # the agent sees the app by a stable name, not by its worker's port
    assert prompts and all(
        "linear-account-settings.infinity.test" in p and "127.0.0.1" not in p for p in prompts
    )
    har = json.loads(
        (
            tmp_path / "live" / "r" / "trajectories" / Path(live[0]["trajectory"]).stem / "network.har"
        ).read_text()
    )
    pushes = [
        e
        for e in har["log"]["entries"]
        if e["request"]["method"] == "PUT" and e["request"]["url"].endswith("/api/state")
    ]
    assert pushes and all(e["response"]["status"] == 200 for e in pushes)
    assert [(r["status"], r["success"], r["steps"]) for r in live] == [("ok", True, 4)] * 2, live
    replay = run(tmp_path / "replay", url, "--llm-cache-mode", "replay")
    assert [(r["status"], r["success"], r["steps"]) for r in replay] == [("ok", True, 4)] * 2, replay
    steps = json.loads((tmp_path / "replay" / "r" / replay[0]["trajectory"]).read_text())["steps"]
    assert all(call["cached"] for step in steps for call in step["agent"]["calls"])


def test_preflight_names_missing_data(tmp_path):
    missing = get_suite("webarena_infinity").preflight(EnvConfig(data=tmp_path / "nowhere"))
    assert len(missing) == 1 and "nowhere" in missing[0] and "data pull webarena-infinity" in missing[0]


@pytest.mark.browser
def test_set_of_marks_screenshots_reach_the_agent_when_asked(tmp_path):
    task = "gmail/task_23"
    plain = infinity_eval(tmp_path / "plain", task, f"{AGENTS}:ShotCheck", "--no-screenshots")
    marked = infinity_eval(
        tmp_path / "marked", task, f"{AGENTS}:ShotCheck", "--screenshots", "--set-of-marks", "on"
    )
    assert plain.returncode == 0 and marked.returncode == 0, marked.stderr
    assert read_jsonl(tmp_path / "plain" / "r" / "episodes.jsonl")[0]["answer"] == "none"
    answer = read_jsonl(tmp_path / "marked" / "r" / "episodes.jsonl")[0]["answer"]
    assert answer.startswith("png ") and int(answer.split()[1]) > 1000
    bad = infinity_eval(tmp_path / "bad", task, "scripted", "--set-of-marks", "yes")
    assert bad.returncode == 2 and "argument --set-of-marks: use one of on, off, not 'yes'" in bad.stderr
