"""Infrastructure faults: --retry re-runs them keeping the history, the circuit breaker stops a run
that cannot work, a lost worker's real exit status, and doctor's browser start check.

End to end on AutoWebBench's replay files (fast: no browser) with real worker processes, except
where a real Chromium is the point (marked ``browser``).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import read_jsonl, webbench
from infra import awb_data, awb_eval, last_line  # noqa: F401 - awb_data is the module's fixture

from webbench.core.record import EpisodeRecord
from webbench.run.pool import CircuitBreaker, CircuitOpen, describe_exit
from webbench.run.store import RunStore

pytestmark = pytest.mark.usefixtures("awb_data")


def by_task(records: list[dict]) -> dict[str, dict]:
    return {r["task_id"]: r for r in records}


# -- a lost worker's exit status ------------------------------------------------------------------


def test_a_dead_workers_exit_status_is_recorded(tmp_path: Path) -> None:
    agent_args = ["--agent-arg", 'exits={"zh_ood-001": 7}', "--agent-arg", 'kill=["zh_ood-003"]']
    done = awb_eval(tmp_path, "tests/infra_agents.py:WorkerKiller", *agent_args)
    assert done.returncode == 0, done.stderr
    records = by_task(read_jsonl(tmp_path / "r" / "episodes.jsonl"))
    assert len(records) == 5
    assert (records["zh_ood-001"]["status"], records["zh_ood-001"]["error"]) == (
        "env_error",
        "worker process died: exit code 7",
    )
    assert records["zh_ood-003"]["error"] == (
        "worker process died: killed by SIGKILL (likely the out-of-memory killer)"
    )
    assert [records[t]["status"] for t in ("zh_ood-000", "zh_ood-002", "zh_ood-004")] == ["ok"] * 3


def test_describe_exit() -> None:
    assert describe_exit(0) == "exit code 0"
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(-15) == "killed by SIGTERM"
    assert describe_exit(-9) == "killed by SIGKILL (likely the out-of-memory killer)"
    assert "did not exit" in describe_exit(None)


# -- --retry ----------------------------------------------------------------------------------------


def test_retry_env_error_reruns_the_lost_episode_and_keeps_its_history(tmp_path: Path) -> None:
    flag = tmp_path / "crashed-once"
    agent = [
        "tests/infra_agents.py:DiesOnce",
        "--agent-arg",
        "task=zh_ood-002",
        "--agent-arg",
        f"flag={flag}",
    ]
    first = awb_eval(tmp_path, *agent, "--episodes", "2")
    assert first.returncode == 0, first.stderr
    run = tmp_path / "r"
    lost = [r for r in read_jsonl(run / "episodes.jsonl") if r["status"] != "ok"]
    assert [(r["task_id"], r["episode"], r["status"], r["attempt"]) for r in lost] == [
        ("zh_ood-002", 0, "env_error", 1)
    ]

    # A plain resume has nothing to do: the lost episode has a record.
    again = webbench("eval", "--resume", str(run))
    assert again.returncode == 0 and "(10 of 10 episodes already done)" in again.stderr
    assert len(read_jsonl(run / "episodes.jsonl")) == 10

    retried = webbench("eval", "--resume", str(run), "--retry", "env_error")
    assert retried.returncode == 0, retried.stderr
    assert "(9 of 10 episodes already done)" in retried.stderr
    lines = read_jsonl(run / "episodes.jsonl")
    assert len(lines) == 11  # nothing deleted: the old attempt stays as history
    assert lost[0] in lines
    assert (lines[-1]["task_id"], lines[-1]["episode"], lines[-1]["status"], lines[-1]["attempt"]) == (
        "zh_ood-002",
        0,
        "ok",
        2,
    )
    current = RunStore.open(run).episodes()
    assert len(current) == 10 and all(r.status == "ok" for r in current)

    # Every reader counts the episode once, with its last record.
    shown = webbench("show", str(run))
    assert shown.returncode == 0, shown.stderr
    summary = json.loads((run / "summary.json").read_text())["suites"]["autowebbench"]
    assert summary["n"] == 10 and summary["status_counts"]["env_error"] == 0
    base = tmp_path / "base.json"
    saved = webbench("gate", "--save-baseline", str(run), "-o", str(base))
    assert saved.returncode == 0 and "(10 episodes over 5 tasks" in saved.stdout
    episodes = json.loads(base.read_text())["suites"]["autowebbench"]["tasks"]["zh_ood-002"]
    assert [(e["episode"], e["status"]) for e in episodes] == [(0, "ok"), (1, "ok")]
    report = webbench("report", str(run), "-o", str(tmp_path / "report.html"))
    assert report.returncode == 0 and "10 episodes" in report.stdout + report.stderr


def test_an_agent_error_is_never_retried(tmp_path: Path) -> None:
    done = awb_eval(tmp_path, "tests/infra_agents.py:RaisesOn", "--agent-arg", "task=zh_ood-001")
    assert done.returncode == 0, done.stderr
    run = tmp_path / "r"
    assert by_task(read_jsonl(run / "episodes.jsonl"))["zh_ood-001"]["status"] == "agent_error"
    retried = webbench("eval", "--resume", str(run), "--retry", "env_error,timeout")
    assert retried.returncode == 0 and "(5 of 5 episodes already done)" in retried.stderr
    assert len(read_jsonl(run / "episodes.jsonl")) == 5
    refused = webbench("eval", "--resume", str(run), "--retry", "agent_error")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "never re-run" in refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--retry", "ok"], "--retry 'ok': give env_error and/or timeout"),
        (["--retry", "env_error,crash"], "--retry 'crash'"),
    ],
)
def test_bad_retry_statuses_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    RunStore.create(tmp_path, "r", {"config": {"suite": "autowebbench", "agent": "oracle"}}).release()
    done = webbench("eval", "--resume", str(tmp_path / "r"), *args)
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1


def test_retry_needs_resume(tmp_path: Path) -> None:
    done = awb_eval(tmp_path, "oracle", "--retry", "env_error")
    assert done.returncode == 2 and "--retry needs --resume" in done.stderr
    assert not (tmp_path / "r").exists()


def test_retry_timeout_only_by_name(tmp_path: Path) -> None:
    store = RunStore.create(tmp_path, "r", {})
    for task, status in (("a", "ok"), ("b", "env_error"), ("c", "timeout"), ("d", "agent_error")):
        store.append(EpisodeRecord(suite="s", task_id=task, episode=0, status=status, success=False))
    assert store.done_keys() == {("s", t, 0) for t in "abcd"}
    assert store.done_keys(("env_error",)) == {("s", t, 0) for t in "acd"}
    assert store.done_keys(("env_error", "timeout")) == {("s", t, 0) for t in "ad"}


# -- the circuit breaker ------------------------------------------------------------------------------


def test_the_same_infrastructure_error_on_the_first_episodes_stops_the_run(tmp_path: Path) -> None:
    done = awb_eval(
        tmp_path, "tests/infra_agents.py:WorkerKiller", "--agent-arg", "every=5", "--episodes", "20"
    )
    assert done.returncode == 1
    run = tmp_path / "r"
    assert last_line(done.stderr) == (
        "webbench: error: the first 3 episodes failed alike (worker process died: exit code 5): "
        f"run stopped, 3 records kept in {run}; once fixed: webbench eval --resume {run} --retry env_error"
    )
    assert "Traceback" not in done.stderr
    records = read_jsonl(run / "episodes.jsonl")
    assert len(records) == 3 and {r["status"] for r in records} == {"env_error"}
    assert json.loads((run / "summary.json").read_text())["episodes"] == 3


def test_the_breaker_only_watches_the_first_records() -> None:
    def rec(status: str, error: str | None = None) -> EpisodeRecord:
        return EpisodeRecord(suite="s", task_id="t", episode=0, status=status, error=error)

    breaker = CircuitBreaker(3)
    breaker.check(rec("env_error", "port 4011 refused"))
    breaker.check(rec("env_error", "port 4012 refused"))
    with pytest.raises(CircuitOpen, match=r"first 3 episodes failed alike \(port 4013 refused\)"):
        breaker.check(rec("env_error", "port 4013 refused\ntraceback..."))

    different = CircuitBreaker(3)
    for error in ("site down", "site down", "disk full", "site down", "site down", "site down"):
        different.check(rec("env_error", error))  # never the same three at the start: no trip

    healthy = CircuitBreaker(3)
    healthy.check(rec("ok"))
    for _ in range(5):
        healthy.check(rec("env_error", "site down"))  # a fault after a good start is the run's to record


@pytest.mark.browser
def test_a_browser_that_cannot_start_stops_the_run(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'chromium: cannot open display' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "WEBBENCH_CHROMIUM": str(fake)}
    done = webbench(
        "eval", "--suite", "miniwob", "--tasks", "click-test,click-test-2", "--episodes", "5",
        "--agent", "random", "--out", str(tmp_path), "--run-id", "r", env=env,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    last = last_line(done.stderr)
    assert last.startswith("webbench: error: the first 3 episodes failed alike (env reset failed: ")
    assert f"--resume {tmp_path / 'r'} --retry env_error" in last
    assert len(read_jsonl(tmp_path / "r" / "episodes.jsonl")) == 3

    doctor = webbench("doctor", env=env)
    assert doctor.returncode == 1
    line = next(x for x in doctor.stdout.splitlines() if "browser start" in x)
    assert line.startswith("[MISS]") and "fails: exit code 1: chromium: cannot open display" in line


@pytest.mark.browser
def test_doctor_starts_the_browser_it_found() -> None:
    doctor = webbench("doctor")
    line = next(x for x in doctor.stdout.splitlines() if "browser start" in x)
    assert line.startswith("[ok  ]") and "starts headless and renders a page" in line
