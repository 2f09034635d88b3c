"""WebLINX metrics and action dialect: hand-computed values, each official quirk and its fix."""

from __future__ import annotations

import numpy as np
import pytest

from webbench.core.action import ActionParseError, parse_action
from webbench.metrics.weblinx import (
    QUIRKS,
    Box,
    ElementRef,
    PageBoxes,
    TurnScore,
    WebAction,
    chrf,
    iou,
    keep_reference,
    metric_names,
    normalize_intent,
    official_value,
    parse_fixes,
    prediction,
    round2,
    score_turn,
    sum_turns,
    turn_values,
    urlf,
)
from webbench.metrics.weblinx_actions import (
    NativeAction,
    first_call,
    format_native,
    from_canonical,
    parse_native,
)

ALL = frozenset(QUIRKS)


def box(x: float, y: float, w: float, h: float) -> Box:
    return Box(left=x, top=y, right=x + w, bottom=y + h, width=w, height=h)


PAGE = PageBoxes(
    frozenset({"big", "small", "nobox", "flat"}),
    {
        "big": box(0, 0, 100, 100),
        "small": box(10, 10, 20, 20),
        "flat": box(10, 10, 0, 20),
        "gone": box(0, 0, 5, 5),
    },
)


# -- intents, values, fixes ------------------------------------------------------------


def test_intent_normalisation() -> None:
    assert normalize_intent("textInput") == "textinput"
    assert normalize_intent("text_input") == "textinput"
    assert normalize_intent(" TAB_SWITCH ") == "tabswitch"
    assert normalize_intent("teleport") == "<unk>"
    assert normalize_intent(None) == "<unk>"


def test_parse_fixes() -> None:
    assert parse_fixes(None) == frozenset()
    assert parse_fixes("round2, scroll-iou") == {"round2", "scroll-iou"}
    assert parse_fixes("all") == ALL
    with pytest.raises(ValueError, match="unknown quirk"):
        parse_fixes("round3")


def test_official_value_reads_numbers_like_the_official_parser() -> None:
    assert official_value("42") == 42 and isinstance(official_value("42"), int)
    assert official_value("-3") == -3
    assert official_value("1.5") == 1.5
    assert official_value("Sure. Done") == "Sure. Done"  # a dot, but not a number
    assert official_value("abc") == "abc"
    assert official_value("²") == "²"  # isdigit() but not int(): the official code crashes; kept as text
    assert official_value(7) == 7


# -- IoU --------------------------------------------------------------------------------


def test_iou_hand_computed() -> None:
    a = ElementRef("a", box(0, 0, 10, 10))
    b = ElementRef("b", box(5, 5, 10, 10))
    assert iou(a, b) == pytest.approx(25 / 175)  # intersection 5x5, union 100 + 100 - 25
    assert iou(a, a) == 1.0
    assert iou(a, ElementRef("c", box(20, 20, 5, 5))) == 0.0  # disjoint
    assert iou(a, None) == 0.0 and iou(None, a) == 0.0
    assert iou(a, ElementRef("d", None)) == 0.0  # missing box
    flat = ElementRef("f", box(3, 3, 0, 0))
    assert iou(flat, flat) == 0.0  # zero union: the official code divides by zero


# -- chrF -------------------------------------------------------------------------------


def test_chrf_hand_computed() -> None:
    # "ab" vs "abc": order 1 P=1 R=2/3, order 2 P=1 R=1/2, higher orders empty; the effective
    # orders are 1-2, so P=1, R=7/12 and F(beta=2) = 5PR / (4P + R) = 7/11.
    assert chrf("ab", "abc") == pytest.approx(7 / 11, abs=1e-12)
    assert chrf("hello world", "hello world") == 1.0
    assert chrf("helloworld", "hello world") == 1.0  # sacrebleu ignores whitespace
    assert chrf("xyz", "abc") == 0.0
    assert chrf(42, "42") == 0.0  # only strings score
    assert chrf("a", None) == 0.0


def test_chrf_empty_text_quirk() -> None:
    assert chrf("", "") == 0.0
    assert chrf("", "", frozenset({"empty-text"})) == 1.0
    assert chrf("", "x", frozenset({"empty-text"})) == 0.0


# -- URLF -------------------------------------------------------------------------------


def test_urlf_hand_computed() -> None:
    # ref tokens {bbc.com, news, world}, pred {bbc.com, news}: R = 2/3, P = 1, F1 = 0.8
    assert urlf("https://bbc.com/news", "https://www.bbc.com/news/world") == pytest.approx(0.8)
    assert urlf("https://bbc.com/news?page=2#top", "https://bbc.com/news") == 1.0  # query ignored
    assert urlf("https://bbc.com/", "https://bbc.com") == 1.0
    assert urlf("https://cnn.com/a", "https://bbc.com/b") == 0.0
    assert urlf("", "https://bbc.com") == 0.0
    assert urlf(1.5, "https://bbc.com") == 0.0  # a number (see numeric-text) scores 0


def test_urlf_lstrip_quirk() -> None:
    # lstrip("www.") strips every leading "w" and ".": www.wwf.org and wf.org both become f.org
    ref, pred = "https://www.wwf.org/about", "https://wf.org/about"
    assert urlf(pred, ref) == 1.0
    # fixed: hosts wwf.org and wf.org differ; {about} matches: R = P = 1/2
    assert urlf(pred, ref, frozenset({"urlf-lstrip"})) == 0.5
    assert urlf("https://www.web.de/x", "https://web.de/x") == 1.0  # eb.de on both sides
    assert urlf("https://www.web.de/x", "https://web.de/x", frozenset({"urlf-lstrip"})) == 1.0


# -- rounding ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.375, 0.125, 0.005, 1 / 7, 0.285, 2 / 3, 0.0, 1.0, 0.995, 0.145])
def test_round2_matches_numpy(value: float) -> None:
    assert round2(value) == float(np.round(value, 2))


def test_round2_is_half_to_even() -> None:
    assert round2(0.375) == 0.38 and round2(0.125) == 0.12


# -- elements of predictions ------------------------------------------------------------


def test_prediction_element_by_uid() -> None:
    assert prediction("click", {"uid": "small"}, PAGE, frozenset()).element == ElementRef(
        "small", PAGE.boxes["small"]
    )
    assert prediction("click", {"uid": "nobox"}, PAGE, frozenset()).element is None  # in HTML, no box
    assert prediction("click", {"uid": "gone"}, PAGE, frozenset()).element is None  # box, not in HTML
    assert prediction("click", {"uid": "missing"}, PAGE, frozenset()).element is None
    assert prediction("say", {"uid": "small"}, PAGE, frozenset()).element is None  # not an element intent
    assert prediction("click", {"uid": "small"}, PageBoxes(), frozenset()).element is None


def test_prediction_element_by_coordinates() -> None:
    # (15, 15) is inside big and small; the smallest non-empty box wins (flat has zero area)
    assert prediction("click", {"x": 15, "y": 15}, PAGE, frozenset()).element.uid == "small"
    assert prediction("click", {"x": "50", "y": "50"}, PAGE, frozenset()).element.uid == "big"
    assert prediction("click", {"x": 500, "y": 500}, PAGE, frozenset()).element is None
    corners = {"top": 10, "left": 10, "right": 30, "bottom": 30}
    # the official corner path never works (corners are cast to float, then required to be int)
    assert prediction("click", corners, PAGE, frozenset()).element is None


def test_numeric_text_quirk() -> None:
    page = PageBoxes(frozenset({"42"}), {"42": box(0, 0, 10, 10)})
    ref = WebAction("textinput", {"text": "42"}, ElementRef("42", box(0, 0, 10, 10)))
    official = score_turn(prediction("textinput", {"text": "42", "uid": "42"}, page, frozenset()), ref)
    assert official == TurnScore("textinput", 1.0, iou=0.0, chrf=0.0)  # int text, int uid: no element
    fixed = frozenset({"numeric-text"})
    assert score_turn(
        prediction("textinput", {"text": "42", "uid": "42"}, page, fixed), ref, fixed
    ) == TurnScore("textinput", 1.0, iou=1.0, chrf=1.0)


# -- one turn ---------------------------------------------------------------------------


REF_CLICK = WebAction("click", {"uid": "small"}, ElementRef("small", box(0, 0, 80, 36)))


def test_score_turn_applicability() -> None:
    part = WebAction("click", {"uid": "p"}, ElementRef("p", box(0, 0, 30, 36)))  # IoU 30/80 = 0.375
    assert score_turn(part, REF_CLICK) == TurnScore("click", 1.0, iou=0.38)  # rounded half to even
    assert score_turn(part, REF_CLICK, frozenset({"round2"})).iou == 0.375
    assert score_turn(WebAction("submit", {}, part.element), REF_CLICK) == TurnScore("click", 0.0)
    assert score_turn(None, REF_CLICK) == TurnScore("click", 0.0)
    load = WebAction("load", {"url": "https://bbc.com/news"})
    scored = score_turn(load, load)
    assert (scored.iou, scored.chrf, scored.urlf, scored.overall()) == (None, 1.0, 1.0, 1.0)
    say = WebAction("say", {"utterance": "ab"})
    assert score_turn(say, WebAction("say", {"utterance": "abc"})) == TurnScore("say", 1.0, chrf=0.64)


def test_textinput_text_falls_back_to_value() -> None:
    ref = WebAction("textinput", {"text": "hi"}, REF_CLICK.element)
    pred = WebAction("textinput", {"value": "hi"}, REF_CLICK.element)
    assert score_turn(pred, ref) == TurnScore("textinput", 1.0, iou=1.0, chrf=1.0)


def test_scroll_iou_quirk() -> None:
    scroll = WebAction("scroll", {"x": 0, "y": 600})
    assert score_turn(scroll, scroll) == TurnScore("scroll", 1.0, iou=0.0)  # reference has no element
    assert score_turn(scroll, scroll).overall() == 0.0
    fixed = score_turn(scroll, scroll, frozenset({"scroll-iou"}))
    assert fixed == TurnScore("scroll", 1.0) and fixed.overall() is None


def test_overall_and_groups() -> None:
    assert TurnScore("textinput", 1, iou=0.5, chrf=0.4).overall() == pytest.approx(0.2)
    assert TurnScore("load", 1, chrf=0.3, urlf=0.8).overall() == 0.8
    assert TurnScore("load", 1, chrf=0.9, urlf=0.8).text_group() == 0.9
    assert TurnScore("say", 1, chrf=0.3).overall() == 0.3
    assert TurnScore("click", 1, iou=0.7).overall() == 0.7
    assert TurnScore("scroll", 1).overall() is None
    assert TurnScore("click", 0).unconditional() == TurnScore("click", 0, 0.0, 0.0, 0.0)


def test_turn_values_conditional_and_unconditional() -> None:
    wrong = turn_values(TurnScore("say", 0.0))
    assert wrong == {
        "intent_match": 0.0,
        "say_im": 0.0,
        "overall": 0.0,
        "element_group": 0.0,
        "text_group": 0.0,
        "say_chrf": 0.0,
    }  # a wrong intent counts 0 in every unconditional mean, and in no conditional one
    right = turn_values(TurnScore("textinput", 1.0, iou=0.5, chrf=0.8))
    assert right["overall"] == right["overall_cond"] == pytest.approx(0.4)
    assert right["element_group_cond"] == 0.5 and right["text_group_cond"] == 0.8
    assert right["textinput_iou_cond"] == 0.5 and right["textinput_chrf"] == 0.8
    assert "say_chrf" not in right and "click_iou" not in right


def test_sum_turns() -> None:
    turns = [turn_values(TurnScore("click", 1.0, iou=0.5)), turn_values(TurnScore("say", 0.0)), {}]
    summed = sum_turns(turns)
    assert summed["overall.sum"] == 0.5 and summed["overall.n"] == 2 and summed["overall"] == 0.25
    assert summed["overall_cond.n"] == 1 and summed["overall_cond"] == 0.5
    assert summed["intent_match"] == 0.5
    assert summed["submit_iou.n"] == 0 and "submit_iou" not in summed
    assert set(metric_names()) == {k[:-2] for k in summed if k.endswith(".n")}


# -- reference filter --------------------------------------------------------------------


def test_reference_filter() -> None:
    el = ElementRef("u1", box(0, 0, 5, 5))
    assert keep_reference("click", el, "textinput", "u2")
    assert not keep_reference("click", el, "copy", None)  # click followed by copy
    assert not keep_reference("click", el, "submit", "u1")  # ... or by a submit on the same uid
    assert keep_reference("click", el, "submit", "u9")
    assert keep_reference("click", el, "submit", None)  # the official code would crash here
    assert not keep_reference("click", None, None, None)  # no element info (no page, no box, ...)
    assert not keep_reference("textinput", ElementRef(None, box(0, 0, 1, 1)), None, None)  # no uid
    assert keep_reference("scroll", None, None, None)
    assert keep_reference("say", None, "copy", None)
    assert keep_reference("submit", el, "submit", "u1")


# -- the action dialect -------------------------------------------------------------------


def test_parse_native_dialect() -> None:
    action = parse_native('text_input(text="climate news", uid="b0004")')
    assert isinstance(action, NativeAction)
    assert (action.name, action.args) == ("textinput", {"text": "climate news", "uid": "b0004"})
    assert parse_native('textInput(text="x", uid="a")').name == "textinput"
    assert parse_native("scroll(x=0, y=600)").args == {"x": 0, "y": 600}
    assert parse_native('submit(uid="a")').name == "submit"
    assert parse_native('say(speaker="navigator", utterance="a, b (c)")').args["utterance"] == "a, b (c)"


def test_parse_canonical_and_lenient() -> None:
    assert parse_native('click("12")') == parse_action('click("12")')
    assert parse_native("go_back()") == parse_action("go_back()")
    found = parse_native('Sure! I will click(uid="b1") now.')
    assert (found.name, found.args) == ("click", {"uid": "b1"})
    assert first_call('say(utterance="a) b") trailing') == 'say(utterance="a) b")'
    for bad in ("", "no call here", 'teleport(uid="a")', "click(uid=open('x'))", "click(uid="):
        with pytest.raises(ActionParseError):
            parse_native(bad)


def test_format_native_round_trip() -> None:
    for intent, args in [
        ("textinput", {"uid": "a", "text": 'say "hi"\n'}),
        ("say", {"utterance": "héllo", "speaker": "navigator"}),
        ("scroll", {"x": 0, "y": 600.0}),
        ("load", {"url": "https://a.b/c?d=1"}),
    ]:
        text = format_native(intent, args)
        parsed = parse_native(text)
        assert (parsed.name, parsed.args) == (intent, {k: v for k, v in args.items()})
        assert str(parsed) == text
    assert format_native("textinput", {"uid": "a", "text": "t"}) == 'text_input(text="t", uid="a")'


def test_canonical_actions_map_onto_intents() -> None:
    cases = {
        'click("e1")': ("click", {"uid": "e1"}),
        'hover("e1")': ("hover", {"uid": "e1"}),
        'type("e1", "abc", enter=True)': ("textinput", {"text": "abc", "uid": "e1"}),
        'select("e1", "Newest")': ("change", {"value": "Newest", "uid": "e1"}),
        'goto("https://a.b")': ("load", {"url": "https://a.b"}),
        'say("hi")': ("say", {"speaker": "navigator", "utterance": "hi"}),
        'answer("hi")': ("say", {"speaker": "navigator", "utterance": "hi"}),
        'scroll("down")': ("scroll", {}),
        "click_xy(3, 4)": ("click", {"x": 3.0, "y": 4.0}),
        "new_tab()": ("tabcreate", {}),
        "close_tab()": ("tabremove", {}),
        "switch_tab(2)": ("tabswitch", {"tab_id_to": 2}),
        'press("Enter")': ("<unk>", {}),
        "noop()": ("<unk>", {}),
    }
    for text, expected in cases.items():
        assert from_canonical(parse_action(text)) == expected, text


# -- grouped run-level aggregation (TEST_OOD) -------------------------------------------------


def test_grouped_ratio_is_the_mean_of_group_values() -> None:
    from webbench.core.metric import MetricSpec
    from webbench.core.record import EpisodeRecord
    from webbench.run.summary import summarize_suite

    spec = MetricSpec("m", "", "ratio", "m.sum", "m.n", group_by="split")
    records = [
        EpisodeRecord(suite="s", task_id="a", episode=0, split="geo", metrics={"m.sum": 3.0, "m.n": 3}),
        EpisodeRecord(suite="s", task_id="b", episode=0, split="vis", metrics={"m.sum": 1.0, "m.n": 4}),
        EpisodeRecord(suite="s", task_id="c", episode=0, split="vis", metrics={"m.sum": 0.0, "m.n": 0}),
        # undefined: left out
        EpisodeRecord(suite="s", task_id="d", episode=0, split="cat", metrics={"m.sum": 0.0, "m.n": 0}),
    ]
    assert spec.by_group(records) == {"cat": None, "geo": 1.0, "vis": 0.25}
    assert spec.aggregate_records(records) == 0.625  # micro over all turns would be 4/7
    assert MetricSpec("m", "", "ratio", "m.sum", "m.n").aggregate_records(records) == 4 / 7
    summary = summarize_suite(records, [spec])
    assert summary["metrics"]["m"] == 0.625
    assert summary["groups"] == {"split": {"cat": {"m": None}, "geo": {"m": 1.0}, "vis": {"m": 0.25}}}
    assert "groups" not in summarize_suite(records[:1], [spec])
