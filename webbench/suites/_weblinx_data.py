"""Reading WebLINX data: ``splits.json`` and demonstration folders (replay, pages, bboxes).

A data folder holds ``splits.json`` and ``demonstrations/<name>/`` with ``form.json``,
``replay.json``, ``pages/page-<i>-<j>.html``, ``bboxes/bboxes-<i>.json`` and
``screenshots/``. Every malformed file raises :class:`WeblinxDataError` naming the file,
the record and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from webbench.core.types import Element
from webbench.data.records import read_json_file
from webbench.metrics.weblinx import UID_KEY, Box, ElementRef, PageBoxes, normalize_intent

_PAGE_NAME = re.compile(r"^.*-(\d+)-(\d+)\.[A-Za-z0-9]+$")
_TEXT_CHARS = 200


class WeblinxDataError(ValueError):
    """A WebLINX file that cannot be used; the message names the file, the record and the field."""


def read_splits(path: Path) -> dict[str, list[str]]:
    """Return ``{split: [demo name, ...]}`` of a ``splits.json``."""
    data = read_json_file(path, WeblinxDataError)
    if not isinstance(data, dict):
        raise WeblinxDataError(f"{path}: expected a JSON object of split -> list of demo names")
    for split, names in data.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise WeblinxDataError(f"{path}: split {split!r}: must be a list of demo names (strings)")
    return data


def read_goal(demo_dir: Path) -> str:
    """Return the demonstration's ``form.json`` description ("" when there is no form.json)."""
    path = demo_dir / "form.json"
    if not path.exists():
        return ""
    form = read_json_file(path, WeblinxDataError)
    if not isinstance(form, dict):
        raise WeblinxDataError(f"{path}: expected a JSON object")
    description = form.get("description", "")
    if not isinstance(description, str):
        raise WeblinxDataError(f"{path}: field 'description' must be a string")
    return description


def _get(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, optional: bool = False):
    value = obj.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        value = None
    if not isinstance(value, kind):
        problem = "is missing" if key not in obj else f"must be {_kind_name(kind)}"
        raise WeblinxDataError(f"{where}: field '{key}' {problem}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", str: "a string", list: "a list", int: "a number", float: "a number"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


@dataclass
class RawTurn:
    """One record of ``replay.json`` (chat or browser), with the fields scoring and observations use."""

    index: int
    type: str
    intent: str
    raw_intent: str = ""
    speaker: str = ""
    utterance: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    element: dict[str, Any] | None = None
    url: str | None = None
    page: str | None = None
    screenshot: str | None = None
    screenshot_status: str | None = None
    viewport: tuple[int, int] | None = None

    @property
    def uid(self) -> str | None:
        """Return the ``data-webtasks-id`` of the turn's element, if it has one."""
        if self.element is None:
            return None
        uid = (self.element.get("attributes") or {}).get(UID_KEY)
        return uid if isinstance(uid, str) else None


def _chat_turn(turn: dict[str, Any], index: int, where: str) -> RawTurn:
    speaker = _get(turn, "speaker", str, where)
    utterance = _get(turn, "utterance", str, where)
    state = _get(turn, "state", dict, where, optional=True) or {}
    return RawTurn(
        index,
        "chat",
        "say",
        "say",
        speaker=speaker,
        utterance=utterance,
        screenshot=_get(state, "screenshot", str, f"{where}.state", optional=True),
        screenshot_status=state.get("screenshot_status"),
    )


def _browser_turn(turn: dict[str, Any], index: int, where: str) -> RawTurn:
    action = _get(turn, "action", dict, where)
    raw_intent = _get(action, "intent", str, f"{where}.action")
    args = _get(action, "arguments", dict, f"{where}.action", optional=True) or {}
    at = f"{where}.action.arguments"
    intent = normalize_intent(raw_intent)
    element = _get(args, "element", dict, at, optional=True)
    if element is not None:
        _get(element, "attributes", dict, f"{at}.element", optional=True)
    metadata = _get(args, "metadata", dict, at, optional=True) or {}
    properties = _get(args, "properties", dict, at, optional=True) or {}
    fields: dict[str, Any] = {}
    if intent == "textinput":
        fields["text"] = _get(args, "text", str, at)
    elif intent == "change":
        fields["value"] = _get(args, "value", str, at)
    elif intent == "load":
        url = properties.get("url") or args.get("url")
        if not isinstance(url, str):
            raise WeblinxDataError(f"{at}: field 'properties.url' (or 'url') is missing or not a string")
        fields["url"] = url
    elif intent == "scroll":
        fields["x"] = _get(args, "scrollX", (int, float), at)
        fields["y"] = _get(args, "scrollY", (int, float), at)
    state = _get(turn, "state", dict, where, optional=True) or {}
    page = _get(state, "page", str, f"{where}.state", optional=True)
    if page is not None:
        page_number(page, where)
    width, height = metadata.get("viewportWidth"), metadata.get("viewportHeight")
    return RawTurn(
        index,
        "browser",
        intent,
        raw_intent,
        args=fields,
        element=element,
        url=metadata.get("url") if isinstance(metadata.get("url"), str) else None,
        page=page,
        screenshot=_get(state, "screenshot", str, f"{where}.state", optional=True),
        screenshot_status=state.get("screenshot_status"),
        viewport=(width, height) if isinstance(width, int) and isinstance(height, int) else None,
    )


def read_replay(path: Path) -> list[RawTurn]:
    """Return the turns of a ``replay.json`` (``{"data": [turn, ...]}``), checking every field used."""
    data = read_json_file(path, WeblinxDataError)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise WeblinxDataError(f"{path}: expected a JSON object with a 'data' list of turns")
    turns = []
    for index, turn in enumerate(data["data"]):
        where = f"{path}: data[{index}]"
        if not isinstance(turn, dict):
            raise WeblinxDataError(f"{where}: expected a JSON object")
        kind = turn.get("type")
        if kind == "chat":
            turns.append(_chat_turn(turn, index, where))
        elif kind == "browser":
            turns.append(_browser_turn(turn, index, where))
        else:
            raise WeblinxDataError(f"{where}: field 'type' must be 'chat' or 'browser', got {kind!r}")
    return turns


def page_number(page: str, where: str) -> int:
    """Return ``i`` of a page file name ``page-<i>-<j>.html`` (its bboxes file is ``bboxes-<i>.json``)."""
    match = _PAGE_NAME.match(page)
    if match is None:
        raise WeblinxDataError(f"{where}: field 'state.page' {page!r} is not of the form page-<i>-<j>.html")
    return int(match.group(1))


def read_html(path: Path) -> str | None:
    """Return a page's HTML (UTF-8, else Latin-1), or None when the file does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_bboxes(path: Path) -> dict[str, Box] | None:
    """Return ``{uid: Box}`` of a bboxes file, or None when the file does not exist."""
    if not path.exists():
        return None
    data = read_json_file(path, WeblinxDataError)
    if not isinstance(data, dict):
        raise WeblinxDataError(f"{path}: expected a JSON object of uid -> box")
    boxes = {}
    for uid, entry in data.items():
        if not isinstance(entry, dict):
            raise WeblinxDataError(f"{path}: record {uid!r}: expected a JSON object")
        try:
            boxes[uid] = Box.from_mapping(entry)
        except KeyError as exc:
            raise WeblinxDataError(f"{path}: record {uid!r}: field {exc.args[0]!r} is missing") from exc
        except (TypeError, ValueError) as exc:
            raise WeblinxDataError(f"{path}: record {uid!r}: {exc}") from exc
    return boxes


def _element_text(node: Any) -> str:
    parts, size = [], 0
    for piece in node.itertext():
        parts.append(piece)
        size += len(piece)
        if size > 4 * _TEXT_CHARS:
            break
    return " ".join("".join(parts).split())[:_TEXT_CHARS]


def html_elements(html: str) -> list[tuple[str, str, str, dict[str, str]]]:
    """Return (uid, tag, text, attributes) of every element with a ``data-webtasks-id``, in page order.

    The HTML is parsed with lxml's (libxml2) HTML parser, as the official code does, so that the
    same uids are found.
    """
    import lxml.etree

    if not html.strip():
        return []
    try:
        root = lxml.etree.HTML(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    if root is None:
        return []
    found = []
    for node in root.iter(lxml.etree.Element):
        uid = node.get(UID_KEY)
        if uid is None:
            continue
        shown = {k: v[:_TEXT_CHARS] for k, v in node.attrib.items() if k != UID_KEY}
        found.append((uid, node.tag, _element_text(node), shown))
    return found


@dataclass
class Page:
    """A recorded page: its HTML, its elements with uids, and the boxes of its bboxes file."""

    html: str
    boxes: dict[str, Box] | None

    @cached_property
    def _nodes(self) -> list[tuple[str, str, str, dict[str, str]]]:
        return html_elements(self.html)

    @cached_property
    def page_boxes(self) -> PageBoxes:
        """Return the uids and boxes scoring uses to identify elements on this page."""
        return PageBoxes(frozenset(uid for uid, *_ in self._nodes), self.boxes or {})

    def elements(self) -> list[Element]:
        """Return the page's elements with uids, boxes as (x, y, width, height) where known."""
        return list(self._elements)

    @cached_property
    def _elements(self) -> list[Element]:
        boxes = self.boxes or {}
        out = []
        for uid, tag, text, attrs in self._nodes:
            box = boxes.get(uid)
            bbox = (box.left, box.top, box.width, box.height) if box is not None else None
            out.append(Element(uid, tag, text, bbox, attrs))
        return out


class Demo:
    """One demonstration folder; pages and bboxes are read on demand and cached by file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = folder.name
        self._pages: dict[str, Page | None] = {}

    @cached_property
    def turns(self) -> list[RawTurn]:
        """Return the replay's turns."""
        path = self.folder / "replay.json"
        if not path.exists():
            if not self.folder.is_dir():
                raise WeblinxDataError(f"{self.folder}: demonstration folder not found")
            raise WeblinxDataError(f"{path}: file not found")
        return read_replay(path)

    def page(self, turn: RawTurn) -> Page | None:
        """Return the page recorded with ``turn`` (None when it has none or the file is missing)."""
        if turn.page is None:
            return None
        if turn.page not in self._pages:
            html = read_html(self.folder / "pages" / turn.page)
            if html is None:
                self._pages[turn.page] = None
            else:
                number = page_number(turn.page, f"{self.folder / 'replay.json'}: data[{turn.index}]")
                boxes = read_bboxes(self.folder / "bboxes" / f"bboxes-{number}.json")
                self._pages[turn.page] = Page(html, boxes)
        return self._pages[turn.page]

    def screenshot(self, name: str | None) -> bytes | None:
        """Return the bytes of a screenshot file, or None."""
        if not name:
            return None
        path = self.folder / "screenshots" / name
        return path.read_bytes() if path.is_file() else None

    def reference_element(self, turn: RawTurn) -> ElementRef | None:
        """Return the reference element of a browser turn as the official evaluation builds it.

        With a uid, the element must be on the turn's page with a box (else None); without
        one, the recorded element is used with its own box.
        """
        if not turn.element:
            return None
        uid = turn.uid
        if uid is not None:
            page = self.page(turn)
            return page.page_boxes.element(uid) if page is not None else None
        bbox = turn.element.get("bbox")
        try:
            box = Box.from_mapping(bbox) if isinstance(bbox, dict) else None
        except (KeyError, TypeError, ValueError):
            box = None
        return ElementRef(None, box)
