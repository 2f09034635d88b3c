"""The papers' published numbers (``webbench/report/published.json``), shown as reference rows.

Each entry: ``suite``, ``model``, ``metrics`` (name -> value on the metric's own
scale, e.g. 0.942 for 94.2 %; names match the suite's metric names or
``success_rate``), ``split``, ``subset`` (the exact task set the number covers),
``citation`` and optionally ``reported_in`` (when the number comes from another
paper's table) and ``note``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webbench.core.errors import UsageError

FORMAT = "webbench-published/1"
#: The committed file, when webbench runs from a checkout.
DEFAULT_PATH = Path(__file__).resolve().with_name("published.json")
_REQUIRED = ("suite", "model", "metrics", "split", "subset", "citation")


@dataclass(frozen=True)
class Published:
    """One published result: who, which numbers, on exactly which tasks, from which paper."""

    suite: str
    model: str
    metrics: dict[str, float]
    split: str
    subset: str
    citation: str
    reported_in: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def load_published(path: Path) -> list[Published]:
    """Return the entries of a published-numbers file; UsageError naming the entry and field at fault."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read published numbers ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f'{path}: not a published-numbers file (expected "format": "{FORMAT}")')
    entries = []
    for number, entry in enumerate(data.get("entries") or [], 1):
        where = f"{path}: entry {number}"
        if not isinstance(entry, dict):
            raise UsageError(f"{where} is not an object")
        missing = [name for name in _REQUIRED if not entry.get(name)]
        if missing:
            raise UsageError(f"{where} ({entry.get('model', '?')}) lacks {', '.join(missing)}")
        metrics = entry["metrics"]
        if not isinstance(metrics, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in metrics.values()
        ):
            raise UsageError(f"{where} ({entry['model']}): metrics must map names to numbers")
        known = set(_REQUIRED) | {"reported_in", "note"}
        entries.append(
            Published(
                **{k: entry[k] for k in _REQUIRED},
                reported_in=str(entry.get("reported_in", "")),
                note=str(entry.get("note", "")),
                extra={k: v for k, v in entry.items() if k not in known},
            )
        )
    return entries
