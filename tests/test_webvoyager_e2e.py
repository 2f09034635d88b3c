"""WebVoyager end to end: ``webbench eval`` on webvoyager-mini, the stand-in sites, a real Chromium
through Selenium, the scripted agent in WebVoyager's dialect and a stand-in judge (the loopback
chat server answering from the reference answers)."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.conftest import ROOT, marked_env, marked_processes, read_jsonl, webbench
from tests.llm_server import ChatServer, Reply, user_text
from webbench.suites._webvoyager_data import load_tasks

MINI = ROOT / "webbench" / "tasks" / "webvoyager-mini"


def reference_judge(tasks):
    """Return a responder that says SUCCESS when the answer holds the task's reference answer."""
    references = {task.goal: task.meta["reference"]["ans"] for task in tasks}

    def respond(request: dict) -> Reply:
        text = user_text(request)
        found = re.search(r"Task: (.*)\nAgent's final response: (.*)\nThe last", text, re.S)
        assert found, text
        task, answer = found.groups()
        verdict = "SUCCESS" if references[task].lower() in answer.lower() else "NOT SUCCESS"
        return Reply(f"The answer matches the screenshots. {verdict}")

    return respond


@pytest.mark.browser
def test_scripted_agent_completes_the_mini_set_judged_from_the_reference_answers(tmp_path):
    tasks = load_tasks("webvoyager", MINI, None)
    assert len(tasks) >= 20
    mark = uuid.uuid4().hex
    with ChatServer(reference_judge(tasks)) as judge:
        result = webbench(
            "eval", "--suite", "webvoyager", "--data", str(MINI), "--agent", "scripted",
            "--judge-base-url", judge.url, "--judge-model", "stand-in-judge", "--workers", "2",
            "--search-page", "http://search.webvoyager.test/", "--out", str(tmp_path), "--run-id", "r",
            env={**marked_env(mark), "OPENAI_API_KEY": "test-key"},
        )  # fmt: skip
        requests = list(judge.requests)
    assert result.returncode == 0, result.stderr
    assert "site webvoyager-standins: up" in result.stderr
    records = {r["task_id"]: r for r in read_jsonl(tmp_path / "r" / "episodes.jsonl")}
    assert sorted(records) == sorted(t.id for t in tasks)
    blocked = records.pop("Captcha--0")
    assert blocked["status"] == "env_error" and blocked["end_reason"] == "blocked"
    assert blocked["details"]["blocked_url"] == "http://captcha.webvoyager.test/"
    failed = {k: (r["status"], r["answer"], r["error"]) for k, r in records.items() if not r["success"]}
    assert not failed
    for task in tasks:
        if task.id in records:
            record = records[task.id]
            assert record["details"]["reference_answer"] == task.meta["reference"]
            assert record["details"]["judges"][0]["model"] == "stand-in-judge"
            assert record["end_reason"] == "answer" and record["answer"]
    # one judge call per answered episode, each with the marked screenshots of its run (at most 15)
    assert len(requests) == len(records)
    images = [
        sum(1 for part in r["json"]["messages"][1]["content"] if part.get("type") == "image_url")
        for r in requests
    ]
    assert all(1 <= n <= 15 for n in images)
    # native Click / Type steps record the element they targeted (the report outlines it)
    steps = json.loads((tmp_path / "r" / records["Recipes--0"]["trajectory"]).read_text())["steps"]
    acting = [s for s in steps if re.search(r"Action: (Click|Type) \[", s["action"])]
    assert acting and all(s["target"]["id"] and len(s["target"]["shot_bbox"]) == 4 for s in acting)
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())["suites"]["webvoyager"]
    by_site = summary["breakdowns"]["success"]["details.web_name"]
    assert by_site["Recipes"] == by_site["Word Book"] == 1.0 and "Captcha" not in by_site
    assert marked_processes(mark) == []
