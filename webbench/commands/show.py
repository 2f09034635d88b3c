"""``webbench show RUN_DIR``: the summary table of a run."""

from __future__ import annotations

import argparse
from pathlib import Path

from webbench.report.console import print_summary
from webbench.run.evaluate import compute_summary
from webbench.run.store import RunStore


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``show`` to the sub-commands."""
    p = sub.add_parser("show", help="print the summary table of a run", description=__doc__)
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    p.set_defaults(func=main)


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Print the run's summary, recomputed from its episodes (never stale); nothing is written,
    so a read-only run folder, or one being written, can be shown."""
    print_summary(compute_summary(RunStore.open(args.run_dir)))
    return 0
