"""Options that cannot be run are one line and exit 2; a resume refuses a different run; data is checked."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from report_runs import make_run

from webbench.cli import main
from webbench.data.digest import data_sha256
from webbench.run.evaluate import EvalConfig, prepare, prepare_resume, run_notes
from webbench.suites.autowebbench import SUITE as AUTOWEBBENCH_SUITE

ROOT = Path(__file__).resolve().parents[1]
AUTOWEBBENCH = ROOT.parent / "shared" / "data" / "autowebbench" / "full" / "en_ind.test.json"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Return a small AutoWebBench data file (12 records, 5 tasks)."""
    if not AUTOWEBBENCH.is_file():
        pytest.skip("../shared/data is not beside the project")
    path = tmp_path / "data" / "en_ind.test.json"
    path.parent.mkdir()
    path.write_text(json.dumps(json.loads(AUTOWEBBENCH.read_text(encoding="utf-8"))[:12]))
    return path


def one_line_error(args: list[str], capsys) -> str:
    """Run ``webbench ARGS`` in-process; assert exit 2 and one line on stderr; return the line."""
    code = main(args)
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("webbench: error:"), err
    return err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--max-steps", "0"], "--max-steps must be at least 1 (got 0)"),
        (["--max-steps", "-3"], "--max-steps must be at least 1 (got -3)"),
        (["--step-timeout", "nan"], "--step-timeout nan: must be a number of seconds >= 0"),
        (["--step-timeout", "-1"], "--step-timeout -1: must be"),
        (["--episode-timeout", "nan"], "--episode-timeout nan: must be"),
        (["--episode-timeout", "inf"], "--episode-timeout inf: must be"),
        (["--tasks", ""], "--tasks: no task id given"),
        (["--tasks", ","], "--tasks: no task id given"),
        (["--episodes", "0"], "--episodes must be at least 1 (got 0)"),
        (["--workers", "0"], "--workers must be at least 1 (got 0)"),
    ],
)
def test_options_that_cannot_run_are_one_line(
    tmp_path, data, capsys, option: list[str], message: str
) -> None:
    args = [
        "eval",
        "--suite",
        "autowebbench",
        "--agent",
        "oracle",
        "--data",
        str(data),
        "--out",
        str(tmp_path),
    ]
    assert message in one_line_error([*args, *option], capsys)
    assert not (tmp_path / "runs").exists() and [p.name for p in tmp_path.iterdir()] == ["data"]


def test_split_on_a_suite_without_splits(tmp_path, capsys) -> None:
    args = ["eval", "--suite", "miniwob", "--agent", "random", "--tasks", "click-test", "--split", "train"]
    assert "--split train: suite miniwob has no splits" in one_line_error(
        [*args, "--out", str(tmp_path)], capsys
    )


def test_a_zero_time_out_disables_it_and_a_resume_keeps_the_runs_time_outs(tmp_path, data) -> None:
    args = ["--suite", "autowebbench", "--agent", "oracle", "--data", str(data), "--tasks", "en_ind-000"]
    assert main(["eval", *args, "--step-timeout", "0", "--episode-timeout", "0", "--out", str(tmp_path)]) == 0
    (run,) = [p for p in tmp_path.iterdir() if p.name != "data"]
    saved = json.loads((run / "manifest.json").read_text())["config"]
    assert (saved["step_timeout"], saved["episode_timeout"]) == (None, None)

    config = EvalConfig(
        suite="autowebbench", agent="oracle", data=str(data), step_timeout=7.0, episode_timeout=None
    )
    prepare(config, tmp_path, "r")
    resumed = prepare_resume(tmp_path / "r", {}, {})
    assert (resumed.spec.limits.step_timeout, resumed.spec.limits.episode_timeout) == (7.0, None)
    changed = prepare_resume(tmp_path / "r", {}, {"step_timeout": None, "workers": 3})
    assert (changed.spec.limits.step_timeout, changed.config.workers) == (None, 3)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--max-steps", "5"], "max_steps 5 differs from the run's None"),
        (["--screenshots"], "screenshots True differs from the run's False"),
        (["--run-id", "other"], "--run-id other: differs from the resumed run folder"),
        (["--out", "elsewhere"], "--out elsewhere: differs from the parent of the resumed run folder"),
        (["--agent-arg", "model=x"], "agent_args model='x' differs from the run's None"),
        (["--suite", "autowebbench", "--scoring", "corrected"], "suite_options scoring='corrected' differs"),
        (["--tasks", "en_ind-001"], "task_ids ['en_ind-001'] differs from the run's ['en_ind-000']"),
    ],
)
def test_resume_refuses_every_different_run_defining_option(tmp_path, data, capsys, option, message) -> None:
    config = EvalConfig(suite="autowebbench", agent="oracle", data=str(data), task_ids=["en_ind-000"])
    prepare(config, tmp_path, "r")
    assert message in one_line_error(["eval", "--resume", str(tmp_path / "r"), *option], capsys)


def test_resume_accepts_the_same_folder_named_again(tmp_path, data, capsys, monkeypatch) -> None:
    prepare(
        EvalConfig(suite="autowebbench", agent="oracle", data=str(data), task_ids=["en_ind-000"]),
        tmp_path,
        "r",
    )
    monkeypatch.chdir(tmp_path)
    code = main(
        ["eval", "--resume", "r", "--out", ".", "--run-id", "r", "--max-steps", "30", "--tasks", "en_ind-000"]
    )
    assert code == 2 and "max_steps 30 differs from the run's None" in capsys.readouterr().err
    assert main(["eval", "--resume", "r", "--out", ".", "--run-id", "r", "--tasks", "en_ind-000"]) == 0


def test_data_sha256_of_files_and_folders(tmp_path) -> None:
    folder = tmp_path / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.json").write_text("[1]")
    (folder / "sub" / "b.json").write_text("[2]")
    assert data_sha256(folder / "a.json") == hashlib.sha256(b"[1]").hexdigest()
    first = data_sha256(folder)
    assert data_sha256(folder) == first
    (folder / "sub" / "b.json").write_text("[3]")
    assert data_sha256(folder) != first
    (folder / "sub" / "b.json").write_text("[2]")
    assert data_sha256(folder) == first
    (folder / "sub" / "b.json").rename(folder / "b.json")
    assert data_sha256(folder) != first


def test_resume_checks_the_data_sha256(tmp_path, data, capsys) -> None:
    prepare(EvalConfig(suite="autowebbench", agent="oracle", data=str(data.parent)), tmp_path, "r")
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["config"]["data_sha256"] == data_sha256(data.parent)
    records = json.loads(data.read_text())
    records[0]["target"] = records[1]["target"]
    data.write_text(json.dumps(records))
    err = one_line_error(["eval", "--resume", str(tmp_path / "r")], capsys)
    assert f"--data {data.parent}: the data changed since the run started" in err


def test_an_old_manifest_without_a_data_sha256_is_resumed_with_a_note(tmp_path, data) -> None:
    prepare(EvalConfig(suite="autowebbench", agent="oracle", data=str(data)), tmp_path, "r")
    path = tmp_path / "r" / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["config"]["data_sha256"]
    path.write_text(json.dumps(manifest))
    notes = run_notes(prepare_resume(tmp_path / "r", {}, {}))
    assert notes == [
        f"note: the manifest records no sha256 of --data (an older webbench): {data} not checked"
    ]


def test_workers_above_the_cores_warn_on_a_time_based_reward(tmp_path, data, monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    config = EvalConfig(suite="autowebbench", agent="oracle", data=str(data), episodes=2, workers=100)
    prepared = prepare(config, tmp_path, "r")
    assert run_notes(prepared) == []  # AutoWebBench's metrics do not depend on time
    monkeypatch.setattr(AUTOWEBBENCH_SUITE, "time_based_reward", True)
    (warning,) = run_notes(prepared)
    assert warning.startswith("warning: 10 workers on 2 cores") and "--workers" in warning  # 5 tasks x 2
    prepared.jobs = prepared.jobs[:2]  # the episodes left decide how many workers start
    assert run_notes(prepared) == []


def test_miniwob_declares_its_time_based_reward() -> None:
    from webbench.suites.miniwob import SUITE

    assert SUITE.time_based_reward and not AUTOWEBBENCH_SUITE.time_based_reward


def test_report_to_a_folder_is_one_line(tmp_path, capsys) -> None:
    run = make_run(tmp_path, "r", "scripted", {"click-test": [True]})
    assert "is a folder" in one_line_error(["report", str(run), "-o", str(tmp_path)], capsys)
    (tmp_path / "a-file").write_text("")
    err = one_line_error(["report", str(run), "-o", str(tmp_path / "a-file" / "x.html")], capsys)
    assert "cannot write the report" in err
