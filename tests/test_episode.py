"""The episode loop on a small in-process env: limits, time-outs, errors, usage."""

from __future__ import annotations

import json
import time

import pytest

from webbench.core.env import EnvConfig, WebEnv
from webbench.core.types import Observation, Task
from webbench.core.usage import add_usage
from webbench.run.episode import AgentTimeout, Episode, EpisodeRunner, Limits, call_agent


class CountdownEnv(WebEnv):
    """Succeeds when the agent answers "done"; counts its steps; can be told to break."""

    def __init__(self, break_at: int | None = None) -> None:
        super().__init__(EnvConfig())
        self.break_at = break_at
        self.finished = False

    def start(self, task, seed):
        self.n = 0
        return Observation(goal=task.goal, step=0), {}

    def act(self, action):
        self.n += 1
        if self.break_at == self.n:
            raise RuntimeError("browser died")
        if action.name == "answer":
            ok = action.args["text"] == "done"
            info = {
                "success": ok,
                "score": float(ok),
                "metrics": {"success": float(ok)},
                "answer": action.args["text"],
            }
            return Observation(goal="", step=self.n), 0.0, True, False, info
        return Observation(goal="", step=self.n), 0.0, False, False, {}

    def invalid(self, raw, reason):
        return Observation(goal="", step=self.n, error=reason), 0.0, False, False, {}

    def finish(self):
        self.finished = True
        return {"success": False, "score": 0.0, "metrics": {"success": 0.0}}


class ScriptAgent:
    def __init__(self, actions, sleep: float = 0.0, usage=None):
        self.actions = list(actions)
        self.sleep = sleep
        self.usage = usage
        self.step_trace = {}

    def act(self, obs):
        time.sleep(self.sleep)
        action = self.actions.pop(0)
        if isinstance(action, Exception):
            raise action
        self.step_trace = {"usage": self.usage} if self.usage else {}
        return action


TASK = Task("toy", "t/1", "say done")


def _run(env, agent, tmp_path, **limits):
    runner = EpisodeRunner(env, agent, Limits(**limits), tmp_path)
    return runner, runner.run(Episode(TASK, 0, 123))


def test_success_and_record_fields(tmp_path) -> None:
    _, rec = _run(CountdownEnv(), ScriptAgent(["noop()", 'answer("done")']), tmp_path)
    assert rec.status == "ok" and rec.success is True and rec.steps == 2 and rec.answer == "done"
    assert rec.seed == 123 and rec.task_id == "t/1"
    assert rec.trajectory == "trajectories/t_1-6196f641__0.json"
    trajectory = json.loads((tmp_path / "t_1-6196f641__0.json").read_text())
    assert [s["action"] for s in trajectory["steps"]] == ["noop()", 'answer("done")']


def test_step_limit_calls_finish(tmp_path) -> None:
    env = CountdownEnv()
    _, rec = _run(env, ScriptAgent(["noop()"] * 5), tmp_path, max_steps=3)
    assert env.finished and rec.steps == 3 and rec.end_reason == "step_limit" and rec.status == "ok"


def test_a_failing_score_at_the_step_limit_is_the_episodes_env_error(tmp_path) -> None:
    class FailingFinish(CountdownEnv):
        def finish(self):
            raise RuntimeError("the judge is unreachable")

    runner, rec = _run(FailingFinish(), ScriptAgent(["noop()"] * 5), tmp_path, max_steps=2)
    assert rec.status == "env_error" and rec.error == "RuntimeError: the judge is unreachable"
    assert rec.steps == 2 and not rec.success and runner.env_broken


def test_unparsable_action_is_an_observation_error(tmp_path) -> None:
    _, rec = _run(CountdownEnv(), ScriptAgent(["fly away", 'answer("done")']), tmp_path)
    steps = json.loads((tmp_path / "t_1-6196f641__0.json").read_text())["steps"]
    assert rec.success and rec.steps == 2 and "not a valid action call" in steps[0]["error"]


def test_agent_error_keeps_traceback(tmp_path) -> None:
    env = CountdownEnv()
    runner, rec = _run(env, ScriptAgent(["noop()", ValueError("boom")]), tmp_path)
    assert rec.status == "agent_error" and rec.error == "ValueError: boom" and not rec.success
    assert env.finished and not runner.tainted
    assert "ValueError: boom" in json.loads((tmp_path / "t_1-6196f641__0.json").read_text())["traceback"]


def test_step_timeout(tmp_path) -> None:
    started = time.monotonic()
    runner, rec = _run(CountdownEnv(), ScriptAgent(['answer("done")'], sleep=30), tmp_path, step_timeout=0.3)
    assert rec.status == "timeout" and "0.3 s" in rec.error and runner.tainted
    assert time.monotonic() - started < 5


def test_episode_timeout_bounds_the_whole_episode(tmp_path) -> None:
    agent = ScriptAgent(["noop()"] * 100, sleep=0.2)
    _, rec = _run(CountdownEnv(), agent, tmp_path, step_timeout=10, episode_timeout=0.5, max_steps=100)
    assert rec.status == "timeout" and rec.steps < 5


def test_env_failure_is_env_error(tmp_path) -> None:
    _, rec = _run(CountdownEnv(break_at=2), ScriptAgent(["noop()", "noop()"]), tmp_path)
    assert rec.status == "env_error" and "browser died" in rec.error and rec.steps == 2


def test_usage_is_summed(tmp_path) -> None:
    usage = {"input_tokens": 10, "output_tokens": 3, "cost_usd": 0.01}
    _, rec = _run(CountdownEnv(), ScriptAgent(["noop()", 'answer("done")'], usage=usage), tmp_path)
    assert rec.usage == {"input_tokens": 20, "output_tokens": 6, "cost_usd": pytest.approx(0.02)}


def test_unknown_cost_poisons_the_sum() -> None:
    total: dict = {}
    add_usage(total, {"input_tokens": 1, "output_tokens": 1, "cost_usd": 0.5})
    add_usage(total, {"input_tokens": 1, "output_tokens": 1, "cost_usd": None})
    add_usage(total, {"input_tokens": 1, "output_tokens": 1, "cost_usd": 0.5})
    assert total == {"input_tokens": 3, "output_tokens": 3, "cost_usd": None}


def test_call_agent_timeout_is_prompt() -> None:
    started = time.monotonic()
    with pytest.raises(AgentTimeout):
        call_agent(lambda: time.sleep(10), 0.2)
    assert time.monotonic() - started < 2


def test_env_broken_only_when_the_env_failed(tmp_path) -> None:
    runner, _ = _run(CountdownEnv(break_at=1), ScriptAgent(["noop()"]), tmp_path)
    assert runner.env_broken
    runner, rec = _run(CountdownEnv(), ScriptAgent([ValueError("agent bug")]), tmp_path)
    assert rec.status == "agent_error" and not runner.env_broken


def test_agent_calls_share_one_thread_until_a_timeout() -> None:
    import threading

    first = call_agent(threading.get_ident, 5)
    assert call_agent(threading.get_ident, 5) == first != threading.get_ident()
    with pytest.raises(AgentTimeout):
        call_agent(lambda: time.sleep(2), 0.1)
    assert call_agent(threading.get_ident, 5) != first
