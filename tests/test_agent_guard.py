"""Agent bugs are the agent's: whatever ``act`` returns, the episode ends ``agent_error`` or the
step reports an error, the worker survives, and the run store stays valid JSON.

The agents are in ``tests/agents.py``; each misbehaves on its first episode only. The loop
runs on the real AutoWebBench replay env (fast) and through the real CLI.
"""

from __future__ import annotations

import json
import math
import multiprocessing
from pathlib import Path

import agents as bad
import pytest
from conftest import ROOT, SHARED_DATA, read_jsonl, webbench

from webbench.core.action import MAX_ACTION_CHARS, Action, ActionParseError, parse_action, read_reply
from webbench.core.agent import AgentSpecError, build_agent, close_agent
from webbench.core.env import EnvConfig
from webbench.core.jsonsafe import json_safe
from webbench.core.usage import read_usage
from webbench.run.episode import Episode, EpisodeRunner, Limits, checked_info
from webbench.run.pool import WorkerSpec, worker_main
from webbench.run.store import RunStore
from webbench.suites.autowebbench import SUITE, AutoWebBenchEnv

DATA = SHARED_DATA / "autowebbench"


def _strict(text: str):
    """Parse ``text`` as strict JSON (NaN and Infinity refused)."""

    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    """Three AutoWebBench tasks (3, 2 and 1 steps) of the official en_ind file."""
    if not DATA.is_dir():
        pytest.skip("../shared/data/autowebbench is not beside the project")
    records = json.loads((DATA / "full" / "en_ind.test.json").read_text(encoding="utf-8"))[:6]
    path = tmp_path_factory.mktemp("data") / "en_ind.test.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def run_loop(agent, data: Path, tmp_path: Path, env_class=AutoWebBenchEnv) -> tuple[list[dict], RunStore]:
    """Run every task of ``data`` with one agent, env and runner (as a worker does); append to a store."""
    config = EnvConfig(data=data, split="en_ind")
    env = env_class(config)
    store = RunStore.create(tmp_path, "r", {"config": {}})
    records = []
    for task in SUITE.load_tasks("en_ind", data):
        runner = EpisodeRunner(env, agent, Limits(max_steps=5, step_timeout=30), store.trajectories)
        record = runner.run(Episode(task, 0, 1))
        assert not runner.tainted and not runner.env_broken
        store.append(record)
        records.append(record)
    for line in (store.path / "episodes.jsonl").read_text(encoding="utf-8").splitlines():
        _strict(line)
    return records, store


def trajectory(store: RunStore, record: dict) -> dict:
    """Return the record's trajectory, parsed as strict JSON."""
    return _strict((store.path / record.trajectory).read_text(encoding="utf-8"))


# -- the episode loop on the real replay env ------------------------------------------------------

AGENT_ERRORS = [
    (bad.RaisingStrAgent(), "whose str() failed: RuntimeError: my __str__ is broken"),
    (bad.NonStrStrAgent(), "whose str() failed: TypeError: __str__ returned non-string"),
    (bad.NoneAgent(), "act() returned None, not an action"),
    (bad.BadUsageAgent(usage="lots"), "usage must be a dict, not str"),
    (bad.BadUsageAgent(usage={"input_tokens": "many"}), "usage input_tokens is 'many'"),
    (bad.BadUsageAgent(usage={"input_tokens": 1.5}), "usage input_tokens is 1.5"),
    (bad.BadUsageAgent(usage={"output_tokens": -3}), "usage output_tokens is -3"),
    (bad.BadUsageAgent(cost="nan"), "usage cost_usd is nan"),
    (bad.BadUsageAgent(cost="inf"), "usage cost_usd is inf"),
    (bad.BadUsageAgent(cost="-0.5"), "usage cost_usd is -0.5"),
    (bad.BadUsageAgent(usage={"input_tokens": float("nan")}), "usage input_tokens is nan"),
    (bad.RaisingTraceAgent(), "RuntimeError: no trace for you"),
    (bad.UnprintableErrorAgent("unprintable"), "_Unprintable: <str() of the exception failed>"),
    (bad.UnprintableErrorAgent("surrogate"), "ValueError: bad \\ud800 text"),
]


@pytest.mark.parametrize(("agent", "message"), AGENT_ERRORS, ids=lambda v: type(v).__name__)
def test_what_is_no_action_is_an_agent_error(agent, message, small_data, tmp_path) -> None:
    records, store = run_loop(agent, small_data, tmp_path)
    first, *rest = records
    assert first.status == "agent_error" and message in first.error, first.error
    assert [r.status for r in rest] == ["ok", "ok"]
    assert first.usage == {} and "Traceback" in trajectory(store, first)["traceback"]
    # the env still scored the episode (its steps not reached as failures)
    assert first.metrics["step_hits"] == 0.0


STEP_ERRORS = [
    (bad.UnknownActionAgent(), "unknown action fly()", "Action(name='fly', args={'to': 'moon'})"),
    (bad.MissingArgsAgent(), "click() is missing element", "Action(name='click', args={})"),
    (bad.SurrogateAgent("raw"), "the action holds a lone surrogate U+D800 (at 9)", 'answer("a\\ud800b")'),
    (bad.SurrogateAgent("escaped"), "answer(): text holds a lone surrogate U+D800", 'answer("a\\ud800b")'),
    (bad.NulAgent("raw"), "the action holds a NUL character (at 9)", 'answer("a\x00b")'),
    (bad.NulAgent("escaped"), "answer(): text holds a NUL character", 'answer("a\\x00b")'),
    (bad.HugeActionAgent(), "the action is 10,000,010 characters long, over the limit of 100,000", None),
]


@pytest.mark.parametrize(("agent", "message", "recorded"), STEP_ERRORS, ids=lambda v: type(v).__name__)
def test_an_action_that_cannot_be_performed_is_a_step_error(
    agent, message, recorded, small_data, tmp_path
) -> None:
    records, store = run_loop(agent, small_data, tmp_path)
    assert [r.status for r in records] == ["ok", "ok", "ok"]
    steps = trajectory(store, records[0])["steps"]
    assert len(steps) == 3 and all(message in step["error"] for step in steps), steps[0]["error"]
    assert records[0].metrics["step_hits"] == 0.0
    if recorded is not None:
        assert steps[0]["action"] == recorded and "action_chars" not in steps[0]
    else:
        assert steps[0]["action"] == 'answer("' + "x" * (MAX_ACTION_CHARS - 8)
        assert steps[0]["action_chars"] == 10_000_010
        assert (store.path / "episodes.jsonl").stat().st_size < 2_000_000


class NanMetricEnv(AutoWebBenchEnv):
    """The real env, with a scorer that returns NaN for one metric of the first task."""

    def aggregate(self, task, scores):
        info = super().aggregate(task, scores)
        if task.id == "en_ind-000":
            info = {**info, "metrics": {**info["metrics"], "param_sum": math.nan}}
        return info


def test_a_nan_metric_from_the_suite_is_a_recorded_env_error(small_data, tmp_path) -> None:
    records, store = run_loop(bad.ButtonAgent(), small_data, tmp_path, NanMetricEnv)
    first = records[0]
    assert first.status == "env_error" and "metric param_sum = nan" in first.error
    assert "param_sum" not in first.metrics and "step_hits" in first.metrics
    assert [r.status for r in records[1:]] == ["ok", "ok"]
    assert trajectory(store, first)["status"] == "env_error"


# -- pure pieces ----------------------------------------------------------------------------------


def test_read_reply_rules() -> None:
    assert read_reply('click("3")').action == 'click("3")' and read_reply('click("3")').error is None
    checked = read_reply(Action("type", {"element": 3, "text": "hi"}))
    assert checked.action == Action("type", {"element": "3", "text": "hi", "enter": False})
    assert "finite" in read_reply(Action("click_xy", {"x": math.inf, "y": 1})).error
    with pytest.raises(ActionParseError, match="x must be a finite number"):
        parse_action("click_xy(1e999, 1)")
    assert read_reply(Action(7, [])).error.startswith("not a well-formed Action")
    assert read_reply(Action("click", {1: "x"})).error == "click(): argument names must be strings"
    exact = "x" * MAX_ACTION_CHARS
    assert read_reply(exact).error is None and read_reply(exact + "x").error is not None


def test_usage_rules() -> None:
    assert read_usage(None) == {}
    assert read_usage({"input_tokens": 3.0, "output_tokens": 2, "cost_usd": 0, "calls": math.nan}) == {
        "input_tokens": 3,
        "output_tokens": 2,
        "cost_usd": 0.0,
        "calls": None,
    }
    assert read_usage({"cost_usd": None}) == {"cost_usd": None}
    for bad_usage in ({"input_tokens": True}, {"cost_usd": "0.1"}, {"cost_usd": -math.inf}, [1]):
        with pytest.raises(ValueError):
            read_usage(bad_usage)


def test_checked_info_names_what_it_removed() -> None:
    info, problem = checked_info(
        {
            "score": math.inf,
            "metrics": {"a": 1.0, "b": math.nan, "c": None, "d": "x"},
            "usage": {"cost_usd": -1},
        }
    )
    assert info["metrics"] == {"a": 1.0, "c": None} and "score" not in info and info["usage"] == {}
    assert "metric b = nan" in problem and "metric d = 'x'" in problem and "score = inf" in problem
    assert "cost_usd is -1" in problem
    assert checked_info({"score": 1, "metrics": {"a": 0.5}}) == (
        {"score": 1, "metrics": {"a": 0.5}, "usage": {}},
        None,
    )


def test_json_safe_writes_anything() -> None:
    loop: list = []
    loop.append(loop)
    value = {"nan": math.nan, 1: "\ud800", "loop": loop, "obj": bad._RaisingStr(), "t": (1, 2.5, True)}
    safe = json_safe(value)
    text = json.dumps(safe, allow_nan=False, ensure_ascii=False).encode("utf-8")
    back = _strict(text.decode("utf-8"))
    assert back["nan"] is None and back["1"] == "\\ud800" and back["obj"] == "<unprintable _RaisingStr>"
    assert back["t"] == [1, 2.5, True]


# -- building and closing the agent ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("raise", "building the agent failed: RuntimeError: no API key configured"),
        ("block", "building the agent took more than 0.5 s"),
        ("lines", "building the agent failed: RuntimeError: first line second line third line"),
    ],
)
def test_build_agent_failures_are_one_line(how, message) -> None:
    with pytest.raises(AgentSpecError) as caught:
        build_agent(bad.BadInitAgent, {"how": how}, "tests/agents.py:BadInitAgent", 0.5)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("raise", "close() failed: RuntimeError: close exploded"),
        ("block", "close() did not return within 0.5 s"),
    ],
)
def test_close_agent_failures_are_one_line(how, message) -> None:
    agent = bad.BadCloseAgent(how)
    with pytest.raises(AgentSpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        close_agent(agent, 0.5, "tests/agents.py:BadCloseAgent")


def test_a_worker_whose_close_blocks_still_exits(small_data, tmp_path) -> None:
    spec = WorkerSpec(
        "autowebbench",
        EnvConfig(data=small_data, split="en_ind"),
        str(ROOT / "tests" / "agents.py") + ":BadCloseAgent",
        {"how": "block"},
        Limits(step_timeout=30),
        tmp_path,
    )
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=worker_main, args=(spec, child))
    process.start()
    child.close()
    try:
        assert parent.recv() == ("ready", None)
        parent.send(None)
        process.join(120)  # a bound, not a measurement: the close() it waits on never returns
        assert process.exitcode == 0
    finally:
        process.kill()
        process.join()


# -- through the CLI ------------------------------------------------------------------------------


def cli_eval(tmp_path: Path, data: Path, agent: str, *extra: str):
    """Run ``webbench eval`` on ``data`` with one worker into ``tmp_path/r``; return the process."""
    return webbench(
        "eval",
        "--suite",
        "autowebbench",
        "--data",
        str(data),
        "--agent",
        f"tests/agents.py:{agent}",
        "--out",
        str(tmp_path),
        "--run-id",
        "r",
        *extra,
        timeout=300,
    )


def test_nan_cost_through_the_cli_then_resume(small_data, tmp_path) -> None:
    result = cli_eval(tmp_path, small_data, "BadUsageAgent", "--agent-arg", "cost=nan")
    assert result.returncode == 0, result.stderr
    run = tmp_path / "r"
    records = read_jsonl(run / "episodes.jsonl")
    for line in (run / "episodes.jsonl").read_text().splitlines():
        _strict(line)
    assert [r["status"] for r in records] == ["agent_error", "ok", "ok"]
    assert "usage cost_usd is nan" in records[0]["error"]
    _strict((run / "summary.json").read_text())
    pids = {
        step["agent"]["pid"]
        for r in records[1:]
        for step in _strict((run / r["trajectory"]).read_text())["steps"]
    }
    assert len(pids) == 1  # one worker ran all three episodes
    resumed = webbench("eval", "--resume", str(run), timeout=300)
    assert resumed.returncode == 0 and "3 of 3 episodes already done" in resumed.stderr, resumed.stderr
    assert len(read_jsonl(run / "episodes.jsonl")) == 3


def test_unprintable_action_and_huge_action_through_the_cli(small_data, tmp_path) -> None:
    result = cli_eval(tmp_path / "a", small_data, "RaisingStrAgent")
    assert result.returncode == 0, result.stderr
    records = read_jsonl(tmp_path / "a" / "r" / "episodes.jsonl")
    assert [r["status"] for r in records] == ["agent_error", "ok", "ok"]
    assert "my __str__ is broken" in records[0]["error"]
    result = cli_eval(tmp_path / "b", small_data, "HugeActionAgent")
    assert result.returncode == 0, result.stderr
    records = read_jsonl(tmp_path / "b" / "r" / "episodes.jsonl")
    assert [r["status"] for r in records] == ["ok", "ok", "ok"]
    steps = _strict((tmp_path / "b" / "r" / records[0]["trajectory"]).read_text())["steps"]
    assert steps[0]["action_chars"] == 10_000_010 and "over the limit" in steps[0]["error"]


@pytest.mark.parametrize(
    ("agent", "args", "message"),
    [
        ("BadInitAgent", ["how=raise"], "building the agent failed: RuntimeError: no API key configured"),
        ("BadInitAgent", ["how=lines"], "RuntimeError: first line second line third line"),
        ("BadInitAgent", ["how=block"], "building the agent took more than 2 s"),
        ("BadCloseAgent", ["how=raise"], "close() failed: RuntimeError: close exploded"),
        ("BadCloseAgent", ["how=block"], "close() did not return within 2 s"),
    ],
)
def test_agents_that_cannot_be_built_or_closed_are_one_line_exit_2(
    small_data, tmp_path, agent, args, message
):
    extra = [item for arg in args for item in ("--agent-arg", arg)]
    result = cli_eval(tmp_path, small_data, agent, "--step-timeout", "2", *extra)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and message in lines[0], result.stderr
    assert lines[0].startswith("webbench: error: --agent 'tests/agents.py:")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("lines", "a worker could not start: RuntimeError: first line second line third line"),
        (
            "block",
            "a worker could not start: AgentSpecError: --agent 'tests/agents.py:BadInitAgent': building the agent took more than 2 s",
        ),
    ],
)
def test_a_worker_that_cannot_build_the_agent_stops_the_run_in_one_line(small_data, tmp_path, how, message):
    extra = ["--agent-arg", f"how={how}", "--agent-arg", "where=worker", "--step-timeout", "2"]
    result = cli_eval(tmp_path, small_data, "BadInitAgent", *extra)
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("webbench: error:")]
    assert result.returncode == 1 and len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "second line\n" not in result.stderr
