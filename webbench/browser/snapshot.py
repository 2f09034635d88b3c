"""Reading a CDP ``DOMSnapshot.captureSnapshot`` result: ids, boxes and frame links per document.

Pure: takes the decoded JSON of one snapshot (one CDP session: a page and its same-process
frames) and returns, per document, what the observation needs from the DOM. The ids are the
ones ``js/bid.js`` wrote into the page: an element's own ``data-webbench-id``; a text node's
entry in its parent's ``data-webbench-text`` list; any other node (a ``::marker`` or
``::before`` pseudo-element) takes the id of its nearest ancestor that has one. Boxes are
layout bounds in the document's own CSS pixels (not scrolled), as ``getBoundingClientRect``
plus the scroll offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ID_ATTR = "data-webbench-id"
TEXT_ATTR = "data-webbench-text"

Box = tuple[float, float, float, float]

_ELEMENT, _TEXT = 1, 3


@dataclass
class DocumentNodes:
    """One document of a snapshot, keyed by CDP ``backendNodeId``.

    ``ids``: the webbench id of every node that has one; ``boxes``: layout box (x, y, width,
    height) in document pixels; ``frames``: for each ``<iframe>`` element, the index of its
    content document in the same snapshot (same-process frames only); ``content_origins``: the
    document position of each iframe's content area (its box plus its border); ``scroll``: the
    document's scroll offset.
    """

    frame_id: str
    url: str
    ids: dict[int, str] = field(default_factory=dict)
    boxes: dict[int, Box] = field(default_factory=dict)
    frames: dict[int, int] = field(default_factory=dict)
    content_origins: dict[int, tuple[float, float]] = field(default_factory=dict)
    scroll: tuple[float, float] = (0.0, 0.0)


def _attributes(strings: list[str], flat: list[int]) -> dict[str, str]:
    return {strings[flat[i]]: strings[flat[i + 1]] for i in range(0, len(flat) - 1, 2)}


def _rare(nodes: dict[str, Any], name: str) -> dict[int, int]:
    data = nodes.get(name) or {"index": [], "value": []}
    return dict(zip(data["index"], data["value"], strict=False))


def _document(strings: list[str], doc: dict[str, Any]) -> DocumentNodes:
    nodes = doc["nodes"]
    parents: list[int] = nodes["parentIndex"]
    types: list[int] = nodes["nodeType"]
    backends: list[int] = nodes["backendNodeId"]
    result = DocumentNodes(
        frame_id=strings[doc["frameId"]] if doc.get("frameId", -1) >= 0 else "",
        url=strings[doc["documentURL"]] if doc.get("documentURL", -1) >= 0 else "",
        scroll=(float(doc.get("scrollOffsetX", 0)), float(doc.get("scrollOffsetY", 0))),
    )
    pseudo = _rare(nodes, "pseudoType")
    own: list[str | None] = [None] * len(parents)
    text_lists: dict[int, list[str]] = {}
    text_seen: dict[int, int] = {}
    for index, flat in enumerate(nodes["attributes"]):
        if types[index] != _ELEMENT or not flat:
            continue
        attrs = _attributes(strings, flat)
        own[index] = attrs.get(ID_ATTR)
        if TEXT_ATTR in attrs:
            text_lists[index] = attrs[TEXT_ATTR].split()
    for index, kind in enumerate(types):
        parent = parents[index]
        if kind == _TEXT and parent in text_lists:
            ordinal = text_seen.get(parent, 0)
            text_seen[parent] = ordinal + 1
            if ordinal < len(text_lists[parent]):
                own[index] = text_lists[parent][ordinal]
        if own[index] is None and parent >= 0 and (kind != _ELEMENT or index in pseudo):
            own[index] = own[parent]
        if own[index] is not None:
            result.ids[backends[index]] = own[index]
    for index, document in _rare(nodes, "contentDocumentIndex").items():
        result.frames[backends[index]] = document
    layout = doc["layout"]
    client_rects = layout.get("clientRects") or []
    for position, index in enumerate(layout["nodeIndex"]):
        backend = backends[index]
        if backend in result.boxes:
            continue
        x, y, width, height = (float(v) for v in layout["bounds"][position])
        result.boxes[backend] = (x, y, width, height)
        rect = client_rects[position] if position < len(client_rects) else []
        if len(rect) == 4:
            result.content_origins[backend] = (x + float(rect[0]), y + float(rect[1]))
    return result


def read_snapshot(snapshot: dict[str, Any]) -> list[DocumentNodes]:
    """Return one DocumentNodes per document of a ``DOMSnapshot.captureSnapshot`` result."""
    strings = snapshot["strings"]
    return [_document(strings, doc) for doc in snapshot["documents"]]
