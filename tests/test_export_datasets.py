"""Exports of a real MiniWoB run of the `llm` agent, and every format loading with Hugging Face `datasets`."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import miniwob_eval, read_jsonl, webbench
from llm_server import ChatServer, miniwob_click_model
from report_runs import make_run
from test_export import export, win_or_lose


def load_jsonl_dataset(path: Path, cache: Path, monkeypatch):
    """Return ``path`` loaded by ``datasets`` as a JSON-lines dataset, offline, cached under ``cache``."""
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache))


def test_every_format_loads_as_a_json_lines_dataset(tmp_path, monkeypatch):
    run = make_run(tmp_path, "r", "llm", {"t1": [True, False, True], "t2": [False, True]}, steps=win_or_lose)
    for fmt, rows, columns in (
        ("sft", 5, {"messages", "metadata"}),
        ("rft", 2, {"messages", "metadata"}),
        ("dpo", 2, {"prompt", "chosen", "rejected", "metadata"}),
    ):
        out = tmp_path / f"{fmt}.jsonl"
        assert export(str(run), "--format", fmt, "-o", str(out)).returncode == 0
        data = load_jsonl_dataset(out, tmp_path / "hf", monkeypatch)
        assert data.num_rows == rows and set(data.column_names) == columns, fmt
        first = data[0]
        messages = first["messages"] if fmt != "dpo" else first["prompt"] + first["chosen"]
        assert messages[0]["role"] == "system" and messages[1]["role"] == "user"
        assert messages[2] == {
            "role": "assistant",
            "content": 'Thought: OK is the button\nAction: click("1")',
        }


@pytest.mark.browser
def test_a_real_llm_run_on_miniwob_exports_thoughts_actions_and_pages(tmp_path, monkeypatch):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")} | {"OPENAI_API_KEY": "sk-test"}
    with ChatServer(miniwob_click_model) as server:
        args = miniwob_eval(tmp_path, "click-test-2", "llm", "--episodes", "2", "--agent-arg",
                            f"base_url={server.url}", "--agent-arg", "model=gpt-4o")  # fmt: skip
        done = webbench(*args, env=env)
    assert done.returncode == 0, done.stderr
    run = tmp_path / "r"
    out = tmp_path / "sft.jsonl"
    result = export(str(run), "--format", "sft", "-o", str(out), "--filter", "valid", "--filter", "correct")
    assert result.returncode == 0, result.stderr
    lines = read_jsonl(out)
    assert len(lines) == 2
    for line, request in zip(lines, server.requests, strict=True):
        system, user, assistant = line["messages"]
        # the system prompt is the one the agent was sent; the page the one it saw
        assert system == {"role": "system", "content": request["json"]["messages"][0]["content"]}
        page = (
            request["json"]["messages"][1]["content"].split("Page:\n", 1)[1].split("\n\nWhat is your next")[0]
        )
        assert user["role"] == "user" and user["content"].endswith("Page:\n" + page)
        assert user["content"].startswith("Task: Click")
        assert assistant["role"] == "assistant"
        assert re.fullmatch(
            r'Thought: the task names this button\.\nAction: click\("\d+"\)', assistant["content"]
        )
        button = re.search(r'click\("(\d+)"\)', assistant["content"]).group(1)
        assert f"[{button}] button" in page
        assert line["metadata"]["model"] == "gpt-4o" and line["metadata"]["success"] is True
    trajectory = json.loads((run / read_jsonl(run / "episodes.jsonl")[0]["trajectory"]).read_text())
    assert trajectory["steps"][0]["observation"]["text"] in lines[0]["messages"][1]["content"]
    rft = tmp_path / "rft.jsonl"
    assert export(str(run), "--format", "rft", "-o", str(rft), "--per-task", "1").returncode == 0
    data = load_jsonl_dataset(rft, tmp_path / "hf", monkeypatch)
    assert data.num_rows == 1 and data[0]["metadata"]["task_pass@1"] == 1.0
