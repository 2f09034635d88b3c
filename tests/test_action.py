"""The canonical action syntax: every action, quoting, unicode, malformed input."""

from __future__ import annotations

import pytest

from webbench.core.action import ACTIONS, Action, ActionParseError, format_action, make_action, parse_action

EXAMPLES = {
    'click("12")': Action("click", {"element": "12"}),
    'type("12", "text", enter=False)': Action("type", {"element": "12", "text": "text", "enter": False}),
    'type("12", "text")': Action("type", {"element": "12", "text": "text", "enter": False}),
    'type("12", "go", enter=True)': Action("type", {"element": "12", "text": "go", "enter": True}),
    'select("12", "option")': Action("select", {"element": "12", "option": "option"}),
    'hover("12")': Action("hover", {"element": "12"}),
    'press("Enter")': Action("press", {"key": "Enter"}),
    'scroll("down")': Action("scroll", {"direction": "down"}),
    'goto("https://example.com/a?b=1")': Action("goto", {"url": "https://example.com/a?b=1"}),
    "go_back()": Action("go_back", {}),
    "go_forward()": Action("go_forward", {}),
    "new_tab()": Action("new_tab", {}),
    "switch_tab(1)": Action("switch_tab", {"index": 1}),
    "close_tab()": Action("close_tab", {}),
    'say("text")': Action("say", {"text": "text"}),
    'answer("text")': Action("answer", {"text": "text"}),
    "noop()": Action("noop", {}),
    "click_xy(10, 20.5)": Action("click_xy", {"x": 10.0, "y": 20.5}),
}


@pytest.mark.parametrize(("text", "expected"), EXAMPLES.items())
def test_parses_every_action(text: str, expected: Action) -> None:
    assert parse_action(text) == expected


def test_examples_cover_every_action() -> None:
    assert {a.name for a in EXAMPLES.values()} == set(ACTIONS)


@pytest.mark.parametrize("action", EXAMPLES.values())
def test_format_round_trips(action: Action) -> None:
    assert parse_action(format_action(action)) == action


def test_format_is_canonical() -> None:
    assert format_action(parse_action("type('3', 'hi', enter=True)")) == 'type("3", "hi", enter=True)'
    assert format_action(parse_action("type('3', 'hi')")) == 'type("3", "hi")'
    assert str(parse_action("click_xy(1.0, 2)")) == "click_xy(1, 2)"


@pytest.mark.parametrize(
    "text",
    [
        'type("1", "say \\"hi\\"")',
        "type('1', 'it\\'s')",
        'type("1", "line\\nbreak\\ttab\\\\slash")',
        'type("1", "héllo 日本語 🙂")',
        'answer("comma, paren) and quote\' inside")',
        'type("1", "")',
    ],
)
def test_quoting_and_unicode_round_trip(text: str) -> None:
    action = parse_action(text)
    assert parse_action(format_action(action)) == action


def test_unicode_value_is_kept() -> None:
    assert parse_action('type("1", "héllo 日本語 🙂")').args["text"] == "héllo 日本語 🙂"


def test_integer_element_ids_become_strings() -> None:
    assert parse_action("click(12)").element == "12"
    assert parse_action("  click( '7' )  ").element == "7"


def test_keyword_arguments_by_name() -> None:
    assert parse_action('type(element="4", text="x", enter=1)').args == {
        "element": "4",
        "text": "x",
        "enter": True,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty action"),
        ("click", "single call"),
        ('click("1"', "not a valid action call"),
        ('fly("1")', "unknown action fly()"),
        ("click()", "missing element"),
        ('click("1", "2")', "takes 1 argument"),
        ('click("")', "element id is empty"),
        ('type("1", "a", enter="yes")', "enter must be True or False"),
        ('type("1", "a", shout=True)', "no argument 'shout'"),
        ('type("1", text="a", text="b")', "got 'text' twice"),
        ('type("1", "a", text="b")', "got 'text' twice"),
        ('scroll("sideways")', "direction must be one of"),
        ("switch_tab('x')", "index must be an integer"),
        ("click(__import__('os').system('echo pwned'))", "must be a literal"),
        ('click(*["1"])', "* and ** arguments"),
        ('click(**{"element": "1"})', "* and ** arguments"),
        ('os.system("ls")', "single call"),
        ('click("1"); noop()', "not a valid action call"),
        ("click(True)", "element must be a string"),
        ('press("")', "key is empty"),
        ("click_xy('a', 1)", "x must be a number"),
    ],
)
def test_malformed_input_is_a_message(text: str, message: str) -> None:
    with pytest.raises(
        ActionParseError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")
    ):
        parse_action(text)


def test_parse_never_evaluates(tmp_path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(ActionParseError):
        parse_action(f"click(open({str(marker)!r}, 'w').write('x'))")
    assert not marker.exists()


def test_make_action_validates_like_parsing() -> None:
    assert make_action("click", 5) == parse_action('click("5")')
    with pytest.raises(ActionParseError, match="unknown action"):
        make_action("fly")
