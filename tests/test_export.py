"""`webbench export` on crafted run folders: the three formats, each filter, the judge, bad input."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import read_jsonl, webbench
from llm_server import ChatServer, Reply
from report_runs import make_run
from test_episode import CountdownEnv, ScriptAgent

from webbench.cli import main
from webbench.core.types import Observation, Task
from webbench.export.sampling import pass_at_k, split_prompt
from webbench.run.episode import OBSERVATION_TEXT_CHARS, Episode, EpisodeRunner, Limits, observation_entry


def step(n: int, action: str, text: str = "[1] button 'OK'", thought: str | None = None, **extra) -> dict:
    """Return one trajectory step as the episode runner writes it (observation text included)."""
    observation = {"step": n, "url": f"http://127.0.0.1/{n}", "text": text, "text_chars": len(text)}
    trace = {"thought": thought, "action": action} if thought else None
    return {
        "step": n,
        "observation": observation,
        "action": action,
        "error": None,
        **({"agent": trace} if trace else {}),
        **extra,
    }


def win_or_lose(_task: str, episode: int, success: bool) -> list[dict]:
    """Steps of a crafted episode: a success clicks the button, a failure clicks elsewhere twice."""
    if success:
        return [step(0, 'click("1")', thought="OK is the button"), step(1, 'answer("done")')]
    return [step(0, f'click("{episode + 2}")', thought="maybe this"), step(1, 'click("9")')]


def export(*args: str) -> SimpleNamespace:
    """Run ``webbench export ARGS`` in this process; return its exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["export", *args])
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def one_line_error(result) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    return lines[0]


# -- what trajectories hold -----------------------------------------------------------------
def test_observation_entry_keeps_the_text_and_says_when_it_was_cut():
    short = observation_entry(Observation(goal="g", text="[1] link"))
    assert short["text"] == "[1] link" and "text_truncated" not in short and short["text_chars"] == 8
    long = observation_entry(Observation(goal="g", text="x" * (OBSERVATION_TEXT_CHARS + 5)))
    assert len(long["text"]) == OBSERVATION_TEXT_CHARS and long["text_truncated"] is True
    assert long["text_chars"] == OBSERVATION_TEXT_CHARS + 5


def test_the_episode_runner_writes_each_observation_text_and_the_agent_trace(tmp_path):
    class PageEnv(CountdownEnv):
        def start(self, task, seed):
            self.n = 0
            return Observation(goal=task.goal, text="[1] button 'Go'", step=0), {}

    runner = EpisodeRunner(PageEnv(), ScriptAgent(["noop()", 'answer("done")']), Limits(), tmp_path)
    record = runner.run(Episode(Task("demo", "t", "Say done"), 0, 0))
    steps = json.loads((tmp_path / Path(record.trajectory).name).read_text())["steps"]
    assert [s["observation"]["text"] for s in steps] == ["[1] button 'Go'", ""]
    assert [s["action"] for s in steps] == ["noop()", 'answer("done")']


# -- sft ------------------------------------------------------------------------------------
def test_sft_is_a_react_conversation_with_the_episode_metadata(tmp_path):
    run = make_run(tmp_path, "r", "llm", {"t1": [True, False]}, goal="Click OK.", steps=win_or_lose)
    out = tmp_path / "sft.jsonl"
    result = webbench("export", str(run), "--format", "sft", "-o", str(out))  # the installed command
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"export written: {out} (2 sft records from 2 episodes)"
    win, loss = read_jsonl(out)
    roles = [m["role"] for m in win["messages"]]
    assert roles == ["system", "user", "assistant", "user", "assistant"]
    assert "Thought:" in win["messages"][0]["content"] and "Action:" in win["messages"][0]["content"]
    assert win["messages"][1]["content"].startswith(
        "Task: Click OK.\n\nURL: http://127.0.0.1/0\n\nPage:\n[1] button"
    )
    assert win["messages"][2]["content"] == 'Thought: OK is the button\nAction: click("1")'
    assert win["messages"][4]["content"] == 'Action: answer("done")'
    assert win["metadata"] | {"run_id": None} == {
        "run_id": None, "agent": "llm", "model": None, "suite": "miniwob", "task_id": "t1", "episode": 0,
        "seed": 0, "status": "ok", "success": True, "score": 1.0, "steps": 2, "end_reason": "done",
        "answer": None, "judge_score": None,
    }  # fmt: skip
    assert win["metadata"]["run_id"] == "r" and loss["metadata"]["success"] is False
    bare = export(str(run), "--format", "sft", "-o", str(out), "--no-metadata")
    assert bare.returncode == 0 and all(set(line) == {"messages"} for line in read_jsonl(out))


def test_max_obs_chars_cuts_the_page_text_and_says_how_much(tmp_path):
    run = make_run(tmp_path, "r", "llm", {"t1": [True]}, steps=[step(0, "noop()", text="abcdefghij")])
    out = tmp_path / "sft.jsonl"
    assert export(str(run), "--format", "sft", "-o", str(out), "--max-obs-chars", "4").returncode == 0
    (line,) = read_jsonl(out)
    assert line["messages"][1]["content"].endswith("Page:\nabcd\n... [page text cut: 6 more characters]")


def test_an_old_run_without_observation_text_needs_observation_none(tmp_path):
    old = make_run(tmp_path, "old", "scripted", {"t1": [True]})  # steps hold no observation text
    out = tmp_path / "sft.jsonl"
    line = one_line_error(export(str(old), "--format", "sft", "-o", str(out)))
    assert str(old) in line and "--observation none" in line and "webbench eval" in line
    assert not out.exists()
    result = export(str(old), "--format", "sft", "-o", str(out), "--observation", "none")
    assert result.returncode == 0, result.stderr
    (record,) = read_jsonl(out)
    assert record["messages"][1]["content"] == "Task: Do the task.\n\nURL: http://127.0.0.1/"
    assert "Page:" not in json.dumps(record)


# -- filters --------------------------------------------------------------------------------
def filter_counts(stderr: str) -> dict[str, int]:
    return {
        line.split()[1].rstrip(":"): int(line.split()[3])
        for line in stderr.splitlines()
        if line.startswith("filter ")
    }


def test_valid_removes_unparsed_steps_harness_ends_and_failed_episodes(tmp_path):
    good = make_run(tmp_path, "good", "llm", {"t1": [True]}, steps=[step(0, 'answer("x")')])
    unparsed = make_run(tmp_path, "unparsed", "llm", {"t1": [False]},
                        steps=[step(0, "clik(1)"), step(1, "noop()", error="unparsable action: unknown action")])  # fmt: skip
    parse_error = make_run(tmp_path, "trace", "llm", {"t1": [False]},
                           steps=[step(0, "noop()", agent={"parse_error": "no 'Action:' line"})])  # fmt: skip
    limit = make_run(tmp_path, "limit", "llm", {"t1": [False]}, record_extra={"end_reason": "step_limit"})
    timeout = make_run(tmp_path, "timeout", "llm", {"t1": [False]}, record_extra={"status": "timeout"})
    runs = [str(p) for p in (good, unparsed, parse_error, limit, timeout)]
    out = tmp_path / "v.jsonl"
    result = export(*runs, "--format", "sft", "-o", str(out), "--filter", "valid", "--observation", "none")
    assert result.returncode == 0, result.stderr
    assert filter_counts(result.stderr) == {"valid": 4}
    assert [r["metadata"]["run_id"] for r in read_jsonl(out)] == ["good"]


def test_correct_keeps_the_suites_successes(tmp_path):
    run = make_run(tmp_path, "r", "llm", {"t1": [True, False, False], "t2": [True]}, steps=win_or_lose)
    out = tmp_path / "c.jsonl"
    result = export(str(run), "--format", "sft", "-o", str(out), "--filter", "correct")
    assert result.returncode == 0, result.stderr
    assert filter_counts(result.stderr) == {"correct": 2}
    assert all(r["metadata"]["success"] for r in read_jsonl(out))


def test_single_action_no_repeat_and_max_steps(tmp_path):
    two = 'Thought: both\nAction: click("1")\nAction: click("2")'
    double = make_run(tmp_path, "double", "llm", {"t1": [True]},
                      steps=[step(0, 'click("2")', agent={"calls": [{"reply": two}], "thought": "both"})])  # fmt: skip
    one = 'Thought: one\nAction: click("1")'
    single = make_run(tmp_path, "single", "llm", {"t1": [True]},
                      steps=[step(0, 'click("1")', agent={"calls": [{"reply": "x"}, {"reply": one}]})])  # fmt: skip
    thrice = make_run(
        tmp_path, "thrice", "llm", {"t1": [True]}, steps=[step(i, 'scroll("down")') for i in range(3)]
    )
    twice = make_run(tmp_path, "twice", "llm", {"t1": [True]},
                     steps=[step(0, 'scroll("down")'), step(1, 'scroll("down")'), step(2, 'click("1")'),
                            step(3, 'scroll("down")')])  # fmt: skip
    runs = [str(p) for p in (double, single, thrice, twice)]
    out = tmp_path / "f.jsonl"

    def kept(*filters: str) -> tuple[list[str], dict[str, int]]:
        result = export(*runs, "--format", "sft", "-o", str(out), *filters)
        assert result.returncode == 0, result.stderr
        return [r["metadata"]["run_id"] for r in read_jsonl(out)], filter_counts(result.stderr)

    assert kept("--filter", "single-action") == (["single", "thrice", "twice"], {"single-action": 1})
    assert kept("--filter", "no-repeat") == (["double", "single", "twice"], {"no-repeat": 1})
    assert kept("--filter", "no-repeat", "--max-repeat", "2") == (["double", "single"], {"no-repeat": 2})
    assert kept("--filter", "max-steps=3") == (["double", "single", "thrice"], {"max-steps=3": 1})
    assert kept("--filter", "max-steps=1", "--filter", "single-action") == (
        ["single"],
        {"max-steps=1": 2, "single-action": 1},
    )


def test_correct_re_judged_by_an_llm_judge_through_the_cache(tmp_path, monkeypatch):
    runs = [
        str(make_run(tmp_path, f"r{i}", "llm", {"t1": [success]}, steps=[step(0, f'answer("4{i}")')],
                     record_extra={"answer": f"4{i}"}))
        for i, success in enumerate([False, True, True])
    ]  # fmt: skip
    out, cache = tmp_path / "j.jsonl", tmp_path / "judge.sqlite"
    for name in [k for k in os.environ if k.startswith("OPENAI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    judged = [*runs, "--format", "sft", "-o", str(out), "--filter", "correct", "--judge-model", "gpt-4o",
              "--llm-cache", str(cache)]  # fmt: skip
    with ChatServer() as server:
        url = server.url
        server.push(Reply("The answer is right. SUCCESS"), Reply("NOT SUCCESS"), Reply("SUCCESS"))
        result = export(*judged, "--judge-base-url", url)
        assert result.returncode == 0, result.stderr
        assert len(server.requests) == 3
        assert server.requests[0]["json"]["model"] == "gpt-4o"
        assert "final response: 40" in json.dumps(server.requests[0]["json"]["messages"])
    # the judge, not the suite, decides: the suite's failure r0 is kept, its success r1 is not
    assert [(r["metadata"]["run_id"], r["metadata"]["judge_score"]) for r in read_jsonl(out)] == [
        ("r0", 1.0),
        ("r2", 1.0),
    ]
    assert filter_counts(result.stderr) == {"correct": 1}
    # the server is gone: the cache answers every request again
    again = export(*judged, "--judge-base-url", url, "--llm-cache-mode", "replay")
    assert again.returncode == 0, again.stderr
    assert [r["metadata"]["run_id"] for r in read_jsonl(out)] == ["r0", "r2"]


# -- rft ------------------------------------------------------------------------------------
def test_pass_at_k_is_the_unbiased_estimator():
    assert pass_at_k(4, 0, 2) == 0.0 and pass_at_k(4, 3, 2) == 1.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2)


def test_rft_keeps_at_most_k_successes_per_task_and_reports_pass_at_k(tmp_path):
    run = make_run(tmp_path, "r", "llm", {"t1": [True, False, True, True], "t2": [False] * 4, "t3": [False, True, False, False]},
                   steps=win_or_lose)  # fmt: skip
    out = tmp_path / "rft.jsonl"
    result = export(str(run), "--format", "rft", "-o", str(out), "--per-task", "2")
    assert result.returncode == 0, result.stderr
    lines = read_jsonl(out)
    assert [(r["metadata"]["task_id"], r["metadata"]["episode"]) for r in lines] == [
        ("t1", 0),
        ("t1", 2),
        ("t3", 1),
    ]
    assert all(r["metadata"]["success"] for r in lines)
    assert lines[0]["metadata"]["task_pass@1"] == pytest.approx(0.75)
    assert lines[2]["metadata"]["task_attempts"] == 4 and lines[2]["metadata"]["task_successes"] == 1
    (summary,) = [line for line in result.stderr.splitlines() if line.startswith("rft:")]
    assert "3 episodes" in summary and "2 of 3 tasks solved" in summary
    assert f"pass@1 {(0.75 + 0 + 0.25) / 3:.3f}" in summary and f"pass@4 {2 / 3:.3f}" in summary


# -- dpo ------------------------------------------------------------------------------------
def test_dpo_pairs_a_success_and_a_failure_of_the_same_task_instance(tmp_path):
    run = make_run(tmp_path, "r", "llm", {"t1": [True, False, False], "t2": [True, True], "t3": [False]},
                   steps=win_or_lose)  # fmt: skip
    out = tmp_path / "dpo.jsonl"
    result = export(str(run), "--format", "dpo", "-o", str(out), "--pairs-per-task", "5")
    assert result.returncode == 0, result.stderr
    lines = read_jsonl(out)
    assert len(lines) == 2  # t1: 1 success x 2 failures; t2 and t3 have no failure or no success
    for line in lines:
        assert [m["role"] for m in line["prompt"]] == ["system", "user"]
        assert line["chosen"][0] == {
            "role": "assistant",
            "content": 'Thought: OK is the button\nAction: click("1")',
        }
        assert line["rejected"][0]["role"] == "assistant" and line["rejected"] != line["chosen"]
        assert line["metadata"]["chosen"]["success"] and not line["metadata"]["rejected"]["success"]
    assert {line["metadata"]["rejected"]["episode"] for line in lines} == {1, 2}
    one = export(str(run), "--format", "dpo", "-o", str(out))
    assert one.returncode == 0 and len(read_jsonl(out)) == 1


def test_dpo_needs_the_same_prompt_and_refuses_the_correct_filter(tmp_path):
    def instance(_task, episode, success):
        return [step(0, 'click("1")' if success else "noop()", text=f"page of seed {episode}")]

    run = make_run(tmp_path, "r", "llm", {"t1": [True, False]}, steps=instance)
    out = tmp_path / "dpo.jsonl"
    result = export(str(run), "--format", "dpo", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert read_jsonl(out) == [] and "1 tasks with successes and failures share no prompt" in result.stderr
    line = one_line_error(export(str(run), "--format", "dpo", "-o", str(out), "--filter", "correct"))
    assert "--filter correct" in line


def test_split_prompt_backs_off_to_the_last_shared_user_turn():
    system, user = {"role": "system", "content": "s"}, {"role": "user", "content": "u"}
    a1, a2 = {"role": "assistant", "content": "a1"}, {"role": "assistant", "content": "a2"}
    u2, u3 = {"role": "user", "content": "u2"}, {"role": "user", "content": "u3"}
    assert split_prompt([system, user, a1, u2, a2], [system, user, a1, u3, a2]) == (
        [system, user], [a1, u2, a2], [a1, u3, a2])  # fmt: skip
    assert split_prompt([system, user, a1, u2, a1], [system, user, a1, u2, a2]) == (
        [system, user, a1, u2], [a1], [a2])  # fmt: skip
    assert split_prompt([system, user, a1], [system, u2, a1]) is None
    assert split_prompt([system, user, a1], [system, user, a1]) is None


# -- bad input ------------------------------------------------------------------------------
def test_bad_input_is_one_line_and_exit_2(tmp_path):
    run = make_run(tmp_path, "r", "llm", {"t1": [True]}, steps=win_or_lose)
    empty = make_run(tmp_path, "empty", "llm", {})
    out = str(tmp_path / "x.jsonl")
    assert "is not a run folder" in one_line_error(export(str(tmp_path), "--format", "sft", "-o", out))
    assert "no finished episode" in one_line_error(export(str(empty), "--format", "sft", "-o", out))
    assert "invalid choice: 'csv'" in one_line_error(export(str(run), "--format", "csv", "-o", out))
    assert "is a folder" in one_line_error(export(str(run), "--format", "sft", "-o", str(tmp_path)))
    assert "unknown filter" in one_line_error(
        export(str(run), "--format", "sft", "-o", out, "--filter", "good")
    )
    assert "max-steps=N" in one_line_error(
        export(str(run), "--format", "sft", "-o", out, "--filter", "max-steps")
    )
    assert "--per-task 0" in one_line_error(export(str(run), "--format", "rft", "-o", out, "--per-task", "0"))
    assert "add --filter correct" in one_line_error(
        export(str(run), "--format", "sft", "-o", out, "--judge-model", "m")
    )
    assert not Path(out).exists()
