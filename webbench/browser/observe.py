"""Reading one tab: stable ids injected, AX trees and boxes of every frame, the WebArena text.

``PageState`` is what a tab keeps between observations (its frame numbers and CDP sessions);
``observe_tree`` returns the tree text and the printed nodes with their boxes. The ids are
written by ``js/bid.js``: the main frame numbers its nodes from 0, child frame number ``k``
from ``k * FRAME_STRIDE``, so ids are unique across frames, stay digits (WebArena's action
syntax and its StaticText filter both expect ``[<digits>]``) and tell which frame an id is in.

Each CDP session (the page, plus one per out-of-process frame) gives one DOM snapshot, with the
documents of all its same-process frames, and one ``Accessibility.getFullAXTree`` per
document; each child frame's tree hangs under its ``Iframe`` node. A frame that detaches or
navigates during the observation is skipped and named in the notes, never an exception.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Frame, Page
from playwright.sync_api import Error as PlaywrightError

from webbench.browser import cdp
from webbench.browser.axtree import PrintedNode, render_tree
from webbench.browser.snapshot import ID_ATTR, TEXT_ATTR, DocumentNodes, read_snapshot

FRAME_STRIDE = 1_000_000
SNAPSHOT_PARAMS = {"computedStyles": [], "includeDOMRects": True}
BID_JS = files("webbench.browser").joinpath("js/bid.js").read_text()


@dataclass
class PageState:
    """What one tab keeps between observations: frame numbers and CDP sessions."""

    frames: dict[Frame, int] = field(default_factory=dict)
    sessions: dict[Frame, CDPSession | None] = field(default_factory=dict)

    def frame_number(self, frame: Frame) -> int:
        """Return the number of a child frame, giving it the next free one on first sight."""
        if frame not in self.frames:
            self.frames[frame] = max(self.frames.values(), default=0) + 1
        return self.frames[frame]

    def main_session(self, page: Page) -> CDPSession:
        """Return the CDP session of ``page`` (its main frame), opened on first use and kept."""
        session = self.sessions.get(page.main_frame)
        if session is None:
            session = self.sessions[page.main_frame] = page.context.new_cdp_session(page)
        return session

    def frame_of(self, page: Page, element_id: str) -> Frame | None:
        """Return the frame that holds element ``element_id`` (by its id range), or None."""
        number = int(element_id) // FRAME_STRIDE if element_id.isdigit() else -1
        if number == 0:
            return page.main_frame
        return next((frame for frame, k in self.frames.items() if k == number), None)


@dataclass
class TreeResult:
    """The tree text (before the StaticText clean-up), its printed nodes, the main scroll and title."""

    tree: str
    nodes: list[PrintedNode]
    scroll: tuple[float, float]
    notes: list[str]
    title: str


def _short(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def bid_call(base: int) -> str:
    """Return the expression that runs ``bid.js`` in a document, numbering from ``base``."""
    return cdp.call(BID_JS, {"attr": ID_ATTR, "textAttr": TEXT_ATTR, "base": base})


def inject_ids(
    page: Page, state: PageState, main: dict[str, Any], notes: list[str], timeout_ms: float
) -> None:
    """Run ``bid.js`` in every child frame of ``page``, after ``main``, its result in the main frame.

    A fresh main document (``main["fresh"]``) forgets the child frames' numbers and sessions.
    Each frame's call is bounded by ``timeout_ms``.
    """
    if main["fresh"]:
        state.frames.clear()
        for frame in [f for f in state.sessions if f is not page.main_frame]:
            session = state.sessions.pop(frame)
            if session is not None:
                with contextlib.suppress(PlaywrightError):
                    session.detach()
    for frame in page.frames[1:]:
        if frame.is_detached():
            continue
        base = state.frame_number(frame) * FRAME_STRIDE
        try:
            frame.wait_for_function(f"() => Boolean({bid_call(base)})", timeout=timeout_ms)
        except PlaywrightError as exc:
            notes.append(f"frame {frame.url or '(no url)'} skipped: {_short(exc)}")


def _sessions(context: BrowserContext, page: Page, state: PageState) -> list[tuple[CDPSession, Frame]]:
    """Return the page's CDP session and one per out-of-process frame, opened once and kept."""
    result = []
    for frame in page.frames:
        if frame not in state.sessions:
            try:
                state.sessions[frame] = context.new_cdp_session(page if frame is page.main_frame else frame)
            except PlaywrightError:
                state.sessions[frame] = None
        session = state.sessions[frame]
        if session is not None:
            result.append((session, frame))
    return result


@dataclass
class _Doc:
    nodes: DocumentNodes
    ax: list[dict[str, Any]]
    key: str
    origin: tuple[float, float] | None = None


def _read_session(session: CDPSession, index: int, notes: list[str], timeout_ms: float) -> list[_Doc]:
    snapshot = cdp.send(session, "DOMSnapshot.captureSnapshot", SNAPSHOT_PARAMS, timeout_ms)
    docs = []
    for number, document in enumerate(read_snapshot(snapshot)):
        try:
            params = {"frameId": document.frame_id}
            ax = cdp.send(session, "Accessibility.getFullAXTree", params, timeout_ms)["nodes"]
        except PlaywrightError as exc:
            notes.append(f"frame {document.url or '(no url)'} skipped: {_short(exc)}")
            ax = []
        docs.append(_Doc(document, ax, f"{index}.{number}"))
    return docs


def _place_frames(docs_by_session: list[list[_Doc]], frames: list[Frame]) -> list[tuple[_Doc, _Doc, int]]:
    """Set each document's viewport origin; return (parent, child, iframe backend id) links."""
    links: list[tuple[_Doc, _Doc, int]] = []
    if not docs_by_session or not docs_by_session[0]:
        return links
    docs_by_session[0][0].origin = (0.0, 0.0)

    def place_children(docs: list[_Doc], parent: _Doc) -> None:
        for backend, child_index in parent.nodes.frames.items():
            if child_index >= len(docs) or parent.origin is None:
                continue
            child = docs[child_index]
            ox, oy = parent.nodes.content_origins.get(backend, (0.0, 0.0))
            sx, sy = parent.nodes.scroll
            child.origin = (parent.origin[0] + ox - sx, parent.origin[1] + oy - sy)
            links.append((parent, child, backend))
            place_children(docs, child)

    place_children(docs_by_session[0], docs_by_session[0][0])
    all_docs = [doc for docs in docs_by_session for doc in docs]
    for docs, frame in zip(docs_by_session[1:], frames[1:], strict=True):
        if not docs:
            continue
        top = docs[0]
        try:
            bid = frame.frame_element().get_attribute(ID_ATTR)
        except PlaywrightError:
            continue
        for parent in all_docs:
            if parent.origin is None:
                continue
            backend = next(
                (b for b, v in parent.nodes.ids.items() if v == bid and b in parent.nodes.content_origins),
                None,
            )
            if backend is not None:
                ox, oy = parent.nodes.content_origins[backend]
                sx, sy = parent.nodes.scroll
                top.origin = (parent.origin[0] + ox - sx, parent.origin[1] + oy - sy)
                links.append((parent, top, backend))
                place_children(docs, top)
                break
    return links


def _merge(docs: list[_Doc], links: list[tuple[_Doc, _Doc, int]]):
    """Return (AX nodes, ids, client boxes) of all documents as one tree, keys namespaced.

    ``InlineTextBox`` nodes are dropped here already (``render_tree`` leaves them out: about a
    third of a real page's AX nodes).
    """
    nodes: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    boxes: dict[str, tuple[float, float, float, float]] = {}
    by_backend: dict[tuple[str, int], str] = {}
    copies: dict[str, dict[str, Any]] = {}
    for doc in docs:
        if doc.origin is None:
            continue
        sx, sy = doc.nodes.scroll
        for raw in doc.ax:
            if raw.get("role", {}).get("value") == "InlineTextBox":
                continue
            key = f"{doc.key}:{raw['nodeId']}"
            node = {**raw, "nodeId": key, "childIds": [f"{doc.key}:{c}" for c in raw.get("childIds", [])]}
            if "parentId" in raw:
                node["parentId"] = f"{doc.key}:{raw['parentId']}"
            copies.setdefault(key, node)
            nodes.append(node)
            backend = raw.get("backendDOMNodeId")
            if backend is None:
                continue
            by_backend.setdefault((doc.key, backend), key)
            if backend in doc.nodes.ids:
                ids.setdefault(key, doc.nodes.ids[backend])
            box = doc.nodes.boxes.get(backend)
            if box is not None:
                boxes[key] = (box[0] - sx + doc.origin[0], box[1] - sy + doc.origin[1], box[2], box[3])
    for parent, child, backend in links:
        holder = by_backend.get((parent.key, backend))
        if holder is not None and child.ax and child.origin is not None:
            copies[holder]["childIds"].append(f"{child.key}:{child.ax[0]['nodeId']}")
            copies[f"{child.key}:{child.ax[0]['nodeId']}"]["parentId"] = holder
    for node in nodes:
        if node["nodeId"] not in ids:
            ids[node["nodeId"]] = _inherited(node["nodeId"], copies, ids)
    return nodes, ids, boxes


def _inherited(key: str, copies: dict[str, dict[str, Any]], ids: dict[str, str]) -> str:
    chain = []
    current: str | None = key
    while current is not None and current not in ids and current in copies:
        chain.append(current)
        current = copies[current].get("parentId")
    found = ids.get(current, "0") if current is not None else "0"
    for item in chain:
        ids[item] = found
    return found


def observe_tree(
    context: BrowserContext,
    page: Page,
    state: PageState,
    viewport: tuple[float, float],
    pruning: str,
    main: dict[str, Any],
    timeout_ms: float,
) -> TreeResult:
    """Return the tree of ``page`` (all frames) with stable ids, boxes in viewport pixels.

    ``main`` is what ``bid_call(0)`` returned in the main frame just before; each CDP read has
    ``timeout_ms``.
    """
    notes: list[str] = []
    inject_ids(page, state, main, notes, timeout_ms)
    sessions = _sessions(context, page, state)
    docs_by_session: list[list[_Doc]] = []
    frames: list[Frame] = []
    for index, (session, frame) in enumerate(sessions):
        try:
            docs_by_session.append(_read_session(session, index, notes, timeout_ms))
            frames.append(frame)
        except PlaywrightError as exc:
            if index == 0:
                raise
            state.sessions.pop(frame, None)
            notes.append(f"frame {frame.url or '(no url)'} skipped: {_short(exc)}")
    links = _place_frames(docs_by_session, frames)
    docs = [doc for docs in docs_by_session for doc in docs]
    nodes, ids, boxes = _merge(docs, links)
    tree, printed = render_tree(nodes, ids, boxes, viewport, pruning)
    scroll = (float(main["scrollX"]), float(main["scrollY"]))
    return TreeResult(tree, printed, scroll, notes, main["title"])
