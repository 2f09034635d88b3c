"""``webbench list [SUITE]``: the suites, or one suite's tasks and subsets."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from webbench.core.suite import get_suite, suite_names


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``list`` to the sub-commands."""
    p = sub.add_parser("list", help="list suites, or the tasks of one suite", description=__doc__)
    p.add_argument("suite", nargs="?", help="a suite name")
    p.add_argument("--split", help="the split whose tasks to list")
    p.add_argument("--data", help="a local copy of the suite's data")
    p.set_defaults(func=main)


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Print the suites table, or the tasks of ``args.suite``."""
    from webbench.run.evaluate import EvalConfig, load_selected_tasks

    console = Console()
    if args.suite is None:
        table = Table(title="suites")
        for column in ("suite", "kind", "splits", "headline", "description"):
            table.add_column(column)
        for name in suite_names():
            suite = get_suite(name)
            headline = next((m.name for m in suite.metrics if m.headline), "-")
            table.add_row(
                name,
                suite.kind,
                ", ".join(suite.splits()) or "-",
                headline,
                suite.description,
            )
        console.print(table)
        return 0
    suite = get_suite(args.suite)
    config = EvalConfig(suite=suite.name, agent="", split=args.split, data=args.data)
    tasks = load_selected_tasks(suite, config)
    table = Table(title=f"{suite.name}: {len(tasks)} tasks")
    table.add_column("task")
    table.add_column("goal")
    for task in tasks:
        table.add_row(task.id, task.goal)
    console.print(table)
    for name, ids in suite.subsets(tasks).items():
        console.print(f"subset [bold]{name}[/bold] ({len(ids)} tasks): --subset {name}")
    return 0
