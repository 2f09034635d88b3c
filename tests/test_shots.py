"""What a step keeps for the report: its screenshot (downscaled, within a budget), the targeted
element's box, and the one-line reason an episode failed."""

from __future__ import annotations

import io

from conftest import webbench
from PIL import Image

from webbench.core.action import make_action
from webbench.core.record import EpisodeRecord
from webbench.core.types import Element, Observation
from webbench.report.html import failing_evaluator
from webbench.run.episode import target_entry
from webbench.run.shots import ShotKeeper, ShotPolicy, images_bytes, png_size


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_screenshot_that_fits_is_kept_byte_for_byte(tmp_path):
    image = png(640, 360)
    fields = ShotKeeper(ShotPolicy(max_width=640)).keep(image, tmp_path / "ep", "step-000")
    assert fields == {"screenshot": "step-000.png", "screenshot_size": [640, 360]}
    assert (tmp_path / "ep" / "step-000.png").read_bytes() == image


def test_a_wider_screenshot_is_kept_as_a_jpeg_at_the_max_width_with_its_scale(tmp_path):
    fields = ShotKeeper(ShotPolicy(max_width=320)).keep(png(1280, 900), tmp_path, "step-001")
    assert fields == {"screenshot": "step-001.jpg", "screenshot_size": [320, 225], "screenshot_scale": 0.25}
    with Image.open(tmp_path / "step-001.jpg") as kept:
        assert kept.format == "JPEG" and kept.size == (320, 225)


def test_past_the_budget_steps_keep_no_screenshot_and_say_why(tmp_path):
    image = png(100, 100)
    keeper = ShotKeeper(ShotPolicy(budget_bytes=len(image) * 2))
    kept = [keeper.keep(image, tmp_path, f"step-{i:03d}") for i in range(3)]
    assert [k.get("screenshot") for k in kept] == ["step-000.png", "step-001.png", None]
    assert kept[2] == {"screenshot_skipped": "budget"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-000.png", "step-001.png"]
    assert images_bytes(tmp_path) == keeper.used == len(image) * 2  # what a resumed run counts


def test_png_size_reads_the_header_and_refuses_other_bytes():
    assert png_size(png(17, 5)) == (17, 5)
    assert png_size(b"\xff\xd8\xff\xe0 not a png") is None


def test_the_target_box_is_moved_by_the_scroll_offset_onto_the_screenshot():
    obs = Observation(
        goal="g",
        elements=[
            Element("7", "button", "Save", (100.0, 1300.0, 80.0, 20.0)),
            Element("8", "text", "no box"),
        ],
        extra={"scroll": (10.0, 1000.0)},
    )
    assert target_entry(obs, make_action("click", "7")) == {
        "id": "7",
        "bbox": [100.0, 1300.0, 80.0, 20.0],
        "shot_bbox": [90.0, 300.0, 80.0, 20.0],
    }
    assert target_entry(obs, make_action("click", "8")) is None  # no box
    assert target_entry(obs, make_action("click", "99")) is None  # not on the page
    assert target_entry(obs, make_action("scroll", "down")) is None  # no element
    assert target_entry(Observation(goal="g", elements=obs.elements), make_action("hover", "7"))[
        "shot_bbox"
    ] == [
        100.0,
        1300.0,
        80.0,
        20.0,
    ]  # an env without a scroll offset: the page box is the screenshot box


def test_the_failing_evaluator_names_the_first_entry_that_failed_else_the_error():
    details = {
        "evaluators": [
            {"name": "string_match", "score": 1.0},
            {"name": "program_html", "score": 0.0, "message": "wanted 'Paid',\n got 'Draft'"},
            {"name": "judge", "score": 0, "verdict": "NOT SUCCESS"},
        ]
    }
    failed = EpisodeRecord(suite="s", task_id="t", episode=0, details=details)
    assert failing_evaluator(failed) == "program_html: wanted 'Paid', got 'Draft'"
    judge_only = EpisodeRecord(
        suite="s", task_id="t", episode=0, details={"evaluators": details["evaluators"][2:]}
    )
    assert failing_evaluator(judge_only) == "judge: NOT SUCCESS"
    crashed = EpisodeRecord(suite="s", task_id="t", episode=0, status="env_error", error="site down")
    assert failing_evaluator(crashed) == "site down"
    solved = EpisodeRecord(suite="s", task_id="t", episode=0, success=True, details=details)
    assert failing_evaluator(solved) is None


def test_screenshot_options_are_checked_before_anything_runs(tmp_path):
    for option, value, message in [
        ("--screenshot-max-width", "8", "--screenshot-max-width must be at least 16 pixels (got 8)"),
        ("--screenshot-budget-mb", "-1", "--screenshot-budget-mb -1: must be a number of MB >= 0"),
    ]:
        result = webbench(
            "eval", "--suite", "miniwob", "--agent", "random", "--tasks", "click-test",
            "--out", str(tmp_path), option, value,
        )  # fmt: skip
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
