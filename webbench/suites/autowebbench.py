"""AutoWebBench (from AutoWebGLM): static steps in four splits, scored like the official ``eval.py``.

Files: ``{en,zh}/{ind,ood}/test.json`` (upstream layout) or ``{split}.test.json``, each a
JSON list of ``{"source": prompt, "target": call}``. Consecutive steps with the same
``#Task:`` line form one task (one episode). The agent sees the whole prompt as
``text``, the element ids of its simplified HTML as ``elements``, the previous commands
as ``history``; it answers in the native dialect (``click('SD')``,
``type_string('LF', 'text', False)``, ``finish()`` ...) or with canonical actions, which
are mapped onto it. Scoring: :mod:`webbench.metrics.autowebbench`.

Bad input: a file that is not a JSON list of objects with ``source`` and ``target``, or
a step without a ``#Task:`` line, is a usage error at load (exit 2); a target that is
not a known AutoWebBench call makes that task's episode an ``env_error`` naming the
file, the record and the field, and the other tasks run.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from webbench.core.action import Action, ActionParseError, parse_action
from webbench.core.env import EnvConfig
from webbench.core.metric import MetricSpec
from webbench.core.suite import SuiteError, SuiteOption
from webbench.core.types import Element, Observation, Task
from webbench.data.sources import DataSource, RemoteFile
from webbench.metrics import autowebbench as m
from webbench.suites._replay import GoldStep, ReplayEnv, ReplaySuite

SPLITS = ("en_ind", "en_ood", "zh_ind", "zh_ood")
#: Every split in one run (each task keeps its own split; the papers report splits separately).
ALL = "all"
UPSTREAM_COMMIT = "eb8524e55cc3fac44625496e895e4044cea81fba"
#: (size, sha256) of the upstream files at UPSTREAM_COMMIT.
CHECKSUMS = {
    "en_ind": (1622613, "10fe4c28374cb21e44dd976a71049921b474bd8ad834b284a0a8d8ee76cc248c"),
    "en_ood": (1461126, "011c6342beebb22d450faa67a3d79fb4e17c5b733a549dc2a72d0c630ff17e06"),
    "zh_ind": (2435024, "d0e1693642aa5d06b6773a889f4bf4c56e39b624f807395b8eb41195b6f5504e"),
    "zh_ood": (2048106, "3c95df1a4ea2157dd190545c0c27d2525e62e374ac8b02fc9a0a8b56049a3f5a"),
}
_TASK_LINE = re.compile(r"^#Task:(.*)$", re.M)
_SECTION = re.compile(r"#([^:\n]+):(.*)")
_HTML_TAG = re.compile(r"<(\w*)(?:\[([A-Z]+)\])?\|?|>")


def upstream_path(split: str) -> str:
    """Return the upstream file path of ``split`` (``en_ind`` -> ``en/ind/test.json``)."""
    lang, domain = split.split("_")
    return f"{lang}/{domain}/test.json"


def split_file(root: Path, split: str) -> Path:
    """Return the file of ``split`` under ``root`` (either layout, or ``root`` itself if a file)."""
    if root.is_file():
        return root
    candidates = [
        root / upstream_path(split),
        root / f"{split}.test.json",
        root / "full" / f"{split}.test.json",
        root / "autowebbench" / upstream_path(split),
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise SuiteError(
        f"no AutoWebBench file for split {split} under {root} "
        f"(looked for {upstream_path(split)} and {split}.test.json)"
    )


def parse_elements(html: str) -> list[Element]:
    """Return the elements with ids of AutoWebBench simplified HTML (``<a[SD]| <span| Google> >``),
    in document order, each with its tag and its flattened text."""
    stack: list[tuple[int, str, str | None]] = []
    found: list[tuple[int, str, str, int]] = []
    for match in _HTML_TAG.finditer(html):
        if match.group(0) == ">":
            if stack:
                start, tag, element_id = stack.pop()
                if element_id:
                    found.append((start, element_id, tag, match.start()))
        else:
            stack.append((match.end(), match.group(1), match.group(2)))
    found.sort()
    return [Element(eid, tag, " ".join(_HTML_TAG.sub(" ", html[a:b]).split())) for a, eid, tag, b in found]


def prompt_sections(source: str) -> dict[str, str]:
    """Return the ``#Name: value`` sections of a prompt (``Task``, ``Previous commands`` ...)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in source.split("\n"):
        match = _SECTION.match(line)
        if match:
            current = sections.setdefault(match.group(1).strip(), [])
            current.append(match.group(2))
        elif line.startswith("You should output"):
            current = None
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def observation(source: str, step: int) -> Observation:
    """Return the observation of one step's prompt."""
    sections = prompt_sections(source)
    previous = sections.get("Previous commands", "")
    history = [] if previous in ("", "None") else [line for line in previous.splitlines() if line.strip()]
    html = source.split("\n\n", 1)[0]
    return Observation(
        goal=sections.get("Task", ""),
        text=source,
        elements=parse_elements(html),
        history=history,
        tabs=[line.strip() for line in sections.get("Window tabs", "").splitlines() if line.strip()],
        step=step,
        extra={"viewport": sections.get("Current viewport (pages)", "")},
    )


def _read_records(path: Path) -> list[dict[str, Any]]:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SuiteError(f"{path}: not readable JSON: {exc}") from exc
    if not isinstance(records, list):
        raise SuiteError(f"{path}: expected a JSON list of steps, got {type(records).__name__}")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise SuiteError(f"{path}: record {index}: expected an object")
        for field in ("source", "target"):
            if field not in record:
                raise SuiteError(f"{path}: record {index}: missing field {field!r}")
        if not isinstance(record["source"], str):
            raise SuiteError(f"{path}: record {index}: field 'source' must be a string")
        if not isinstance(record["target"], str | list):
            raise SuiteError(f"{path}: record {index}: field 'target' must be a string or a list")
    return records


def group_tasks(path: Path, split: str) -> list[Task]:
    """Return the tasks of one split file: consecutive steps sharing a ``#Task:`` line."""
    tasks: list[Task] = []
    current: str | None = None
    steps: list[list[Any]] = []
    for index, record in enumerate(_read_records(path)):
        match = _TASK_LINE.search(record["source"])
        if match is None:
            raise SuiteError(f"{path}: record {index}: field 'source' has no '#Task:' line")
        if match.group(1) != current or not steps:
            current, steps = match.group(1), []
            meta = {"file": str(path), "steps": steps}
            tasks.append(Task("autowebbench", f"{split}-{len(tasks):03d}", current.strip(), split, meta))
        steps.append([index, record["source"], record["target"]])
    return tasks


@cache
def jieba_cut() -> m.Tokenizer:
    """Return jieba's ``cut`` (the official word segmentation), loaded once per process."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.cut


class AutoWebBenchEnv(ReplayEnv):
    """Replays AutoWebBench steps; accepts the native dialect and canonical actions."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__(config)
        self.official = config.options.get("scoring", "official") == "official"
        self.tokenize = jieba_cut()

    def parse(self, text: str) -> Action:
        """Return the canonical Action of a canonical or native call."""
        try:
            return parse_action(text)
        except ActionParseError as canonical_error:
            call = m.strict_call(text)
            if call.name is None or call.name not in m.NATIVE:
                raise canonical_error from None
            return m.native_to_action(call)

    def steps(self, task: Task) -> Iterator[GoldStep]:
        for i, (index, source, target) in enumerate(task.meta["steps"]):
            labels = m.label_list(target)
            first = m.strict_call(labels[0]) if labels else m.Call(None)
            try:
                if first.name not in m.NATIVE:
                    shown = labels[0] if labels else target
                    raise ActionParseError(f"not an AutoWebBench call: {str(shown)[:80]!r}")
                m.native_to_action(first)
            except ActionParseError as exc:
                raise ValueError(f"{task.meta['file']}: record {index}: field 'target': {exc}") from exc
            yield GoldStep(observation(source, i), labels, labels[0])

    def score_step(self, step: GoldStep, action: Action | None, raw: str) -> dict[str, float]:
        text = raw.strip()
        head = m.official_call_name(text)
        prediction: str | m.Call = text
        if head not in m.NATIVE and action is not None:
            prediction = m.action_to_native(action)
        return m.score_step(step.gold, prediction, self.tokenize, self.official)

    def aggregate(self, task: Task, scores: list[dict[str, float]]) -> dict[str, Any]:
        return m.aggregate(scores)


class AutoWebBenchSuite(ReplaySuite):
    """The four AutoWebBench test splits (1,451 steps)."""

    name = "autowebbench"
    description = "AutoWebBench (AutoWebGLM): static web-navigation steps, English and Chinese"
    metrics = (
        MetricSpec(
            "step_success",
            "type and element right, over steps whose gold takes an element (micro)",
            "ratio",
            "step_hits",
            "step_n",
            headline=True,
        ),
        MetricSpec("type_accuracy", "function name right (micro over steps)", "ratio", "type_hits", "type_n"),
        MetricSpec("element_accuracy", "element id right (micro)", "ratio", "element_hits", "element_n"),
        MetricSpec("param_rouge1", "ROUGE-1 F of the parameter (micro)", "ratio", "param_sum", "param_n"),
        MetricSpec("task_success", "every step of the task right (mean over tasks)"),
    )
    options = (
        SuiteOption(
            "scoring",
            "official (reproduce eval.py, quirks included) or corrected (see docs/static-suites.md)",
            m.scoring_mode,
            "official",
        ),
    )
    default_max_steps = 500

    def splits(self) -> list[str]:
        return [*SPLITS, ALL]

    def data_sources(self) -> tuple[DataSource, ...]:
        base = f"https://raw.githubusercontent.com/THUDM/AutoWebGLM/{UPSTREAM_COMMIT}/autowebbench"
        files = tuple(
            RemoteFile(upstream_path(s), f"{base}/{upstream_path(s)}", *CHECKSUMS[s]) for s in SPLITS
        )
        return (
            DataSource(
                "autowebbench",
                "AutoWebBench test splits from the AutoWebGLM repository (1,451 steps)",
                'code Apache-2.0; data "for research purpose only"',
                files=files,
            ),
        )

    def _root(self, data: Path | None) -> Path:
        if data is not None:
            if not data.exists():
                raise SuiteError(f"--data {data}: no such file or folder")
            return data
        source = self.data_sources()[0]
        if not source.present():
            raise SuiteError("no AutoWebBench data: run 'webbench data pull autowebbench' or give --data")
        return source.folder()

    def load_tasks(self, split: str | None, data: Path | None) -> list[Task]:
        if split not in self.splits():
            raise SuiteError(
                f"unknown split {split!r} of suite autowebbench; known: {', '.join(self.splits())}"
            )
        if importlib.util.find_spec("jieba") is None:
            raise SuiteError("autowebbench needs jieba for its scores: pip install 'webbench[autowebbench]'")
        root = self._root(data)
        if split == ALL:
            if root.is_file():
                raise SuiteError(f"--split all needs a folder holding the four split files, not {root}")
            return [task for each in SPLITS for task in group_tasks(split_file(root, each), each)]
        return group_tasks(split_file(root, split), split)

    def make_env(self, config: EnvConfig) -> AutoWebBenchEnv:
        return AutoWebBenchEnv(config)

    def summary_notes(self, config: EnvConfig) -> list[str]:
        if config.options.get("scoring", "official") == "official":
            return [
                "official scoring: steps whose gold is finish() (or that the official parser skips) "
                "count toward no metric, and a parameter with ROUGE-1 F of 0 is left out of param_rouge1; "
                "use --scoring corrected to count them"
            ]
        return ["corrected scoring: every step counts; missing or non-overlapping parameters score 0"]


SUITE = AutoWebBenchSuite()
