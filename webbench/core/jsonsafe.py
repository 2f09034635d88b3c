"""Making values from agents and suites writable as strict JSON in UTF-8.

Run files are written with ``allow_nan=False`` and encoded as UTF-8, so one NaN or one
lone surrogate would make a record unwritable. Everything the harness writes passes
through :func:`json_safe` first; it never raises.
"""

from __future__ import annotations

import math
from typing import Any

#: Containers nested deeper than this are written as a placeholder (this also ends cycles).
MAX_DEPTH = 64


def clean_text(text: str) -> str:
    """Return ``text`` encodable as UTF-8: each lone surrogate becomes its ``\\udxxx`` escape."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _text_of(value: Any) -> str:
    try:
        return clean_text(str(value))
    except Exception:  # noqa: BLE001 - an unprintable object is written as its type
        return f"<unprintable {type(value).__name__}>"


def describe_error(exc: BaseException) -> str:
    """Return ``"Type: message"`` of ``exc`` as valid UTF-8, even when its ``str()`` fails."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - the agent's exception may be unprintable
        text = "<str() of the exception failed>"
    return clean_text(f"{type(exc).__name__}: {text}")


def json_safe(value: Any, _depth: int = 0) -> Any:
    """Return a copy of ``value`` made of dicts with string keys, lists, valid UTF-8 strings,
    finite numbers, booleans and None: non-finite floats become None, other objects their
    ``str()``, and containers deeper than ``MAX_DEPTH`` a placeholder string."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        number = float.__float__(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        return clean_text(str.__str__(value))
    if isinstance(value, dict | list | tuple):
        if _depth >= MAX_DEPTH:
            return "<nested too deep>"
        if isinstance(value, dict):
            return {
                (clean_text(str.__str__(k)) if isinstance(k, str) else _text_of(k)): json_safe(v, _depth + 1)
                for k, v in value.items()
            }
        return [json_safe(item, _depth + 1) for item in value]
    return _text_of(value)
