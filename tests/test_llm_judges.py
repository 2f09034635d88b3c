"""LLM judges: WebArena fuzzy_match / ua_match and WebVoyager's screenshot judge.

Verdict rules are checked on hand-written replies; the request side against a real
HTTP server with scripted replies.
"""

from __future__ import annotations

import pytest
from llm_server import ChatServer, Reply, user_text

from webbench.llm.judge_prompts import WEBBENCH_TEXTS, load_prompts_file
from webbench.llm.judges import (
    Judge,
    fuzzy_match_verdict,
    judgements_usage,
    make_judge,
    ua_match_verdict,
    webvoyager_verdict,
)
from webbench.llm.settings import LLMSettings
from webbench.metrics.strings import clean_answer
from webbench.metrics.webarena import evaluate


@pytest.mark.parametrize(
    "reply, score",
    [
        ("The answer is correct.", 1.0),
        ("CORRECT", 1.0),
        ("The student answer is partially correct.", 0.0),
        ("incorrect", 0.0),
        # "incorrect" wins even when "correct" also appears, as in the official check order
        ("Not correct, i.e. incorrect", 0.0),
        ("I cannot decide.", None),
        ("", None),
    ],
)
def test_fuzzy_match_verdict(reply, score):
    assert fuzzy_match_verdict(reply) == score


@pytest.mark.parametrize(
    "reply, score",
    [("[same]", 1.0), ("SAME", 1.0), ("different", 0.0), ("same reason? no: [different]", 0.0), ("hm", None)],
)
def test_ua_match_verdict(reply, score):
    assert ua_match_verdict(reply) == score


@pytest.mark.parametrize(
    "reply, score",
    [
        ("... Verdict: SUCCESS", 1.0),
        ("Verdict: NOT SUCCESS", 0.0),
        ("success", None),  # case-sensitive, as officially
        ("The task failed.", None),
    ],
)
def test_webvoyager_verdict(reply, score):
    assert webvoyager_verdict(reply) == score


@pytest.mark.parametrize(
    "raw, clean", [("  'Yes' ", "yes"), ('"N/A"', "n/a"), ("'", ""), ("'abc\"", "'abc\""), ("ABC", "abc")]
)
def test_clean_answer(raw, clean):
    assert clean_answer(raw) == clean


def fuzzy_task(value, string_note: str = "", intent: str = "Where?") -> dict:
    """Return a string_match task whose only approach is fuzzy_match ``value``."""
    return {
        "task_id": 1,
        "intent": intent,
        "eval": {
            "eval_types": ["string_match"],
            "reference_answers": {"fuzzy_match": value},
            "string_note": string_note,
        },
    }


def string_score(value, answer: str, judge, string_note: str = "", intent: str = "Where?"):
    """Return (score, judgements) of WebArena's string_match through ``webbench.metrics.webarena``."""
    result = evaluate(fuzzy_task(value, string_note, intent), answer, "", None, judge)
    return result.score, list(result.judgements)


@pytest.fixture
def server():
    with ChatServer() as srv:
        yield srv


@pytest.fixture
def judge(server):
    return make_judge(LLMSettings(judge_base_url=server.url).to_dict(), "gpt-4-1106-preview", retry_base=0.01)


def test_fuzzy_match_asks_once_per_reference_with_the_official_inputs_and_parameters(server, judge):
    server.push(Reply("correct", 200, 3), Reply("partially correct", 210, 4))
    score, judgements = string_score(["Pittsburgh", "PA"], ' "Pittsburgh, PA" ', judge)
    assert score == 0.0
    assert [j.score for j in judgements] == [1.0, 0.0]
    assert {j.prompts for j in judgements} == {"webbench"}
    assert len(server.requests) == 2
    body = server.requests[0]["json"]
    assert body["model"] == "gpt-4-1106-preview"
    assert (body["temperature"], body["max_tokens"], body["top_p"]) == (0, 768, 1.0)
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][0]["content"] == "You are a helpful assistant"
    text = user_text(server.requests[0])
    # webbench's wording: the three inputs on their own lines, the cleaned answer as officially,
    # and the three verdict words the rule looks for.
    assert "Question: Where?\nReference answer: Pittsburgh\nAgent's answer: pittsburgh, pa\n" in text
    assert '"N/A"' in text
    assert text.endswith("correct, incorrect, partially correct.")
    assert "Reference answer: PA\n" in user_text(server.requests[1])
    assert judgements_usage(judgements)["input_tokens"] == 410


def test_an_undecided_reply_is_recorded_and_scores_zero(server, judge):
    server.push(Reply("I am not sure what to say."))
    score, (judgement,) = string_score(["x"], "y", judge)
    assert score == 0.0
    assert not judgement.decided
    record = judgement.record()
    assert record["reply"] == "I am not sure what to say." and "undecided" in record["note"]


def test_empty_answer_is_decided_without_a_call(server, judge):
    score, (judgement,) = string_score(["x"], "  ", judge)
    assert (score, judgement.reply) == (0.0, None)
    assert judge.fuzzy_match("", "", "q").score == 1.0
    assert server.requests == []


def test_unachievable_n_a_passes_without_a_call_else_ua_match_decides(server, judge):
    assert string_score("N/A", " 'n/a' ", judge, "the item does not exist") == (1.0, [])
    assert server.requests == []
    server.push(Reply("[same]"))
    score, (judgement,) = string_score("N/A", "No such product exists", judge, "X is not sold", "Buy X")
    assert (score, judgement.judge) == (1.0, "ua_match")
    text = user_text(server.requests[0])
    assert "Task: Buy X\nKnown reason: X is not sold\nAgent's explanation: no such product exists\n" in text
    assert text.endswith('Answer "same" if it does, "different" if it does not.')


def test_webvoyager_judge_sends_the_last_k_screenshots(server, judge):
    shots = [f"png-{i}".encode() for i in range(5)]
    server.push(Reply("The page shows it. SUCCESS", 900, 40))
    judgement = judge.webvoyager("Find a recipe", "Pasta", shots, k=3)
    assert (judgement.score, judgement.decided, judgement.judge) == (1.0, True, "webvoyager")
    body = server.requests[0]["json"]
    assert (body["max_tokens"], body["seed"], body["temperature"]) == (1000, 42, 0)
    assert body["messages"][0] == {"role": "system", "content": WEBBENCH_TEXTS["webvoyager_system"]}
    assert (
        "SUCCESS" in WEBBENCH_TEXTS["webvoyager_system"]
        and "NOT SUCCESS" in WEBBENCH_TEXTS["webvoyager_system"]
    )
    content = body["messages"][1]["content"]
    assert content[0]["text"] == (
        "Task: Find a recipe\nAgent's final response: Pasta\nThe last 3 screenshots of the run follow."
    )
    assert [p["type"] for p in content] == ["text", "image_url", "image_url", "image_url", "text"]
    assert content[-1]["text"] == "Your verdict:\n"
    import base64

    sent = [base64.b64decode(p["image_url"]["url"].split(",", 1)[1]) for p in content[1:4]]
    assert sent == shots[-3:]


def test_webvoyager_no_answer_scores_zero_without_a_call(server, judge):
    judgement = judge.webvoyager("task", None, [b"x"])
    assert (judgement.score, judgement.note) == (0.0, "no answer")
    assert server.requests == []


def test_judge_model_and_endpoint_come_from_the_run_settings(server):
    settings = LLMSettings(judge_model="my-judge", judge_base_url=server.url).to_dict()
    judge = make_judge(settings, "gpt-4-1106-preview")
    assert isinstance(judge, Judge)
    judge.ua_match("a", "b", "c")
    assert server.requests[0]["json"]["model"] == "my-judge"


#: A prompts file's templates: made-up wording, with braces and quotes around the placeholders.
CUSTOM = {
    "fuzzy_match": 'Q={question} | R="{reference}" | P={pred} | {"format": "correct or not"}',
    "ua_match": "[{question}] [{reference}] [{pred}] same/different?",
    "webvoyager_system": "Custom judge. Reply SUCCESS or NOT SUCCESS. {not a placeholder}",
    "webvoyager_user": "{k} shots for <{task}> answered <{answer}>:",
}


@pytest.fixture
def custom_file(tmp_path):
    import json

    path = tmp_path / "prompts.json"
    path.write_text(json.dumps(CUSTOM))
    return path


def custom_judge(server, path):
    texts, sha256 = load_prompts_file(path)
    settings = LLMSettings(judge_base_url=server.url, judge_prompts=texts, judge_prompts_sha256=sha256)
    return make_judge(settings.to_dict(), "gpt-4-1106-preview", retry_base=0.01)


def test_a_prompts_file_puts_exactly_its_text_on_the_wire(server, custom_file):
    import hashlib

    judge = custom_judge(server, custom_file)
    server.push(Reply("correct"), Reply("same"), Reply("SUCCESS"))
    fuzzy = judge.fuzzy_match("{pred} 50%", "{question}", "Price in {currency}?")
    ua = judge.ua_match("gone", "not sold", "Buy X")
    shots = [b"a", b"b"]
    voyager = judge.webvoyager("Find {x}", "Pasta }{", shots, k=3)
    sha256 = hashlib.sha256(custom_file.read_bytes()).hexdigest()
    assert [j.prompts for j in (fuzzy, ua, voyager)] == [sha256] * 3
    assert [j.score for j in (fuzzy, ua, voyager)] == [1.0, 1.0, 1.0]

    first, second, third = (r["json"] for r in server.requests)
    # Values holding braces are inserted as they are; the template's other braces stay literal.
    filled = 'Q=Price in {currency}? | R="{question}" | P={pred} 50% | {"format": "correct or not"}'
    assert first["messages"] == [
        {"role": "system", "content": "You are a helpful assistant"},
        {"role": "user", "content": filled},
    ]
    assert (first["temperature"], first["max_tokens"], first["top_p"]) == (0, 768, 1.0)
    assert second["messages"][1]["content"] == "[Buy X] [not sold] [gone] same/different?"
    assert third["messages"][0] == {"role": "system", "content": CUSTOM["webvoyager_system"]}
    content = third["messages"][1]["content"]
    assert [p["type"] for p in content] == ["text", "image_url", "image_url", "text"]
    assert content[0]["text"] == "3 shots for <Find {x}> answered <Pasta }{>:"
    assert content[-1]["text"] == "Your verdict:\n"
    assert (third["max_tokens"], third["seed"], third["temperature"]) == (1000, 42, 0)


def test_a_partial_prompts_file_keeps_webbench_wording_for_the_rest(server, tmp_path):
    import json

    path = tmp_path / "ua.json"
    path.write_text(json.dumps({"ua_match": CUSTOM["ua_match"]}))
    judge = custom_judge(server, path)
    server.push(Reply("correct"), Reply("different"))
    assert judge.fuzzy_match("a", "b", "q").score == 1.0
    assert judge.ua_match("a", "b", "q").score == 0.0
    assert user_text(server.requests[0]).startswith(WEBBENCH_TEXTS["fuzzy_match"].split("\n")[0])
    assert user_text(server.requests[1]) == "[q] [b] [a] same/different?"


def test_judgements_made_without_a_call_record_the_prompt_set_too(server, custom_file):
    judge = custom_judge(server, custom_file)
    assert judge.fuzzy_match("", "x", "q").prompts == load_prompts_file(custom_file)[1]
    assert judge.webvoyager("t", None, []).prompts == load_prompts_file(custom_file)[1]
    assert server.requests == []
