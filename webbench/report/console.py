"""Rich tables for the terminal: the summary of a run, and the comparison of two runs."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from webbench.report.compare import SuiteComparison

#: How the console names each ``success_rate_ci95_method`` of a summary.
CI_METHODS = {"wilson": "Wilson", "cluster-bootstrap": "bootstrap over tasks"}


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
        method = CI_METHODS[data["success_rate_ci95_method"]]
        table.add_row(
            "[bold]success rate[/bold]",
            f"[bold]{rate:.1%}[/bold] (95% CI {low:.1%}-{high:.1%}, {method})" if rate is not None else "-",
        )
        headline = data.get("headline")
        for name, value in data.get("metrics", {}).items():
            label = f"{name} (headline)" if name == headline else name
            table.add_row(label, _fmt(value))
            for field, values in data.get("breakdowns", {}).get(name, {}).items():
                by = field.rsplit(".", 1)[-1]
                shown = ", ".join(f"{escape(group)} {_fmt(v)}" for group, v in values.items())
                table.add_row(f"  {name} by {by}", shown or "-")
        table.add_row("mean steps", _fmt(data.get("mean_steps")))
        table.add_row("mean duration (s)", _fmt(data.get("mean_duration_s")))
        usage = data.get("usage") or {}
        if usage.get("input_tokens") or usage.get("output_tokens"):
            table.add_row("tokens in / out", f"{usage['input_tokens']} / {usage['output_tokens']}")
            cost = usage.get("cost_usd")
            table.add_row("cost (USD)", "unknown" if cost is None else f"{cost:.4f}")
        counts = data.get("status_counts", {})
        table.add_row("status", ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "-")
        table.add_row("ended not ok", f"{data['not_ok']} of {data['n']}")
        for note in data.get("notes", []):
            table.add_row("note", note)
        tables.append(table)
    return tables


def print_summary(summary: dict[str, Any], console: Console | None = None) -> None:
    """Print the summary tables of a run."""
    console = console or Console()
    for table in summary_tables(summary):
        console.print(table)


def comparison_tables(comparisons: list[SuiteComparison], base_label: str, cand_label: str) -> list[Table]:
    """Return one table per suite of a paired comparison: values, change, interval, test, flipped tasks."""
    from webbench.report.gate import fmt_delta, fmt_p, fmt_value

    tables = []
    for comp in comparisons:
        table = Table(
            title=f"{comp.suite}: {base_label} (baseline) vs {cand_label} (candidate), "
            f"{len(comp.shared)} shared tasks",
            title_justify="left",
            caption=_flip_caption(comp),
            caption_justify="left",
        )
        for column in ("metric", "baseline", "candidate", "change", "95% interval", "test (two-sided)"):
            table.add_column(column, justify="left" if column in ("metric", "test (two-sided)") else "right")
        for m in comp.metrics:
            colour = "green" if (m.drop or 0) < 0 else "red" if (m.drop or 0) > 0 else ""
            change = fmt_delta(m.metric, m.delta)
            table.add_row(
                m.metric,
                fmt_value(m.metric, m.base),
                fmt_value(m.metric, m.cand),
                f"[{colour}]{change}[/{colour}]" if colour else change,
                f"{fmt_delta(m.metric, m.low)} to {fmt_delta(m.metric, m.high)}",
                f"{m.test} {fmt_p(m.p_two_sided)}",
            )
        tables.append(table)
    return tables


def _flip_caption(comp: SuiteComparison, limit: int = 20) -> str:
    def listed(tasks: list[str]) -> str:
        shown = ", ".join(escape(t) for t in tasks[:limit])
        return shown + (f" ... (+{len(tasks) - limit})" if len(tasks) > limit else "") if tasks else "none"

    lines = [
        f"success -> failure ({len(comp.broken)}): {listed(comp.broken)}",
        f"failure -> success ({len(comp.fixed)}): {listed(comp.fixed)}",
    ]
    if comp.base_only_tasks or comp.cand_only_tasks:
        lines.append(
            f"not compared: {len(comp.base_only_tasks)} task(s) only in the baseline, "
            f"{len(comp.cand_only_tasks)} only in the candidate"
        )
    return "\n".join(lines)
