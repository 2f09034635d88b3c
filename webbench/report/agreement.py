"""Agreement between an auto judge and people: Cohen's kappa, raw agreement, the confusion matrix and
a bootstrap interval for kappa (pure functions), and reading a file of human labels.

The labels file is CSV (a header row with ``task_id,episode,human_success``) or JSON lines (objects
with those keys); ``human_success`` is 1/0, true/false or yes/no. WebVoyager's paper reports kappa
0.70 between its GPT-4V judge and human judges.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from webbench.core.errors import UsageError
from webbench.core.record import EpisodeRecord

#: Resamples and seed of the bootstrap interval (fixed: the same pairs give the same interval).
RESAMPLES = 2000
SEED = 0
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


@dataclass(frozen=True)
class Agreement:
    """How a judge's verdicts agree with people's on ``n`` episodes.

    ``both`` (judge and people say success), ``judge_only``, ``human_only``, ``neither``: the
    confusion matrix; ``raw`` the share of agreement; ``kappa`` None when undefined; ``interval`` the
    95 % bootstrap interval of kappa.
    """

    n: int
    both: int
    judge_only: int
    human_only: int
    neither: int
    raw: float | None
    kappa: float | None
    interval: tuple[float, float] | None


def confusion(pairs: list[tuple[bool, bool]]) -> tuple[int, int, int, int]:
    """Return (both, judge_only, human_only, neither) of (judge, human) verdict pairs."""
    both = sum(1 for j, h in pairs if j and h)
    judge_only = sum(1 for j, h in pairs if j and not h)
    human_only = sum(1 for j, h in pairs if h and not j)
    return both, judge_only, human_only, len(pairs) - both - judge_only - human_only


def cohen_kappa(both: int, judge_only: int, human_only: int, neither: int) -> float | None:
    """Return Cohen's kappa of a 2x2 confusion matrix, (p_o - p_e) / (1 - p_e); None when it is
    undefined: no items, or chance agreement 1 (both raters gave one and the same verdict throughout)."""
    n = both + judge_only + human_only + neither
    if n == 0:
        return None
    observed = (both + neither) / n
    judge_yes, human_yes = (both + judge_only) / n, (both + human_only) / n
    chance = judge_yes * human_yes + (1 - judge_yes) * (1 - human_yes)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1 - chance)


def kappa_interval(
    pairs: list[tuple[bool, bool]], resamples: int = RESAMPLES, seed: int = SEED, level: float = 0.95
) -> tuple[float, float] | None:
    """Return the percentile bootstrap interval of kappa (resampling episodes), or None for no pairs.

    Resamples whose kappa is undefined are left out."""
    if not pairs:
        return None
    rng = np.random.default_rng(seed)
    array = np.array(pairs, dtype=bool)
    values = []
    for _ in range(resamples):
        sample = array[rng.integers(0, len(array), len(array))]
        value = cohen_kappa(*confusion([(bool(j), bool(h)) for j, h in sample]))
        if value is not None:
            values.append(value)
    if not values:
        return None
    low, high = np.quantile(values, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(low), float(high)


def agreement(pairs: list[tuple[bool, bool]]) -> Agreement:
    """Return the agreement of (judge, human) verdict pairs."""
    matrix = confusion(pairs)
    raw = (matrix[0] + matrix[3]) / len(pairs) if pairs else None
    return Agreement(len(pairs), *matrix, raw, cohen_kappa(*matrix), kappa_interval(pairs))


Labels = dict[tuple[str, int], bool]


def judge_pairs(records: Iterable[EpisodeRecord], labels: Labels) -> list[tuple[bool, bool]]:
    """Return (judge, human) verdicts of the labelled episodes of ``records``, in task order.

    The judge's verdict is the episode's ``success`` metric (the judge's score; an episode without
    an answer, or that failed, counts as not successful, as the run scores it)."""
    by_key = {(r.task_id, r.episode): r for r in records}
    return [
        (bool(by_key[key].metrics.get("success")), labels[key]) for key in sorted(set(labels) & set(by_key))
    ]


def figure(value: float | None) -> str:
    """Return a kappa or a share with three decimals, or ``undefined``."""
    return "undefined" if value is None else f"{value:.3f}"


def describe(result: Agreement) -> str:
    """Return the agreement as one sentence (for reports)."""
    low, high = result.interval or (None, None)
    return (
        f"Cohen's kappa {figure(result.kappa)} (95% bootstrap interval {figure(low)} .. {figure(high)}), "
        f"raw agreement {figure(result.raw)} over {result.n} labelled episodes; judge yes and people yes "
        f"{result.both}, judge yes and people no {result.judge_only}, judge no and people yes "
        f"{result.human_only}, both no {result.neither}"
    )


def _verdict(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f"{where}: human_success must be 1/0, true/false or yes/no, not {value!r}")


def read_labels(path: Path) -> Labels:
    """Return ``{(task_id, episode): human_success}`` from a CSV or JSON-lines labels file;
    UsageError naming the file and the line at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--labels {path}: cannot be read: {exc}") from exc
    if path.suffix in (".jsonl", ".ndjson"):
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise UsageError(f"--labels {path}: line {number}: not valid JSON: {exc.msg}") from exc
    else:
        rows = list(enumerate(csv.DictReader(text.splitlines()), 2))
    labels: Labels = {}
    for number, row in rows:
        where = f"--labels {path}: line {number}"
        if not isinstance(row, dict) or any(row.get(k) in (None, "") for k in ("task_id", "human_success")):
            raise UsageError(f"{where}: needs task_id, episode and human_success")
        try:
            episode = int(row.get("episode") or 0)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{where}: episode must be an integer, not {row.get('episode')!r}") from exc
        labels[(str(row["task_id"]), episode)] = _verdict(row["human_success"], where)
    return labels
