"""``webbench compare BASE_RUN CAND_RUN``: each metric's change on the shared tasks, with paired tests."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from webbench.commands._paired import add_paired_options, check_paired_options
from webbench.report.compare import compare_runs
from webbench.report.console import comparison_tables
from webbench.report.runs import load_runs


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``compare`` to the sub-commands."""
    p = sub.add_parser("compare", help="compare two runs task by task", description=__doc__)
    p.add_argument("base", type=Path, metavar="BASE_RUN", help="run folder or baseline file")
    p.add_argument("cand", type=Path, metavar="CAND_RUN", help="run folder or baseline file")
    add_paired_options(p)
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(func=main)


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Print the comparison (rich tables or JSON); exit 0."""
    check_paired_options(args)
    base, cand = load_runs([args.base, args.cand])
    comparisons = compare_runs(
        base, cand, args.metric, args.task_outcome, args.seed, args.resamples, test=args.test
    )
    if args.json:
        payload = {
            "baseline": {"path": str(base.path), "run_id": base.run_id, "agent": base.agent},
            "candidate": {"path": str(cand.path), "run_id": cand.run_id, "agent": cand.agent},
            "task_outcome": args.task_outcome,
            "suites": [c.to_dict() for c in comparisons],
        }
        print(json.dumps(payload, indent=2))
        return 0
    console = Console()
    for table in comparison_tables(comparisons, base.label, cand.label):
        console.print(table)
    return 0
