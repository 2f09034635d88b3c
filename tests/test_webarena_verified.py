"""WebArena-Verified scoring through the official library, the offline layout webbench writes, and
the official CLI (``webarena-verified eval-tasks``) on it giving the same scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("webarena_verified")

from verified_cases import CASES, SITES, TASK_FILE, answer, entry, tasks, write_har  # noqa: E402

from webbench.core.errors import UsageError  # noqa: E402
from webbench.metrics import webarena_verified as wv  # noqa: E402
from webbench.run.store import RunStore  # noqa: E402

pytestmark = [
    pytest.mark.skipif(not TASK_FILE.is_file(), reason="../shared/data is not beside the project"),
    # url-normalize (a pin of webarena-verified) calls idna with a deprecated argument
    pytest.mark.filterwarnings("ignore:Transitional processing:DeprecationWarning"),
]


def _har(tmp_path: Path, index: int, entries) -> Path | None:
    return None if entries is None else write_har(tmp_path / f"case{index}" / "network.har", entries)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case[0] for case in CASES])
def test_hand_made_episodes_score_as_the_official_scorer_says(tmp_path, index):
    _name, task_id, text, entries, expected = CASES[index]
    result = wv.score_verified(tasks()[task_id], text, _har(tmp_path, index, entries), sites=SITES)
    assert result.score == expected
    assert result.success is (expected == 1.0)
    assert result.metrics()["score"] == expected
    json.dumps(result.details())  # JSON-able


def test_details_name_every_assertion_and_the_trace():
    task = tasks()[0]
    result = wv.score_verified(task, "not json at all", None)
    details = result.details()
    assert details["trace"] == "placeholder"  # answer-only task, no HAR: the library still gets a trace
    (evaluator,) = details["evaluators"]
    assert evaluator["evaluator_name"] == "AgentResponseEvaluator" and evaluator["status"] == "failure"
    assert [a["assertion_name"] for a in evaluator["assertions"]] == ["agent_response_invalid_format"]
    assert result.metrics() == {"success": 0.0, "score": 0.0, "agent_response": 0.0}


def test_a_network_task_without_a_har_is_the_librarys_error_not_a_crash():
    result = wv.score_verified(tasks()[44], answer("navigate"), None, sites=SITES)
    assert (result.score, result.status, result.trace) == (0.0, "error", "none")
    assert "network_trace" in result.error


def test_a_missing_library_is_a_usage_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "webarena_verified.api.internal.evaluator", None)
    wv._library.cache_clear()
    try:
        with pytest.raises(UsageError, match=r"pip install 'webbench\[verified\]'"):
            wv.score_verified(tasks()[0], None, None)
    finally:
        wv._library.cache_clear()


def test_the_data_checksum_is_the_librarys_and_follows_the_file(tmp_path):
    from webarena_verified.core.utils.checksum import compute_data_file_checksum

    wv.score_verified(tasks()[0], None, None)  # installs the kept checksum
    from webarena_verified.api.internal import evaluator

    path = tmp_path / "data.json"
    path.write_text("[1]")
    assert evaluator.compute_data_file_checksum(path) == compute_data_file_checksum(path)
    path.write_text("[1, 2]")
    assert evaluator.compute_data_file_checksum(path) == compute_data_file_checksum(path)


def test_a_users_task_file_of_fewer_than_812_tasks_is_scored(tmp_path):
    mine = [tasks()[0], tasks()[44]]
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(mine))
    text = answer("retrieve", data=["Quest Lumaflex™ Band"])
    assert wv.score_verified(mine[0], text, None, path).score == 1.0
    assert wv.score_verified(mine[0], answer("retrieve", data=["x"]), None, path).score == 0.0
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(UsageError, match="bad.json: not a WebArena-Verified task file"):
        wv.score_verified(mine[0], text, None, bad)


def test_recorded_sites_come_from_the_details_or_the_start_urls():
    task = {"start_urls": ["__SHOPPING_ADMIN__/sales/order", "__GITLAB__"]}
    record = {"details": {"start_urls": ["http://h:1/admin/sales/order", "http://h:2"]}}
    assert wv.recorded_sites(task, record) == {"SHOPPING_ADMIN": "http://h:1/admin", "GITLAB": "http://h:2"}
    assert wv.recorded_sites(task, {"details": {"sites": {"GITLAB": "http://g"}}}) == {"GITLAB": "http://g"}
    assert wv.recorded_sites(task, {}) is None


def test_write_file_stays_inside_the_run_folder(tmp_path):
    store = RunStore.create(tmp_path, "r", {"config": {}})
    try:
        assert store.write_file("x/y.json", b"{}").read_bytes() == b"{}"
        for bad in ("../out.txt", "/etc/x", "episodes.jsonl", "manifest.json", ""):
            with pytest.raises(ValueError):
                store.write_file(bad, b"")
    finally:
        store.release()


def official_cli(layout: Path, cwd: Path | None = None) -> dict[int, float]:
    """Return the score of each task the official CLI finds in ``layout`` (its eval_result.json
    files), run in ``cwd``."""
    done = subprocess.run(
        [sys.executable, "-m", "webarena_verified", "eval-tasks", "--output-dir", str(layout)],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = (cwd or Path.cwd()) / layout
    return {int(p.parent.name): json.loads(p.read_text())["score"] for p in found.glob("*/eval_result.json")}


def test_the_official_cli_on_the_layout_gives_the_same_scores(tmp_path):
    store = RunStore.create(tmp_path, "run", {"config": {}})
    ours: dict[int, float] = {}
    kept = {case[1]: index for index, case in enumerate(CASES)}  # one episode per task: the last one
    try:
        for task_id, index in kept.items():
            _name, _, text, entries, _expected = CASES[index]
            artifacts = tmp_path / "art" / str(index)
            har = _har(artifacts.parent, index, entries)
            if har is not None:
                artifacts = har.parent
            task = tasks()[task_id]
            for relative, content in wv.verified_exports(task, text, artifacts, SITES).items():
                store.write_file(relative, content)
            result = wv.score_verified(task, text, har, sites=SITES)
            if result.status != "error":
                ours[task_id] = result.score
    finally:
        store.release()
    layout = store.path / wv.LAYOUT
    assert (layout / "389" / "network.har").is_file() and (layout / "0" / "agent_response.json").is_file()
    assert json.loads((layout / "389" / "run_config.json").read_text())["environments"] == {
        "__GITLAB__": {"urls": [SITES["GITLAB"]]}
    }
    official = official_cli(layout)
    assert official == ours
    assert set(official.values()) == {0.0, 1.0}


def test_the_cli_rescores_a_run_on_a_users_task_file_from_the_run_folder(tmp_path):
    official = tasks()
    mine = [
        {**official[0], "task_id": 9000},
        {**official[44], "task_id": 9001},
        {**official[94], "task_id": 5},
    ]
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(mine))
    episodes = [
        (mine[0], answer("retrieve", data=["Quest Lumaflex™ Band"]), None),
        (mine[1], answer("navigate"), [entry("GET", SITES["GITLAB"] + "/dashboard/todos", page=True)]),
        (mine[2], answer("retrieve", data=["$1.00"]), None),
    ]
    store = RunStore.create(tmp_path, "run", {"config": {}})
    ours = {}
    try:
        for index, (task, text, entries) in enumerate(episodes):
            har = _har(tmp_path, index, entries)
            for relative, content in wv.verified_exports(task, text, har and har.parent, SITES, path).items():
                store.write_file(relative, content)
            ours[task["task_id"]] = wv.score_verified(task, text, har, path, sites=SITES).score
    finally:
        store.release()
    assert ours == {9000: 1.0, 9001: 1.0, 5: 0.0}
    padded = json.loads((store.path / wv.LAYOUT_TASKS).read_text())
    assert len(padded) == 812 and padded[:3] == mine
    assert official_cli(Path(wv.LAYOUT), cwd=store.path) == ours


def test_the_cli_reads_a_placeholder_trace_and_an_empty_answer_like_the_library(tmp_path):
    task = tasks()[0]
    layout = tmp_path / "layout"
    for relative, content in wv.verified_exports(task, None, None).items():
        path = tmp_path / relative.replace(wv.LAYOUT, "layout", 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    assert official_cli(layout) == {0: wv.score_verified(task, None, None).score}


def test_a_navigation_entry_helper_is_what_the_library_calls_a_navigation():
    from types import MappingProxyType

    from webarena_verified.types.tracing import NetworkEvent

    assert NetworkEvent(data=MappingProxyType(entry("GET", "http://x/", page=True))).is_navigation_event
    assert not NetworkEvent(data=MappingProxyType(entry("GET", "http://x/"))).is_navigation_event
