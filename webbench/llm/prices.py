"""Token prices per model, and the cost of a call (None, "unknown", for a model not in the table).

Prices are USD per million tokens, ``{"model": {"input": x, "output": y}}``. Models
match by exact name only: a dated snapshot can cost differently from its alias, so
an unlisted name gives an unknown cost rather than a guess. Users extend or
override the table with a JSON file (``prices=FILE`` agent argument or the
``WEBBENCH_LLM_PRICES`` variable) or inline (``prices={"my-model": {...}}``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from webbench.llm.errors import LLMConfigError

#: Published list prices (USD per 1M tokens, standard tier), as of 2025. Extend, don't trust blindly.
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "gpt-4o": {"input": 2.50, "output": 10.00},
    "gpt-4o-2024-08-06": {"input": 2.50, "output": 10.00},
    "gpt-4o-2024-05-13": {"input": 5.00, "output": 15.00},
    "gpt-4o-mini": {"input": 0.15, "output": 0.60},
    "gpt-4o-mini-2024-07-18": {"input": 0.15, "output": 0.60},
    "gpt-4.1": {"input": 2.00, "output": 8.00},
    "gpt-4.1-mini": {"input": 0.40, "output": 1.60},
    "gpt-4.1-nano": {"input": 0.10, "output": 0.40},
    "gpt-4-turbo": {"input": 10.00, "output": 30.00},
    "gpt-4-1106-preview": {"input": 10.00, "output": 30.00},
    "gpt-4-vision-preview": {"input": 10.00, "output": 30.00},
    "gpt-3.5-turbo-0125": {"input": 0.50, "output": 1.50},
}

PRICES_ENV = "WEBBENCH_LLM_PRICES"


def _validated(table: Any, origin: str) -> dict[str, dict[str, float]]:
    if not isinstance(table, dict):
        raise LLMConfigError(f"{origin}: expected a JSON object {{model: {{input, output}}}}")
    out = {}
    for model, entry in table.items():
        if not isinstance(entry, dict) or not {"input", "output"} <= set(entry):
            raise LLMConfigError(f"{origin}: model {model!r} needs 'input' and 'output' USD per 1M tokens")
        try:
            out[str(model)] = {"input": float(entry["input"]), "output": float(entry["output"])}
        except (TypeError, ValueError) as exc:
            raise LLMConfigError(f"{origin}: model {model!r}: prices must be numbers") from exc
    return out


def _from_file(path: str | Path, origin: str) -> dict[str, dict[str, float]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise LLMConfigError(f"{origin} {path}: cannot read it ({exc.strerror})") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LLMConfigError(f"{origin} {path}: not valid JSON ({exc})") from exc
    return _validated(data, f"{origin} {path}")


def load_prices(extra: str | Path | dict[str, Any] | None = None) -> dict[str, dict[str, float]]:
    """Return the price table: defaults, then ``$WEBBENCH_LLM_PRICES``, then ``extra`` (file or dict)."""
    table = dict(DEFAULT_PRICES)
    env_file = os.environ.get(PRICES_ENV)
    if env_file:
        table.update(_from_file(env_file, PRICES_ENV))
    if isinstance(extra, dict):
        table.update(_validated(extra, "prices"))
    elif extra:
        table.update(_from_file(extra, "prices"))
    return table


def cost_usd(
    prices: dict[str, dict[str, float]], model: str, input_tokens: int, output_tokens: int
) -> float | None:
    """Return the cost in USD of one call, or None when ``model`` has no price."""
    entry = prices.get(model)
    if entry is None:
        return None
    return (input_tokens * entry["input"] + output_tokens * entry["output"]) / 1_000_000
