"""MiniWoB++ mapping that needs no browser: DOM listing from a recorded observation, keys."""

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
    ],
)
def test_keys(key: str, expected: str) -> None:
    assert miniwob_key(key) == expected


def test_unknown_modifier() -> None:
    with pytest.raises(ValueError, match="unknown modifier"):
        miniwob_key("Hyper+a")


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
