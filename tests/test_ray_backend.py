"""The Ray backend (``webbench eval --backend ray``) on a real Ray cluster on this machine, bound to
127.0.0.1: the same records as the local pool, lost actors, a killed driver, Ctrl-C, nothing left.

Most runs join one cluster the module starts (``ray start --head``, then ``--ray-address auto``);
the done-means run lets the driver start its own head. Whatever a test leaves behind is found
by the mark each process inherits (see ``conftest.marked_processes``): the cluster's processes
carry the module's mark, a driver's own head the run's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, marked_env, marked_processes, miniwob_eval, read_jsonl, wait_until, webbench
from infra import awb_eval

from webbench.core.env import EnvConfig
from webbench.core.record import EpisodeRecord
from webbench.core.types import Task
from webbench.run.episode import Episode, Limits
from webbench.run.schedule import Schedule, WorkerStartError
from webbench.run.store import RunStore, StoreWriteError

ray = pytest.importorskip("ray", reason="the ray extra is not installed")

RAY = [sys.executable, "-m", "ray.scripts.scripts"]
#: Ray binds 127.0.0.1 when the node's address is the loopback one (for the head and the drivers).
LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
AWB_DATA = ROOT.parent / "shared" / "data" / "autowebbench"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Start a Ray head on 127.0.0.1 for the module (4 CPUs, no dashboard); return its mark."""
    mark = uuid.uuid4().hex
    env = {**marked_env(mark), **LOOPBACK}
    started = subprocess.run(
        [*RAY, "start", "--head", "--port=0", "--num-cpus=4", "--include-dashboard=false",
         "--disable-usage-stats"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        yield mark
    finally:
        subprocess.run([*RAY, "stop", "--force"], env=env, capture_output=True, timeout=120)
        assert wait_until(lambda: not marked_processes(mark), timeout=60), marked_processes(mark)


def joined(mark: str) -> dict[str, str]:
    """Return the environment of a driver joining the module's cluster, marked ``mark``."""
    return {**marked_env(mark), **LOOPBACK, "RAY_ADDRESS": "auto"}


def browsers(mark: str) -> list[str]:
    """Return the Chromium and chromedriver processes marked ``mark`` that are still alive."""
    return [p for p in marked_processes(mark) if "chrom" in p.split()[1]]


def keys(records: list[dict]) -> list[tuple[str, int, int, bool, str]]:
    return sorted((r["task_id"], r["episode"], r["seed"], r["success"], r["status"]) for r in records)


def latest(run: Path) -> list[EpisodeRecord]:
    return RunStore.open(run).episodes()


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "webbench", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


# -- the bookkeeping both backends share (pure) -----------------------------------------------------


def _jobs(n: int) -> list[Episode]:
    return [Episode(Task(id=f"t{i}", suite="toy", goal="g"), 0, i) for i in range(n)]


def test_an_episode_lost_to_a_dead_worker_runs_once_more_then_stays_lost() -> None:
    records: list[EpisodeRecord] = []
    schedule = Schedule(_jobs(2), Limits(), EnvConfig(), records.append, requeue=True)
    first = schedule.assign("a")
    schedule.lost("a", "env_error", "ray actor died: killed")
    assert [r.task_id for r in records] == ["t0"] and list(schedule.pending) == [_jobs(2)[1], first]
    schedule.assign("b")
    assert schedule.assign("c") == first  # the lost episode, once more
    schedule.lost("c", "env_error", "ray actor died: killed")
    assert first not in schedule.pending  # at most once
    schedule.lost("b", "timeout", "episode exceeded 960 s; actor killed")
    assert not schedule.pending and not schedule.unfinished()  # a time-out is never re-run
    assert [(r.task_id, r.status) for r in records] == [
        ("t0", "env_error"), ("t0", "env_error"), ("t1", "timeout"),
    ]  # fmt: skip


def test_the_local_pool_does_not_requeue_and_startup_deaths_stop_the_run() -> None:
    records: list[EpisodeRecord] = []
    schedule = Schedule(_jobs(1), Limits(episode_timeout=None), EnvConfig(), records.append)
    schedule.assign("a")
    assert schedule.next_deadline() == float("inf") and schedule.overdue() == []
    schedule.lost("a", "env_error", "worker process died: exit code 9")
    assert len(records) == 1 and not schedule.unfinished()
    schedule.lost("b", "env_error", "died", ready=False)
    schedule.lost("c", "env_error", "died", ready=False)
    with pytest.raises(WorkerStartError, match="keep dying before they start"):
        schedule.lost("d", "env_error", "died", ready=False)


def test_shipped_trajectory_files_stay_inside_the_run_folder(tmp_path: Path) -> None:
    store = RunStore.create(tmp_path, "r", {})
    store.write_trajectory_files([("t__0.json", b"{}"), ("t__0/step-000.png", b"png")])
    assert (store.trajectories / "t__0" / "step-000.png").read_bytes() == b"png"
    for bad in ("../manifest.json", "/etc/x", ""):
        with pytest.raises(ValueError, match="is not inside"):
            store.write_trajectory_files([(bad, b"x")])
    (store.trajectories / "ro").mkdir()
    (store.trajectories / "ro").chmod(0o500)
    if os.geteuid() != 0:  # root writes anywhere
        with pytest.raises(StoreWriteError, match="cannot write"):
            store.write_trajectory_files([("ro/x.json", b"x")])
    store.release()


# -- runs on the cluster --------------------------------------------------------------------------


def test_bad_ray_options_are_one_line_usage_errors(tmp_path: Path) -> None:
    done = awb_eval(tmp_path, "oracle", "--ray-address", "auto")
    assert done.returncode == 2 and "--ray-address needs --backend ray" in done.stderr
    done = awb_eval(tmp_path, "oracle", "--backend", "ray", "--ray-worker-cpus", "0")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--ray-worker-cpus" in done.stderr


def test_a_replay_suite_through_ray_gives_the_local_records(tmp_path: Path, cluster: str) -> None:
    if not AWB_DATA.is_dir():
        pytest.skip("../shared/data/autowebbench is not beside the project")
    local = awb_eval(tmp_path / "local", "oracle", "--episodes", "2", "--workers", "2")
    assert local.returncode == 0, local.stderr
    mark = uuid.uuid4().hex
    done = awb_eval(
        tmp_path / "ray", "oracle", "--episodes", "2", "--workers", "2", "--backend", "ray", env=joined(mark)
    )
    assert done.returncode == 0, done.stderr
    records = read_jsonl(tmp_path / "ray" / "r" / "episodes.jsonl")
    assert keys(records) == keys(read_jsonl(tmp_path / "local" / "r" / "episodes.jsonl"))
    assert len(records) == 10 and all(r["success"] for r in records)
    for record in records:  # shipped back by the actors, written by the driver
        trajectory = json.loads((tmp_path / "ray" / "r" / record["trajectory"]).read_text())
        assert trajectory["task"]["id"] == record["task_id"] and trajectory["seed"] == record["seed"]
    manifest = json.loads((tmp_path / "ray" / "r" / "manifest.json").read_text())
    assert manifest["config"]["backend"] == "ray"
    assert not marked_processes(mark)


def test_an_actor_that_dies_has_its_episode_recorded_and_run_once_more(tmp_path: Path, cluster: str) -> None:
    if not AWB_DATA.is_dir():
        pytest.skip("../shared/data/autowebbench is not beside the project")
    flag = tmp_path / "died-once"
    agent = [
        "tests/infra_agents.py:DiesOnce",
        "--agent-arg",
        "task=zh_ood-002",
        "--agent-arg",
        f"flag={flag}",
    ]
    done = awb_eval(tmp_path, *agent, "--workers", "2", "--backend", "ray", env=joined(uuid.uuid4().hex))
    assert done.returncode == 0, done.stderr
    history = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    lost = [r for r in history if r["task_id"] == "zh_ood-002"]
    assert [(r["status"], r["attempt"]) for r in lost] == [("env_error", 1), ("ok", 2)]
    assert lost[0]["error"].startswith("ray actor died: ")
    current = latest(tmp_path / "r")
    assert len(current) == 5 and len({r.key for r in current}) == 5 and all(r.success for r in current)
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())["suites"]["autowebbench"]
    assert summary["n"] == 5 and summary["status_counts"]["env_error"] == 0

    # An actor that dies every time: its episode is run once more, not again and again.
    always = awb_eval(
        tmp_path / "always", "tests/infra_agents.py:WorkerKiller", "--agent-arg", 'kill=["zh_ood-001"]',
        "--backend", "ray", env=joined(uuid.uuid4().hex),
    )  # fmt: skip
    assert always.returncode == 0, always.stderr
    counts = Counter(r["task_id"] for r in read_jsonl(tmp_path / "always" / "r" / "episodes.jsonl"))
    assert counts == {"zh_ood-000": 1, "zh_ood-001": 2, "zh_ood-002": 1, "zh_ood-003": 1, "zh_ood-004": 1}


@pytest.mark.browser
def test_done_means_command_gives_the_local_records_on_the_runs_own_head(tmp_path: Path) -> None:
    args = ["--subset", "scripted", "--episodes", "4", "--agent", "scripted", "--workers", "2"]
    common = ["eval", "--suite", "miniwob", *args, "--out", str(tmp_path)]
    local = webbench(*common, "--run-id", "local")
    assert local.returncode == 0, local.stderr
    mark = uuid.uuid4().hex
    env = {k: v for k, v in marked_env(mark).items() if k != "RAY_ADDRESS"}
    done = webbench(*common, "--run-id", "ray", "--backend", "ray", env=env)
    assert done.returncode == 0, done.stderr
    records = read_jsonl(tmp_path / "ray" / "episodes.jsonl")
    assert keys(records) == keys(read_jsonl(tmp_path / "local" / "episodes.jsonl"))
    assert len(records) == 76 and all(r["status"] == "ok" and r["success"] for r in records)
    # the driver's head (raylet, GCS, workers), the browsers and drivers: all gone
    assert wait_until(lambda: not marked_processes(mark), timeout=60), marked_processes(mark)


@pytest.mark.browser
def test_an_actor_killed_mid_episode_leaves_no_browser_and_every_episode_once(
    tmp_path: Path, cluster: str
) -> None:
    flag = tmp_path / "killed-once"
    agent = ["tests/ray_agents.py:KillsItsActorOnce", "--agent-arg", "task=click-button", "--agent-arg",
             f"flag={flag}"]  # fmt: skip
    tasks = "click-test,click-test-2,click-button,focus-text"
    env = joined(uuid.uuid4().hex)
    done = webbench(*miniwob_eval(tmp_path, tasks, *agent, "--episodes", "3", "--workers", "2",
                                  "--backend", "ray"), env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert flag.exists()
    history = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    assert len(history) == 13 and [r["status"] for r in history].count("env_error") == 1
    current = latest(tmp_path / "r")
    assert len(current) == 12 and len({r.key for r in current}) == 12
    assert all(r.status == "ok" and r.success for r in current)
    assert wait_until(lambda: not browsers(cluster), timeout=30), browsers(cluster)


@pytest.mark.browser
def test_sigkill_of_the_driver_then_resume_runs_every_episode_once(tmp_path: Path, cluster: str) -> None:
    tasks = "click-test,click-test-2,click-button,focus-text"
    episodes = tmp_path / "r" / "episodes.jsonl"
    env = joined(uuid.uuid4().hex)
    args = miniwob_eval(tmp_path, tasks, "tests/ray_agents.py:SlowScripted", "--episodes", "5",
                        "--workers", "2", "--backend", "ray")  # fmt: skip
    proc = start(args, env)
    assert wait_until(lambda: lines(episodes) >= 3, timeout=180)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert lines(episodes) < 20, "the run finished before it could be killed"
    # the driver's actors die with it (Ray kills an owner's actors), their browsers with them
    assert wait_until(lambda: not browsers(cluster), timeout=60), browsers(cluster)
    resumed = webbench("eval", "--resume", str(tmp_path / "r"), "--backend", "ray", env=env)
    assert resumed.returncode == 0, resumed.stderr
    records = read_jsonl(episodes)
    assert len(records) == 20 and len({(r["task_id"], r["episode"]) for r in records}) == 20
    assert all(r["success"] for r in records)
    assert wait_until(lambda: not browsers(cluster), timeout=30), browsers(cluster)


@pytest.mark.browser
def test_ctrl_c_keeps_finished_episodes_kills_the_actors_and_prints_the_resume_command(
    tmp_path: Path, cluster: str
) -> None:
    episodes = tmp_path / "r" / "episodes.jsonl"
    env = joined(uuid.uuid4().hex)
    args = miniwob_eval(tmp_path, "click-test,click-test-2", "tests/ray_agents.py:SlowScripted",
                        "--episodes", "20", "--workers", "2", "--backend", "ray")  # fmt: skip
    proc = start(args, env)
    assert wait_until(lambda: lines(episodes) >= 2, timeout=180)
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and f"finish with: webbench eval --resume {tmp_path / 'r'}" in err
    kept = read_jsonl(episodes)
    assert 2 <= len(kept) < 40 and len({(r["task_id"], r["episode"]) for r in kept}) == len(kept)
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["episodes"] == len(kept)
    assert wait_until(lambda: not browsers(cluster), timeout=30), browsers(cluster)


@pytest.mark.browser
def test_the_llm_cache_is_one_file_on_the_driver_and_replays_through_the_actors(
    tmp_path: Path, cluster: str
) -> None:
    from llm_server import ChatServer, miniwob_click_model

    from webbench.llm import ResponseCache

    cache = tmp_path / "llm-cache.sqlite"
    env = {k: v for k, v in joined(uuid.uuid4().hex).items() if not k.startswith("OPENAI_")}
    env["OPENAI_API_KEY"] = "sk-test-ray-cache"

    def run(out: Path, url: str, *extra: str) -> list[dict]:
        args = miniwob_eval(
            out, "click-test-2", "llm", "--episodes", "3", "--workers", "2", "--backend", "ray",
            "--agent-arg", f"base_url={url}", "--agent-arg", "model=gpt-4o", "--agent-arg", "retry_base=0.01",
            "--llm-cache", str(cache), *extra,
        )  # fmt: skip
        done = webbench(*args, env=env)
        assert done.returncode == 0, done.stderr
        return read_jsonl(out / "r" / "episodes.jsonl")

    with ChatServer(miniwob_click_model) as server:
        live = run(tmp_path / "live", server.url)
        # two actors may send the same first request at once: both answers go to one row
        asked = {json.dumps(r["json"], sort_keys=True) for r in server.requests}
    assert all(r["status"] == "ok" and r["success"] for r in live)
    assert 1 <= len(asked) <= 3 and len(ResponseCache(cache, "replay")) == len(asked)
    # The server is gone: the actors replay from the driver's file and give the same episodes.
    replay = run(tmp_path / "replay", "http://127.0.0.1:9/v1", "--llm-cache-mode", "replay")
    assert keys(replay) == keys(live)
    assert wait_until(lambda: not browsers(cluster), timeout=30), browsers(cluster)


def test_sigkill_of_a_driver_with_its_own_head_leaves_no_ray_process_and_resume_finishes(
    tmp_path: Path,
) -> None:
    if not AWB_DATA.is_dir():
        pytest.skip("../shared/data/autowebbench is not beside the project")
    mark = uuid.uuid4().hex
    env = {k: v for k, v in marked_env(mark).items() if k != "RAY_ADDRESS"}
    episodes = tmp_path / "r" / "episodes.jsonl"
    tasks = ",".join(f"zh_ood-{i:03d}" for i in range(8))
    args = ["eval", "--suite", "autowebbench", "--split", "zh_ood", "--data", str(AWB_DATA), "--tasks", tasks,
            "--agent", "tests/infra_agents.py:Slow", "--agent-arg", "delay=0.5", "--out", str(tmp_path),
            "--run-id", "r", "--backend", "ray", "--workers", "2"]  # fmt: skip
    proc = start(args, env)
    assert wait_until(lambda: lines(episodes) >= 2, timeout=180)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    total = 8
    assert lines(episodes) < total, "the run finished before it could be killed"
    # the head the driver started (GCS, raylet, agents, actors) goes with it
    assert wait_until(lambda: not marked_processes(mark), timeout=60), marked_processes(mark)
    resumed = webbench("eval", "--resume", str(tmp_path / "r"), env=env)
    assert resumed.returncode == 0, resumed.stderr
    records = read_jsonl(episodes)
    assert len(records) == total and len({r["task_id"] for r in records}) == total
    assert all(r["success"] for r in records)
    assert wait_until(lambda: not marked_processes(mark), timeout=60), marked_processes(mark)
