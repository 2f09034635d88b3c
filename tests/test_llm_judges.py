"""LLM judges: WebArena fuzzy_match / ua_match and WebVoyager's screenshot judge.

Verdict rules are checked on hand-written replies; the request side against a real
HTTP server with scripted replies.
"""

from __future__ import annotations

import pytest
from llm_server import ChatServer, Reply, user_text

from webbench.agents.llm.judges import (
    WEBVOYAGER_SYSTEM_PROMPT,
    Judge,
    fuzzy_match_verdict,
    judgements_usage,
    make_judge,
    ua_match_verdict,
    webarena_fuzzy_match,
    webvoyager_verdict,
)
from webbench.agents.llm.settings import LLMSettings
from webbench.metrics.strings import clean_answer


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


@pytest.fixture
def server():
    with ChatServer() as srv:
        yield srv


@pytest.fixture
def judge(server):
    return make_judge(LLMSettings(judge_base_url=server.url).to_dict(), "gpt-4-1106-preview", retry_base=0.01)


def test_fuzzy_match_asks_once_per_reference_with_the_official_prompt(server, judge):
    server.push(Reply("correct", 200, 3), Reply("partially correct", 210, 4))
    score, judgements = webarena_fuzzy_match(["Pittsburgh", "PA"], ' "Pittsburgh, PA" ', "Where?", "", judge)
    assert score == 0.0
    assert [j.score for j in judgements] == [1.0, 0.0]
    assert len(server.requests) == 2
    body = server.requests[0]["json"]
    assert body["model"] == "gpt-4-1106-preview"
    assert (body["temperature"], body["max_tokens"], body["top_p"]) == (0, 768, 1.0)
    assert body["messages"][0] == {"role": "system", "content": "You are a helpful assistant"}
    text = user_text(server.requests[0])
    assert text.startswith("(removed)")
    assert "question: Where?\nreference answer: Pittsburgh\n" in text
    assert "student answer: pittsburgh, pa\n" in text  # the cleaned answer, as officially
    assert text.endswith("Conclude the judgement by correct/incorrect/partially correct.")
    assert judgements_usage(judgements)["input_tokens"] == 410


def test_an_undecided_reply_is_recorded_and_scores_zero(server, judge):
    server.push(Reply("I am not sure what to say."))
    score, (judgement,) = webarena_fuzzy_match(["x"], "y", "q", "", judge)
    assert score == 0.0
    assert not judgement.decided
    record = judgement.record()
    assert record["reply"] == "I am not sure what to say." and "undecided" in record["note"]


def test_empty_answer_is_decided_without_a_call(server, judge):
    score, (judgement,) = webarena_fuzzy_match(["x"], "  ", "q", "", judge)
    assert (score, judgement.reply) == (0.0, None)
    assert judge.fuzzy_match("", "", "q").score == 1.0
    assert server.requests == []


def test_unachievable_n_a_passes_without_a_call_else_ua_match_decides(server, judge):
    assert webarena_fuzzy_match("N/A", " 'n/a' ", "q", "the item does not exist", judge) == (1.0, [])
    assert server.requests == []
    server.push(Reply("[same]"))
    score, (judgement,) = webarena_fuzzy_match(
        "N/A", "No such product exists", "Buy X", "X is not sold", judge
    )
    assert (score, judgement.judge) == (1.0, "ua_match")
    text = user_text(server.requests[0])
    assert "Task_1 = Buy X\nReason_1 = X is not sold\nReport_1 = no such product exists\n" in text
    assert text.endswith("return [same] or [different]")


def test_webvoyager_judge_sends_the_last_k_screenshots(server, judge):
    shots = [f"png-{i}".encode() for i in range(5)]
    server.push(Reply("The page shows it. SUCCESS", 900, 40))
    judgement = judge.webvoyager("Find a recipe", "Pasta", shots, k=3)
    assert (judgement.score, judgement.decided, judgement.judge) == (1.0, True, "webvoyager")
    body = server.requests[0]["json"]
    assert (body["max_tokens"], body["seed"], body["temperature"]) == (1000, 42, 0)
    assert body["messages"][0]["content"] == WEBVOYAGER_SYSTEM_PROMPT
    content = body["messages"][1]["content"]
    assert content[0]["text"] == "TASK: Find a recipe\nResult Response: Pasta\n3 screenshots at the end: "
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
