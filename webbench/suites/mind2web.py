"""Mind2Web: teacher-forced replay of recorded steps, scored like MindAct's official evaluator.

Two published shapes load: task-nested JSON lists (``data/<split>/*.json``: one object per
task with its ``actions``) and Multimodal-Mind2Web's one row per step (parquet or JSON;
``operation`` and each candidate may be JSON strings). Files are streamed: only the
task list is kept at load, and each worker reads one task at a time, so memory stays
flat however large the files.

The agent sees ``confirmed_task`` as the goal, the cleaned HTML as ``text``, the
eligible candidates as ``elements`` (id = ``backend_node_id``), and the gold history
(``action_reprs[:i]``) as ``history``. With ``--ranks FILE`` only candidates ranked
inside ``--top-k`` are eligible; without it, every candidate is. Predictions: canonical
``click(id)`` / ``type(id, text)`` / ``select(id, option)`` (``hover`` counts as CLICK),
or a MindAct-style answer ``Element: <id>`` + ``Action: OP`` + ``Value: v``.

Bad input: unreadable JSON, or a record without ``annotation_id``, is a usage error at
load (exit 2); a step with a missing field or an unknown operation makes its task's
episode an ``env_error`` whose message names the file, the record and the field.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from webbench.core.action import Action, ActionParseError, make_action, parse_action
from webbench.core.env import EnvConfig
from webbench.core.metric import MetricSpec
from webbench.core.suite import SuiteError, SuiteOption
from webbench.core.types import Element, Observation, Task
from webbench.data.records import RecordError, iter_records, record_kind, scan_records
from webbench.data.sources import DataSource, HubDataset
from webbench.metrics import mind2web as m
from webbench.suites._replay import GoldStep, ReplayEnv, ReplaySuite

SPLITS = ("train", "test_task", "test_website", "test_domain")
TASK_FIELDS = ("annotation_id", "confirmed_task", "website", "domain", "subdomain", "target_action_index")
RANK_KEEP = max(m.RECALL_KS)
_UNRANKED = float("inf")
TEST_NOTE = (
    "the test splits (test_task, test_website, test_domain) are a password-protected zip that the "
    "Mind2Web authors ask not to redistribute: download and unzip it yourself, then pass --data PATH"
)


def existing_file(value: str) -> str:
    """Return ``value`` as an absolute path if it names a file (``--ranks``'s type); else raise."""
    path = Path(value).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return str(path.resolve())


def positive_int(value: str) -> int:
    """Return ``value`` as an integer >= 1 (``--top-k``'s type); else raise."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def _natural(path: Path) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def split_files(root: Path, split: str) -> list[Path]:
    """Return the files of ``split`` under ``root`` (``root`` itself when it is a file).

    Looks for ``<split>/`` and ``data/<split>/`` folders (task-nested JSON) and for
    ``<split>-*.parquet`` / ``<split>*.json[l]`` files, also under ``data/``.
    """
    if root.is_file():
        return [root]
    suffixes = (".json", ".jsonl", ".parquet")
    for base in (root, root / "data"):
        folder = base / split
        if folder.is_dir():
            files = sorted((p for p in folder.rglob("*") if p.suffix in suffixes), key=_natural)
            if files:
                return files
        files = sorted(
            (p for p in base.glob(f"{split}*") if p.is_file() and p.suffix in suffixes),
            key=_natural,
        )
        files = [p for p in files if re.match(rf"{re.escape(split)}([-_.]|$)", p.name)]
        if files:
            return files
    return []


def scan_tasks(files: list[Path], split: str) -> list[Task]:
    """Return the tasks of ``files`` (metadata only: file, record index, step count)."""
    tasks: list[Task] = []
    seen: set[str] = set()
    for path in files:
        last_row_task: Task | None = None
        for index, summary in scan_records(path, TASK_FIELDS, count="actions"):
            task_id = summary.get("annotation_id")
            if not isinstance(task_id, str) or not task_id:
                raise SuiteError(f"{path}: record {index}: missing field 'annotation_id'")
            is_row = summary.get("target_action_index") is not None
            if is_row and last_row_task is not None and last_row_task.id == task_id:
                last_row_task.meta["rows"] += 1
                continue
            if task_id in seen:
                raise SuiteError(f"{path}: record {index}: duplicate annotation_id {task_id!r}")
            seen.add(task_id)
            meta = {
                "file": str(path),
                "record": index,
                "shape": "rows" if is_row else "tasks",
                **{k: summary.get(k) for k in ("website", "domain", "subdomain")},
            }
            if is_row:
                meta["rows"] = 1
            task = Task("mind2web", task_id, str(summary.get("confirmed_task") or ""), split, meta)
            last_row_task = task if is_row else None
            tasks.append(task)
    return tasks


def load_ranks(path: Path, keep_below: int) -> dict[str, dict[str, int]]:
    """Return ``{step key: {candidate id: rank}}`` from a ranks JSON file, keeping only ranks
    below ``keep_below`` (streamed: the file may be large)."""
    import ijson

    ranks: dict[str, dict[str, int]] = {}
    try:
        with path.open("rb") as stream:
            for key, table in ijson.kvitems(stream, "", use_float=True):
                if not isinstance(table, dict):
                    raise SuiteError(f"{path}: entry {key!r}: expected {{backend_node_id: rank}}")
                ranks[key] = {str(cid): int(rank) for cid, rank in table.items() if int(rank) < keep_below}
    except (ijson.JSONError, ValueError, TypeError) as exc:
        if isinstance(exc, SuiteError):
            raise
        raise SuiteError(
            f"{path}: not a ranks file ({{step key: {{backend_node_id: rank}}}}): {exc}"
        ) from exc
    return ranks


def ranks_json(results: Any) -> dict[str, dict[str, int]]:
    """Return the ranks of MindAct's candidate-generation output (``{"scores": ..., "ranks": ...}``)
    as ``{"{annotation_id}_{action_uid}": {backend_node_id: rank}}``; ValueError if it is not that."""
    ranks = results.get("ranks") if isinstance(results, dict) else None
    if not isinstance(ranks, dict):
        raise ValueError("expected a dict with a 'ranks' entry (MindAct's candidate results)")
    out: dict[str, dict[str, int]] = {}
    for key, table in ranks.items():
        if not isinstance(table, dict):
            raise ValueError(f"ranks[{key!r}]: expected {{backend_node_id: rank}}")
        out[str(key)] = {str(cid): int(rank) for cid, rank in table.items()}
    return out


def _decoded(value: Any, where: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValueError(f"{where}: not valid JSON: {exc}") from exc
    return value


def _field(record: dict[str, Any], name: str, where: str) -> Any:
    if name not in record or record[name] is None:
        raise ValueError(f"{where}: missing field {name!r}")
    return record[name]


def _bbox(rect: Any) -> tuple[float, float, float, float] | None:
    try:
        x, y, w, h = (float(v) for v in str(rect).split(","))
    except ValueError:
        return None
    return x, y, w, h


def candidate_element(candidate: Any, where: str) -> Element:
    """Return the Element of one candidate (dict or JSON string; ``attributes`` decoded)."""
    candidate = _decoded(candidate, where)
    if not isinstance(candidate, dict):
        raise ValueError(f"{where}: expected an object")
    node = str(_field(candidate, "backend_node_id", where))
    attributes = _decoded(candidate.get("attributes") or {}, f"{where}.attributes")
    if not isinstance(attributes, dict):
        raise ValueError(f"{where}.attributes: expected an object")
    attrs = {
        str(k): str(v) for k, v in attributes.items() if k not in ("backend_node_id", "bounding_box_rect")
    }
    return Element(node, str(candidate.get("tag", "")), "", _bbox(attributes.get("bounding_box_rect")), attrs)


def _id_order(element_id: str) -> tuple[int, str]:
    return (int(element_id), "") if element_id.isdigit() else (1 << 62, element_id)


def gold_action(op: str, value: str, element: str | None) -> str:
    """Return the canonical action that replays a gold step (``noop()`` without an element)."""
    if element is None:
        return "noop()"
    if op == "TYPE":
        return str(make_action("type", element, value))
    if op == "SELECT":
        return str(make_action("select", element, value))
    return str(make_action("click", element))


class Mind2WebReplay(ReplayEnv):
    """Replays Mind2Web tasks from their files, one task at a time."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__(config)
        self.top_k: int = int(config.options.get("top_k") or 50)
        ranks_file = config.options.get("ranks")
        self.ranks = load_ranks(Path(ranks_file), max(self.top_k, RANK_KEEP)) if ranks_file else None
        self._readers: dict[str, tuple[int, Iterator[tuple[int, dict[str, Any]]]]] = {}

    def parse(self, text: str) -> Action:
        """Return the canonical Action of a canonical call or a MindAct-style answer."""
        try:
            return parse_action(text)
        except ActionParseError:
            answer = m.mindact_answer(text)
            if answer is None or answer[0] is None:
                raise
            element, ops = answer
            op, _, value = ops.partition(" ")
            return (
                Action("click", {"element": element})
                if op == "CLICK"
                else parse_action(gold_action(op, value, element))
            )

    # -- reading ------------------------------------------------------------------------
    def _records(self, path: str, start: int, count: int) -> list[tuple[int, dict[str, Any]]]:
        """Return ``count`` records from index ``start`` (a cursor per file: forward reads are free)."""
        position, reader = self._readers.get(path, (0, iter(())))
        if position > start or path not in self._readers:
            columns = None
            if record_kind(Path(path)) == "parquet" and not self.config.screenshots:
                import pyarrow.parquet as pq

                columns = [c for c in pq.ParquetFile(path).schema_arrow.names if c != "screenshot"]
            reader, position = iter_records(Path(path), columns), 0
        out = []
        try:
            for index, record in reader:
                position = index + 1
                if index >= start:
                    out.append((index, record))
                    if len(out) == count:
                        break
        except RecordError as exc:
            raise ValueError(str(exc)) from exc
        self._readers[path] = (position, reader)
        return out

    def steps(self, task: Task) -> Iterator[GoldStep]:
        meta = task.meta
        path = meta["file"]
        if meta["shape"] == "tasks":
            [(index, record)] = self._records(path, meta["record"], 1)
            where = f"{path}: record {index}"
            actions = _field(record, "actions", where)
            reprs = record.get("action_reprs") or []
            for i, step in enumerate(actions):
                yield self._step(task, record, step, i, reprs, f"{where}: field 'actions[{i}]")
            return
        rows = self._records(path, meta["record"], meta["rows"])
        ordered = sorted(rows, key=lambda pair: int(pair[1].get("target_action_index") or 0))
        for i, (index, row) in enumerate(ordered):
            reprs = row.get("action_reprs") or []
            yield self._step(task, row, row, i, reprs, f"{path}: record {index}: field '")

    def _step(
        self, task: Task, record: dict[str, Any], step: dict[str, Any], i: int, reprs: list[str], where: str
    ) -> GoldStep:
        """Return one GoldStep; ``where`` + field name + ``'`` locates a field in errors."""

        def at(name: str) -> str:
            return f"{where}{'.' if not where.endswith(chr(39)) else ''}{name}'"

        if not isinstance(step, dict):
            raise ValueError(f"{where}': expected an object")
        uid = str(_field(step, "action_uid", at("action_uid")))
        operation = _decoded(_field(step, "operation", at("operation")), at("operation"))
        if not isinstance(operation, dict):
            raise ValueError(f"{at('operation')}: expected an object")
        op = str(_field(operation, "op", at("operation.op")))
        if op not in m.OPS:
            raise ValueError(f"{at('operation.op')}: unknown action {op!r} (expected CLICK, TYPE or SELECT)")
        value = str(operation.get("value") or "")
        pos = [
            candidate_element(c, at(f"pos_candidates[{j}]"))
            for j, c in enumerate(step.get("pos_candidates") or [])
        ]
        neg = [
            candidate_element(c, at(f"neg_candidates[{j}]"))
            for j, c in enumerate(step.get("neg_candidates") or [])
        ]
        ranks = None if self.ranks is None else self.ranks.get(f"{task.id}_{uid}", {})

        def rank(element: Element) -> float:
            return _UNRANKED if ranks is None else ranks.get(element.id, _UNRANKED)

        eligible = [e for e in pos + neg if ranks is None or rank(e) < self.top_k]
        eligible.sort(
            key=(lambda e: (rank(e), _id_order(e.id))) if ranks is not None else (lambda e: _id_order(e.id))
        )
        gold_ids = [e.id for e in pos if ranks is None or rank(e) < self.top_k]
        gold_ranks = None if ranks is None else [rank(e) for e in pos]
        obs = Observation(
            goal=task.goal,
            text=str(step.get("cleaned_html") or ""),
            elements=eligible,
            history=[str(r) for r in reprs[:i]],
            step=i,
            extra={"annotation_id": task.id, "action_uid": uid, "website": record.get("website", "")},
        )
        if self.config.screenshots:
            shot = step.get("screenshot")
            obs.screenshot = shot.get("bytes") if isinstance(shot, dict) else None
        first = gold_ids[0] if gold_ids else (pos[0].id if pos else None)
        gold = {"ids": gold_ids, "op": m.gold_op_string(op, value), "ranks": gold_ranks}
        return GoldStep(obs, gold, gold_action(op, value, first))

    # -- scoring ------------------------------------------------------------------------
    def score_step(self, step: GoldStep, action: Action | None, raw: str) -> dict[str, float]:
        answer = None if action is not None and _is_canonical(raw) else m.mindact_answer(raw)
        if answer is not None:
            element, ops = answer
        elif action is not None:
            element, ops = m.action_prediction(action)
        else:
            element, ops = None, ""
        gold = step.gold
        return m.score_step(element, ops, gold["ids"], gold["op"], gold["ranks"])

    def aggregate(self, task: Task, scores: list[dict[str, float]]) -> dict[str, Any]:
        return m.aggregate(scores)


def _is_canonical(text: str) -> bool:
    try:
        parse_action(text)
    except ActionParseError:
        return False
    return True


def _micro(name: str, what: str) -> MetricSpec:
    return MetricSpec(f"{name}_micro", f"{what} (micro over steps)", "ratio", f"{name}_sum", "steps")


class Mind2WebSuite(ReplaySuite):
    """Mind2Web action prediction (train, test_task, test_website, test_domain)."""

    name = "mind2web"
    description = "Mind2Web: static replay of real-website tasks, MindAct's official metrics"
    metrics = (
        MetricSpec("step_success", "element right and operation F1 = 1 (macro over tasks)", headline=True),
        MetricSpec("element_accuracy", "predicted element is a gold element (macro over tasks)"),
        MetricSpec("op_f1", "token-set F1 of 'OP value' (macro over tasks)"),
        MetricSpec("task_success", "every step of the task succeeded"),
        _micro("step_success", "step success"),
        _micro("element_accuracy", "element accuracy"),
        _micro("op_f1", "operation F1"),
        *(
            MetricSpec(
                f"recall@{k}",
                f"steps with a gold candidate ranked < {k}",
                "ratio",
                f"recall_{k}_hits",
                "ranked_steps",
            )
            for k in m.RECALL_KS
        ),
    )
    options = (
        SuiteOption(
            "ranks", "candidate ranks JSON ({annotation_id}_{action_uid} -> {id: rank})", existing_file
        ),
        SuiteOption(
            "top-k", "with --ranks: candidates ranked below this are shown (default 50)", positive_int, 50
        ),
    )
    default_max_steps = 500

    def splits(self) -> list[str]:
        return list(SPLITS)

    def data_sources(self) -> tuple[DataSource, ...]:
        return (
            DataSource(
                "mind2web",
                "Mind2Web train split (task-nested JSON) from the Hugging Face hub",
                "CC BY 4.0",
                hub=HubDataset("osunlp/Mind2Web", patterns=("data/train/*.json",)),
                note=TEST_NOTE,
            ),
            DataSource(
                "multimodal-mind2web",
                "Multimodal-Mind2Web (one row per step, with screenshots; parquet) from the hub",
                "CC BY 4.0",
                hub=HubDataset("osunlp/Multimodal-Mind2Web", patterns=("data/*.parquet",)),
                note="large (screenshots included): pulled only with --source multimodal-mind2web",
                default=False,
            ),
        )

    def _files(self, split: str, data: Path | None) -> list[Path]:
        if data is not None:
            if not data.exists():
                raise SuiteError(f"--data {data}: no such file or folder")
            files = split_files(data, split)
            if not files:
                raise SuiteError(f"no Mind2Web files for split {split} under {data}")
            return files
        for source in self.data_sources():
            files = split_files(source.folder(), split) if source.folder().is_dir() else []
            if files:
                return files
        hint = "run 'webbench data pull mind2web'" if split == "train" else TEST_NOTE
        raise SuiteError(f"no Mind2Web data for split {split}: {hint}")

    def load_tasks(self, split: str | None, data: Path | None) -> list[Task]:
        if split not in SPLITS:
            raise SuiteError(f"unknown split {split!r} of suite mind2web; known: {', '.join(SPLITS)}")
        try:
            return scan_tasks(self._files(split, data), split)
        except RecordError as exc:
            raise SuiteError(str(exc)) from exc

    def make_env(self, config: EnvConfig) -> Mind2WebReplay:
        return Mind2WebReplay(config)

    def summary_notes(self, config: EnvConfig) -> list[str]:
        if not config.options.get("ranks"):
            return [
                "no --ranks: every candidate is eligible (the paper's numbers use a ranker's top-50); "
                "recall@k not reported"
            ]
        k = config.options.get("top_k") or 50
        return [f"candidates: top-{k} of {config.options['ranks']} (0-based ranks, eligible iff rank < {k})"]


SUITE = Mind2WebSuite()
