"""A real WebArena-Infinity run (the apps' servers, Chromium, the official verifiers) in the report:
filmstrips of the screenshots the run kept, the verifier's breakdown, and Playwright trace links.

The run uses the suite's defaults (screenshots on) with ``--trace on``; a second run checks that
``--trace retain-on-failure`` keeps the trace of the failed episode only. The report's episode page
of the solved Linear task is saved as test-output/report-episode.png (the README's picture).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import ROOT, read_jsonl, webbench
from PIL import Image
from test_report_browser import browser, open_page  # noqa: F401 (the fixture)
from test_webarena_infinity import INFINITY, infinity_eval

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not INFINITY.is_dir(), reason="../shared/data/webarena-infinity is missing"),
]

OUTPUT = ROOT / "test-output"
SOLVED = ["gmail/task_23", "linear-account-settings/task_1"]  # the scripted agent has plans for these
UNSOLVED = "gmail/task_2"  # no plan: the scripted agent waits until the step limit
TASKS = ",".join([*SOLVED, UNSOLVED])


def episode_folder(run: Path, record: dict) -> Path:
    """Return the artifacts folder of ``record`` (its trajectory file without ``.json``)."""
    return run / Path(record["trajectory"]).with_suffix("")


@pytest.fixture(scope="module")
def live_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("live")
    result = infinity_eval(out, TASKS, "scripted", "--trace", "on", "--max-steps", "5")
    assert result.returncode == 0, result.stderr
    return out / "r"


def test_the_run_keeps_a_screenshot_a_target_box_and_a_trace_per_episode(live_run: Path) -> None:
    records = {r["task_id"]: r for r in read_jsonl(live_run / "episodes.jsonl")}
    assert [records[t]["success"] for t in [*SOLVED, UNSOLVED]] == [True, True, False]
    for record in records.values():
        folder = episode_folder(live_run, record)
        steps = json.loads((live_run / record["trajectory"]).read_text())["steps"]
        assert len(steps) == record["steps"] and all(s.get("screenshot") for s in steps)
        for step in steps:
            with Image.open(live_run / "trajectories" / step["screenshot"]) as image:
                assert list(image.size) == step["screenshot_size"] == [1280, 900]  # the suite's viewport
            if step["action"].startswith(("click(", "type(")):  # the element's box, where the page had it
                x, y, w, h = step["target"]["shot_bbox"]
                assert w > 0 and h > 0 and [x, y] == step["target"]["bbox"][:2]  # these pages do not scroll
        with zipfile.ZipFile(folder / "trace.zip") as trace:  # a real Playwright trace
            assert any(name.endswith(".trace") for name in trace.namelist())
        evaluators = record["details"]["evaluators"]
        assert evaluators == [
            {"name": "verifier", "score": float(record["success"]), "message": record["details"]["verifier"]}
        ]


def test_retain_on_failure_keeps_only_the_failed_episodes_trace(tmp_path) -> None:
    result = infinity_eval(tmp_path, f"{SOLVED[0]},{UNSOLVED}", "scripted", "--trace", "retain-on-failure")
    assert result.returncode == 0, result.stderr
    records = {r["task_id"]: r for r in read_jsonl(tmp_path / "r" / "episodes.jsonl")}
    assert records[SOLVED[0]]["success"] and not records[UNSOLVED]["success"]
    assert not (episode_folder(tmp_path / "r", records[SOLVED[0]]) / "trace.zip").exists()
    assert zipfile.is_zipfile(episode_folder(tmp_path / "r", records[UNSOLVED]) / "trace.zip")
    # the screenshots stay: only the trace depends on the outcome
    assert (episode_folder(tmp_path / "r", records[SOLVED[0]]) / "step-000.png").is_file()


def test_an_episode_whose_site_died_keeps_its_trace(tmp_path) -> None:
    agent = f"{ROOT / 'tests' / 'infinity_agents.py'}:KillServer"  # kills the app server at step 1
    tasks = "linear-account-settings/task_1,linear-account-settings/task_2"
    result = infinity_eval(tmp_path, tasks, agent, "--trace", "retain-on-failure")
    assert result.returncode == 0, result.stderr
    first, second = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    assert first["status"] == "env_error" and second["status"] == "ok"
    assert zipfile.is_zipfile(
        episode_folder(tmp_path / "r", first) / "trace.zip"
    )  # written as the env closed


def test_the_real_run_opens_in_the_report_with_filmstrips_breakdowns_and_traces(
    browser,  # noqa: F811
    live_run: Path,
) -> None:
    out = live_run.parent / "report" / "report.html"
    result = webbench("report", str(live_run), "-o", str(out))
    assert result.returncode == 0, result.stderr
    records = read_jsonl(live_run / "episodes.jsonl")
    page, errors = open_page(browser, out.as_uri())
    for index, record in enumerate(records):
        page.evaluate(f"location.hash = '#ep-{index}'")
        page.wait_for_selector("#episode .film-img")
        page.wait_for_function("Array.from(document.querySelectorAll('#episode img')).every(i => i.complete)")
        assert page.locator("#episode .film-thumb img").count() == record["steps"]
        widths = page.locator("#episode .film-thumb img").evaluate_all("l => l.map(i => i.naturalWidth)")
        assert widths == [1280] * record["steps"]
        breakdown = page.inner_text("#episode .evaluators")
        assert "verifier" in breakdown and ("1 pass" if record["success"] else "0 fail") in breakdown
        trace = page.locator("#episode ul.artifacts a", has_text="trace.zip").get_attribute("href")
        assert zipfile.is_zipfile(out.parent / unquote(trace))
        command = page.inner_text("#episode ul.artifacts code")
        assert command == f"playwright show-trace {unquote(trace)}"
        steps = json.loads((live_run / record["trajectory"]).read_text())["steps"]
        for number, step in enumerate(steps):  # the outline sits on the recorded box, at every step
            box = step.get("target", {}).get("shot_bbox")
            if box and box[1] >= 900:  # below the fold (Gmail's settings): the page says so
                assert page.locator("#episode .film-box").is_hidden()
                assert "outside this screenshot" in page.inner_text("#episode .film-offscreen")
            elif box:
                drawn = page.evaluate(
                    """() => { const i = document.querySelector('#episode .film-img');
                    const r = i.getBoundingClientRect(), b = document.querySelector('#episode .film-box').getBoundingClientRect();
                    const k = r.width / i.naturalWidth;
                    return [(b.left - r.left) / k, (b.top - r.top) / k, b.width / k, b.height / k]; }"""
                )
                assert drawn == pytest.approx(box, abs=2.0), number
            else:
                assert page.locator("#episode .film-box").is_hidden()
            page.keyboard.press("ArrowRight")
        if record["task_id"] == SOLVED[1]:
            page.keyboard.press("Home")
            page.locator("#episode .film-thumb").nth(1).click()
            OUTPUT.mkdir(exist_ok=True)
            page.evaluate(
                "document.querySelector('header.top').style.position = 'static'"
            )  # not over the page
            page.screenshot(path=str(OUTPUT / "report-episode.png"), full_page=True)
    page.evaluate("location.hash = ''")
    cell = page.locator(f"table.matrix tr[data-text='{UNSOLVED}'] td.cell")
    assert cell.get_attribute("title") == "1 of 1 episodes failed; failing: verifier"
    assert errors == []
