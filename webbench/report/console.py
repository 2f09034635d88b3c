"""Rich tables for the terminal: the summary of a run."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def summary_tables(summary: dict[str, Any]) -> list[Table]:
    """Return one table per suite of a ``summary.json``: success rate, CI, metrics, statuses."""
    tables = []
    for suite, data in summary.get("suites", {}).items():
        table = Table(title=f"{suite}: {data['n']} episodes over {data['tasks']} tasks", title_justify="left")
        table.add_column("metric")
        table.add_column("value", justify="right")
        rate = data.get("success_rate")
        low, high = data.get("success_rate_ci95", [None, None])
        table.add_row(
            "[bold]success rate[/bold]",
            f"[bold]{rate:.1%}[/bold] (95% CI {low:.1%}-{high:.1%})" if rate is not None else "-",
        )
        headline = data.get("headline")
        for name, value in data.get("metrics", {}).items():
            label = f"{name} (headline)" if name == headline else name
            table.add_row(label, _fmt(value))
        table.add_row("mean steps", _fmt(data.get("mean_steps")))
        table.add_row("mean duration (s)", _fmt(data.get("mean_duration_s")))
        usage = data.get("usage") or {}
        if usage.get("input_tokens") or usage.get("output_tokens"):
            table.add_row("tokens in / out", f"{usage['input_tokens']} / {usage['output_tokens']}")
            cost = usage.get("cost_usd")
            table.add_row("cost (USD)", "unknown" if cost is None else f"{cost:.4f}")
        counts = data.get("status_counts", {})
        table.add_row("status", ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "-")
        for note in data.get("notes", []):
            table.add_row("note", note)
        tables.append(table)
    return tables


def print_summary(summary: dict[str, Any], console: Console | None = None) -> None:
    """Print the summary tables of a run."""
    console = console or Console()
    for table in summary_tables(summary):
        console.print(table)
