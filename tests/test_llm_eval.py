"""`webbench eval --agent llm` end to end: real MiniWoB++ in Chromium, a real chat server on 127.0.0.1."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import miniwob_eval, read_jsonl, webbench
from llm_server import ChatServer, Status, miniwob_click_model

from webbench.llm import ResponseCache

SECRET = "sk-test-never-on-disk-8c1f"
#: Fields that depend on wall-clock time (MiniWoB's reward decays with time).
TIMED = ("duration_s", "metrics", "details")


def llm_eval(out: Path, url: str, *extra: str, episodes: int = 3):
    """Run the llm agent on click-test-2 into ``out/r`` with the test key in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")} | {"OPENAI_API_KEY": SECRET}
    args = miniwob_eval(
        out, "click-test-2", "llm", "--episodes", str(episodes), "--agent-arg", f"base_url={url}",
        "--agent-arg", "model=gpt-4o", "--agent-arg", "retry_base=0.01", *extra,
    )  # fmt: skip
    return webbench(*args, env=env)


def records(run: Path) -> list[dict]:
    return read_jsonl(run / "episodes.jsonl")


def actions(run: Path) -> list[list[str]]:
    trajectories = sorted((run / "trajectories").glob("*.json"))
    return [[s["action"] for s in json.loads(p.read_text())["steps"]] for p in trajectories]


def files_holding(folder: Path, needle: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


@pytest.mark.browser
def test_llm_agent_runs_miniwob_records_usage_and_replays_offline(tmp_path):
    cache = tmp_path / "llm-cache.sqlite"
    with ChatServer(miniwob_click_model) as server:
        url = server.url
        done = llm_eval(tmp_path / "live", url, "--llm-cache", str(cache))
        assert done.returncode == 0, done.stderr
        # Episodes that see the same page send the same request: the cache answers the repeats.
        bodies = [json.dumps(r["json"], sort_keys=True) for r in server.requests]
        assert 1 <= len(bodies) == len(set(bodies)) <= 3
        assert {r["headers"]["authorization"] for r in server.requests} == {f"Bearer {SECRET}"}
    live = records(tmp_path / "live" / "r")
    assert [r["status"] for r in live] == ["ok"] * 3
    assert all(r["success"] for r in live)
    for record in live:
        assert record["usage"] == {
            "input_tokens": 321,
            "output_tokens": 17,
            "cost_usd": pytest.approx((321 * 2.5 + 17 * 10) / 1e6),
        }
    summary = json.loads((tmp_path / "live" / "r" / "summary.json").read_text())["suites"]["miniwob"]
    assert summary["usage"]["input_tokens"] == 963 and summary["usage"]["output_tokens"] == 51
    assert summary["usage"]["cost_usd"] == pytest.approx(3 * (321 * 2.5 + 17 * 10) / 1e6)
    steps = [
        json.loads(p.read_text())["steps"][0]
        for p in (tmp_path / "live" / "r" / "trajectories").glob("*.json")
    ]
    assert all(
        s["agent"]["calls"][0]["reply"].startswith("Thought: the task names this button.") for s in steps
    )
    assert all(s["agent"]["action"] == s["action"] for s in steps)
    assert sum(not s["agent"]["calls"][0]["cached"] for s in steps) == len(bodies)

    # The server is gone: replay answers from the cache alone and gives the same episodes.
    replay = llm_eval(tmp_path / "replay", url, "--llm-cache", str(cache), "--llm-cache-mode", "replay")
    assert replay.returncode == 0, replay.stderr
    again = records(tmp_path / "replay" / "r")

    def untimed(rows):
        return [{k: v for k, v in r.items() if k not in TIMED} for r in rows]

    assert untimed(again) == untimed(live)
    assert [r["metrics"]["raw_reward"] for r in again] == [r["metrics"]["raw_reward"] for r in live]
    assert actions(tmp_path / "replay" / "r") == actions(tmp_path / "live" / "r")

    # The API key reaches no file the runs wrote, nor the cache.
    assert files_holding(tmp_path, SECRET) == []


@pytest.mark.browser
def test_an_endpoint_failing_for_good_ends_the_episode_env_error(tmp_path):
    with ChatServer(lambda _r: Status(500, "model overloaded")) as server:
        done = llm_eval(tmp_path / "down", server.url, "--agent-arg", "max_retries=1", episodes=1)
    assert done.returncode == 0, done.stderr
    (record,) = records(tmp_path / "down" / "r")
    assert record["status"] == "env_error"
    assert "LLMError: HTTP 500" in record["error"] and "model overloaded" in record["error"]
    assert "gave up after 2 attempts" in record["error"]
    assert len(server.requests) == 2


@pytest.mark.browser
def test_a_replay_miss_ends_the_episode_env_error_without_network(tmp_path):
    cache = tmp_path / "empty.sqlite"
    ResponseCache(cache, "rw").close()
    with ChatServer(miniwob_click_model) as server:
        done = llm_eval(tmp_path / "miss", server.url, "--llm-cache", str(cache), "--llm-cache-mode", "replay",
                        episodes=1)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (record,) = records(tmp_path / "miss" / "r")
    assert record["status"] == "env_error"
    assert "LLMCacheMiss" in record["error"] and "no cached response" in record["error"]
    assert server.requests == []


def test_replay_without_a_cache_file_is_a_usage_error(tmp_path):
    done = llm_eval(tmp_path / "x", "http://127.0.0.1:9/v1", "--llm-cache", str(tmp_path / "none.sqlite"),
                    "--llm-cache-mode", "replay")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith("none.sqlite: no such file to replay from")
    assert not (tmp_path / "x").exists()


class JudgedEnv:
    """A minimal WebEnv whose episode ends on answer(...) and is scored by the WebVoyager judge."""

    @staticmethod
    def build(judge_url: str, tmp_path: Path):
        from webbench.core.env import EnvConfig, WebEnv
        from webbench.core.types import Observation
        from webbench.llm.judges import make_judge
        from webbench.llm.settings import LLMSettings

        class Env(WebEnv):
            def start(self, task, seed):
                self.judge = make_judge(self.config.llm, "gpt-4o", retry_base=0.01)
                return Observation(goal=task.goal, text="[1] link 'Pasta'", screenshot=b"png"), {}

            def act(self, action):
                if action.name != "answer":
                    return Observation(goal=self.task.goal, step=1), 0.0, False, False, {}
                judgement = self.judge.webvoyager(self.task.goal, action.args["text"], [b"png"])
                info = {
                    "success": judgement.score == 1.0,
                    "score": judgement.score,
                    "metrics": {"success": judgement.score},
                    "details": {"judges": [judgement.record()]},
                    "usage": judgement.usage,
                    "answer": action.args["text"],
                }
                return Observation(goal=self.task.goal, step=1), judgement.score, True, False, info

            def invalid(self, raw, reason):
                return Observation(goal=self.task.goal, error=reason, step=1), 0.0, False, False, {}

            def finish(self):
                return {}

        return Env(EnvConfig(llm=LLMSettings(judge_base_url=judge_url).to_dict()))


def run_episode(env, agent, tmp_path: Path) -> dict:
    from webbench.core.types import Task
    from webbench.run.episode import Episode, EpisodeRunner, Limits

    runner = EpisodeRunner(env, agent, Limits(max_steps=3), tmp_path / "trajectories")
    return runner.run(Episode(Task("demo", "t1", "Find a pasta recipe"), 0, 0))


def test_judge_usage_and_reply_reach_the_episode_record(tmp_path):
    from llm_server import Reply

    from webbench.agents.llm import LLMAgent

    with ChatServer() as server:
        server.push(
            Reply('Thought: found\nAction: answer("Pasta")', 100, 10), Reply("Looks right. SUCCESS", 500, 30)
        )
        agent = LLMAgent(model="gpt-4o", base_url=server.url)
        record = run_episode(JudgedEnv.build(server.url, tmp_path), agent, tmp_path)
    assert (record.status, record.success, record.answer) == ("ok", True, "Pasta")
    assert record.details["judges"][0]["reply"] == "Looks right. SUCCESS"
    assert record.usage["input_tokens"] == 600 and record.usage["output_tokens"] == 40
    assert record.usage["cost_usd"] == pytest.approx((600 * 2.5 + 40 * 10) / 1e6)


def test_an_llm_failure_is_env_error_not_agent_error(tmp_path):
    from webbench.agents.llm import LLMAgent

    with ChatServer(lambda _r: Status(503, "unavailable")) as server:
        agent = LLMAgent(model="m", base_url=server.url, max_retries=0)
        record = run_episode(JudgedEnv.build(server.url, tmp_path), agent, tmp_path)
    assert record.status == "env_error"
    assert record.error.startswith("LLMError: HTTP 503")
