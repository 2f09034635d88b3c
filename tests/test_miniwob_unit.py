"""MiniWoB++ mapping: DOM listing from a recorded observation, keys (no browser); actions the
page cannot take are step errors (browser)."""

from __future__ import annotations

import json

import pytest

from webbench.core.suite import get_suite
from webbench.suites.miniwob import dom_to_elements, miniwob_key


def test_dom_listing_of_a_recorded_observation(shared_data) -> None:
    recorded = json.loads((shared_data / "miniwob" / "observations_generated_miniwob_1.1.0.json").read_text())
    dom = [
        {**node, "left": node["left"], "top": node["top"]}
        for node in recorded["click-test-2"]["dom_elements"]
    ]
    elements, listing = dom_to_elements(dom)
    assert [e.id for e in elements] == ["1", "2", "3", "4", "5"]
    one = elements[3]
    assert (one.tag, one.text, one.bbox, one.attrs["id"]) == (
        "button",
        "ONE",
        (0.0, 160.0, 40.0, 40.0),
        "subbtn",
    )
    assert listing.splitlines()[3] == "      [4] button \"ONE\" id='subbtn'"
    assert listing.splitlines()[0] == "[1] body focused='true'"


def test_text_nodes_fold_into_their_parent() -> None:
    base = {
        "value": "",
        "id": "",
        "classes": "",
        "flags": [0, 0, 0, 0],
        "left": [0],
        "top": [0],
        "width": [1],
        "height": [1],
    }
    dom = [
        {**base, "ref": 1, "parent": 0, "tag": "label", "text": ""},
        {**base, "ref": 2, "parent": 1, "tag": "input_checkbox", "text": ""},
        {**base, "ref": -1, "parent": 1, "tag": "t", "text": "DKkQH"},
    ]
    elements, listing = dom_to_elements(dom)
    assert [(e.id, e.text) for e in elements] == [("1", "DKkQH"), ("2", "")]
    assert listing == '[1] label "DKkQH"\n  [2] input_checkbox'


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("Enter", "<Enter>"),
        ("a", "a"),
        ("Control+a", "C-a"),
        ("ctrl+Shift+Tab", "C-S-<Tab>"),
        ("ArrowDown", "<ArrowDown>"),
        ("Esc", "<Escape>"),
        ("+", "+"),
        ("space", "<Space>"),
        ("Control++", "C-+"),
    ],
)
def test_keys(key: str, expected: str) -> None:
    assert miniwob_key(key) == expected


def test_unknown_modifier() -> None:
    with pytest.raises(ValueError, match="unknown modifier"):
        miniwob_key("Hyper+a")


@pytest.mark.parametrize("key", ["Shift+", "Control+Alt+", ""])
def test_modifiers_without_a_key(key: str) -> None:
    with pytest.raises(ValueError, match="no key after the modifiers"):
        miniwob_key(key)


@pytest.fixture(scope="module")
def miniwob_env():
    from webbench.core.env import EnvConfig

    suite = get_suite("miniwob")
    env = suite.make_env(EnvConfig())
    env.tasks = {t.id: t for t in suite.load_tasks(None, None)}
    yield env
    env.close()


def _element(obs, tag: str) -> str:
    return next(e.id for e in obs.elements if e.tag == tag)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("task", "action", "error"),
    [
        ("login-user", lambda obs: "click_xy(5000, 5000)", "point (5000, 5000) is outside the page"),
        ("login-user", lambda obs: "click_xy(-1, 20)", "point (-1, 20) is outside the page"),
        ("login-user", lambda obs: 'press("Shift+")', "no key after the modifiers in 'Shift+'"),
        ("login-user", lambda obs: 'press("NotAKey")', "MiniWoB cannot press 'NotAKey'"),
        ("login-user", lambda obs: f'type("{_element(obs, "div")}", "x")', "(div) is not a text field"),
        ("login-user", lambda obs: f'type("{_element(obs, "button")}", "x")', "(button) is not a text field"),
        ("choose-list", lambda obs: f'select("{_element(obs, "select")}", "Atlantis")', "no option"),
        ("login-user", lambda obs: f'select("{_element(obs, "input_text")}", "x")', "is not a <select>"),
    ],
)
def test_what_the_page_cannot_do_is_a_step_error(miniwob_env, task, action, error) -> None:
    obs, _ = miniwob_env.reset(seed=4, options={"task": miniwob_env.tasks[task]})
    text = action(obs)
    obs, reward, done, _truncated, _info = miniwob_env.step(text)
    assert not done and reward == 0.0
    assert error in obs.error and obs.history == [text]
    # The episode goes on: the next action runs, with no error.
    obs, *_ = miniwob_env.step("noop()")
    assert obs.error is None and obs.step == 2


@pytest.mark.browser
def test_text_goes_into_inputs_and_editable_elements(miniwob_env) -> None:
    obs, _ = miniwob_env.reset(seed=4, options={"task": miniwob_env.tasks["login-user"]})
    obs, *_ = miniwob_env.step(f'type("{_element(obs, "input_text")}", "ann")')
    assert obs.error is None and obs.element(_element(obs, "input_text")).attrs["value"] == "ann"
    obs, _ = miniwob_env.reset(seed=4, options={"task": miniwob_env.tasks["text-editor"]})
    editor = next(e.id for e in obs.elements if "ql-editor" in e.attrs.get("classes", ""))
    obs, *_ = miniwob_env.step(f'type("{editor}", "more ")')
    assert obs.error is None and "more" in obs.text


def test_all_128_tasks_are_listed() -> None:
    tasks = get_suite("miniwob").load_tasks(None, None)
    assert len(tasks) == 128
    ids = {t.id for t in tasks}
    assert {"click-test-2", "flight.AA", "book-flight"} <= ids
    assert sum(t.meta["nondeterministic"] for t in tasks) == 25
    assert next(t for t in tasks if t.id == "click-test-2").goal == "Click on one of two buttons."


def test_subsets_name_real_tasks() -> None:
    suite = get_suite("miniwob")
    ids = {t.id for t in suite.load_tasks(None, None)}
    subsets = suite.subsets()
    assert {"smoke", "scripted"} <= set(subsets)
    for name, members in subsets.items():
        assert set(members) <= ids, name
