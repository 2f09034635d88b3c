"""An episode that did not end ok counts toward every metric: it scores what it achieved, every
step it did not reach failed (replay suites) or the suite's failure value (live suites).

Hand-computed cases for each replay suite, the lost-worker and env-failure paths, old records
without scores, and the done-means check: an agent that crashes on purpose on the tasks it cannot
solve never scores above an honest agent that gives up on them (AutoWebBench, MiniWoB).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, SHARED_DATA, miniwob_eval, read_jsonl, webbench

from webbench.cli import main
from webbench.core.env import EnvConfig
from webbench.core.metric import MetricSpec
from webbench.core.record import EpisodeRecord
from webbench.core.suite import get_suite
from webbench.run.episode import Episode, EpisodeRunner, Limits, make_record
from webbench.run.summary import summarize_suite

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AWB_DATA = SHARED_DATA / "autowebbench"
AGENTS = ROOT / "tests" / "failure_agents.py"


class GoldThenRaise:
    """Answers the revealed gold action for ``k`` steps, then raises (an agent_error)."""

    def __init__(self, k: int) -> None:
        self.k = k

    def reset(self, task) -> None:
        self.n = 0

    def act(self, obs) -> str:
        if self.n >= self.k:
            raise RuntimeError("agent crashed")
        self.n += 1
        return obs.extra["gold_action"]


def _task(suite_name: str, split: str, data: Path, task_id: str):
    return next(t for t in get_suite(suite_name).load_tasks(split, data) if t.id == task_id)


def crash_after(suite_name: str, task, config: EnvConfig, k: int, tmp_path: Path) -> dict:
    """Return the record of an episode of ``task`` whose agent answers k gold steps, then raises."""
    env = get_suite(suite_name).make_env(EnvConfig(**{**config.__dict__, "reveal_gold": True}))
    runner = EpisodeRunner(env, GoldThenRaise(k), Limits(step_timeout=None, episode_timeout=None), tmp_path)
    return runner.run(Episode(task, 0, 0))


def lost(task, config: EnvConfig) -> dict:
    """Return the record the parent writes for an episode of ``task`` whose worker died."""
    return make_record(Episode(task, 0, 0), "env_error", "worker process died", 1.0, config=config)


# -- hand-computed replay cases -------------------------------------------------------------------


@pytest.fixture
def awb() -> tuple:
    if not AWB_DATA.is_dir():
        pytest.skip("../shared/data/autowebbench is not beside the project")
    pytest.importorskip("jieba")
    # en_ind-010: click x3, type_string, finish(); official scoring counts the 4 steps before
    # finish() toward type, element and step success; en_ind-013: click x3, finish() -> 3 steps.
    return _task("autowebbench", "en_ind", AWB_DATA, "en_ind-010"), _task(
        "autowebbench", "en_ind", AWB_DATA, "en_ind-013"
    )


def test_autowebbench_crash_after_one_step_scores_one_of_four(awb, tmp_path: Path) -> None:
    four, three = awb
    config = EnvConfig()
    record = crash_after("autowebbench", four, config, 1, tmp_path)
    assert record.status == "agent_error" and not record.success
    metrics = record.metrics
    assert (metrics["step_hits"], metrics["step_n"]) == (1.0, 4.0)
    assert (metrics["type_hits"], metrics["type_n"]) == (1.0, 4.0)
    assert (metrics["element_hits"], metrics["element_n"]) == (1.0, 4.0)
    assert metrics["task_success"] == 0.0
    gone = lost(three, config)
    assert gone.metrics["step_n"] == 3.0 and gone.metrics["step_hits"] == 0.0
    assert gone.end_reason == "failed"
    summary = summarize_suite([record, gone], get_suite("autowebbench").metrics)
    assert summary["metrics"]["step_success"] == pytest.approx(1 / 7)  # (1 + 0) / (4 + 3), micro
    assert summary["metrics"]["element_accuracy"] == pytest.approx(1 / 7)
    assert summary["metrics"]["type_accuracy"] == pytest.approx(1 / 7)
    assert summary["metrics"]["task_success"] == 0.0
    assert summary["success_rate"] == 0.0 and summary["not_ok"] == 2 and summary["unscored"] == 0


def test_autowebbench_failure_follows_the_scoring_mode(awb) -> None:
    four, three = awb
    corrected = EnvConfig(options={"scoring": "corrected"})
    # corrected scoring counts the finish() step's type and the unanswered type_string parameter
    assert lost(three, corrected).metrics["type_n"] == 4.0
    assert lost(four, corrected).metrics["param_n"] == 1.0 and lost(four, EnvConfig()).metrics["param_n"] == 0


def test_mind2web_crash_after_one_step(tmp_path: Path) -> None:
    tasks = FIXTURES / "mind2web" / "tasks"
    flights = _task("mind2web", "train", tasks, "task-flights")  # 3 gold steps
    menu = _task("mind2web", "train", tasks, "task-menu")  # 2 gold steps
    config = EnvConfig()
    record = crash_after("mind2web", flights, config, 1, tmp_path)
    assert record.status == "agent_error"
    assert record.metrics["step_success"] == pytest.approx(1 / 3)
    assert record.metrics["steps"] == 3.0 and record.metrics["step_success_sum"] == 1.0
    gone = lost(menu, config)
    assert gone.metrics["steps"] == 2.0 and gone.metrics["step_success"] == 0.0
    values = summarize_suite([record, gone], get_suite("mind2web").metrics)["metrics"]
    assert values["step_success"] == pytest.approx((1 / 3 + 0) / 2)  # macro over tasks
    assert values["step_success_micro"] == pytest.approx(1 / 5)  # micro over the 3 + 2 steps
    assert values["element_accuracy"] == pytest.approx(1 / 6) and values["op_f1"] == pytest.approx(1 / 6)
    assert values["task_success"] == 0.0


def test_weblinx_crash_after_one_turn(tmp_path: Path) -> None:
    pytest.importorskip("lxml")
    data = FIXTURES / "weblinx"
    config = EnvConfig(data=data)
    long_demo = _task("weblinx", "valid", data, "aaafix1")  # 9 evaluated turns
    short_demo = _task("weblinx", "test_geo", data, "aaafix2")  # 3 evaluated turns
    record = crash_after("weblinx", long_demo, config, 1, tmp_path)
    assert record.status == "agent_error"
    assert (record.metrics["overall.sum"], record.metrics["overall.n"]) == (1.0, 9)
    assert (record.metrics["intent_match.sum"], record.metrics["intent_match.n"]) == (1.0, 9)
    gone = lost(short_demo, config)
    assert (gone.metrics["overall.sum"], gone.metrics["overall.n"]) == (0.0, 3)
    values = summarize_suite([record, gone], get_suite("weblinx").metrics)["metrics"]
    assert values["overall"] == pytest.approx((1 / 9 + 0 / 3) / 2)  # mean of the two splits' values
    # one split only: the micro value over turns
    assert summarize_suite([record, replace(gone, split="valid")], get_suite("weblinx").metrics)["metrics"][
        "overall"
    ] == pytest.approx(1 / 12)


def test_env_failure_scores_every_step_failed(awb, tmp_path: Path) -> None:
    four, _three = awb
    env = get_suite("autowebbench").make_env(EnvConfig(reveal_gold=True))
    scored = []

    def score_step(step, action, raw):
        if scored:
            raise RuntimeError("scorer broke")
        scored.append(raw)
        return type(env).score_step(env, step, action, raw)

    env.score_step = score_step
    runner = EpisodeRunner(env, GoldThenRaise(5), Limits(step_timeout=None, episode_timeout=None), tmp_path)
    record = runner.run(Episode(four, 0, 0))
    assert record.status == "env_error" and "scorer broke" in record.error
    # the env that failed cannot vouch for what was achieved: every step scores as failed
    assert (record.metrics["step_hits"], record.metrics["step_n"]) == (0.0, 4.0)


def test_a_task_that_cannot_be_scored_is_kept_and_counted_as_unscored(tmp_path: Path) -> None:
    pytest.importorskip("lxml")
    task = _task("weblinx", "valid", FIXTURES / "weblinx", "aaafix1")
    record = lost(task, EnvConfig(data=tmp_path / "nowhere"))  # the demonstration cannot be read
    assert record.status == "env_error" and record.metrics == {}
    summary = summarize_suite([record], get_suite("weblinx").metrics)
    assert summary["unscored"] == 1 and summary["not_ok"] == 1
    assert any("1 episode(s) have no scores" in note for note in summary["notes"])


# -- live suites and the defensive rule ----------------------------------------------------------


def test_miniwob_failure_values_are_the_pages_failure_reward() -> None:
    miniwob = get_suite("miniwob")
    task = next(t for t in miniwob.load_tasks(None, None) if t.id == "click-test")
    record = lost(task, EnvConfig())
    assert record.metrics == {"success": 0.0, "reward": -1.0, "raw_reward": -1.0}
    assert record.success is False and record.score == 0.0


def test_old_records_without_scores_still_count() -> None:
    specs = [
        MetricSpec("reward", "", headline=True, failure=-1.0),
        MetricSpec("micro", "", "ratio", "hits", "n"),
    ]
    records = [
        {
            "suite": "s",
            "task_id": "a",
            "status": "ok",
            "success": True,
            "metrics": {"reward": 1.0, "hits": 2, "n": 2},
        },
        {"suite": "s", "task_id": "b", "status": "env_error", "success": False, "metrics": {}},
        {
            "suite": "s",
            "task_id": "c",
            "status": "ok",
            "success": False,
            "metrics": {"reward": 0.5, "hits": 0, "n": 2},
        },
    ]
    summary = summarize_suite([EpisodeRecord.from_json({"episode": 0, **r}, "old") for r in records], specs)
    assert summary["metrics"]["reward"] == pytest.approx((1.0 - 1.0 + 0.5) / 3)  # not (1 + 0.5) / 2
    assert summary["metrics"]["micro"] == 0.5  # a ratio cannot be rebuilt without the denominator
    assert summary["not_ok"] == 1 and summary["unscored"] == 1
    assert any("1 of 3 episodes ended otherwise than ok" in note for note in summary["notes"])


# -- done means: crashing on purpose never pays ----------------------------------------------------


def _awb_run(out: Path, agent: str, data: Path, *args: str) -> dict:
    code = main(
        ["eval", "--suite", "autowebbench", "--data", str(data), "--agent", f"{AGENTS}:{agent}"]
        + ["--out", str(out), "--run-id", agent, *args]
    )
    assert code == 0
    return json.loads((out / agent / "summary.json").read_text())["suites"]["autowebbench"]


def test_autowebbench_crash_gaming_scores_no_better_than_giving_up(awb, tmp_path: Path) -> None:
    records = json.loads((AWB_DATA / "full" / "en_ind.test.json").read_text(encoding="utf-8"))[:40]
    data = tmp_path / "en_ind.test.json"
    data.write_text(json.dumps(records))
    # both solve even tasks; on odd ones both answer the first step right, then one crashes, one noops
    honest = _awb_run(tmp_path, "Honest", data, "--agent-arg", "first=1")
    crasher = _awb_run(tmp_path, "Crasher", data, "--agent-arg", "first=1")
    assert crasher["success_rate"] <= honest["success_rate"] < 1.0
    for name, value in honest["metrics"].items():
        assert crasher["metrics"][name] <= value, name
    # the lost worker's achieved first step is not known to the parent: the step metrics are below
    assert crasher["metrics"]["step_success"] < honest["metrics"]["step_success"] < 1.0
    odd = sum(1 for r in read_jsonl(tmp_path / "Crasher" / "episodes.jsonl") if int(r["task_id"][-3:]) % 2)
    assert odd >= 4 and crasher["not_ok"] == crasher["status_counts"]["env_error"] == odd
    assert honest["not_ok"] == 0 and crasher["n"] == honest["n"]


@pytest.mark.browser
def test_miniwob_crash_gaming_scores_no_better_than_giving_up(tmp_path: Path) -> None:
    tasks = "click-test,click-link,click-button,enter-text"
    skip = "click-link,enter-text"
    summaries = {}
    for agent in ("ScriptedHonest", "ScriptedCrasher", "ScriptedOffscreen"):
        out = tmp_path / agent
        args = miniwob_eval(
            out, tasks, f"{AGENTS}:{agent}", "--agent-arg", f"skip={skip}", "--max-steps", "3"
        )
        result = webbench(*args)
        assert result.returncode == 0, result.stderr
        summaries[agent] = json.loads((out / "r" / "summary.json").read_text())["suites"]["miniwob"]
    honest = summaries["ScriptedHonest"]
    assert honest["success_rate"] == 0.5 and honest["metrics"]["success"] == 0.5
    for agent in ("ScriptedCrasher", "ScriptedOffscreen"):
        gaming = summaries[agent]
        assert gaming["n"] == 4
        assert gaming["success_rate"] <= honest["success_rate"], agent
        assert gaming["metrics"]["success"] <= honest["metrics"]["success"], agent
        assert gaming["metrics"]["raw_reward"] <= honest["metrics"]["raw_reward"], agent
        # the time-decayed reward of the solved tasks varies by a few hundredths between runs
        # (today the gaming agents get ~0.97 against ~0.0 for the honest one)
        assert gaming["metrics"]["reward"] <= honest["metrics"]["reward"] + 0.05, agent
        skipped = [r for r in read_jsonl(tmp_path / agent / "r" / "episodes.jsonl") if r["task_id"] in skip]
        assert [r["metrics"]["reward"] for r in skipped] == [-1.0, -1.0], agent
    assert summaries["ScriptedCrasher"]["not_ok"] == 2
