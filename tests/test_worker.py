"""The episode worker driven directly, in this process (no pipe, no process pool): what a second
backend relies on. Real AutoWebBench tasks of the official data, real agents loaded by spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, SHARED_DATA

from webbench.core.env import EnvConfig
from webbench.core.suite import get_suite
from webbench.run.episode import Episode, Limits
from webbench.run.worker import EpisodeWorker, WorkerBuildError, WorkerSpec

AWB = get_suite("autowebbench")
AGENTS = str(ROOT / "tests" / "agents.py")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    """Three AutoWebBench tasks (3, 2 and 1 steps) of the official en_ind file."""
    source = SHARED_DATA / "autowebbench" / "full" / "en_ind.test.json"
    if not source.is_file():
        pytest.skip("../shared/data/autowebbench is not beside the project")
    path = tmp_path_factory.mktemp("data") / "en_ind.test.json"
    path.write_text(json.dumps(json.loads(source.read_text(encoding="utf-8"))[:6]), encoding="utf-8")
    return path


def spec(data: Path, traj: Path, agent: str = "oracle", step_timeout: float | None = 30) -> WorkerSpec:
    config = EnvConfig(data=data, split="en_ind", reveal_gold=agent == "oracle", slot=1)
    return WorkerSpec("autowebbench", config, agent, {}, Limits(max_steps=5, step_timeout=step_timeout), traj)


def jobs(data: Path) -> list[Episode]:
    return [Episode(task, 0, 7) for task in AWB.load_tasks("en_ind", data)]


class Envs:
    """The worker's suite, building real envs: the first one built fails its first reset
    (``fail="reset"``), or building the first one fails (``fail="build"``)."""

    def __init__(self, fail: str) -> None:
        self.fail = fail
        self.built: list = []
        self.closed: list = []

    def make_env(self, config: EnvConfig):
        if self.fail == "build" and not self.built:
            self.built.append(None)
            raise OSError("no browser today")
        env = AWB.make_env(config)
        if self.fail == "reset" and not self.built:

            def broken_start(task, seed):
                raise RuntimeError("site went away")

            env.start = broken_start
        env.close = lambda env=env: self.closed.append(env)
        self.built.append(env)
        return env


def test_one_env_and_one_agent_run_every_episode(small_data, tmp_path) -> None:
    worker = EpisodeWorker(spec(small_data, tmp_path))
    records, envs = [], set()
    for job in jobs(small_data):
        records.append(worker.run(job))
        envs.add(id(worker.env))
    assert [(r.status, r.success) for r in records] == [("ok", True)] * 3
    assert len(envs) == 1 and worker.env.config.slot == 1  # built once, with the worker's slot
    assert all((tmp_path / Path(r.trajectory).name).is_file() for r in records)
    assert not worker.retired
    worker.close(5)
    assert worker.env is None


def test_an_env_whose_reset_failed_is_closed_and_rebuilt(small_data, tmp_path) -> None:
    worker = EpisodeWorker(spec(small_data, tmp_path))
    worker.suite = envs = Envs("reset")
    first, second = (worker.run(job) for job in jobs(small_data)[:2])
    assert first.status == "env_error" and first.error == "env reset failed: RuntimeError: site went away"
    assert envs.closed == envs.built[:1]  # closed at once, not at the end of the run
    assert second.status == "ok" and second.success and len(envs.built) == 2
    assert not worker.retired


def test_an_env_that_cannot_be_built_fails_its_episode_only(small_data, tmp_path) -> None:
    worker = EpisodeWorker(spec(small_data, tmp_path))
    worker.suite = envs = Envs("build")
    job, *_ = todo = jobs(small_data)
    first, second = (worker.run(job) for job in todo[:2])
    assert first.status == "env_error" and first.error == "env start failed: OSError: no browser today"
    assert first.metrics == AWB.failure_info(job.task, worker.spec.env_config)["metrics"] != {}
    assert second.status == "ok" and len(envs.built) == 2


def test_an_agent_time_out_retires_the_worker(small_data, tmp_path) -> None:
    worker = EpisodeWorker(spec(small_data, tmp_path, f"{AGENTS}:HangingAgent", step_timeout=0.2))
    record = worker.run(jobs(small_data)[0])
    assert record.status == "timeout" and "0.2 s" in record.error
    assert worker.retired
    with pytest.raises(RuntimeError, match="retired"):
        worker.run(jobs(small_data)[1])


def test_an_agent_that_cannot_be_built_is_one_line(small_data, tmp_path) -> None:
    with pytest.raises(WorkerBuildError) as caught:
        EpisodeWorker(spec(small_data, tmp_path, f"{AGENTS}:NoSuchAgent"))
    assert "NoSuchAgent" in str(caught.value) and "\n" not in str(caught.value)


def test_close_is_bounded_when_the_agents_close_never_returns(small_data, tmp_path) -> None:
    worker = EpisodeWorker(spec(small_data, tmp_path, f"{AGENTS}:BadCloseAgent"))
    worker.agent.how = "block"
    worker.run(jobs(small_data)[0])
    envs = Envs("none")
    worker.env = envs.make_env(worker.spec.env_config)
    worker.close(0.2)  # returns: the agent's close() is given 0.2 s, and nothing is raised
    assert envs.closed == envs.built and worker.env is None
