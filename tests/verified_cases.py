"""Hand-made WebArena-Verified episodes for real tasks of the official file: an answer and the
entries of a HAR file each, passing or failing, with the score the official scorer must give."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import SHARED_DATA

TASK_FILE = SHARED_DATA / "webarena" / "webarena-verified" / "webarena-verified.json"
SITES = {
    "SHOPPING": "http://127.0.0.1:47001",
    "SHOPPING_ADMIN": "http://127.0.0.1:47001/admin",
    "REDDIT": "http://127.0.0.1:47002",
    "GITLAB": "http://127.0.0.1:47003",
    "MAP": "http://127.0.0.1:47004",
    "WIKIPEDIA": "http://127.0.0.1:47005",
}
GITLAB = SITES["GITLAB"]


def tasks() -> dict[int, dict[str, Any]]:
    """Return the official Verified tasks by id."""
    return {task["task_id"]: task for task in json.loads(TASK_FILE.read_text(encoding="utf-8"))}


def entry(method: str, url: str, status: int = 200, page: bool = False, post: Any = None) -> dict[str, Any]:
    """Return one HAR entry: a request (a page navigation when ``page``, JSON ``post`` data) and its response."""
    headers = [{"name": "Accept", "value": "text/html,application/xhtml+xml" if page else "application/json"}]
    request: dict[str, Any] = {"method": method, "url": url, "headers": headers}
    if post is not None:
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(post)}
    response = {
        "status": status,
        "headers": [],
        "content": {"mimeType": "text/html", "text": ""},
        "redirectURL": "",
    }
    return {"request": request, "response": response}


def write_har(path: Path, entries: list[dict[str, Any]]) -> Path:
    """Write a HAR file of ``entries`` at ``path``; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


def answer(task_type: str, status: str = "SUCCESS", data: Any = None) -> str:
    """Return the agent's JSON answer."""
    return json.dumps(
        {"task_type": task_type, "status": status, "retrieved_data": data, "error_details": None}
    )


_HOME = entry("GET", GITLAB + "/", page=True)
_NOTE = {"note": {"noteable_type": "MergeRequest", "note": "Thanks, working on reviews"}}
_NOTES_URL = GITLAB + "/primer/design/notes?target_id=139245&target_type=merge_request"

#: (name, task id, answer, HAR entries or None for no HAR, expected score)
CASES: list[tuple[str, int, str | None, list[dict[str, Any]] | None, float]] = [
    ("string", 0, answer("retrieve", data=["Quest Lumaflex™ Band"]), [_HOME], 1.0),
    ("string, no HAR", 0, answer("RETRIEVE", data=["quest lumaflex™ band"]), None, 1.0),
    ("string, wrong", 0, answer("retrieve", data=["Another Band"]), [_HOME], 0.0),
    ("currency as text", 94, answer("retrieve", data=["$36.39"]), [_HOME], 1.0),
    ("currency, wrong", 94, answer("retrieve", data=["$46.39"]), [_HOME], 0.0),
    ("date, other format", 117, answer("retrieve", data=["2022-03-02"]), [_HOME], 1.0),
    (
        "duration objects",
        16,
        answer(
            "retrieve",
            data=[{"mode": "walking", "duration": "16 minutes"}, {"mode": "driving", "duration": "2 min"}],
        ),
        [_HOME],
        1.0,
    ),
    (
        "fenced block",
        0,
        "```json\n" + answer("retrieve", data=["Quest Lumaflex™ Band"]) + "\n```",
        [_HOME],
        1.0,
    ),
    ("not JSON", 0, "The best seller is Quest Lumaflex Band", [_HOME], 0.0),
    ("no answer", 0, None, [_HOME], 0.0),
    ("navigate", 44, answer("navigate"), [_HOME, entry("GET", GITLAB + "/dashboard/todos", page=True)], 1.0),
    (
        "navigate, wrong last page",
        44,
        answer("navigate"),
        [entry("GET", GITLAB + "/dashboard/todos", page=True), entry("GET", GITLAB + "/explore", page=True)],
        0.0,
    ),
    ("navigate, no HAR", 44, answer("navigate"), None, 0.0),
    ("network POST", 389, answer("mutate"), [_HOME, entry("POST", _NOTES_URL, post=_NOTE)], 1.0),
    (
        "network POST, other note",
        389,
        answer("mutate"),
        [_HOME, entry("POST", _NOTES_URL, post={"note": {"noteable_type": "MergeRequest", "note": "ok"}})],
        0.0,
    ),
    (
        "network POST, wrong status",
        389,
        answer("mutate", status="NOT_FOUND_ERROR"),
        [_HOME, entry("POST", _NOTES_URL, post=_NOTE)],
        0.0,
    ),
]
