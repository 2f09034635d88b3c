"""WebVoyager's task files: the tasks, the reference answers and Magnitude's date patches.

Formats (BENCHMARKS.md section 4): tasks are JSON lines ``{"web_name", "id": "<Site>--<n>",
"ques", "web"}``; ``reference_answer.json`` is ``{site: {"notice", "answers": [{"id": n, "type":
"golden"|"possible", "ans"}]}}`` (answer ``n`` of a site belongs to task ``<site>--<n>``);
Magnitude's ``patches.json`` is ``{task id: {"reason", "prev", "new"}}`` (rewrite ``ques`` when it
equals ``prev``) or ``{task id: {"reason", "remove": true}}`` (drop the task and its reference).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from webbench.core.suite import SuiteError
from webbench.core.types import Task
from webbench.data.records import read_json_file
from webbench.data.sources import DataSource, RemoteFile

TASKS_FILE = "WebVoyager_data.jsonl"
REFERENCE_FILE = "reference_answer.json"
PATCHES_FILE = "magnitude_patches/patches.json"
PATCHED_FILE = "magnitude_patches/patchedTasks.jsonl"
_FIELDS = ("web_name", "id", "ques", "web")

_WEBVOYAGER = "https://raw.githubusercontent.com/MinorJerry/WebVoyager/5a78967/data"
_MAGNITUDE = "https://raw.githubusercontent.com/sagekit/magnitude/8407878/evals/webvoyager/data"
DATA_SOURCE = DataSource(
    "webvoyager",
    "WebVoyager's 643 tasks and reference answers (MinorJerry/WebVoyager @ 5a78967) and Magnitude's "
    "date patches (sagekit/magnitude @ 8407878)",
    "Apache-2.0",
    files=(
        RemoteFile(
            TASKS_FILE,
            f"{_WEBVOYAGER}/{TASKS_FILE}",
            140890,
            "69b19fd86c23f1a500244a3724e039aa7ca6a1223d03e11eb10e308d4f11c488",
        ),
        RemoteFile(
            REFERENCE_FILE,
            f"{_WEBVOYAGER}/{REFERENCE_FILE}",
            103047,
            "5473818408d8a19960c4f820c1e5721d218b87b547499d7281c2a0fc4267b0c4",
        ),
        RemoteFile(
            PATCHES_FILE,
            f"{_MAGNITUDE}/patches.json",
            42172,
            "cd2df62e526abb587f6cd8edc2c1a98abb3db5424faf85c885ca4229d3cb0543",
        ),
        RemoteFile(
            PATCHED_FILE,
            f"{_MAGNITUDE}/patchedTasks.jsonl",
            128764,
            "b6dbd9d27f67355d835592b284943fdc0052ed67d57e67b70b8f7b2826a21107",
        ),
    ),
    note="the live web has moved on since 2024: --patches magnitude applies the published date patches",
)


def site_slug(web_name: str) -> str:
    """Return the subset name of a site (``Cambridge Dictionary`` -> ``cambridge-dictionary``)."""
    return re.sub(r"[^a-z0-9]+", "-", web_name.lower()).strip("-")


def read_task_records(path: Path) -> list[dict[str, str]]:
    """Return the task records of a WebVoyager JSON-lines file; SuiteError naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot be read: {exc}") from exc
    records, seen = [], set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{path}: line {number}: not valid JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise SuiteError(f"{path}: line {number}: expected an object with {', '.join(_FIELDS)}")
        bad = next((f for f in _FIELDS if not isinstance(record.get(f), str) or not record[f]), None)
        if bad:
            raise SuiteError(f"{path}: line {number}: field {bad!r} missing or not a non-empty string")
        if record["id"] in seen:
            raise SuiteError(f"{path}: line {number}: task id {record['id']!r} repeated")
        seen.add(record["id"])
        records.append({f: record[f] for f in _FIELDS})
    return records


def read_references(path: Path) -> dict[str, dict[str, str]]:
    """Return ``{task id: {"type", "ans"}}`` from a ``reference_answer.json``; SuiteError if malformed."""
    data = read_json_file(path, SuiteError)
    out: dict[str, dict[str, str]] = {}
    try:
        for site, block in data.items():
            for answer in block["answers"]:
                out[f"{site}--{answer['id']}"] = {"type": str(answer["type"]), "ans": str(answer["ans"])}
    except (AttributeError, KeyError, TypeError) as exc:
        raise SuiteError(f"{path}: not WebVoyager's reference-answer format ({exc!r})") from exc
    return out


def read_patches(path: Path) -> dict[str, dict[str, Any]]:
    """Return Magnitude's patches ``{task id: patch}``, each a rewrite or a removal; SuiteError if not."""
    data = read_json_file(path, SuiteError)
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: expected an object {{task id: patch}}")
    for task_id, patch in data.items():
        rewrite = (
            isinstance(patch, dict)
            and isinstance(patch.get("prev"), str)
            and isinstance(patch.get("new"), str)
        )
        if not (rewrite or (isinstance(patch, dict) and patch.get("remove") is True)):
            raise SuiteError(f"{path}: patch {task_id!r} is neither {{prev, new}} nor {{remove: true}}")
    return data


def apply_patches(
    records: list[dict[str, str]], references: dict[str, dict[str, str]], patches: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, str]], dict[str, dict[str, str]]]:
    """Return the tasks and reference answers with ``patches`` applied, in file order.

    A rewrite replaces ``ques`` only when it equals the patch's ``prev`` exactly; a removal drops the
    task and its reference answer. Patches of tasks not in ``records`` are ignored (a user's own
    subset). A rewrite whose ``prev`` does not match is refused: SuiteError naming each such task.
    """
    by_id = {record["id"]: record for record in records}
    stale = [
        task_id
        for task_id, patch in patches.items()
        if "prev" in patch and task_id in by_id and by_id[task_id]["ques"] != patch["prev"]
    ]
    if stale:
        raise SuiteError(
            f"--patches magnitude: {len(stale)} patch(es) refused, the task text is not the patch's 'prev': "
            + ", ".join(stale[:5])
        )
    removed = {task_id for task_id, patch in patches.items() if patch.get("remove") is True}
    out = []
    for record in records:
        if record["id"] in removed:
            continue
        patch = patches.get(record["id"])
        out.append({**record, "ques": patch["new"]} if patch and "new" in patch else record)
    return out, {task_id: ref for task_id, ref in references.items() if task_id not in removed}


def task_file(data: Path) -> Path:
    """Return the task file of ``data`` (a JSON-lines file, or a folder holding ``WebVoyager_data.jsonl``
    or a single ``*.jsonl``); SuiteError naming what is missing."""
    if data.is_file():
        return data
    if not data.is_dir():
        raise SuiteError(f"--data {data}: no such file or folder")
    if (data / TASKS_FILE).is_file():
        return data / TASKS_FILE
    found = sorted(data.glob("*.jsonl"))
    if len(found) != 1:
        raise SuiteError(f"--data {data}: no {TASKS_FILE} and not exactly one *.jsonl file in it")
    return found[0]


def load_tasks(suite: str, data: Path, patches: str | None) -> list[Task]:
    """Return the tasks of ``data`` (``task_file``), each with its site, start URL and reference answer
    (``reference_answer.json`` beside the task file, when there is one) in ``meta``; with ``patches``
    ``magnitude``, Magnitude's patches (``magnitude_patches/patches.json`` beside it) applied."""
    path = task_file(data)
    records = read_task_records(path)
    ref_path = path.parent / REFERENCE_FILE
    references = read_references(ref_path) if ref_path.is_file() else {}
    if patches == "magnitude":
        patch_path = path.parent / PATCHES_FILE
        if not patch_path.is_file():
            raise SuiteError(f"--patches magnitude: no {PATCHES_FILE} beside {path}")
        records, references = apply_patches(records, references, read_patches(patch_path))
    return [
        Task(
            suite,
            r["id"],
            r["ques"],
            "",
            {"web_name": r["web_name"], "web": r["web"], "reference": references.get(r["id"])},
        )
        for r in records
    ]
