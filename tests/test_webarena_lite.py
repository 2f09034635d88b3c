"""WebArena-Lite's evaluator rules (``rules="lite"``, THUDM/VisualAgentBench ``VAB-WebArena-Lite/new/
evaluators.py``): hand-computed cases for each rule that differs from the original's, the 165 Lite
tasks checked and scored on their own reference answers, and where the two rule sets part on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_webarena_metrics import FakeJudge, FakePage, answers, html_task, task

from webbench.metrics.webarena import (
    UpstreamCannotScore,
    WebArenaConfigError,
    check_config,
    evaluate,
    string_match,
    url_match,
)
from webbench.suites import _webarena_data as data

ROOT = Path(__file__).resolve().parents[1]
LITE_FILE = ROOT.parent / "shared" / "data" / "webarena" / "webarena-lite" / data.FILES["lite"]
OR = " |OR| "


def lite(config: dict, answer: str = "", final_url: str = "", page=None, judge=None, fixes=()) -> float:
    return evaluate(config, answer, final_url, page, judge, frozenset(fixes), "lite").score


def original(config: dict, answer: str = "", final_url: str = "", page=None, judge=None) -> float:
    return evaluate(config, answer, final_url, page, judge).score


# -- string_match -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer, lite_score, original_score",
    [
        ("Pittsburgh", 1.0, 1.0),
        ("'PITTSBURGH'", 1.0, 1.0),
        (" Pittsburgh", 0.0, 1.0),  # Lite does not strip
        ("  'PITTSBURGH' ", 0.0, 1.0),  # ... so the quotes are not at the ends either
        ("Pittsburgh\n", 0.0, 1.0),
    ],
)
def test_lite_cleans_without_the_strip(answer, lite_score, original_score):
    config = answers(exact_match="Pittsburgh")
    assert (lite(config, answer), original(config, answer)) == (lite_score, original_score)


@pytest.mark.parametrize(
    "items, answer, lite_score, original_score",
    [
        (["pittsburgh"], "Pittsburghese", 0.0, 1.0),  # a one-word reference is a token test in Lite
        (["pittsburgh"], "It is Pittsburgh.", 1.0, 1.0),  # "." is its own token
        (["0", "1"], "10 or 11", 0.0, 1.0),  # the original tokenises one-item lists only
        (["0"], "$10.00", 0.0, 0.0),  # one item, one character: a token test in both
        (["new york"], "New Yorkers", 1.0, 1.0),  # two words: a substring in both
    ],
)
def test_lite_tokenises_every_one_word_item(items, answer, lite_score, original_score):
    config = answers(must_include=items)
    assert (lite(config, answer), original(config, answer)) == (lite_score, original_score)


def test_lite_string_must_include_splits_or():
    config = answers(must_include=["65 |OR| 3", "cats"])
    assert lite(config, "3 cats") == 1.0 and lite(config, "65 cats") == 1.0
    assert lite(config, "36 cats") == 0.0  # "3" is a token test: "36" is not "3"
    assert original(config, "3 cats") == 0.0 and original(config, "65 |OR| 3 cats") == 1.0


def test_lite_fuzzy_match_is_one_call_on_the_joined_references():
    config = answers(fuzzy_match=["Pittsburgh", "PA"])
    judge = FakeJudge(1.0)
    result = evaluate(config, ' "Pittsburgh, PA" ', "", None, judge, rules="lite")
    assert result.score == 1.0 and len(result.judgements) == 1
    # not stripped, so the quotes stay; the references joined by ", "
    assert judge.calls == [("fuzzy_match", ' "pittsburgh, pa" ', "Pittsburgh, PA", "What?")]
    assert lite(config, "x", judge=FakeJudge(0.0)) == 0.0


def test_lite_unachievable_is_the_original_overwrite():
    config = answers(fuzzy_match="N/A")
    assert lite(config, "N/A", judge=FakeJudge()) == 1.0
    judge = FakeJudge(1.0)
    assert lite(config, " N/A", judge=judge) == 1.0  # not stripped: not "n/a", so ua_match decides
    assert judge.calls == [("ua_match", " n/a", "it is not sold", "What?")]


def test_lite_numeric_exclusion_and_one_of_approaches():
    values = answers(required_values=["> 1000 |OR| == 0", "< 5000"])
    assert [lite(values, a) for a in ("1,200", "0", "999", "6000", "about 1200")] == [1, 1, 0, 0, 0]
    exclude = answers(must_exclude=["no", "not sure"])
    assert [lite(exclude, a) for a in ("Nothing", "no.", "I am not sure")] == [1.0, 0.0, 0.0]
    one_of = answers(one_of=["red", "dark blue"])
    assert [lite(one_of, a) for a in ("Reddish", "Dark Blue!", "green")] == [1.0, 1.0, 0.0]
    check_config(values, "lite")
    with pytest.raises(WebArenaConfigError, match="unknown approach"):
        check_config(values)  # the original evaluator has no required_values
    with pytest.raises(WebArenaConfigError, match="required_values: expected a list of inequalities"):
        check_config(answers(required_values=["about 5"]), "lite")


def test_lite_task_81s_string_must_include_cannot_be_scored_unless_fixed():
    config = {**answers(must_include="yjlou"), "task_id": 81}
    with pytest.raises(UpstreamCannotScore) as caught:
        lite(config, "yjlou")
    message = str(caught.value)
    assert message.startswith("task 81: eval.reference_answers.must_include: WebArena-Lite's evaluator")
    assert "\n" not in message and "must-include-string" in message
    fixed = ["must-include-string"]
    assert lite(config, "The user is yjlou.", fixes=fixed) == 1.0
    assert lite(config, "louyj", fixes=fixed) == 0.0  # one item: a token test
    assert original(config, "louyj") == 1.0  # the original iterates the string's characters
    with pytest.raises(WebArenaConfigError, match="must_include: expected a list"):
        check_config(config, "lite")


# -- url_match --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "note, final, lite_score, original_score",
    [
        (None, "http://h/a?b=1", 1.0, 1.0),
        (None, "http://h/a?b=1&page=2", 0.0, 1.0),  # EXACT (the default): equal URLs only
        ("EXACT", "http://h/a?b=1&page=2", 0.0, None),  # the original refuses the note
        ("GOLD in PRED", "http://h/a?b=1&page=2", 1.0, 1.0),
        ("GOLD in PRED", "http://h/a?page=2&b=1", 0.0, 1.0),  # Lite: the whole reference a substring
        ("GOLD in PRED", "http://x/?to=http://h/a?b=1", 1.0, 0.0),  # anywhere (the original: in the base)
        (None, "http://h/a?b=1/", 1.0, 1.0),  # one trailing "/" dropped
        (None, "http://h/a?b=1//", 0.0, 1.0),  # ... only one
        (None, "http://localhost/a?b=1", 0.0, 0.0),
    ],
)
def test_lite_url_match_exact_or_gold_in_pred(note, final, lite_score, original_score):
    config = task("url_match", reference_url="http://h/a?b=1", **({"url_note": note} if note else {}))
    assert lite(config, final_url=final) == lite_score
    check_config(config, "lite")
    if original_score is None:
        with pytest.raises(WebArenaConfigError, match="url_note"):
            check_config(config)
    else:
        assert original(config, final_url=final) == original_score


def test_lite_url_match_reads_localhost_as_127_0_0_1_and_splits_or():
    config = task("url_match", reference_url="http://localhost:7770/x |OR| http://h/y/")
    assert lite(config, final_url="http://127.0.0.1:7770/x") == 1.0
    assert lite(config, final_url="http://localhost:7770/x/") == 1.0
    assert lite(config, final_url="http://h/y") == 1.0
    assert original(config, final_url="http://127.0.0.1:7770/x") == 0.0
    with pytest.raises(WebArenaConfigError, match="unknown matching rule 'FUZZY'"):
        check_config({**config, "eval": {**config["eval"], "url_note": "FUZZY"}}, "lite")


# -- program_html -----------------------------------------------------------------------------
def target(required: dict, locator: str = "document.title") -> dict:
    return {"url": "last", "locator": locator, "required_contents": required}


def page_of(value: str) -> FakePage:
    return FakePage({("last", "document.title"): value})


def test_lite_program_html_values_are_not_unescaped_nor_stripped():
    config = html_task(target({"exact_match": "<B> & Co"}))
    assert original(config, page=page_of(" '&lt;b&gt; &amp; co' ")) == 1.0
    assert lite(config, page=page_of(" '&lt;b&gt; &amp; co' ")) == 0.0
    assert lite(config, page=page_of("'<b> & CO'")) == 1.0


def test_lite_program_html_must_include_is_tokenised_by_word():
    config = html_task(target({"must_include": ["0", "open |OR| closed"]}))
    assert original(config, page=page_of("$10.00, reopened")) == 1.0  # substrings
    assert lite(config, page=page_of("$10.00, reopened")) == 0.0
    assert lite(config, page=page_of("0 items, closed.")) == 1.0
    details = evaluate(config, "", "", page_of("0 items, closed."), None, rules="lite").details()
    assert details["rules"] == "lite"
    assert details["evaluators"]["program_html"]["targets"][0]["tokens"] == ["0", "items", ",", "closed", "."]


def test_lite_program_html_must_exclude_and_required_values():
    exclude = html_task(target({"must_exclude": ["draft"]}))
    assert lite(exclude, page=page_of("Published")) == 1.0 and lite(exclude, page=page_of("Draft")) == 0.0
    values = html_task(target({"required_values": [">= 300"]}))
    assert [lite(values, page=page_of(v)) for v in ("1,300", "299", "n/a")] == [1.0, 0.0, 0.0]
    check_config(values, "lite")
    with pytest.raises(WebArenaConfigError, match="required_contents: expected exact_match"):
        check_config(values)
    with pytest.raises(WebArenaConfigError, match="must_exclude: expected a list of strings, no"):
        check_config(html_task(target({"must_exclude": ["a |OR| b"]})), "lite")


def test_lite_program_html_fuzzy_match_judges_the_value_as_read():
    config = html_task(target({"fuzzy_match": ["a", "b"]}))
    judge = FakeJudge(1.0)
    assert lite(config, page=page_of(" 'A and B' "), judge=judge) == 1.0
    assert judge.calls == [("fuzzy_match", " 'A and B' ", "a, b", "What?")]


def test_unknown_rules_are_refused():
    with pytest.raises(ValueError, match="unknown evaluator rules 'vab'"):
        evaluate(answers(exact_match="a"), "a", "", None, None, rules="vab")


# -- the 165 Lite tasks -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def lite_tasks() -> list[dict]:
    if not LITE_FILE.is_file():
        pytest.skip(f"no {LITE_FILE}")
    return json.loads(LITE_FILE.read_text(encoding="utf-8"))


FIX_81 = frozenset({"must-include-string"})


def reference_answer(answers_: dict) -> str | None:
    """The answer the references describe: exact_match itself, or the must_include items' first
    alternatives joined by spaces; None for judged answers."""
    if "fuzzy_match" in answers_:
        return None
    if "exact_match" in answers_:
        return answers_["exact_match"]
    if "must_include" in answers_:
        items = answers_["must_include"]
        return " ".join(item.split(OR)[0] for item in ([items] if isinstance(items, str) else items))
    return None


def test_every_lite_task_loads_and_passes_the_lite_check_but_task_81(lite_tasks):
    loaded = data.load_tasks("lite", LITE_FILE)
    assert len(loaded) == 165 and all(t.split == "lite" for t in loaded)
    refused = []
    for config in lite_tasks:
        try:
            check_config(config, "lite")
        except WebArenaConfigError as exc:
            refused.append(str(exc))
    assert refused == [
        "task 81: eval.reference_answers.must_include: expected a list of strings, got 'yjlou'"
    ]


def test_lite_reference_answers_pass_their_own_evaluators(lite_tasks):
    checked = {"string_match": 0, "url_match": 0, "fuzzy_match": 0}
    for config in lite_tasks:
        block = config["eval"]
        if "string_match" in block["eval_types"]:
            references = block["reference_answers"]
            pred = reference_answer(references)
            if pred is not None:
                result, _ = string_match(config, pred, None, FIX_81, "lite")
                assert result.score == 1.0, (config["task_id"], pred)
                checked["string_match"] += 1
            elif references["fuzzy_match"] != "N/A":
                judge = FakeJudge(1.0)
                result, asked = string_match(config, "x", judge, frozenset(), "lite")
                assert len(asked) == 1 and judge.calls[0][2] == ", ".join(references["fuzzy_match"])
                checked["fuzzy_match"] += 1
        if "url_match" in block["eval_types"]:
            for reference in block["reference_url"].split(OR):
                assert url_match(config, reference, "lite").score == 1.0, config["task_id"]
            checked["url_match"] += 1
    assert checked == {"string_match": 44, "url_match": 39, "fuzzy_match": 35}


def test_where_the_lite_rules_part_from_the_original_on_the_lite_tasks(lite_tasks):
    """The reference answers, padded with spaces and in a sentence, and the reference URLs, with a
    trailing "/" and an extra query key, scored by both rule sets."""
    differ: set[tuple[int, str]] = set()
    calls = {"lite": 0, "original": 0}
    for config in lite_tasks:
        block, task_id = config["eval"], config["task_id"]
        if "string_match" in block["eval_types"]:
            pred = reference_answer(block["reference_answers"])
            if pred is None:
                for rules in calls:
                    judge = FakeJudge(*[1.0] * 100)
                    string_match(config, "x", judge, frozenset(), rules)
                    calls[rules] += len(judge.calls)
                continue
            for kind, answer in (("answer", pred), ("padded", f" {pred} "), ("sentence", f"It is {pred}.")):
                scores = {
                    string_match(config, answer, None, FIX_81, r)[0].score for r in ("lite", "original")
                }
                if len(scores) > 1:
                    differ.add((task_id, kind))
        if "url_match" in block["eval_types"]:
            url = block["reference_url"].split(OR)[0]
            variants = {"url": url, "slash": url + "/", "query": url + ("&" if "?" in url else "?") + "p=2"}
            for kind, final in variants.items():
                if url_match(config, final, "lite").score != url_match(config, final).score:
                    differ.add((task_id, kind))
    print(f"Lite vs original rules on the Lite tasks: {len(differ)} differing scores, judge calls {calls}")
    exact = {27, 45, 59, 71, 74, 86, 161}  # exact_match tasks: Lite does not strip
    assert differ == (
        {(t, "padded") for t in exact}
        | {(94, kind) for kind in ("answer", "padded", "sentence")}  # ["65 |OR| 3"]: Lite splits
        | {(45, "query")}  # the one url_match without url_note: Lite's EXACT
    )
    # one call per task in Lite (35 fuzzy_match, 1 "N/A" ua_match); one per reference in the original
    assert calls == {"lite": 36, "original": 77}


# -- the suite --------------------------------------------------------------------------------
def test_the_suite_scores_lite_tasks_and_rules_lite_with_the_lite_rules(tmp_path):
    from webbench.core.env import EnvConfig
    from webbench.core.suite import get_suite
    from webbench.core.types import Task

    suite = get_suite("webarena")
    config = {**answers(exact_match="Pittsburgh"), "sites": ["shopping"], "start_url": "__SHOPPING__"}
    record = {"details": {"answer": " Pittsburgh", "final_url": "http://h/", "sites": {}}}
    as_lite = suite.rescore(Task("webarena", "7", "t", "lite", config), record, None, EnvConfig(split="lite"))
    assert as_lite["score"] == 0.0 and as_lite["details"]["rules"] == "lite"  # not stripped
    as_original = suite.rescore(Task("webarena", "7", "t", "original", config), record, None, EnvConfig())
    assert as_original["score"] == 1.0 and as_original["details"]["rules"] == "original"
    forced = EnvConfig(options={"rules": "lite"})
    assert suite.rescore(Task("webarena", "7", "t", "original", config), record, None, forced)["score"] == 0.0
    assert suite.summary_notes(forced)[0] == "scored with WebArena-Lite's evaluator rules"
    # an episode recorded before under the original rules that Lite's evaluator cannot score: kept as is
    task_81 = {**answers(must_include="yjlou"), "task_id": 81, "sites": ["gitlab"], "start_url": "__GITLAB__"}
    lite_81 = Task("webarena", "81", "t", "lite", task_81)
    assert suite.rescore(lite_81, record, None, EnvConfig(split="lite")) is None
    # a user's file checked by the rules it is scored by: EXACT is Lite's url_note only
    exact = {**task("url_match", reference_url="__SHOPPING__/a", url_note="EXACT"), "sites": ["shopping"]}
    (tmp_path / "tasks.json").write_text(
        json.dumps([{**exact, "start_url": "__SHOPPING__"}]), encoding="utf-8"
    )
    with pytest.raises(data.WebArenaTaskError, match="url_note: unknown matching rule 'EXACT'"):
        suite.run_tasks("original", tmp_path / "tasks.json", {})
    assert [t.id for t in suite.run_tasks("original", tmp_path / "tasks.json", {"rules": "lite"})] == ["7"]
