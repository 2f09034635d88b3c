"""The episode record: one line of a run's ``episodes.jsonl``, typed.

Every piece of the harness that makes, stores, aggregates or reports an episode's result
passes an :class:`EpisodeRecord`; JSON dicts exist only at the file's edge
(:meth:`EpisodeRecord.to_json`, :meth:`EpisodeRecord.from_json`). The line's keys and
their order are fixed: a record round-trips to the line it was read from.

Records written by older webbench versions lack some fields (``attempt``, ``split``,
``answer`` ...): they read with the defaults below. Only ``suite``, ``task_id`` and
``episode`` are required, and every field present must have its type (a clear one-line
:class:`RecordError` names the field; ``"success": "no"`` is an error, not a success).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

from webbench.core.errors import UsageError

Status = Literal["ok", "agent_error", "env_error", "timeout"]
#: How an episode can end: ``ok`` (the env scored it), the agent's fault, the env's or a
#: service's fault, or a time-out.
STATUSES: tuple[Status, ...] = get_args(Status)

#: Fields checked when present: name -> (accepted types, what they are in a message).
_FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "split": ((str, type(None)), "a string"),
    "seed": ((int, type(None)), "an integer"),
    "success": ((bool,), "true or false"),
    "score": ((int, float), "a number"),
    "metrics": ((dict, type(None)), "an object or null"),
    "steps": ((int,), "an integer"),
    "duration_s": ((int, float), "a number"),
    "usage": ((dict, type(None)), "an object or null"),
    "error": ((str, type(None)), "a string or null"),
    "end_reason": ((str, type(None)), "a string or null"),
    "details": ((dict, type(None)), "an object or null"),
    "trajectory": ((str, type(None)), "a string or null"),
    "attempt": ((int,), "an integer"),
}
#: Fields whose JSON null reads as an empty object (every reader treated the two alike).
_OBJECTS = ("metrics", "usage", "details")


class RecordError(UsageError):
    """An episode record with a missing key or a wrong type; the message names where and which."""


@dataclass(frozen=True, kw_only=True)
class EpisodeRecord:
    """What one finished (or lost) episode attempt gave: its identity, outcome, scores and costs.

    ``metrics`` holds the suite's per-episode numbers (see :class:`webbench.core.metric.MetricSpec`),
    ``usage`` the tokens and cost spent, ``details`` the suite's own data, ``trajectory`` the
    path of the step file relative to the run folder, ``attempt`` the line's number among its
    key's lines (set by the run store when it appends the record; None before, and in records
    written before attempts were counted).
    """

    suite: str
    task_id: str
    split: str | None = ""
    episode: int
    seed: int | None = None
    status: Status = "ok"
    success: bool = False
    score: float = 0.0
    metrics: dict[str, Any] = field(default_factory=dict)
    steps: int = 0
    duration_s: float = 0.0
    usage: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    answer: Any = None
    end_reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    trajectory: str | None = None
    attempt: int | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """Return the (suite, task_id, episode) key that identifies the episode in a run."""
        return self.suite, self.task_id, self.episode

    @property
    def ok(self) -> bool:
        """Return True when the episode ended ``ok`` (the env scored it)."""
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        """Return the record as its ``episodes.jsonl`` object (``attempt`` only once it has one)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.attempt is None:
            del data["attempt"]
        return data

    @classmethod
    def from_json(cls, data: Any, where: str) -> EpisodeRecord:
        """Return the record a JSON object holds; RecordError ``"<where> <problem>"`` when its keys
        or types are not sound (missing fields take their defaults)."""
        problem = _problem(data)
        if problem is not None:
            raise RecordError(f"{where} {problem}")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in _OBJECTS:
            if values.get(name, {}) is None:
                values[name] = {}
        return cls(**values)


def _problem(data: Any) -> str | None:
    """Return what is wrong with one record's shape and types, or None when it is sound."""
    if not isinstance(data, dict):
        return "is not a JSON object"
    missing = [name for name in ("suite", "task_id", "episode") if name not in data]
    if missing:
        return f"lacks {', '.join(missing)}"
    for name in ("suite", "task_id"):
        if not isinstance(data[name], str):
            return f"has {name} {data[name]!r}, not a string"
    episode = data["episode"]
    if not isinstance(episode, int) or isinstance(episode, bool) or episode < 0:
        return f"has episode {episode!r}, not an integer >= 0"
    if "status" in data and data["status"] not in STATUSES:
        return f"has status {data['status']!r}, not one of {', '.join(STATUSES)}"
    for name, (types, text) in _FIELD_TYPES.items():
        if name not in data:
            continue
        value = data[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            return f"has {name} {value!r}, not {text}"
    return None
