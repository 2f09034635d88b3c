"""The WebLINX suite end to end on the fixture demonstrations (tests/fixtures/weblinx)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, read_jsonl

from webbench.cli import main
from webbench.core.suite import get_suite

FIXTURES = ROOT / "tests" / "fixtures" / "weblinx"
AGENTS = str(ROOT / "tests" / "weblinx_agents.py")


def run_eval(out: Path, split: str, agent: str, *extra: str, data: Path = FIXTURES) -> dict:
    """Run ``webbench eval`` in-process on the fixtures; return summary.json's suite entry."""
    code = main(
        ["eval", "--suite", "weblinx", "--data", str(data), "--split", split, "--agent", agent]
        + ["--out", str(out), "--run-id", "r", *extra]
    )
    assert code == 0
    return json.loads((out / "r" / "summary.json").read_text())["suites"]["weblinx"]


def predictions_agent(tmp_path: Path, predictions: dict[str, str]) -> list[str]:
    path = tmp_path / "predictions.json"
    path.write_text(json.dumps(predictions))
    return [f"{AGENTS}:Predictions", "--agent-arg", f"path={path}"]


def test_splits_and_tasks() -> None:
    suite = get_suite("weblinx")
    assert suite.splits() == [
        "train",
        "valid",
        "test_iid",
        "test_geo",
        "test_vis",
        "test_cat",
        "test_web",
        "test_ood",
    ]
    tasks = suite.load_tasks("test_ood", FIXTURES)
    assert [(t.id, t.split) for t in tasks] == [("aaafix2", "test_geo"), ("aaafix3", "test_vis")]
    valid = suite.load_tasks("valid", FIXTURES)
    assert valid[0].goal == "Find climate news on BBC and sort results by newest"


def test_oracle_with_every_fix_scores_one_everywhere(tmp_path: Path) -> None:
    summary = run_eval(tmp_path, "valid", "oracle", "--fixes", "all")
    assert summary["metrics"] and all(value == 1.0 for value in summary["metrics"].values()), summary[
        "metrics"
    ]
    assert summary["success_rate"] == 1.0
    assert summary["mean_steps"] == 9  # the 9 evaluated turns of aaafix1 (see test_evaluated_turns)


def test_oracle_official_scoring_reproduces_the_scroll_quirk(tmp_path: Path) -> None:
    metrics = run_eval(tmp_path, "valid", "oracle")["metrics"]
    # 9 turns, all perfect except the scroll turn, whose IoU is 0 officially (a scroll has no element)
    assert metrics["overall"] == metrics["overall_cond"] == pytest.approx(8 / 9)
    assert metrics["element_group"] == pytest.approx(4 / 5)  # click, textinput, submit, change, scroll
    others = {k: v for k, v in metrics.items() if not k.startswith(("overall", "element_group"))}
    assert all(value == 1.0 for value in others.values()), others


def test_evaluated_turns(tmp_path: Path) -> None:
    """Dataset turns with a good screenshot, minus the reference filter; the observation each sees."""
    log = tmp_path / "obs.jsonl"
    run_eval(tmp_path, "valid", f"{AGENTS}:Recorder", "--agent-arg", f"path={log}", "--screenshots")
    seen = read_jsonl(log)
    # dropped: 1 (chat before any screenshot), 7 (click then submit on the same uid), 11 (click then
    # copy), 14 (element without uid), 15 (no bboxes file), 16 (broken screenshot); 10/12/17 are
    # hover, copy and instructor turns
    assert [o["extra"]["turn_index"] for o in seen] == [2, 3, 5, 6, 8, 9, 13, 18, 19]
    assert [o["step"] for o in seen] == list(range(9))
    first, say, click = seen[0], seen[1], seen[2]
    assert first["goal"] == "Hi, can you open the BBC news site?"
    assert first["dialogue"] == [
        ["instructor", "Hi, can you open the BBC news site?"],
        ["navigator", "Sure, one moment."],
    ]
    assert first["history"] == [
        'say(speaker="instructor", utterance="Hi, can you open the BBC news site?")',
        'say(speaker="navigator", utterance="Sure, one moment.")',
    ]
    assert first["url"] == "https://www.bbc.com/news" and first["text_has_html"] and first["screenshot"]
    assert first["extra"]["viewport"] == [1280, 720]
    assert say["elements"] == first["elements"]  # a chat turn sees the latest page
    assert click["goal"] == "Search for climate news please"
    assert click["history"][-1] == 'say(speaker="instructor", utterance="Search for climate news please")'
    elements = {e[0]: e for e in click["elements"]}
    assert elements["b0003"] == ["b0003", "button", "🔍 Search", [900.0, 12.0, 80.0, 36.0]]
    assert elements["b0010"][3] is None  # in the HTML, not in the bboxes file
    assert "f0001" in elements and len(elements) == 12
    assert seen[6]["history"][10:13] == [
        'hover(uid="b0006")',
        'click(uid="b0006")',
        'copy(uid="b0006")',
    ]


CRAFTED = {
    "aaafix1:2": 'load(url="https://www.bbc.com/news?lang=en")',  # URLF 1 (query ignored)
    "aaafix1:3": 'click(uid="b0002")',  # wrong intent (say)
    "aaafix1:5": 'click(uid="b0011")',  # IoU 30/80 = 0.375 -> 0.38 officially
    "aaafix1:6": 'text_input(text="climate", uid="b0002")',  # right text, disjoint box: IoU 0
    "aaafix1:8": 'click(uid="b0005")',  # wrong intent (submit)
    "aaafix1:9": "scroll(x=0, y=600)",  # IoU 0 officially (scroll-iou)
    "aaafix1:13": 'say(speaker="navigator", utterance="The top story is: Climate summit ends with a deal")',
    "aaafix1:18": 'change(value="Newest", uid="b0008")',
    "aaafix1:19": "I am done!",  # unparsable: wrong intent
}


def test_crafted_predictions_official(tmp_path: Path) -> None:
    metrics = run_eval(tmp_path, "valid", *predictions_agent(tmp_path, CRAFTED))["metrics"]
    expected = {
        "intent_match": 6 / 9,
        "overall_cond": (1 + 0.38 + 0 + 0 + 1 + 1) / 6,
        "overall": (1 + 0.38 + 0 + 0 + 1 + 1) / 9,
        "element_group_cond": (0.38 + 0 + 0 + 1) / 4,
        "element_group": (0.38 + 0 + 0 + 1) / 7,  # + the three wrong-intent turns, at 0
        "text_group_cond": 1.0,
        "text_group": 4 / 7,
        "say_im": 1 / 3,
        "say_chrf": 1 / 3,
        "say_chrf_cond": 1.0,
        "click_iou": 0.38,
        "submit_im": 0.0,
        "submit_iou": 0.0,
        "submit_iou_cond": None,
        "scroll_im": 1.0,
        "textinput_iou": 0.0,
        "textinput_chrf": 1.0,
        "load_urlf": 1.0,
        "change_iou": 1.0,
    }
    for name, value in expected.items():
        assert metrics[name] == (None if value is None else pytest.approx(value)), name


def test_crafted_predictions_with_fixes(tmp_path: Path) -> None:
    agent = predictions_agent(tmp_path, CRAFTED)
    metrics = run_eval(tmp_path, "valid", *agent, "--fixes", "round2,scroll-iou")["metrics"]
    assert metrics["click_iou"] == 0.375
    assert metrics["overall_cond"] == pytest.approx(3.375 / 5)  # the scroll turn has no overall score
    assert metrics["overall"] == pytest.approx(3.375 / 8)
    assert metrics["element_group"] == pytest.approx(1.375 / 6)


OOD = {
    "aaafix2:1": 'load(url="https://eather.gc.ca/canada_e.html")',  # URLF 1 officially (lstrip), 0.5 fixed
    "aaafix2:2": 'say(speaker="navigator", utterance="Here is the forecast page for Canada.")',
    "aaafix2:3": "click(x=150, y=310)",  # the smallest box at (150, 310) is the reference element
    "aaafix3:1": 'text_input(text="hello team", uid="m0002")',
    "aaafix3:2": 'say(speaker="navigator", utterance="scrolling")',  # wrong intent (scroll)
    "aaafix3:3": 'say(speaker="navigator", utterance="Typed it, anything else?")',
}


def test_test_ood_is_the_mean_of_the_split_values(tmp_path: Path) -> None:
    summary = run_eval(tmp_path, "test_ood", *predictions_agent(tmp_path, OOD))
    groups = summary["groups"]["split"]
    assert set(groups) == {"test_geo", "test_vis"}
    assert groups["test_geo"]["overall"] == 1.0
    assert groups["test_vis"]["overall"] == pytest.approx(2 / 3)
    assert groups["test_vis"]["element_group"] == 0.5
    metrics = summary["metrics"]
    assert metrics["overall"] == pytest.approx((1 + 2 / 3) / 2)  # not the micro mean over 6 turns (5/6)
    assert metrics["intent_match"] == pytest.approx((1 + 2 / 3) / 2)
    assert metrics["element_group"] == pytest.approx((1 + 0.5) / 2)  # micro would be 2/3
    assert metrics["overall_cond"] == 1.0
    assert any("TEST_OOD" in note for note in summary["notes"])


def test_urlf_fix_changes_the_ood_number(tmp_path: Path) -> None:
    summary = run_eval(tmp_path, "test_ood", *predictions_agent(tmp_path, OOD), "--fixes", "urlf-lstrip")
    assert summary["groups"]["split"]["test_geo"]["load_urlf"] == 0.5
    assert summary["groups"]["split"]["test_geo"]["overall"] == pytest.approx(2.5 / 3)
    assert any("not the official numbers" in note for note in summary["notes"])


# -- bad input ------------------------------------------------------------------------------


def broken_copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES, data)
    return data


def test_bad_replay_json_fails_only_its_episode(tmp_path: Path) -> None:
    data = broken_copy(tmp_path)
    (data / "demonstrations" / "aaafix2" / "replay.json").write_text("{not json")
    summary = run_eval(tmp_path, "test_ood", "oracle", data=data)
    assert summary["status_counts"]["env_error"] == 1 and summary["status_counts"]["ok"] == 1
    records = {r["task_id"]: r for r in read_jsonl(tmp_path / "r" / "episodes.jsonl")}
    assert "aaafix2/replay.json: not valid JSON" in records["aaafix2"]["error"]
    assert records["aaafix3"]["status"] == "ok"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d[6]["action"]["arguments"].pop("text"),
            "data[6].action.arguments: field 'text' is missing",
        ),
        (lambda d: d[9]["action"]["arguments"].update(scrollY="far"), "field 'scrollY' must be a number"),
        (lambda d: d[3].update(type="video"), "data[3]: field 'type' must be 'chat' or 'browser'"),
        (lambda d: d[0].pop("utterance"), "data[0]: field 'utterance' is missing"),
        (lambda d: d[5]["action"].pop("intent"), "data[5].action: field 'intent' is missing"),
        (
            lambda d: d[5]["state"].update(page="page5.html"),
            "data[5]: field 'state.page' 'page5.html' is not",
        ),
    ],
)
def test_malformed_replay_names_file_record_and_field(tmp_path: Path, edit, message: str) -> None:
    data = broken_copy(tmp_path)
    path = data / "demonstrations" / "aaafix1" / "replay.json"
    replay = json.loads(path.read_text())
    edit(replay["data"])
    path.write_text(json.dumps(replay))
    run_eval(tmp_path, "valid", "oracle", data=data)
    (record,) = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    assert record["status"] == "env_error"
    assert f"{path}: " in record["error"] and message in record["error"], record["error"]


def test_malformed_bboxes_names_file_record_and_field(tmp_path: Path) -> None:
    data = broken_copy(tmp_path)
    path = data / "demonstrations" / "aaafix1" / "bboxes" / "bboxes-5.json"
    boxes = json.loads(path.read_text())
    boxes["b0003"]["left"] = "far"
    path.write_text(json.dumps(boxes))
    run_eval(tmp_path, "valid", "oracle", data=data)
    (record,) = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    assert f"{path}: record 'b0003': left must be a number" in record["error"]


def test_bad_splits_and_missing_data_are_usage_errors(tmp_path: Path, capsys) -> None:
    data = broken_copy(tmp_path)
    (data / "splits.json").write_text(json.dumps({"valid": "aaafix1"}))
    args = ["eval", "--suite", "weblinx", "--split", "valid", "--agent", "oracle", "--out", str(tmp_path)]
    assert main([*args, "--data", str(data)]) == 2
    assert f"{data / 'splits.json'}: split 'valid': must be a list" in capsys.readouterr().err
    (data / "splits.json").write_text("[1,")
    assert main([*args, "--data", str(data)]) == 2
    assert "splits.json: not valid JSON" in capsys.readouterr().err
    assert main([*args, "--data", str(tmp_path / "nowhere")]) == 2
    assert "no WebLINX data at" in capsys.readouterr().err
    assert main([*args, "--data", str(FIXTURES), "--fixes", "round3"]) == 2
    assert "unknown quirk(s) round3" in capsys.readouterr().err


def test_missing_demo_folder_fails_only_its_episode(tmp_path: Path) -> None:
    data = broken_copy(tmp_path)
    shutil.rmtree(data / "demonstrations" / "aaafix3")
    summary = run_eval(tmp_path, "test_ood", "oracle", data=data)
    assert summary["status_counts"] == {"ok": 1, "agent_error": 0, "env_error": 1, "timeout": 0}
    errors = [r["error"] for r in read_jsonl(tmp_path / "r" / "episodes.jsonl") if r["error"]]
    assert errors == [
        f"env reset failed: WeblinxDataError: {data / 'demonstrations' / 'aaafix3'}: demonstration folder not found"
    ]


# -- against the official weblinx package -----------------------------------------------------

#: Predictions for the dataset turns the reference filter drops (the official pipeline sees them too).
FILTERED = {
    "aaafix1:7": 'click(uid="b0005")',
    "aaafix1:11": 'click(uid="b0006")',
    "aaafix1:14": 'click(uid="b0009")',
    "aaafix1:15": 'click(uid="b0007")',
}


def official_scores(tmp_path: Path, split: str, predictions: dict[str, str]) -> dict[tuple[str, str], tuple]:
    """Return {(intent, metric): (conditional, unconditional)} from the official weblinx evaluation."""
    import weblinx
    from weblinx.eval import auto_eval_and_save, compute_aggregated_scores
    from weblinx.processing.prompt import select_turns_and_candidates_for_prompts

    base = str(FIXTURES / "demonstrations")
    names = json.loads((FIXTURES / "splits.json").read_text())[split]
    turns = select_turns_and_candidates_for_prompts([weblinx.Demonstration(n, base_dir=base) for n in names])
    results = [
        {
            "demo_name": rec["turn"].demo_name,
            "turn_index": rec["turn"].index,
            "output_predicted": predictions[f"{rec['turn'].demo_name}:{rec['turn'].index}"],
        }
        for rec in turns
    ]
    folder = tmp_path / "official" / "project" / split / "model"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(results))
    split_file = str(FIXTURES / "splits.json")
    kwargs = {"splits": [split], "split_file": split_file}
    auto_eval_and_save(tmp_path / "official", base_dir=base, check_hashes=False, **kwargs)
    records = compute_aggregated_scores(tmp_path / "official", verbose=False, **kwargs)
    return {(r["intent"], r["metric"]): (r["score"], r["unconditional_score"]) for r in records}


def our_name(intent: str, metric: str) -> str | None:
    """Return our metric name for an official (intent, metric) record (None: not reported)."""
    if metric == "exact-match":
        return None
    if intent == "overall":
        return "overall" if metric == "overall" else "intent_match"
    if intent in ("element-group", "text-group"):
        return intent.replace("-", "_")
    return f"{intent}_im" if metric == "intent-match" else f"{intent}_{metric}"


@pytest.mark.parametrize(("split", "predictions"), [("valid", CRAFTED), ("test_geo", OOD), ("test_vis", OOD)])
def test_same_numbers_as_the_official_package(tmp_path: Path, monkeypatch, split: str, predictions) -> None:
    pytest.importorskip("weblinx.eval")
    monkeypatch.chdir(tmp_path)  # the official code caches xpaths under ./.cache
    official = official_scores(tmp_path, split, predictions | FILTERED)
    ours = run_eval(tmp_path, split, *predictions_agent(tmp_path, predictions))["metrics"]
    compared = 0
    for (intent, metric), (conditional, unconditional) in official.items():
        name = our_name(intent, metric)
        if name is None:
            continue
        conditional_name = name if name == "intent_match" or name.endswith("_im") else f"{name}_cond"
        assert ours[name] == pytest.approx(unconditional), name
        assert ours[conditional_name] == (None if conditional is None else pytest.approx(conditional)), name
        compared += 1
    assert compared >= 8


def test_data_source_pulls_what_the_suite_reads_and_no_screenshots() -> None:
    from webbench.core.suite import get_suite

    (source,) = get_suite("weblinx").data_sources()
    hub = source.hub
    assert hub is not None and hub.repo_id == "McGill-NLP/WebLINX-full"
    wanted = [
        "splits.json",
        "demonstrations/abc/replay.json",
        "demonstrations/abc/form.json",
        "demonstrations/abc/metadata.json",
        "demonstrations/abc/pages/page-1-0.html",
        "demonstrations/abc/bboxes/bboxes-1.json",
    ]
    assert all(hub.wants(path) for path in wanted)
    assert not hub.wants("demonstrations/abc/screenshots/screenshot-1-0.png")
    assert not hub.wants("candidates/test_iid.jsonl")
