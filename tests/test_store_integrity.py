"""The run folder under stress: one writer at a time, readers that never write, a full or read-only
disk, hand-edited records, duplicate keys and trajectory names that cannot collide.

End to end with real processes on AutoWebBench's replay files; the disk tests mount a real tiny
tmpfs or a read-only bind mount, and skip when mounting is not permitted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, read_jsonl, wait_until, webbench
from infra import DATA, awb_data, awb_eval, last_line, mount, read_only_view  # noqa: F401 - awb_data
from report_runs import make_run

from webbench.core.record import EpisodeRecord
from webbench.report.runs import load_run
from webbench.run.episode import safe_name
from webbench.run.store import RunStore, RunStoreError, StoreWriteError, latest_records

TEN = [f"zh_ood-{i:03d}" for i in range(10)]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Return every path under ``folder`` with its size and modification time (ns)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


# -- one writer per run folder ------------------------------------------------------------------------


@pytest.mark.usefixtures("awb_data")
def test_a_second_writer_exits_2_naming_the_holder_and_sigkill_frees_the_lock(tmp_path: Path) -> None:
    run = tmp_path / "r"
    episodes = run / "episodes.jsonl"
    first = subprocess.Popen(
        [sys.executable, "-m", "webbench", "eval", "--suite", "autowebbench", "--split", "zh_ood",
         "--data", str(DATA), "--tasks", ",".join(TEN), "--episodes", "2",
         "--agent", "tests/infra_agents.py:Slow", "--agent-arg", "delay=1", "--out", str(tmp_path),
         "--run-id", "r"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert wait_until(lambda: _lines(episodes) >= 1, timeout=300), "the first run wrote nothing"
        second = webbench("eval", "--resume", str(run))
        assert _lines(episodes) < 20, "the first run finished before the second started"
        assert second.returncode == 2, second.stderr
        assert second.stderr.count("\n") == 1
        assert f"is being written by pid {first.pid} on {socket.gethostname()}, started 20" in second.stderr
        shown = webbench("show", str(run))  # a reader is never locked out
        assert shown.returncode == 0, shown.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(60)
    kept = _lines(episodes)
    assert kept < 20
    resumed = webbench("eval", "--resume", str(run))
    assert resumed.returncode == 0, resumed.stderr
    records = read_jsonl(episodes)
    assert len(records) == 20  # every episode exactly once: no second writer added lines
    assert len({(r["task_id"], r["episode"]) for r in records}) == 20


def test_the_lock_is_taken_per_process_and_released(tmp_path: Path) -> None:
    store = RunStore.create(tmp_path, "r", {})
    RunStore.open(tmp_path / "r").lock()  # the holder's own process may lock again
    code = (
        "import sys; from webbench.run.store import RunStore\n"
        "try:\n    RunStore.open(sys.argv[1]).lock()\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc); sys.exit(2)\n"
    )
    held = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r")], capture_output=True, text=True)
    assert held.returncode == 2 and held.stdout.startswith(
        f"RunLockedError {tmp_path / 'r'} is being written"
    )
    assert f"pid {os.getpid()}" in held.stdout
    store.release()
    free = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r")], capture_output=True, text=True)
    assert free.returncode == 0, free.stdout


# -- readers never write ----------------------------------------------------------------------------


def test_readers_write_nothing_in_the_run_folder(tmp_path: Path) -> None:
    run = make_run(tmp_path, "r", "scripted", {"t1": [True, False], "t2": [True]})
    shutil.rmtree(run / "trajectories")
    before = _snapshot(run)
    assert "summary.json" not in before
    for args in (
        ["show", str(run)],
        ["report", str(run), "-o", str(tmp_path / "out" / "report.html")],
        ["gate", "--save-baseline", str(run), "-o", str(tmp_path / "out" / "base.json")],
        ["compare", str(run), str(run)],
    ):
        done = webbench(*args)
        assert done.returncode == 0, (args, done.stderr)
    assert _snapshot(run) == before


def test_show_report_and_gate_read_a_read_only_run_folder(tmp_path: Path) -> None:
    run = make_run(tmp_path / "runs", "r", "scripted", {"t1": [True, False], "t2": [True]})
    with read_only_view(run, tmp_path / "ro") as view:
        shown = webbench("show", str(view))
        assert shown.returncode == 0, shown.stderr
        assert "miniwob" in shown.stdout
        saved = webbench("gate", "--save-baseline", str(view), "-o", str(tmp_path / "base.json"))
        assert saved.returncode == 0 and "(3 episodes over 2 tasks" in saved.stdout
        report = webbench("report", str(view), "-o", str(tmp_path / "report.html"))
        assert report.returncode == 0, report.stderr
        resumed = webbench("eval", "--resume", str(view))
        assert resumed.returncode == 2
        assert resumed.stderr == (
            f"webbench: error: cannot write to the run folder {view} (Read-only file system)\n"
        )


@pytest.mark.usefixtures("awb_data")
def test_a_read_only_out_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "parent").mkdir()
    with read_only_view(tmp_path / "parent", tmp_path / "ro") as view:
        done = awb_eval(view, "oracle")
    assert done.returncode == 2
    assert (
        done.stderr == f"webbench: error: cannot create the run folder {view / 'r'} (Read-only file system)\n"
    )


# -- a full disk --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("awb_data")
def test_a_full_disk_stops_the_run_with_one_line_naming_the_episode(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    with mount(tiny, "-t", "tmpfs", "-o", "size=64k", "tmpfs"):
        done = awb_eval(tiny, "oracle", tasks=None)  # the 79 tasks of zh_ood need far more than 64 kB
        copy = tmp_path / "copy"
        shutil.copytree(tiny / "r", copy)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    error = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(error) == 1 and error == [last_line(done.stderr)]
    assert "No space left on device" in error[0]
    named = re.search(r"autowebbench task '(zh_ood-\d+)' episode (\d+)", error[0])
    assert named, error[0]
    records = {(r.task_id, r.episode): r for r in RunStore.open(copy).episodes()}
    assert 0 < len(records) < 79
    # the episode named is not lost silently: it has no record (a resume runs it) or an env_error one
    key = (named.group(1), int(named.group(2)))
    assert key not in records or records[key].status == "env_error"
    resumed = webbench("eval", "--resume", str(copy), "--retry", "env_error")
    assert resumed.returncode == 0, resumed.stderr
    final = RunStore.open(copy).episodes()
    assert len(final) == 79 and all(r.status == "ok" for r in final)


def test_an_append_that_fails_names_the_episode(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    with mount(tiny, "-t", "tmpfs", "-o", "size=8k", "tmpfs"):
        store = RunStore.create(tiny, "r", {})
        record = EpisodeRecord(suite="s", task_id="t", episode=3, status="ok", answer="x" * 20000)
        with pytest.raises(
            StoreWriteError, match=r"cannot append the record of s task 't' episode 3 .*No space"
        ):
            store.append(record)
        store.release()


# -- hand-edited records ------------------------------------------------------------------------------


KEY = '{"suite": "miniwob", "task_id": "t1", "episode": 1, '


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"suite": "miniwob", "task_id": "t1", "episode": "x"}', "has episode 'x', not an integer >= 0"),
        (KEY + '"success": "no"}', "has success 'no', not true or false"),
        ('{"suite": "miniwob", "episode": 1}', "lacks task_id"),
        ("[1, 2]", "is not a JSON object"),
        (KEY + '"score": NaN}', "is not valid JSON"),
        (KEY + '"status": "fine"}', "has status 'fine', not one of"),
        (KEY + '"metrics": [1]}', "has metrics [1], not an object"),
    ],
)
def test_a_hand_edited_record_is_one_line_naming_file_and_line(
    tmp_path: Path, line: str, problem: str
) -> None:
    run = make_run(tmp_path, "r", "scripted", {"t1": [True, False], "t2": [True]})
    path = run / "episodes.jsonl"
    lines = path.read_text().splitlines()
    lines[1] = line
    path.write_text("\n".join(lines) + "\n")
    for args in (["show", str(run)], ["gate", "--save-baseline", str(run), "-o", str(tmp_path / "b.json")]):
        done = webbench(*args)
        assert done.returncode == 2
        assert done.stderr.startswith(f"webbench: error: {path}: line 2 {problem}"), done.stderr
        assert done.stderr.count("\n") == 1


def test_only_a_json_true_is_a_success(tmp_path: Path) -> None:
    run = make_run(tmp_path, "r", "scripted", {"t1": [False]})
    path = run / "episodes.jsonl"
    path.write_text(path.read_text().replace('"success": false', '"success": "no"'))
    with pytest.raises(RunStoreError, match="line 1 has success 'no', not true or false"):
        load_run(run)


# -- one record per key ------------------------------------------------------------------------------


def test_readers_count_a_duplicate_key_once_with_its_last_record(tmp_path: Path) -> None:
    run = make_run(tmp_path, "r", "scripted", {"t1": [False], "t2": [True]})
    store = RunStore.open(run)
    store.lock()
    again = replace(RunStore.open(run).history()[0], success=True, score=1.0)
    store.append(again)  # t1 episode 0 again: its second line supersedes the first
    store.release()
    assert [(r["task_id"], r["attempt"]) for r in read_jsonl(run / "episodes.jsonl")] == [
        ("t1", 1),
        ("t2", 1),
        ("t1", 2),
    ]
    assert [(r.task_id, r.success) for r in load_run(run).records] == [("t2", True), ("t1", True)]
    shown = webbench("show", str(run))
    assert shown.returncode == 0
    saved = webbench("gate", "--save-baseline", str(run), "-o", str(tmp_path / "b.json"))
    assert saved.returncode == 0 and "(2 episodes over 2 tasks" in saved.stdout
    baseline = json.loads((tmp_path / "b.json").read_text())["suites"]["miniwob"]["tasks"]
    assert [e["success"] for e in baseline["t1"]] == [True] and len(baseline["t2"]) == 1
    # a baseline file with a duplicate key is read the same way
    (tmp_path / "b.json").write_text(
        json.dumps({"format": "webbench-baseline/1", "suites": {"miniwob": {"tasks": {"t1": [
            {"episode": 0, "success": False}, {"episode": 0, "success": True}]}}}})
    )  # fmt: skip
    assert [r.success for r in load_run(tmp_path / "b.json").records] == [True]


def test_latest_records_keeps_the_last_line_of_each_key() -> None:
    rows = [
        EpisodeRecord(suite="s", task_id="a", episode=0, steps=1),
        EpisodeRecord(suite="s", task_id="b", episode=0, steps=2),
        EpisodeRecord(suite="s", task_id="a", episode=1, steps=3),
        EpisodeRecord(suite="s", task_id="a", episode=0, steps=4),
    ]
    assert [r.steps for r in latest_records(rows)] == [2, 3, 4]


# -- trajectory names ---------------------------------------------------------------------------------


def test_trajectory_names_cannot_collide() -> None:
    names = {safe_name(t) for t in ("job/1", "job_1", "job:1", "Job_1", "a" * 200, "a" * 200 + "b")}
    assert len(names) == 6
    assert all(re.fullmatch(r"[A-Za-z0-9._-]{1,120}", n) for n in names)
    assert safe_name("job/1") == safe_name("job/1")


def test_an_old_run_folder_still_loads_and_reports(tmp_path: Path) -> None:
    """Old runs: trajectories named without a hash, records without ``attempt``."""
    steps = [{"step": 0, "action": 'type("1", "old-marker")'}]
    run = make_run(tmp_path, "old", "scripted", {"job/1": [True]}, steps=steps)
    path = run / "episodes.jsonl"
    (record,) = read_jsonl(path)
    old_name = "trajectories/job_1__0.json"
    (run / record["trajectory"]).rename(run / old_name)
    del record["attempt"]
    path.write_text(json.dumps({**record, "trajectory": old_name}) + "\n")
    assert load_run(run).records[0].trajectory == old_name
    report = webbench("report", str(run), "-o", str(tmp_path / "report.html"))
    assert report.returncode == 0, report.stderr
    assert "old-marker" in (tmp_path / "report.html").read_text()
