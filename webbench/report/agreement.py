"""Agreement between an automatic judge and people: Cohen's kappa, raw agreement, the confusion matrix.

WebVoyager's success is decided by an LLM judge that people found wrong on about 15 % of tasks
(LIVE-SUITES.md section 3). Given human labels for a run's episodes, this module measures how far
the judge (the record's ``success``) agrees with them. Pure functions; the labels file is read by
:func:`read_labels`, which names the file and line of any bad row.

Kappa is Cohen's: ``(p_o - p_e) / (1 - p_e)`` with ``p_o`` the observed agreement and ``p_e`` the
agreement expected from the two raters' marginal rates. It is undefined (NaN) when ``p_e`` is 1
(both raters gave one and the same answer to every episode), as in scikit-learn. The interval is a
percentile bootstrap over episodes (pairs resampled together), replicates with an undefined kappa
left out.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from webbench.core.errors import UsageError
from webbench.core.record import EpisodeRecord

_TRUE = {"1", "true", "yes", "y", "success", "t"}
_FALSE = {"0", "false", "no", "n", "failure", "fail", "f"}
LABEL_FIELDS = ("task_id", "episode", "human_success")


class LabelsError(UsageError):
    """A labels file that cannot be read; the message names the file, the line and the field."""


@dataclass(frozen=True)
class Confusion:
    """Counts of (judge, human) pairs: ``both`` successes, ``judge_only``, ``human_only``, ``neither``."""

    both: int = 0
    judge_only: int = 0
    human_only: int = 0
    neither: int = 0

    @property
    def n(self) -> int:
        """Return the number of labelled episodes."""
        return self.both + self.judge_only + self.human_only + self.neither

    @property
    def observed(self) -> float:
        """Return the raw agreement (share of episodes where judge and human agree); NaN when empty."""
        return (self.both + self.neither) / self.n if self.n else math.nan

    @property
    def kappa(self) -> float:
        """Return Cohen's kappa of the table; NaN when it is undefined (empty, or chance agreement 1)."""
        return cohen_kappa(self.both, self.judge_only, self.human_only, self.neither)

    def to_dict(self) -> dict[str, int]:
        """Return the table as JSON: rows are the judge's verdict, columns the human label."""
        return {
            "judge_success_human_success": self.both,
            "judge_success_human_failure": self.judge_only,
            "judge_failure_human_success": self.human_only,
            "judge_failure_human_failure": self.neither,
        }


def cohen_kappa(both: float, judge_only: float, human_only: float, neither: float) -> float:
    """Return Cohen's kappa of a 2x2 table of counts; NaN when undefined."""
    n = both + judge_only + human_only + neither
    if n == 0:
        return math.nan
    observed = (both + neither) / n
    judge_yes, human_yes = (both + judge_only) / n, (both + human_only) / n
    expected = judge_yes * human_yes + (1 - judge_yes) * (1 - human_yes)
    if expected >= 1:
        return math.nan
    return (observed - expected) / (1 - expected)


def confusion(pairs: Iterable[tuple[bool, bool]]) -> Confusion:
    """Return the confusion table of (judge, human) pairs."""
    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for judge, human in pairs:
        counts[(bool(judge), bool(human))] += 1
    return Confusion(
        counts[(True, True)], counts[(True, False)], counts[(False, True)], counts[(False, False)]
    )


def kappa_interval(
    pairs: list[tuple[bool, bool]], resamples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Return the percentile bootstrap interval of kappa over ``pairs`` (NaNs when undefined)."""
    if not pairs:
        return math.nan, math.nan
    data = np.array(pairs, dtype=bool)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(data), size=(resamples, len(data)))
    judge, human = data[picks, 0], data[picks, 1]
    both = (judge & human).sum(axis=1)
    judge_only = (judge & ~human).sum(axis=1)
    human_only = (~judge & human).sum(axis=1)
    neither = (~judge & ~human).sum(axis=1)
    values = np.array([cohen_kappa(*row) for row in zip(both, judge_only, human_only, neither, strict=True)])
    values = values[~np.isnan(values)]
    if not len(values):
        return math.nan, math.nan
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class Agreement:
    """The judge-versus-people comparison of one run (see :func:`agreement`)."""

    table: Confusion
    interval: tuple[float, float]
    unlabelled: int
    unmatched_labels: int
    not_scored: int
    disagreements: tuple[tuple[str, str, int, bool, bool], ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as JSON (NaN written as null)."""

        def number(value: float) -> float | None:
            return None if math.isnan(value) else round(value, 6)

        return {
            "n": self.table.n,
            "kappa": number(self.table.kappa),
            "kappa_interval": [number(self.interval[0]), number(self.interval[1])],
            "raw_agreement": number(self.table.observed),
            "confusion": self.table.to_dict(),
            "episodes_without_label": self.unlabelled,
            "labels_without_episode": self.unmatched_labels,
            "episodes_not_scored": self.not_scored,
            "disagreements": [
                {"suite": s, "task_id": t, "episode": e, "judge_success": j, "human_success": h}
                for s, t, e, j, h in self.disagreements
            ],
        }


def agreement(
    records: Iterable[EpisodeRecord],
    labels: Mapping[tuple[str, int], bool],
    resamples: int = 2000,
    seed: int = 0,
) -> Agreement:
    """Return how the judge's verdicts (records' ``success``) agree with the human ``labels``.

    Labels are keyed by (task id, episode). Episodes that did not end ``ok`` were never judged
    (a blocked page, a crash): they are counted in ``not_scored`` and left out of the table.
    """
    pairs: list[tuple[bool, bool]] = []
    disagreements: list[tuple[str, str, int, bool, bool]] = []
    seen: set[tuple[str, int]] = set()
    unlabelled = not_scored = 0
    for record in sorted(records, key=lambda r: r.key):
        key = (record.task_id, record.episode)
        if key not in labels:
            unlabelled += 1
            continue
        seen.add(key)
        if not record.ok:
            not_scored += 1
            continue
        pair = (bool(record.success), labels[key])
        pairs.append(pair)
        if pair[0] != pair[1]:
            disagreements.append((record.suite, record.task_id, record.episode, *pair))
    return Agreement(
        table=confusion(pairs),
        interval=kappa_interval(pairs, resamples, seed),
        unlabelled=unlabelled,
        unmatched_labels=len(set(labels) - seen),
        not_scored=not_scored,
        disagreements=tuple(disagreements),
    )


def _label_value(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise LabelsError(f"{where}: human_success must be 1/0 or true/false, not {value!r}")


def _episode(value: Any, where: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise LabelsError(f"{where}: episode must be an integer, not {value!r}") from None
    if number < 0:
        raise LabelsError(f"{where}: episode must be 0 or more, not {number}")
    return number


def _rows(path: Path) -> Iterable[tuple[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        missing = [name for name in LABEL_FIELDS if name not in (reader.fieldnames or [])]
        if missing:
            raise LabelsError(f"{path}: the CSV header lacks {', '.join(missing)}")
        for row in reader:
            yield f"{path}: line {reader.line_num}", row
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}: line {number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise LabelsError(f"{where}: not JSON ({exc.args[0]})") from None
        if not isinstance(row, dict):
            raise LabelsError(f"{where}: not a JSON object")
        yield where, row


def read_labels(path: Path) -> dict[tuple[str, int], bool]:
    """Return the human labels of ``path`` (CSV with a header, or JSON lines) keyed by (task id, episode).

    Each row has ``task_id``, ``episode`` and ``human_success``; a row that repeats a key with
    another label is an error, as are missing fields and values that are not yes/no.
    """
    path = Path(path)
    if not path.is_file():
        raise LabelsError(f"{path}: no such labels file")
    labels: dict[tuple[str, int], bool] = {}
    try:
        for where, row in _rows(path):
            missing = [name for name in LABEL_FIELDS if row.get(name) in (None, "")]
            if missing:
                raise LabelsError(f"{where}: missing {', '.join(missing)}")
            key = (str(row["task_id"]).strip(), _episode(row["episode"], where))
            value = _label_value(row["human_success"], where)
            if labels.get(key, value) != value:
                raise LabelsError(f"{where}: task {key[0]} episode {key[1]} is labelled twice, differently")
            labels[key] = value
    except UnicodeDecodeError as exc:
        raise LabelsError(f"{path}: not UTF-8 text ({exc.reason})") from None
    if not labels:
        raise LabelsError(f"{path}: no labels")
    return labels
