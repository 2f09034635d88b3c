"""Token usage and cost: how the usage of calls, steps and episodes adds up."""

from __future__ import annotations

import math
from typing import Any

from webbench.core.jsonsafe import clean_text, json_safe


def add_usage(total: dict[str, Any], usage: dict[str, Any] | None) -> None:
    """Add one call's or step's token usage and cost into ``total`` (cost None = unknown)."""
    if not usage:
        return
    for key in ("input_tokens", "output_tokens"):
        total[key] = total.get(key, 0) + int(usage.get(key) or 0)
    cost = usage.get("cost_usd")
    if "cost_usd" not in total:
        total["cost_usd"] = cost
    elif total["cost_usd"] is not None:
        total["cost_usd"] = None if cost is None else total["cost_usd"] + cost


def read_usage(usage: Any) -> dict[str, Any]:
    """Return ``usage`` (``input_tokens``, ``output_tokens``, ``cost_usd``) checked and JSON-safe.

    Token counts must be whole numbers >= 0 and the cost a finite number >= 0 (or None:
    unknown); anything else raises ValueError naming the field and its value.
    """
    if usage is None:
        return {}
    if not isinstance(usage, dict):
        raise ValueError(f"usage must be a dict, not {type(usage).__name__}")
    checked = json_safe(usage)
    for key in ("input_tokens", "output_tokens", "cost_usd"):
        value = usage.get(key)
        if value is None:
            continue
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        whole = key != "cost_usd"
        if number is None or not math.isfinite(number) or number < 0 or (whole and number != int(number)):
            kind = "a whole number" if whole else "a finite number"
            raise ValueError(f"usage {key} is {clean_text(repr(value))[:80]}; expected {kind} >= 0 or None")
        checked[key] = int(number) if whole else float(number)
    return checked
