"""Token usage and cost: how the usage of calls, steps and episodes adds up."""

from __future__ import annotations

from typing import Any


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
