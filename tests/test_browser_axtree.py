"""Unit tests of browser/axtree.py on hand-built CDP AX nodes (no browser)."""

from __future__ import annotations

import pytest

from webbench.browser.axtree import (
    clean_static_text,
    observation_text,
    render_tree,
    tab_header,
    viewport_ratio,
)


def node(node_id, role, name=None, children=(), backend=True, props=None, role_type="role"):
    result = {"nodeId": node_id, "role": {"type": role_type, "value": role}, "childIds": list(children)}
    if name is not None:
        result["name"] = {"type": "computedString", "value": name}
    if backend:
        result["backendDOMNodeId"] = int(node_id)
    if props:
        result["properties"] = [{"name": k, "value": {"type": "x", "value": v}} for k, v in props.items()]
    return result


NODES = [
    node(
        "1",
        "RootWebArea",
        "Shop",
        ["2", "3", "9", "10", "12", "13"],
        props={"focusable": True, "focused": True},
    ),
    node("2", "generic", "", ["4"]),  # skipped: empty generic, children move up
    node("3", "listitem", "", ["5"], props={"level": 1, "setsize": 2}),  # skipped even with properties
    node("4", "link", "Home", ["6"], props={"url": "http://x/"}),
    node("5", "button", "Buy", ["7"]),
    node("6", "StaticText", "Home"),  # dropped: text in the previous line
    node("7", "StaticText", "Buy now"),  # kept: "Buy now" is not in any previous line
    node("8", "StaticText", "never printed"),  # not reachable from the root
    node("9", "heading", "Title", ["11"], backend=False),  # printed, but its children are not indented
    node("10", "paragraph", "", ["14"]),
    node("11", "StaticText", "Deep"),
    node("12", "img", ""),
    node("13", "checkbox", "Agree", props={"checked": "false", "editable": "plaintext", "invalid": "false"}),
    node("14", "InlineTextBox", "box"),
    node("1", "RootWebArea", "duplicate of 1, ignored"),
]


def test_render_applies_the_official_rules():
    tree, printed = render_tree(NODES, {"4": "40"}, {})
    assert tree == (
        "[1] RootWebArea 'Shop' focused: True\n"
        "\t[40] link 'Home' url: http://x/\n"
        "\t\t[6] StaticText 'Home'\n"
        "\t[5] button 'Buy'\n"
        "\t\t[7] StaticText 'Buy now'\n"
        "\t[9] heading 'Title'\n"
        "\t[11] StaticText 'Deep'\n"
        "\t[13] checkbox 'Agree' checked: false"
    )
    assert [p.id for p in printed][:2] == ["1", "40"]
    assert printed[-1].properties == {"checked": "false"}
    cleaned = clean_static_text(tree)
    assert "[6] StaticText 'Home'" not in cleaned
    assert "[7] StaticText 'Buy now'" in cleaned and "[11] StaticText 'Deep'" in cleaned


def test_static_text_dedup_looks_back_three_kept_lines_only():
    tree = "\n".join(
        ["[1] link 'alpha'", "[2] button 'b'", "[3] button 'c'", "[4] button 'd'", "[5] StaticText 'alpha'"]
    )
    assert clean_static_text(tree).endswith("[5] StaticText 'alpha'")
    assert "[3] StaticText" not in clean_static_text("[1] link 'x'\n[2] button 'y'\n[3] StaticText 'y'")
    # the official filter drops any line mentioning statictext that is not a StaticText line
    assert clean_static_text("[1] link 'StaticText here'") == ""
    assert clean_static_text("[1] StaticText ''") == ""


def test_pruning_official_formula_keeps_partly_visible_nodes():
    nodes = [
        node("1", "RootWebArea", "R", ["2", "3", "4", "5", "6"]),
        node("2", "button", "inside"),
        node("3", "button", "partly"),
        node("4", "button", "outside"),
        node("5", "button", "zero"),
        node("6", "button", "nobox"),
    ]
    boxes = {
        "2": (10, 10, 100, 20),
        "3": (-90, 10, 100, 20),  # 10 % visible
        "4": (10, 900, 100, 20),
        "5": (10, 10, 0, 20),
    }
    names = lambda mode: [p.name for p in render_tree(nodes, {}, boxes, (1280, 720), mode)[1]]  # noqa: E731
    assert names("off") == ["R", "inside", "partly", "outside", "zero", "nobox"]
    assert names("official") == ["R", "inside", "partly"]
    assert names("corrected") == ["R", "inside"]
    assert viewport_ratio((-90, 10, 100, 20), (1280, 720), "official") == pytest.approx(10 * 20 / 100 * 20)
    assert viewport_ratio((-90, 10, 100, 20), (1280, 720), "corrected") == pytest.approx(0.1)
    with pytest.raises(ValueError, match="pruning"):
        render_tree(nodes, {}, boxes, (1280, 720), "on")


def test_pruned_nodes_pass_their_children_up():
    nodes = [
        node("1", "RootWebArea", "R", ["2"]),
        node("2", "navigation", "menu", ["3"]),
        node("3", "link", "a"),
    ]
    tree, _ = render_tree(nodes, {}, {"3": (0, 0, 5, 5)}, (1280, 720), "official")
    assert tree == "[1] RootWebArea 'R'\n\t[3] link 'a'"


def test_tab_header_and_observation_text():
    assert tab_header(["A", "B"], 1) == "Tab 0: A | Tab 1 (current): B"
    assert observation_text(["A"], 0, "[1] RootWebArea 'A'") == "Tab 0 (current): A\n\n[1] RootWebArea 'A'"
