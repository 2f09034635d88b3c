"""``webbench rescore`` and the per-episode exports, end to end through ``webbench eval`` with a
plug-in suite: WebArena-Verified episodes (real tasks, hand-made answers and HAR files) whose
layout the official CLI re-scores, a judged episode that sees the new judge settings, and one
that needs the live page."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, read_jsonl, webbench

pytest.importorskip("webarena_verified")

from test_webarena_verified import official_cli  # noqa: E402
from verified_cases import TASK_FILE  # noqa: E402

from webbench.metrics.webarena_verified import LAYOUT  # noqa: E402

pytestmark = [
    pytest.mark.skipif(not TASK_FILE.is_file(), reason="../shared/data is not beside the project"),
    pytest.mark.filterwarnings("ignore:Transitional processing:DeprecationWarning"),
]

PLUGIN = """
from verified_cases import CASES, SITES, tasks, write_har

from webbench.core.env import WebEnv
from webbench.core.metric import MetricSpec
from webbench.core.suite import Suite
from webbench.core.types import Observation, Task
from webbench.metrics.webarena_verified import rescore_verified, verified_exports

PICKED = ("currency, wrong", "navigate", "network POST", "not JSON")


class RecordedEnv(WebEnv):
    # ends at the first action with the task's hand-made answer and HAR, deliberately mis-scored
    def start(self, task, seed):
        entries = task.meta.get("har")
        if entries is not None and self.artifacts is not None:
            write_har(self.artifacts / "network.har", entries)
        return Observation(goal=task.goal), {}

    def act(self, action):
        details = {"answer": self.task.meta.get("answer"), "sites": SITES}
        info = {"success": False, "score": 0.5, "metrics": {"success": 0.0}, "details": details,
                "answer": self.task.meta.get("answer")}
        return Observation(goal=self.task.goal, step=1), 0.5, True, False, info

    def invalid(self, raw, reason):
        return self.act(None)

    def finish(self):
        return {"success": False, "score": 0.0, "metrics": {"success": 0.0}}


class RecordedSuite(Suite):
    name = "recorded"
    kind = "live"
    metrics = (MetricSpec("success", "solved", headline=True),)

    def load_tasks(self, split, data):
        official = tasks()
        picked = [case for case in CASES if case[0] in PICKED]
        out = [Task("recorded", str(task_id), "do it", meta={"verified": official[task_id], "answer": text,
                                                            "har": entries})
               for _name, task_id, text, entries, _score in picked]
        return out + [Task("recorded", "judged", "judge it"), Task("recorded", "live", "needs the page")]

    def make_env(self, config):
        return RecordedEnv(config)

    def exports(self, task, record, artifacts, config):
        if "verified" not in task.meta:
            return {}
        return verified_exports(task.meta["verified"], record["details"]["answer"], artifacts, SITES)

    def rescore(self, task, record, artifacts, config):
        if "verified" in task.meta:
            return rescore_verified(task.meta["verified"], record, artifacts)
        if task.id == "judged":
            return {"success": True, "score": 1.0, "metrics": {"success": 1.0},
                    "details": {"judge_model": config.llm.get("judge_model")}}
        return None


SUITE = RecordedSuite()
"""


def _install_plugin(root: Path) -> dict[str, str]:
    root.mkdir()
    (root / "recorded_suite.py").write_text(PLUGIN)
    info = root / "recorded_suite-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: recorded-suite\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text("[webbench.suites]\nrecorded = recorded_suite:SUITE\n")
    paths = (str(root), str(ROOT / "tests"), os.environ.get("PYTHONPATH", ""))
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "writer.lock"
    }


def test_a_run_exports_the_layout_and_rescore_gives_the_official_scores(tmp_path):
    env = _install_plugin(tmp_path / "plugin")
    done = webbench(
        "eval", "--suite", "recorded", "--agent", "random", "--out", str(tmp_path), "--run-id", "r", env=env
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = tmp_path / "r"
    layout = run / LAYOUT
    assert sorted(p.name for p in layout.iterdir()) == ["0", "389", "44", "94"]
    assert (layout / "44" / "network.har").read_bytes() == next(
        run.glob("trajectories/44*/network.har")
    ).read_bytes()
    copy = tmp_path / "layout-copy"
    shutil.copytree(layout, copy)
    official = official_cli(copy)
    assert official == {0: 0.0, 94: 0.0, 44: 1.0, 389: 1.0}

    before = _digest(run)
    done = webbench("rescore", str(run), "--judge-model", "judge-2", env=env)
    assert done.returncode == 0, done.stderr
    assert "not re-scored: task live episode 0 (needs the live page)" in done.stderr
    assert _digest(run) == before  # the source run is only read

    new = tmp_path / "r.rescored"
    records = {r["task_id"]: r for r in read_jsonl(new / "episodes.jsonl")}
    assert {int(k): r["score"] for k, r in records.items() if k.isdigit()} == official
    assert records["44"]["success"] is True and records["44"]["details"]["rescored"] is True
    assert records["44"]["details"]["evaluators"][1]["evaluator_name"] == "NetworkEventEvaluator"
    assert records["judged"]["details"]["judge_model"] == "judge-2"
    assert records["live"]["score"] == 0.5 and "rescored" not in records["live"]["details"]
    trajectory = (new / records["44"]["trajectory"]).resolve()
    assert trajectory.is_file() and trajectory.parent == (run / "trajectories").resolve()
    summary = json.loads((new / "summary.json").read_text())
    assert summary["rescore"]["rescored"] == len(records) - 1
    assert summary["rescore"]["not_rescored"] == [
        {"task_id": "live", "episode": 0, "reason": "needs the live page"}
    ]
    assert json.loads((new / "manifest.json").read_text())["config"]["judge_model"] == "judge-2"
    assert webbench("show", str(new), env=env).returncode == 0

    again = webbench("rescore", str(run), env=env)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_rescore_of_a_folder_that_is_not_a_run_is_a_one_line_error(tmp_path):
    done = webbench("rescore", str(tmp_path))
    assert done.returncode == 2 and "is not a run folder" in done.stderr and "Traceback" not in done.stderr
