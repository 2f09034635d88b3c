"""The typed episode record: the episodes.jsonl line it reads and writes is today's, byte for byte.

``fixtures/records/episodes-be7ddda.jsonl`` was written by webbench at commit be7ddda (the last
one whose records were dicts) from the inputs of ``write_golden_run`` below.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from webbench.core.record import STATUSES, EpisodeRecord, RecordError
from webbench.core.types import Task
from webbench.run.episode import Episode, make_record
from webbench.run.store import RunStore, RunStoreError, read_episodes

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "records" / "episodes-be7ddda.jsonl"
#: The keys of an episodes.jsonl line, in their order.
LINE_KEYS = [
    "suite",
    "task_id",
    "split",
    "episode",
    "seed",
    "status",
    "success",
    "score",
    "metrics",
    "steps",
    "duration_s",
    "usage",
    "error",
    "answer",
    "end_reason",
    "details",
    "trajectory",
    "attempt",
]


def write_golden_run(parent: Path) -> Path:
    """Write, with today's code, the run whose lines the golden file holds; return its episodes.jsonl."""
    store = RunStore.create(parent, "golden", {"run_id": "golden"})
    task = Task("toy", "t/1", "say done", split="dev")
    info = {
        "success": True,
        "score": 1,
        "metrics": {"success": 1.0, "n": 2, "odd": float("nan")},
        "end_reason": "answered",
        "details": {"site": "été", "nested": {"a": [1, 2.5, None]}},
    }
    usage = {"input_tokens": 10, "output_tokens": 2, "cost_usd": 0.25}
    ok = make_record(
        Episode(task, 0, 123),
        "ok",
        None,
        1.234567,
        info,
        n_steps=3,
        usage=usage,
        answer="done \u2713",
        trajectory="trajectories/t_1-6196f641__0.json",
    )
    store.append(ok)
    store.append(
        make_record(Episode(task, 0, 123), "env_error", "worker process died: exit code 1\nmore", 0.5)
    )
    lost = Episode(Task("toy", "t/2", "g"), 4, None)
    store.append(make_record(lost, "timeout", "agent took too long", 30.0, n_steps=1))
    store.release()
    return store.path / "episodes.jsonl"


def test_the_lines_written_are_the_lines_webbench_wrote_before_records_were_typed(tmp_path) -> None:
    assert write_golden_run(tmp_path).read_bytes() == GOLDEN.read_bytes()


def test_a_line_read_and_written_again_is_the_same_bytes() -> None:
    for number, line in enumerate(GOLDEN.read_text(encoding="utf-8").splitlines(), 1):
        record = EpisodeRecord.from_json(json.loads(line), f"line {number}")
        assert list(record.to_json()) == LINE_KEYS
        assert json.dumps(record.to_json(), ensure_ascii=False, allow_nan=False) == line


def test_every_field_round_trips() -> None:
    record = EpisodeRecord(
        suite="s",
        task_id="app/7",
        split="real",
        episode=2,
        seed=99,
        status="agent_error",
        success=True,  # not what the harness writes with agent_error: a non-default of every field
        score=0.5,
        metrics={"m": 0.5, "undefined": None},
        steps=4,
        duration_s=1.5,
        usage={"input_tokens": 3, "output_tokens": 1, "cost_usd": None},
        error="ValueError: boom",
        answer=["a", {"b": 1}],
        end_reason="step_limit",
        details={"site": "x"},
        trajectory="trajectories/app_7__2.json",
        attempt=3,
    )
    defaults = EpisodeRecord(suite="", task_id="", episode=0)
    assert all(getattr(record, f.name) != getattr(defaults, f.name) for f in fields(record))
    data = json.loads(json.dumps(record.to_json()))
    assert list(data) == LINE_KEYS
    assert EpisodeRecord.from_json(data, "here") == record
    assert record.key == ("s", "app/7", 2)


def test_an_old_record_reads_with_defaults() -> None:
    old = {"suite": "miniwob", "task_id": "click-test", "episode": 0, "success": True, "metrics": None}
    record = EpisodeRecord.from_json(old, "old")
    assert (record.status, record.success, record.score, record.steps, record.duration_s) == (
        "ok",
        True,
        0.0,
        0,
        0.0,
    )
    assert (record.split, record.seed, record.answer, record.end_reason, record.trajectory) == (
        "",
        None,
        None,
        None,
        None,
    )
    assert record.metrics == {} and record.usage == {} and record.details == {}
    assert record.attempt is None and "attempt" not in record.to_json()


def test_unknown_keys_are_ignored() -> None:
    data = {"suite": "s", "task_id": "t", "episode": 0, "from_the_future": 1}
    assert EpisodeRecord.from_json(data, "x") == EpisodeRecord(suite="s", task_id="t", episode=0)


KEY = {"suite": "s", "task_id": "t", "episode": 1}
BAD = [
    ([1, 2], "is not a JSON object"),
    ({"suite": "s", "episode": 1}, "lacks task_id"),
    ({"task_id": "t"}, "lacks suite, episode"),
    ({**KEY, "suite": 3}, "has suite 3, not a string"),
    ({**KEY, "task_id": None}, "has task_id None, not a string"),
    ({**KEY, "episode": -1}, "has episode -1, not an integer >= 0"),
    ({**KEY, "episode": True}, "has episode True, not an integer >= 0"),
    ({**KEY, "status": "fine"}, f"has status 'fine', not one of {', '.join(STATUSES)}"),
    ({**KEY, "split": 3}, "has split 3, not a string"),
    ({**KEY, "seed": 1.5}, "has seed 1.5, not an integer"),
    ({**KEY, "success": "no"}, "has success 'no', not true or false"),
    ({**KEY, "score": "1"}, "has score '1', not a number"),
    ({**KEY, "score": True}, "has score True, not a number"),
    ({**KEY, "metrics": [1]}, "has metrics [1], not an object or null"),
    ({**KEY, "steps": 2.0}, "has steps 2.0, not an integer"),
    ({**KEY, "duration_s": None}, "has duration_s None, not a number"),
    ({**KEY, "usage": "lots"}, "has usage 'lots', not an object or null"),
    ({**KEY, "error": 5}, "has error 5, not a string or null"),
    ({**KEY, "end_reason": []}, "has end_reason [], not a string or null"),
    ({**KEY, "details": "x"}, "has details 'x', not an object or null"),
    ({**KEY, "trajectory": 1}, "has trajectory 1, not a string or null"),
    ({**KEY, "attempt": None}, "has attempt None, not an integer"),
]


@pytest.mark.parametrize(("data", "problem"), BAD, ids=[problem for _data, problem in BAD])
def test_each_bad_type_is_one_line_naming_file_and_line(tmp_path, data, problem: str) -> None:
    with pytest.raises(RecordError, match="^here " + problem.replace("(", r"\(").replace("[", r"\[")):
        EpisodeRecord.from_json(data, "here")
    path = tmp_path / "episodes.jsonl"
    path.write_text(json.dumps(KEY) + "\n" + json.dumps(data) + "\n" + json.dumps(KEY) + "\n")
    with pytest.raises(RunStoreError) as caught:
        read_episodes(path)
    assert str(caught.value) == f"{path}: line 2 {problem}"
