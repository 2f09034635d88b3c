"""AutoWebBench: official scoring on hand-computed cases, the suite on the real files, the CLI end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webbench.cli import main
from webbench.core.action import parse_action
from webbench.metrics import autowebbench as m
from webbench.suites.autowebbench import SUITE, jieba_cut, observation, parse_elements

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "autowebbench"
SPLITS = ("en_ind", "en_ood", "zh_ind", "zh_ood")
EPS_ONE = 2.0 / (2.0 + 1e-8)  # rouge_chinese's F for identical word sets


@pytest.fixture(scope="module")
def cut():
    return jieba_cut()


def score(labels, pred, cut, official=True):
    result = m.score_step(m.label_list(labels), pred, cut, official)
    return result


# -- ROUGE-1 -------------------------------------------------------------------------------------


def test_rouge1_by_hand(cut):
    # {Market, Segments} against {Market, Segments, 2023}: p = 1, r = 2/3, F = 0.8 (minus the 1e-8 term)
    assert m.rouge1_f("Market Segments", "Market Segments 2023", cut) == pytest.approx(0.8, abs=1e-7)
    assert m.rouge1_f("Market Segments", "Market Segments", cut) == EPS_ONE
    assert m.rouge1_f("market", "Market", cut) == 0.0  # case-sensitive
    # jieba: 马来西亚/本科/留学 against 马来西亚/留学: p = 2/3, r = 1
    assert m.rouge1_f("马来西亚本科留学", "马来西亚留学", cut) == pytest.approx(0.8, abs=1e-7)
    # punctuation is a token of its own: {Tool, .} against {Tool}: p = 1/2, r = 1, F = 2/3
    assert m.rouge1_f("Tool.", "Tool", cut) == pytest.approx(2 / 3, abs=1e-7)
    assert m.rouge1_f(None, "x", cut) is None
    assert m.rouge1_f("   ", "x", cut) is None  # rouge_chinese raises "Hypothesis is empty"


def test_rouge1_matches_rouge_chinese_on_every_real_parameter(cut):
    rouge_chinese = pytest.importorskip("rouge_chinese")
    rouge = rouge_chinese.Rouge()
    checked = 0
    for split in SPLITS:
        for record in json.loads((DATA / "full" / f"{split}.test.json").read_text(encoding="utf-8")):
            param = m.extract(m.strict_call(record["target"]), official=False).param
            if not isinstance(param, str) or not param.strip():
                continue
            variant = " ".join(param.split()[: max(1, len(param.split()) // 2)]) + " extra words."
            for hyp in (param, variant):
                ref = rouge.get_scores(" ".join(cut(hyp)), " ".join(cut(param)))[0]["rouge-1"]["f"]
                assert m.rouge1_f(hyp, param, cut) == pytest.approx(ref, abs=1e-12)
                checked += 1
    assert checked > 100


# -- one step, official quirks -------------------------------------------------------------------


def test_exact_click(cut):
    assert score("click('SD')", "click('SD')", cut) == {"type": 1.0, "label": 1.0, "all": 1.0, "right": 1.0}


def test_wrong_element_and_wrong_type(cut):
    assert score("click('SD')", "click('C')", cut) == {"type": 1.0, "label": 0.0, "all": 0.0, "right": 0.0}
    assert score("click('SD')", "hover('SD')", cut) == {"type": 0.0, "label": 1.0, "all": 0.0, "right": 0.0}


def test_text_without_a_call_scores_zero(cut):
    assert score("click('SD')", "I would click Google", cut) == {
        "type": 0.0,
        "label": 0.0,
        "all": 0.0,
        "right": 0.0,
    }


def test_gold_finish_without_answer_counts_toward_nothing(cut):
    # official: extract('finish()') indexes args[0] of () and the label is skipped
    assert score("finish()", "finish()", cut) == {"right": 1.0}
    assert score("finish()", "click('A')", cut) == {"right": 0.0}
    assert score("finish()", "finish()", cut, official=False) == {"type": 1.0, "right": 1.0}


def test_prediction_the_official_parser_rejects_skips_the_step(cut):
    for pred in ("finish()", "click()", "click(SD)", "type_string('LF', content='x', press_enter=False)"):
        assert score("click('SD')", pred, cut) == {"right": 0.0}, pred
    assert score("click('SD')", "click()", cut, official=False) == {
        "type": 1.0,
        "label": 0.0,
        "all": 0.0,
        "right": 0.0,
    }


def test_param_missing_or_without_overlap_is_left_out(cut):
    gold = "type_string('LF', 'muting notifications', False)"
    assert score(gold, "click('LF')", cut) == {"type": 0.0, "label": 1.0, "all": 0.0, "right": 0.0}
    assert score(gold, "type_string('LF', 'other words', False)", cut) == {
        "type": 1.0,
        "label": 1.0,
        "all": 1.0,
        "right": 0.0,
    }
    corrected = score(gold, "click('LF')", cut, official=False)
    assert corrected["param"] == 0.0
    # half the words: {muting} against {muting, notifications}: p = 1, r = 1/2, F = 2/3
    half = score(gold, "type_string('LF', 'muting', True)", cut)
    assert half["param"] == pytest.approx(2 / 3, abs=1e-7)
    assert half["all"] == 1.0 and half["right"] == 0.0


def test_identical_param_scores_just_below_one(cut):
    result = score("scroll_page('down')", "scroll_page('down')", cut)
    assert result == {"type": 1.0, "param": EPS_ONE, "right": 1.0}


def test_multiline_gold_is_not_matched_by_the_official_regex(cut):
    gold = "finish('line one\nline two')"
    assert score(gold, gold, cut) == {"right": 1.0}
    corrected = score(gold, gold, cut, official=False)
    assert corrected["type"] == 1.0 and corrected["param"] == EPS_ONE


def test_label_lists(cut):
    labels = json.dumps(["click('A')", "click('B')"])
    assert score(labels, "click('B')", cut) == {"type": 1.0, "label": 1.0, "all": 1.0, "right": 1.0}
    assert score(labels, "click('C')", cut) == {"type": 1.0, "label": 0.0, "all": 0.0, "right": 0.0}
    # official: the last label tried overwrites type; param kept from the first (0 is not recorded)
    mixed = json.dumps(["finish('x')", "scroll_page('down')"])
    assert score(mixed, "finish('x')", cut) == {"type": 0.0, "param": EPS_ONE, "right": 1.0}
    assert score(mixed, "finish('x')", cut, official=False) == {"type": 1.0, "param": EPS_ONE, "right": 1.0}
    assert m.label_list(["a()", "b()"]) == ["a()", "b()"]


def test_canonical_actions_map_to_the_native_dialect(cut):
    gold = "type_string('LF', 'muting notifications', False)"
    canonical = m.action_to_native(parse_action('type("LF", "muting notifications")'))
    assert canonical == m.Call("type_string", ("LF", "muting notifications", False))
    assert score(gold, canonical, cut)["right"] == 1.0
    assert m.action_to_native(parse_action("go_back()")) == m.Call("go", ("backward",))
    assert m.action_to_native(parse_action('answer("")')) == m.Call("finish")
    assert score("click('A')", m.action_to_native(parse_action('answer("")')), cut) == {"right": 0.0}
    assert str(m.native_to_action(m.strict_call("scroll_page('down')"))) == 'scroll("down")'
    assert str(m.native_to_action(m.strict_call("user_input('hi')"))) == 'say("hi")'


def test_aggregate_by_hand():
    steps = [
        {"type": 1.0, "label": 1.0, "all": 1.0, "right": 1.0},
        {"type": 0.0, "param": 0.5, "right": 0.0},
        {"right": 1.0},
    ]
    info = m.aggregate(steps)
    assert info["metrics"] == {
        "type_hits": 1.0,
        "type_n": 2.0,
        "element_hits": 1.0,
        "element_n": 1.0,
        "step_hits": 1.0,
        "step_n": 1.0,
        "param_sum": 0.5,
        "param_n": 1.0,
        "task_success": 0.0,
    }
    assert info["success"] is False and info["score"] == 1.0


# -- the suite on the real files -----------------------------------------------------------------


def test_every_split_loads_with_its_step_count():
    counts = {"en_ind": 349, "en_ood": 338, "zh_ind": 392, "zh_ood": 372}
    for split, n in counts.items():
        tasks = SUITE.load_tasks(split, DATA)
        assert sum(len(t.meta["steps"]) for t in tasks) == n
        assert all(t.goal for t in tasks)


def test_both_layouts(tmp_path):
    upstream = tmp_path / "en" / "ind"
    upstream.mkdir(parents=True)
    (upstream / "test.json").write_bytes((DATA / "full" / "en_ind.test.json").read_bytes())
    assert len(SUITE.load_tasks("en_ind", tmp_path)) == len(SUITE.load_tasks("en_ind", DATA / "full"))


def test_observation_of_a_real_step():
    record = json.loads((DATA / "full" / "zh_ind.test.json").read_text(encoding="utf-8"))[5]
    obs = observation(record["source"], 0)
    assert obs.goal == "查询马来西亚本科留学的实际申请条件。"
    assert obs.history[0].startswith("click('DHC')")
    assert obs.element("DHC").tag == "input" and obs.element("DHC").text == "请输入您要查询的关键字"
    assert obs.tabs == ["1. Default <-- current tab"]


def test_parse_elements_flattens_text():
    elements = parse_elements("< <a[SD]| <span| Google> > <button[J]| Sign In; login> <div| x> >")
    expected = [("SD", "a", "Google"), ("J", "button", "Sign In; login")]
    assert [(e.id, e.tag, e.text) for e in elements] == expected


# -- end to end through the CLI ------------------------------------------------------------------


def run_cli(tmp_path, *args):
    code = main(["eval", "--suite", "autowebbench", "--agent", "oracle", "--out", str(tmp_path), *args])
    runs = sorted(tmp_path.iterdir())
    return code, runs


def test_oracle_scores_one_on_every_metric(tmp_path):
    code, runs = run_cli(tmp_path, "--split", "en_ind", "--data", str(DATA), "--run-id", "r")
    assert code == 0
    summary = json.loads((runs[0] / "summary.json").read_text())["suites"]["autowebbench"]
    metrics = summary["metrics"]
    assert metrics["step_success"] == 1.0
    assert metrics["type_accuracy"] == 1.0
    assert metrics["element_accuracy"] == 1.0
    assert metrics["task_success"] == 1.0
    assert metrics["param_rouge1"] == pytest.approx(1.0, abs=1e-8)  # the official F's 1e-8 term
    assert summary["status_counts"]["ok"] == 78


def test_corrected_scoring_option(tmp_path):
    code, runs = run_cli(tmp_path, "--split", "zh_ood", "--data", str(DATA), "--scoring", "corrected")
    assert code == 0
    summary = json.loads((runs[0] / "summary.json").read_text())["suites"]["autowebbench"]
    assert summary["metrics"]["type_accuracy"] == 1.0
    assert "corrected" in summary["notes"][0]
    assert main(["eval", "--suite", "autowebbench", "--agent", "oracle", "--scoring", "x"]) == 2


def test_bad_json_is_a_usage_error_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "en_ind.test.json"
    bad.write_text('[{"source": "x",')
    assert main(["eval", "--suite", "autowebbench", "--agent", "oracle", "--data", str(tmp_path)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_missing_field_names_record_and_field(tmp_path, capsys):
    bad = tmp_path / "en_ind.test.json"
    bad.write_text(json.dumps([{"source": "#Task: a", "target": "click('A')"}, {"source": "#Task: a"}]))
    assert main(["eval", "--suite", "autowebbench", "--agent", "oracle", "--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "record 1" in err and "'target'" in err


def test_unknown_action_fails_only_its_task(tmp_path):
    records = json.loads((DATA / "full" / "en_ind.test.json").read_text(encoding="utf-8"))[:12]
    records[0]["target"] = "fly('SD')"
    data = tmp_path / "data" / "en_ind.test.json"
    data.parent.mkdir()
    data.write_text(json.dumps(records))
    code, runs = run_cli(tmp_path / "runs", "--data", str(data))
    assert code == 0
    episodes = [json.loads(line) for line in (runs[0] / "episodes.jsonl").read_text().splitlines()]
    failed = [e for e in episodes if e["status"] != "ok"]
    assert len(failed) == 1 and len(episodes) > 1
    assert str(data) in failed[0]["error"] and "record 0" in failed[0]["error"]
    assert "'target'" in failed[0]["error"] and "fly" in failed[0]["error"]


def test_split_all_holds_every_step_once():
    tasks = SUITE.load_tasks("all", DATA)
    assert sum(len(t.meta["steps"]) for t in tasks) == 1451
    assert len({t.id for t in tasks}) == len(tasks) == 300
    assert {t.split for t in tasks} == set(SPLITS)
    with pytest.raises(Exception, match="needs a folder"):
        SUITE.load_tasks("all", DATA / "full" / "en_ind.test.json")
