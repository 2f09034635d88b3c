"""WebArena's accessibility-tree text, from CDP AX nodes and boxes (pure; no browser).

The rules are those of the official ``browser_env/processors.py`` (LIVE-SUITES.md 1.5):

- nodes repeated in ``Accessibility.getFullAXTree`` are kept once (first occurrence);
  ``InlineTextBox`` nodes are left out: recent Chromium returns them from ``getFullAXTree``, the
  Chromium of WebArena's runs did not, and its published observations have none;
- each kept node prints as ``"\\t" * depth + f"[{id}] {role} {name!r}"`` followed by
  ``" name: value"`` for each property except those in ``IGNORED_PROPERTIES``;
- a node whose name is blank and that has no printed property is skipped when its role is in
  ``SKIPPED_ROLES``; a blank-named ``listitem`` is skipped even with properties; a node whose
  role or name cannot be read is skipped; skipped nodes' children move up one level;
- a printed node without a ``backendDOMNodeId`` does not indent its children (the official
  code fails on it after printing the line, inside the same ``try``);
- a ``StaticText`` line is dropped when its text is empty or occurs in one of the previous three
  kept lines, and any other line that contains "statictext" (any case) but is not a
  ``[<digits>] StaticText ...`` line is dropped too (the official regex filter does both);
- with viewport pruning, nodes without a box, with zero width or height, or whose in-viewport
  ratio is below 0.6 are removed and their children move up; the ``RootWebArea`` always stays.

Pruning modes: ``"off"``; ``"official"`` (the default of run.py) computes the ratio as the
official code does, ``overlap_w * overlap_h / w * h`` (operator precedence: it multiplies by
``h`` instead of dividing; in practice only nodes that do not overlap the window at all are
removed, besides those without a box); ``"corrected"`` divides by the area.

Ids are whatever the caller maps each AX node to (webbench prints its stable page ids there,
where the official code prints Chrome's AX node ids). Boxes are in viewport (client) pixels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

IGNORED_PROPERTIES = ("focusable", "editable", "readonly", "level", "settable", "multiline", "invalid")
SKIPPED_ROLES = (
    "generic",
    "img",
    "list",
    "strong",
    "paragraph",
    "banner",
    "navigation",
    "Section",
    "LabelText",
    "Legend",
    "listitem",
)
IN_VIEWPORT_RATIO_THRESHOLD = 0.6
PRUNING_MODES = ("off", "official", "corrected")
ROOT_BOX = (0.0, 0.0, 10.0, 10.0)
_STATIC_TEXT = re.compile(r"\[\d+\] StaticText (.+)", re.DOTALL)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PrintedNode:
    """One printed line of the tree: its id, role, name, printed properties and client box."""

    id: str
    role: str
    name: str
    properties: dict[str, str] = field(default_factory=dict)
    box: Box | None = None
    ax_id: str = ""


def viewport_ratio(box: Box, viewport: tuple[float, float], mode: str = "official") -> float:
    """Return the in-viewport ratio of ``box`` in a window of size ``viewport`` at (0, 0).

    ``mode="official"`` reproduces WebArena's ``overlap_w * overlap_h / width * height``;
    ``"corrected"`` returns the overlap area divided by the box area.
    """
    x, y, width, height = box
    overlap_w = max(0.0, min(x + width, viewport[0]) - max(x, 0.0))
    overlap_h = max(0.0, min(y + height, viewport[1]) - max(y, 0.0))
    if mode == "corrected":
        return overlap_w * overlap_h / (width * height)
    return overlap_w * overlap_h / width * height


def _bound(node: dict[str, Any], boxes: Mapping[str, Box]) -> Box | None:
    if "backendDOMNodeId" not in node:
        return None
    if node.get("role", {}).get("value") == "RootWebArea":
        return ROOT_BOX
    return boxes.get(node["nodeId"])


def _pruned(bound: Box | None, viewport: tuple[float, float], mode: str) -> bool:
    if not bound:
        return True
    _, _, width, height = bound
    if width == 0 or height == 0:
        return True
    return viewport_ratio(bound, viewport, mode) < IN_VIEWPORT_RATIO_THRESHOLD


def _line(node: dict[str, Any], node_id: str) -> tuple[str, str, str, dict[str, str]] | None:
    """Return (line, role, name, properties) of a printable node, or None when it is skipped."""
    try:
        role = node["role"]["value"]
        name = node["name"]["value"]
        text = f"[{node_id}] {role} {name!r}"
        properties: dict[str, str] = {}
        for prop in node.get("properties", []):
            try:
                if prop["name"] in IGNORED_PROPERTIES:
                    continue
                properties[prop["name"]] = f"{prop['value']['value']}"
            except (KeyError, TypeError):
                continue
        if properties:
            text += " " + " ".join(f"{key}: {value}" for key, value in properties.items())
        if not name.strip() and (
            (not properties and role in SKIPPED_ROLES) or (properties and role == "listitem")
        ):
            return None
    except (KeyError, TypeError, AttributeError):
        return None
    return text, role, name, properties


def render_tree(
    nodes: list[dict[str, Any]],
    ids: Mapping[str, str],
    boxes: Mapping[str, Box],
    viewport: tuple[float, float] = (1280, 720),
    pruning: str = "off",
) -> tuple[str, list[PrintedNode]]:
    """Return the tree text (before the StaticText clean-up) and its printed nodes, in order.

    ``nodes`` are CDP AX nodes, the root first; ``ids[nodeId]`` is the id to print (the AX node
    id when missing); ``boxes[nodeId]`` the node's client box; ``pruning`` one of
    ``PRUNING_MODES``.
    """
    if pruning not in PRUNING_MODES:
        raise ValueError(f"pruning must be one of {', '.join(PRUNING_MODES)}, not {pruning!r}")
    unique: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if node.get("role", {}).get("value") != "InlineTextBox":
            unique.setdefault(node["nodeId"], node)
    if not unique:
        return "", []
    bounds = {key: _bound(node, boxes) for key, node in unique.items()}
    removed = set()
    if pruning != "off":
        removed = {key for key, bound in bounds.items() if _pruned(bound, viewport, pruning)}
    lines: list[str] = []
    printed: list[PrintedNode] = []
    root = next(iter(unique))
    stack: list[tuple[str, int]] = [(root, 0)]
    while stack:
        key, depth = stack.pop()
        node = unique[key]
        child_depth = depth
        if key not in removed:
            node_id = ids.get(key, key)
            shown = _line(node, node_id)
            if shown is not None:
                text, role, name, properties = shown
                lines.append("\t" * depth + text)
                printed.append(PrintedNode(node_id, role, name, properties, bounds[key], key))
                if "backendDOMNodeId" in node:
                    child_depth = depth + 1
        children = [child for child in node.get("childIds", []) if child in unique]
        stack.extend((child, child_depth) for child in reversed(children))
    return "\n".join(lines), printed


def clean_static_text(tree: str) -> str:
    """Return ``tree`` without the StaticText lines the official clean-up drops."""
    kept: list[str] = []
    for line in tree.split("\n"):
        if "statictext" in line.lower():
            match = _STATIC_TEXT.search(line)
            if not match:
                continue
            text = match.group(1)[1:-1]
            if text and all(text not in previous for previous in kept[-3:]):
                kept.append(line)
        else:
            kept.append(line)
    return "\n".join(kept)


def tab_header(titles: list[str], current: int) -> str:
    """Return ``Tab 0 (current): <title> | Tab 1: <title>`` for the open tabs."""
    return " | ".join(
        f"Tab {index} (current): {title}" if index == current else f"Tab {index}: {title}"
        for index, title in enumerate(titles)
    )


def observation_text(titles: list[str], current: int, tree: str) -> str:
    """Return the full observation: the tab header, a blank line, the cleaned tree."""
    return f"{tab_header(titles, current)}\n\n{clean_static_text(tree)}"
