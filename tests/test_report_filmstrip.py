"""The episode filmstrip, evaluator breakdown and artifact links, opened in headless Chromium.

The run is written in the store's format with real image files: each step's screenshot has a
filled rectangle where the targeted element is, so that the drawn outline can be compared with
the recorded box (and a reviewer sees the same in test-output/report-filmstrip.png).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import ROOT, webbench
from PIL import Image, ImageDraw
from report_runs import make_run
from test_report_browser import CHROMIUM, PAYLOAD, browser, open_page  # noqa: F401 (the fixture)

from webbench.run.episode import safe_name

pytestmark = pytest.mark.browser

OUTPUT = ROOT / "test-output"
TASK = "mail/task-1"
# (stored image size, screenshot_scale, the target's box on the full-size screenshot)
FRAMES = [
    ((640, 400), 1.0, [40.0, 60.0, 120.0, 30.0]),
    ((320, 200), 0.5, [300.0, 200.0, 200.0, 80.0]),  # kept downscaled: the box is scaled too
    ((640, 400), 1.0, None),  # a step without a target (answer)
]


def frame_png(size: tuple[int, int], box: list[float] | None) -> bytes:
    """Return a PNG of ``size``: white, with ``box`` (image pixels) filled blue."""
    image = Image.new("RGB", size, "white")
    if box is not None:
        x, y, w, h = box
        ImageDraw.Draw(image).rectangle([x, y, x + w - 1, y + h - 1], fill=(30, 64, 175))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def filmstrip_steps(task: str, episode: int, success: bool) -> list[dict]:
    """Return the steps of every episode: three frames, hostile page URL, reply and error."""
    name = f"{safe_name(task)}__{episode}"
    steps = []
    for index, (size, scale, box) in enumerate(FRAMES):
        step = {
            "step": index,
            "observation": {"url": f"http://mail.test/{index}?q={PAYLOAD}"},
            "action": 'answer("x")' if box is None else f'click("{10 + index}")',
            "error": f"the page said {PAYLOAD}" if index == 1 else None,
            "agent_s": 0.25,
            "env_s": 0.125,
            "screenshot": f"{name}/step-{index:03d}.png",
            "screenshot_size": list(size),
            "agent": {"calls": [{"reply": f"Thought: look {PAYLOAD}\nAction: click"}]},
        }
        if scale != 1.0:
            step["screenshot_scale"] = scale
        if box is not None:
            step["target"] = {
                "id": str(10 + index),
                "bbox": [box[0], box[1] + 500, *box[2:]],
                "shot_bbox": box,
            }
        steps.append(step)
    return steps


@pytest.fixture(scope="module")
def film_report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("film")
    run = make_run(
        root,
        "live",
        "vision-agent",
        {TASK: [False], "mail/task-2": [True]},
        suite="webarena_infinity",
        goal="Archive the mail.",
        record_extra={
            "answer": f"done {PAYLOAD}",
            "details": {
                "app": "mail",
                "verifier": f"FAIL {PAYLOAD}",
                "evaluators": [
                    {"name": "verifier", "score": 0.0, "message": f"expected archived, got inbox {PAYLOAD}"},
                    {"name": "judge", "score": 1.0, "verdict": "SUCCESS", "reply": f"SUCCESS {PAYLOAD}"},
                ],
            },
        },
        steps=filmstrip_steps,
    )
    for task in (TASK, "mail/task-2"):
        folder = run / "trajectories" / f"{safe_name(task)}__0"
        folder.mkdir()
        for index, (size, scale, box) in enumerate(FRAMES):
            shown = None if box is None else [v * scale for v in box]
            (folder / f"step-{index:03d}.png").write_bytes(frame_png(size, shown))
        with zipfile.ZipFile(folder / "trace.zip", "w") as archive:
            archive.writestr("trace.trace", "{}")
        (folder / "network.har").write_text('{"log": {"entries": []}}')
    out = root / "report" / "report.html"
    result = webbench("report", str(run), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def open_episode(browser, report: Path, index: int = 0):  # noqa: F811
    page, errors = open_page(browser, report.as_uri() + f"#ep-{index}")
    page.wait_for_selector("#episode .film-img")
    page.wait_for_function("Array.from(document.querySelectorAll('#episode img')).every(i => i.complete)")
    return page, errors


def test_filmstrip_has_one_frame_per_step_with_images(browser, film_report: Path) -> None:  # noqa: F811
    page, errors = open_episode(browser, film_report)
    thumbs = page.locator("#episode .film-thumb img")
    assert page.locator("#episode .film-thumb").count() == len(FRAMES) == thumbs.count()
    assert thumbs.evaluate_all("l => l.map(i => i.naturalWidth)") == [640, 320, 640]
    for src in thumbs.evaluate_all("l => l.map(i => i.getAttribute('src'))"):
        assert (film_report.parent / unquote(src)).is_file()
    assert page.inner_text("#episode .film-pos").startswith("step 0 of 3")
    assert errors == []


def outline_vs_box(page) -> tuple[dict, dict]:
    """Return the drawn outline's rectangle and the recorded box scaled to the shown image."""
    return page.evaluate(
        """() => {
        const img = document.querySelector('#episode .film-img').getBoundingClientRect();
        const box = document.querySelector('#episode .film-box').getBoundingClientRect();
        return [{x: box.left - img.left, y: box.top - img.top, w: box.width, h: box.height},
                {k: img.width / document.querySelector('#episode .film-img').naturalWidth}];
    }"""
    )


def test_outline_sits_on_the_targeted_elements_box_and_arrows_move(browser, film_report: Path) -> None:  # noqa: F811
    page, errors = open_episode(browser, film_report)
    for index, (_size, scale, box) in enumerate(FRAMES):
        assert page.inner_text("#episode .film-pos").startswith(f"step {index} of 3")
        if box is None:
            assert page.locator("#episode .film-box").is_hidden()
        else:
            drawn, shown = outline_vs_box(page)
            expected = [v * scale * shown["k"] for v in box]  # recorded box -> kept image -> on screen
            assert [drawn["x"], drawn["y"], drawn["w"], drawn["h"]] == pytest.approx(expected, abs=1.0)
            # and the image under the outline's centre is the rectangle drawn where the element is
            src = page.locator("#episode .film-img").get_attribute("src")
            with Image.open(film_report.parent / unquote(src)) as image:
                centre = (
                    (drawn["x"] + drawn["w"] / 2) / shown["k"],
                    (drawn["y"] + drawn["h"] / 2) / shown["k"],
                )
                assert image.getpixel((int(centre[0]), int(centre[1]))) == (30, 64, 175)
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # past the last step: stays
    assert page.inner_text("#episode .film-pos").startswith("step 2 of 3")
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#episode .film-pos").startswith("step 1 of 3")
    assert page.locator("#episode .film-thumb[aria-selected=true]").inner_text().strip() == "1"
    assert "the page said" in page.inner_text("#episode .film-info")
    page.locator("#episode .film-thumb").nth(0).click()
    assert page.inner_text("#episode .film-pos").startswith("step 0 of 3")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "report-filmstrip.png"), full_page=True)
    assert errors == []


def test_hostile_page_text_replies_and_verdicts_are_inert(browser, film_report: Path) -> None:  # noqa: F811
    page, errors = open_episode(browser, film_report)
    for _ in FRAMES:  # every frame's URL, error and LLM reply is shown
        info = page.inner_text("#episode .film-info")
        assert PAYLOAD in info
        page.keyboard.press("ArrowRight")
    breakdown = page.inner_text("#episode .evaluators")
    assert f"expected archived, got inbox {PAYLOAD}" in breakdown and f"SUCCESS {PAYLOAD}" in breakdown
    assert "0 fail" in breakdown and "1 pass" in breakdown
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x']").count() == 0 and page.locator("#episode b").count() == 0
    assert errors == []


def test_trace_and_har_links_point_to_the_episodes_files(browser, film_report: Path) -> None:  # noqa: F811
    page, errors = open_episode(browser, film_report)
    links = page.locator("#episode ul.artifacts a")
    names = links.all_inner_texts()
    assert names == ["network.har", "trace.zip"]
    for href in links.evaluate_all("l => l.map(a => a.getAttribute('href'))"):
        assert (film_report.parent / unquote(href)).is_file()
    command = page.inner_text("#episode ul.artifacts code")
    assert command.startswith("playwright show-trace ")
    assert zipfile.is_zipfile(film_report.parent / command.split(" ", 2)[2])
    assert errors == []


def test_matrix_cells_name_the_failing_evaluator(browser, film_report: Path) -> None:  # noqa: F811
    page, errors = open_page(browser, film_report.as_uri())
    cell = page.locator("table.matrix tr", has_text="task-1").locator("td.cell")
    assert cell.get_attribute("title") == "1 of 1 episodes failed; failing: verifier"
    square = cell.locator("a.ep").get_attribute("title")
    assert square.startswith("episode 0: failed (verifier: expected archived, got inbox")
    assert errors == []
