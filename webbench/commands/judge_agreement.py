"""``webbench judge-agreement RUN_DIR --labels FILE``: how far a run's judge agrees with people.

The labels file (CSV with a header, or JSON lines) has ``task_id``, ``episode`` and
``human_success`` per row. Prints Cohen's kappa with a bootstrap interval, the raw agreement and
the confusion matrix between the judge's verdicts (the records' ``success``) and the labels.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from rich.console import Console
from rich.table import Table

from webbench.report.agreement import Agreement, agreement, read_labels
from webbench.report.runs import load_run


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``judge-agreement`` to the sub-commands."""
    p = sub.add_parser(
        "judge-agreement", help="Cohen's kappa between a run's judge and human labels", description=__doc__
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="run folder or baseline file")
    p.add_argument("--labels", type=Path, required=True, metavar="FILE", help="CSV or JSONL human labels")
    p.add_argument("--suite", help="only this suite's episodes (default: all in the run)")
    p.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples for kappa's interval")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=main)


def _number(value: float) -> str:
    return "undefined" if math.isnan(value) else f"{value:.3f}"


def print_agreement(result: Agreement, console: Console) -> None:
    """Print kappa, raw agreement, the confusion matrix and the unmatched counts."""
    table = result.table
    low, high = result.interval
    console.print(
        f"Cohen's kappa {_number(table.kappa)} (95% bootstrap interval {_number(low)} .. {_number(high)}), "
        f"raw agreement {_number(table.observed)}, n={table.n}"
    )
    grid = Table(title="judge (rows) vs people (columns)")
    grid.add_column("")
    grid.add_column("human success", justify="right")
    grid.add_column("human failure", justify="right")
    grid.add_row("judge success", str(table.both), str(table.judge_only))
    grid.add_row("judge failure", str(table.human_only), str(table.neither))
    console.print(grid)
    for count, what in (
        (result.not_scored, "labelled episodes not scored (not ok: blocked, crashed)"),
        (result.unlabelled, "episodes without a label"),
        (result.unmatched_labels, "labels with no episode in the run"),
    ):
        if count:
            console.print(f"{count} {what}")


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Print the agreement of the run's judge with the labels; exit 0."""
    labels = read_labels(args.labels)
    run = load_run(args.run_dir)
    records = [r for r in run.records if args.suite is None or r.suite == args.suite]
    result = agreement(records, labels, resamples=args.resamples, seed=args.seed)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print_agreement(result, Console())
    return 0
