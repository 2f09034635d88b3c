"""WebArena evaluators: hand-computed cases for every rule of LIVE-SUITES.md 1.2-1.4, each official
quirk and its fix, and check_config's one-line errors."""

from __future__ import annotations

import copy
import json

import pytest
from llm_server import ChatServer, Reply

from webbench.core.errors import UsageError
from webbench.llm.judges import Judge, Judgement, make_judge
from webbench.llm.settings import LLMSettings
from webbench.metrics import webarena
from webbench.metrics.webarena import (
    FIXES,
    HELPERS,
    WebArenaConfigError,
    check_config,
    evaluate,
    needs_judge,
    needs_page,
    parse_fixes,
    parse_helper_call,
)

ALL = frozenset(FIXES)


class FakeJudge:
    """Scripted verdicts (1, 0 or None = undecided), recording each call."""

    def __init__(self, *scores: float | None) -> None:
        self.scores = list(scores)
        self.calls: list[tuple[str, str, str, str]] = []

    def _next(self, kind: str, pred: str, reference: str, question: str) -> Judgement:
        self.calls.append((kind, pred, reference, question))
        score = self.scores.pop(0)
        return Judgement(kind, score or 0.0, score is not None, reply="scripted")

    def fuzzy_match(self, pred: str, reference: str, question: str) -> Judgement:
        return self._next("fuzzy_match", pred, reference, question)

    def ua_match(self, pred: str, reference: str, question: str) -> Judgement:
        return self._next("ua_match", pred, reference, question)


class FakePage:
    """A PageReader answering from a dict keyed by (url, locator); records the reads."""

    def __init__(self, values: dict[tuple[str, str], str]) -> None:
        self.values = values
        self.reads: list[tuple[str, str, tuple[str, ...]]] = []

    def read(self, url: str, locator: str, prep_actions) -> str:
        self.reads.append((url, locator, tuple(prep_actions)))
        return self.values[(url, locator)]


def task(*types: str, intent: str = "What?", **block) -> dict:
    return {"task_id": 7, "intent": intent, "eval": {"eval_types": list(types), **block}}


def answers(**reference_answers) -> dict:
    return task("string_match", reference_answers=reference_answers, string_note="it is not sold")


def score(config: dict, answer: str = "", final_url: str = "", page=None, judge=None, fixes=()) -> float:
    return evaluate(config, answer, final_url, page, judge, frozenset(fixes)).score


# -- string_match -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer, expected",
    [
        ("Pittsburgh", 1.0),
        ("  'PITTSBURGH' ", 1.0),
        ('"pittsburgh"', 1.0),
        ("Pittsburgh, PA", 0.0),
        ("", 0.0),
    ],
)
def test_exact_match_compares_cleaned_strings(answer, expected):
    assert score(answers(exact_match="Pittsburgh"), answer) == expected


def test_the_answer_is_cleaned_twice_unless_fixed():
    config = answers(exact_match="abc")
    # read: "'abc'" (outer double quotes off); inside exact_match: "abc" (single quotes off)
    assert score(config, "\"'abc'\"") == 1.0
    assert score(config, "\"'abc'\"", fixes={"clean-twice"}) == 0.0


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("0", 1.0),
        ("$0.00", 0.0),  # tokens '$', '0.00'
        ("the answer is 0.", 1.0),  # the final period is split off
        ("0,1", 0.0),  # one token
        ("2/0", 0.0),  # one token
        ("10", 0.0),  # a substring, not a token
        ("'0'", 1.0),
        ("There are 0 items", 1.0),
    ],
)
def test_a_single_one_character_item_is_a_token_test(answer, expected):
    assert score(answers(must_include=["0"]), answer) == expected


def test_the_token_rule_needs_a_one_item_list_unless_fixed():
    config = answers(must_include=["0", "1"])
    assert score(config, "10") == 1.0  # both substrings of "10"
    assert score(config, "10", fixes={"one-char-lists"}) == 0.0
    assert score(config, "0 and 1", fixes={"one-char-lists"}) == 1.0
    # a multi-character single item is a substring test
    assert score(answers(must_include=["10"]), "$100") == 1.0


def test_must_include_needs_every_item():
    config = answers(must_include=["Pittsburgh", "PA"])
    assert score(config, "Pittsburgh, PA") == 1.0
    assert score(config, "Pittsburgh") == 0.0


def test_string_must_include_does_not_split_or_unless_fixed():
    config = answers(must_include=["65 |OR| 3"])  # task 386
    assert score(config, "3") == 0.0
    assert score(config, "65 |OR| 3") == 1.0  # only the literal text passes
    assert score(config, "3", fixes={"must-include-or"}) == 1.0
    assert score(config, "65 stars", fixes={"must-include-or"}) == 1.0
    # with the split, "3" is a one-character alternative of a one-item list: a token test
    assert score(config, "around 3.1 stars", fixes={"must-include-or"}) == 0.0


def test_fuzzy_match_asks_once_per_reference_and_multiplies():
    judge = FakeJudge(1.0, 1.0)
    config = answers(fuzzy_match=["Pittsburgh", "PA"])
    result = evaluate(config, ' "Pittsburgh, PA" ', "", None, judge)
    assert result.score == 1.0
    # the judge gets the cleaned answer, the raw reference and the intent
    assert judge.calls == [
        ("fuzzy_match", "pittsburgh, pa", "Pittsburgh", "What?"),
        ("fuzzy_match", "pittsburgh, pa", "PA", "What?"),
    ]
    assert len(result.judgements) == 2
    assert score(config, "x", judge=FakeJudge(1.0, 0.0)) == 0.0


def test_an_undecided_judgement_scores_zero_and_is_recorded():
    result = evaluate(answers(fuzzy_match=["a"]), "b", "", None, FakeJudge(None))
    assert result.score == 0.0
    assert result.details()["judgements"][0]["decided"] is False


def test_n_a_answer_passes_with_no_judge_call():
    judge = FakeJudge()
    config = answers(fuzzy_match="N/A")
    assert score(config, "N/A", judge=judge) == 1.0
    assert score(config, " 'n/a' ", judge=judge) == 1.0
    assert judge.calls == []
    # no judge at all is fine when it is not needed
    assert score(config, "n/a") == 1.0


def test_other_answers_to_an_unachievable_task_go_to_ua_match():
    judge = FakeJudge(1.0, 0.0)
    config = answers(fuzzy_match="N/A")
    assert score(config, "The product Is Not Sold", judge=judge) == 1.0
    assert judge.calls[0] == ("ua_match", "the product is not sold", "it is not sold", "What?")
    assert score(config, "I bought it", judge=judge) == 0.0


def test_the_n_a_score_overwrite_unless_fixed():
    config = answers(must_include=["x"], fuzzy_match="N/A")
    # must_include fails (0), then 0 * exact("N/A") = 0 != 1, so the judge REPLACES the score
    judge = FakeJudge(1.0)
    assert score(config, "N/A", judge=judge) == 1.0
    assert [c[0] for c in judge.calls] == ["ua_match"]
    judge = FakeJudge()
    assert score(config, "N/A", judge=judge, fixes={"na-overwrite"}) == 0.0
    assert judge.calls == []
    config = answers(exact_match="abc", fuzzy_match="N/A")
    assert score(config, "no", judge=FakeJudge(1.0)) == 1.0
    assert score(config, "no", judge=FakeJudge(1.0), fixes={"na-overwrite"}) == 0.0


def test_a_judge_is_required_only_when_one_is_asked():
    with pytest.raises(UsageError, match="fuzzy_match needs an LLM judge"):
        score(answers(fuzzy_match=["a"]), "b")
    with pytest.raises(UsageError, match="ua_match needs an LLM judge"):
        score(answers(fuzzy_match="N/A"), "b")


def test_an_early_stop_answer_is_scored_like_any_answer():
    assert score(answers(must_include=["0"]), "Early stop: Reach max steps 30") == 0.0
    assert score(answers(must_include=["max steps"]), "Early stop: Reach max steps 30") == 1.0


# -- url_match --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "reference, final, expected",
    [
        ("http://h/a/b", "http://h/a/b/", 1.0),  # rstrip("/")
        ("http://h/a/b/", "http://h/a/b", 1.0),
        ("http://h/a", "http://h/a/bc", 1.0),  # a substring of netloc+path
        ("http://h/a", "http://h/x", 0.0),
        ("http://h/x |OR| http://h/a", "http://h/a", 1.0),
        ("https://h/a", "http://h/a", 1.0),  # the scheme is ignored
        ("http://h/a%20b", "http://h/a b", 0.0),  # not unquoted
        ("http://h/s?q=shoe", "http://h/s?q=shoe&page=2", 1.0),  # extra keys ignored
        ("http://h/s?q=shoe", "http://h/s?q=boot", 0.0),
        ("http://h/s?q=shoe", "http://h/s", 0.0),
        ("http://h/s?q=a |OR| http://h/s?q=b&x=1", "http://h/s?q=b", 0.0),  # x from the union
        ("http://h/s?q=a |OR| http://h/s?q=b&x=1", "http://h/s?q=a&x=1", 1.0),
        ("http://h/s?q=", "http://h/s", 1.0),  # parse_qs drops blank values
        ("http://h/s?q=a&q=b", "http://h/s?q=b", 1.0),  # any allowed value
        ("http://h/a", "http://h/a#frag", 1.0),
    ],
)
def test_url_match(reference, final, expected):
    config = task("url_match", reference_url=reference, url_note="GOLD in PRED")
    assert score(config, final_url=final) == expected


def test_url_note_is_optional():
    assert score(task("url_match", reference_url="http://h/a"), final_url="http://h/a") == 1.0


# -- program_html -----------------------------------------------------------------------------
def html_task(*targets: dict) -> dict:
    return task("program_html", program_html=list(targets))


def test_program_html_targets_in_order_unescaped_and_multiplied():
    config = html_task(
        {"url": "last", "locator": "document.title", "required_contents": {"exact_match": "<B> & Co"}},
        {
            "url": "http://h/p",
            "locator": "",
            "prep_actions": ["document.body.click()"],
            "required_contents": {"must_include": ["open |OR| closed", "Status"]},
        },
    )
    page = FakePage(
        {("last", "document.title"): " '&lt;b&gt; &amp; co' ", ("http://h/p", ""): "Status: CLOSED"}
    )
    result = evaluate(config, "", "http://h/final", page, None)
    assert result.score == 1.0
    assert page.reads == [("last", "document.title", ()), ("http://h/p", "", ("document.body.click()",))]
    assert [t["score"] for t in result.details()["evaluators"]["program_html"]["targets"]] == [1.0, 1.0]
    page.values[("http://h/p", "")] = "Status: pending"
    assert score(config, final_url="http://h/final", page=page) == 0.0


def test_program_html_must_include_is_never_tokenised():
    config = html_task(
        {"url": "last", "locator": "document.body.outerText", "required_contents": {"must_include": ["0"]}}
    )
    assert score(config, page=FakePage({("last", "document.body.outerText"): "$10.00"})) == 1.0


def test_program_html_last_url_placeholder_is_the_final_url():
    config = html_task(
        {
            "url": "func:reddit_get_post_url('__last_url__')",
            "locator": "document.querySelector('.submission__title').outerText",
            "required_contents": {"exact_match": "Hello"},
        }
    )
    page = FakePage(
        {
            (
                "func:reddit_get_post_url('http://r/f/a/1/x')",
                "document.querySelector('.submission__title').outerText",
            ): "hello"
        }
    )
    assert score(config, final_url="http://r/f/a/1/x", page=page) == 1.0


def test_program_html_without_a_page_is_refused_and_zero_targets_score_one():
    with pytest.raises(ValueError, match="needs the live page"):
        score(html_task({"url": "last", "locator": "", "required_contents": {"exact_match": "x"}}))
    assert score(html_task()) == 1.0
    assert not needs_page(html_task()) and needs_page(html_task({"url": "last"}))


def test_page_fuzzy_match_of_webarena_lite_is_one_judge_call_on_the_joined_items():
    config = html_task(
        {
            "url": "last",
            "locator": "document.title",
            "required_contents": {"fuzzy_match": ["refund", "12.99"]},
        }
    )
    judge = FakeJudge(1.0)
    assert score(config, page=FakePage({("last", "document.title"): "Refund of 12.99"}), judge=judge) == 1.0
    assert judge.calls == [("fuzzy_match", "refund of 12.99", "refund, 12.99", "What?")]
    assert needs_judge(config)


# -- the whole score --------------------------------------------------------------------------
def test_every_evaluator_runs_and_the_score_is_their_product():
    config = task(
        "url_match", "string_match", reference_url="http://h/a", reference_answers={"fuzzy_match": ["b"]}
    )
    judge = FakeJudge(1.0)
    result = evaluate(config, "b", "http://h/x", None, judge)
    assert result.score == 0.0
    assert len(judge.calls) == 1  # no short cut after url_match's 0
    metrics = result.metrics()
    assert metrics == {
        "success": 0.0,
        "score": 0.0,
        "url_match": 0.0,
        "string_match": 1.0,
        "fuzzy_match": 1.0,
    }
    details = json.loads(json.dumps(result.details()))
    assert details["evaluators"]["url_match"]["final_url"] == "http://h/x"
    assert details["judgements"][0]["judge"] == "fuzzy_match"


def test_unachievable_metric_and_tokenizer_are_named_in_the_details():
    result = evaluate(answers(fuzzy_match="N/A"), "N/A", "", None, None)
    assert result.metrics()["unachievable"] == 1.0
    details = evaluate(answers(must_include=["0"]), "0 items", "", None, None).details()
    assert details["evaluators"]["string_match"]["tokenizer"] == webarena.tokenizer_name()
    assert details["evaluators"]["string_match"]["tokens"] == ["0", "items"]


def test_without_punkt_tab_sentence_periods_stay_on_their_word():
    """The one difference of the fallback tokenizer (punkt_tab cannot be downloaded here)."""
    if webarena.tokenizer_name() == webarena.TOKENIZER_PUNKT:
        pytest.skip("NLTK's punkt_tab data is installed: the official tokenizer is used")
    assert webarena.tokenizer_name() == webarena.TOKENIZER_NO_PUNKT
    assert score(answers(must_include=["5"]), "there are 5. that is all") == 0.0  # '5.' (punkt: '5', '.')
    assert score(answers(must_include=["5"]), "that is all: 5.") == 1.0


def test_the_tokenizer_is_nltk_with_punkt_tab_when_nltk_has_it(monkeypatch):
    import nltk

    webarena._word_tokenizer.cache_clear()
    monkeypatch.setattr(nltk.data, "find", lambda name: name)
    try:
        assert webarena.tokenizer_name() == webarena.TOKENIZER_PUNKT
    finally:
        webarena._word_tokenizer.cache_clear()


def test_fixes_are_parsed_by_name():
    assert parse_fixes(None) == frozenset()
    assert parse_fixes("na-overwrite, clean-twice") == {"na-overwrite", "clean-twice"}
    assert parse_fixes("all") == ALL
    with pytest.raises(ValueError, match="unknown quirk"):
        parse_fixes("scroll-iou")
    with pytest.raises(ValueError, match="unknown quirk"):
        score(answers(exact_match="a"), "a", fixes={"nope"})


def test_with_the_real_judge_over_http():
    with ChatServer() as server:
        judge: Judge = make_judge(LLMSettings(judge_base_url=server.url).to_dict(), "gpt-4-1106-preview")
        server.push(Reply("correct"), Reply("I cannot tell"))
        result = evaluate(answers(fuzzy_match=["a", "b"]), "a b", "", None, judge)
        judge.close()
    assert result.score == 0.0
    assert [j.decided for j in result.judgements] == [True, False]
    assert "undecided" in result.details()["judgements"][1]["note"]


# -- check_config -----------------------------------------------------------------------------
GOOD = {
    "task_id": 7,
    "intent": "q",
    "eval": {
        "eval_types": ["string_match", "url_match", "program_html"],
        "reference_answers": {"must_include": ["a"], "fuzzy_match": "N/A"},
        "string_note": "gone",
        "reference_url": "http://h/a",
        "url_note": "GOLD in PRED",
        "program_html": [
            {"url": "last", "locator": "", "required_contents": {"exact_match": "x"}},
            {
                "url": "func:shopping_get_latest_order_url()",
                "locator": "func:gitlab_get_project_memeber_role(__page__, 'byteblaze')",
                "prep_actions": ["document.body.click()"],
                "required_contents": {"must_include": ["y"]},
            },
        ],
    },
}


def mutated(path: str, value) -> dict:
    config = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return config


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("eval", KeyError, "task 7: eval: missing (expected an object)"),
        ("eval.eval_types", ["string_match", "html"], "task 7: eval.eval_types: unknown eval type 'html'"),
        ("eval.eval_types", "string_match", "task 7: eval.eval_types: expected a list of eval type names"),
        ("eval.reference_answers", None, "task 7: eval.reference_answers: expected an object, got None"),
        ("eval.reference_answers.exactly", "a", "task 7: eval.reference_answers.exactly: unknown approach"),
        (
            "eval.reference_answers.must_include",
            "yjlou",
            "eval.reference_answers.must_include: expected a list of strings",
        ),
        ("eval.reference_answers.fuzzy_match", "n/a", 'fuzzy_match: expected a list of strings or "N/A"'),
        ("eval.string_note", KeyError, "task 7: eval.string_note: missing"),
        ("intent", KeyError, "task 7: intent: missing"),
        ("eval.reference_url", KeyError, "task 7: eval.reference_url: missing"),
        ("eval.reference_url", "", "task 7: eval.reference_url: expected a URL"),
        ("eval.url_note", "EXACT", "task 7: eval.url_note: unknown matching rule 'EXACT'"),
        ("eval.url_note", None, "task 7: eval.url_note: unknown matching rule None"),
        ("eval.program_html", None, "task 7: eval.program_html: expected a list of targets"),
        ("eval.program_html.0.url", KeyError, "task 7: eval.program_html[0].url: missing"),
        (
            "eval.program_html.0.locator",
            "xpath=//a",
            "eval.program_html[0].locator: unknown locator 'xpath=//a'",
        ),
        (
            "eval.program_html.0.required_contents",
            {},
            "program_html[0].required_contents: expected exact_match",
        ),
        (
            "eval.program_html.0.required_contents",
            {"must_include": [1]},
            "must_include: expected a list of strings",
        ),
        (
            "eval.program_html.1.prep_actions",
            "x()",
            "program_html[1].prep_actions: expected a list of JS snippets",
        ),
        ("eval.program_html.1.url", "func:steal('x')", "program_html[1].url: unknown helper 'steal'"),
        (
            "eval.program_html.1.locator",
            "func:__import__('os').system('id')",
            "program_html[1].locator: not a call of a named helper",
        ),
        (
            "eval.program_html.1.locator",
            "func:gitlab_get_project_memeber_role('x')",
            "takes 2 argument(s), not 1",
        ),
        (
            "eval.program_html.1.locator",
            "func:gitlab_get_project_memeber_role(page, 'x')",
            "must be __page__",
        ),
        ("eval.program_html.1.url", "func:reddit_get_post_url(x)", "argument 'url' must be a string literal"),
        ("eval.program_html.1.url", "func:reddit_get_post_url(", "not a function call"),
    ],
)
def test_check_config_errors_name_the_task_and_the_field(path, value, message):
    with pytest.raises(WebArenaConfigError) as caught:
        check_config(mutated(path, value))
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert isinstance(caught.value, UsageError)


def test_check_config_accepts_good_configs_and_every_official_task(shared_data):
    check_config(GOOD)
    tasks = json.loads((shared_data / "webarena" / "test.raw.json").read_text())
    for config in tasks:
        check_config(config)
    lite = json.loads(
        (shared_data / "webarena" / "webarena-lite" / "test_webarena_lite.raw.json").read_text()
    )
    refused = []
    for config in lite:
        try:
            check_config(config)
        except WebArenaConfigError as exc:
            refused.append(str(exc))
    # Lite's task 81 has must_include "yjlou" (a string): the official loop would iterate its letters
    assert refused == [
        "task 81: eval.reference_answers.must_include: expected a list of strings, got 'yjlou'"
    ]


def test_check_config_of_a_non_object():
    with pytest.raises(WebArenaConfigError, match=r"task \?: config: expected a JSON object, got list"):
        check_config([])  # type: ignore[arg-type]


def test_helper_calls_are_parsed_never_evaluated():
    assert parse_helper_call("reddit_get_post_url('http://r/f/a/1')") == (
        "reddit_get_post_url",
        ("http://r/f/a/1",),
    )
    assert parse_helper_call("shopping_get_latest_order_url()") == ("shopping_get_latest_order_url", ())
    assert parse_helper_call("gitlab_get_project_memeber_role(__page__, 'x')") == (
        "gitlab_get_project_memeber_role",
        ("__page__", "x"),
    )
    assert len(HELPERS) == 5
