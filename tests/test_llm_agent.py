"""The ReAct agent: prompts, reply parsing, one retry on a bad reply, traces and usage."""

from __future__ import annotations

import json

import pytest
from llm_server import ChatServer, Reply, user_text

from webbench.agents.llm import (
    LLMAgent,
    check_reply,
    observation_prompt,
    parse_reply,
    system_prompt,
    trim_text,
)
from webbench.core.agent import load_agent_class, make_agent
from webbench.core.types import Observation, Task, Turn

TASK = Task("miniwob", "click-test-2", "Click a button")


def obs(**kwargs) -> Observation:
    values = {"goal": "Click button ONE.", "text": '[4] button "ONE"\n[5] button "TWO"'}
    return Observation(**(values | kwargs))


@pytest.fixture
def server():
    with ChatServer() as srv:
        yield srv


def agent(server: ChatServer, **kwargs) -> LLMAgent:
    built = LLMAgent(model="gpt-4o", base_url=server.url, retry_base=0.01, **kwargs)
    built.reset(TASK)
    return built


@pytest.mark.parametrize(
    "reply, thought, action",
    [
        ('Thought: find it\nAction: click("4")', "find it", 'click("4")'),
        ('Thought: a\nsecond line\nAction: `type("3", "hi")`', "a\nsecond line", 'type("3", "hi")'),
        ("**Thought:** x\n**Action:** noop()", "x", "noop()"),
        ('thought: x\naction: click("1")\nAction: click("2")', "x", 'click("2")'),
        ("I would click the button", None, None),
        ("Thought: hmm\nAction:   ", "hmm", None),
    ],
)
def test_parse_reply(reply, thought, action):
    assert parse_reply(reply) == (thought, action)


def test_check_reply_reports_why_an_action_is_unusable():
    assert check_reply('Action: click("4")')[2] is None
    assert check_reply("no action here")[2] == "the reply has no 'Action:' line"
    assert "unknown action fly()" in check_reply("Action: fly()")[2]


def test_trim_text_cuts_to_the_budget_and_says_so():
    assert trim_text("abc", 10) == "abc"
    cut = trim_text("x" * 100, 5)
    assert cut.startswith("x" * 20 + "\n") and "80 more characters" in cut


def test_observation_prompt_holds_every_part():
    text = observation_prompt(
        obs(
            url="http://x",
            dialogue=[Turn("instructor", "hi there"), Turn("navigator", "hello")],
            history=['click("1")'],
            error="no element '9'",
            tabs=["a", "b"],
        ),
        [],
        1000,
        vision=False,
    )
    for part in (
        "Task: Click button ONE.",
        "URL: http://x",
        "0: a | 1: b",
        "instructor: hi there",
        '1. click("1")',
        "Error of the last action: no element '9'",
        '[4] button "ONE"',
    ):
        assert part in text
    assert "screenshot" not in text


def test_system_prompt_lists_the_actions_it_is_given():
    full = system_prompt()
    assert 'type("12", "hello", enter=False)' in full and "answer(" in full
    only = system_prompt(["click", "noop"])
    assert 'click("12")' in only and "goto(" not in only


def test_builtin_short_name_and_settings_flag():
    assert load_agent_class("llm") is LLMAgent
    assert LLMAgent.uses_llm_settings


def test_a_good_reply_is_one_call_with_a_full_trace(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-trace-secret")
    server.push(Reply('Thought: ONE is [4]\nAction: click("4")', 120, 12))
    llm = agent(server, temperature=0.2, max_tokens=64, seed=7)
    assert llm.act(obs()) == 'click("4")'
    body = server.requests[0]["json"]
    assert (body["model"], body["temperature"], body["max_tokens"], body["seed"]) == ("gpt-4o", 0.2, 64, 7)
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    trace = llm.step_trace
    assert trace["thought"] == "ONE is [4]" and trace["action"] == 'click("4")'
    assert trace["parse_error"] is None
    assert trace["usage"] == {"input_tokens": 120, "output_tokens": 12, "cost_usd": pytest.approx(0.00042)}
    assert trace["calls"][0]["reply"].endswith('click("4")')
    assert "sk-trace-secret" not in json.dumps(trace)


def test_a_bad_reply_is_fed_back_once(server):
    server.push(
        Reply("I think I should click ONE", 100, 10), Reply('Thought: ok\nAction: click("4")', 150, 8)
    )
    llm = agent(server)
    assert llm.act(obs()) == 'click("4")'
    assert len(server.requests) == 2
    assert "could not be used: the reply has no 'Action:' line" in user_text(server.requests[1])
    retry_roles = [m["role"] for m in server.requests[1]["json"]["messages"]]
    assert retry_roles == ["system", "user", "assistant", "user"]
    assert llm.step_trace["first_parse_error"] == "the reply has no 'Action:' line"
    assert llm.step_trace["usage"]["input_tokens"] == 250
    assert len(llm.step_trace["calls"]) == 2


def test_two_bad_replies_pass_the_raw_text_to_the_env(server):
    server.push(Reply("Action: fly away"), Reply("Action: fly away again"))
    llm = agent(server)
    assert llm.act(obs()) == "fly away again"
    assert len(server.requests) == 2
    assert llm.step_trace["action"] == "fly away again"
    assert llm.step_trace["parse_error"].startswith("not a valid action call")


def test_history_accumulates_and_reset_clears_it(server):
    server.push(Reply('Action: click("4")'), Reply("Action: noop()"))
    llm = agent(server)
    llm.act(obs())
    llm.act(obs(step=1))
    assert '1. click("4")' in user_text(server.requests[1])
    llm.reset(TASK)
    llm.act(obs())
    assert "Previous actions: none" in user_text(server.requests[2])


def test_vision_attaches_the_screenshot_only_when_asked(server):
    png = b"\x89PNG\r\n\x1a\nscreen"
    agent(server).act(obs(screenshot=png))
    agent(server, vision=True).act(obs(screenshot=png))
    plain, seen = (r["json"]["messages"][1]["content"] for r in server.requests)
    assert isinstance(plain, str)
    assert [p["type"] for p in seen] == ["text", "image_url"]
    assert "A screenshot of the page is attached." in seen[0]["text"]


def test_vision_keeps_the_last_screenshots_the_suite_publishes_or_as_many_as_asked(server):
    import base64

    shots = [b"\x89PNG\r\n\x1a\n" + bytes([i]) for i in range(5)]

    def images(request):
        parts = request["json"]["messages"][1]["content"]
        return [
            base64.b64decode(p["image_url"]["url"].split(",", 1)[1])
            for p in parts
            if p["type"] == "image_url"
        ]

    for screenshots in (None, 1):
        llm = agent(server, vision=True, screenshots=screenshots)
        for step, png in enumerate(shots):
            server.push(Reply("Action: noop()"))
            llm.act(obs(step=step, screenshot=png, extra={"context_screenshots": 3}))
    assert images(server.requests[4]) == shots[2:]  # WebVoyager's published 3, oldest first
    assert "The last 3 screenshots are attached" in user_text(server.requests[4])
    assert images(server.requests[9]) == shots[4:]  # screenshots=1


def test_bad_agent_args_are_usage_errors():
    from webbench.core.agent import AgentSpecError

    with pytest.raises(AgentSpecError, match="bad --agent-arg"):
        make_agent("llm", {"model": "m", "colour": "blue"})
    with pytest.raises(AgentSpecError, match="needs a model name"):
        make_agent("llm", {"model": ""})
