"""Options shared by ``compare`` and ``gate``: which metrics, how tasks become outcomes, the bootstrap."""

from __future__ import annotations

import argparse

from webbench.core.errors import UsageError
from webbench.report.compare import OUTCOME_RULES, TEST_DESIGNS


def add_paired_options(parser: argparse.ArgumentParser) -> None:
    """Add --metric, --test, --task-outcome, --seed and --resamples to ``parser``."""
    parser.add_argument(
        "--metric",
        action="append",
        metavar="NAME",
        help="metric to compare (repeatable): success_rate or a metric the suite declares",
    )
    parser.add_argument(
        "--test",
        choices=TEST_DESIGNS,
        default="auto",
        help="unit of the paired tests: episode (episodes paired by seed), stratified (episodes "
        "within tasks), task (per-task outcomes); auto (default): episode when the runs share seeds, "
        "else stratified",
    )
    parser.add_argument(
        "--task-outcome",
        choices=OUTCOME_RULES,
        default="majority",
        help="how a task with several episodes counts as a success for --test task and the flipped-task "
        "list (default: majority, i.e. more than half of its episodes succeeded)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the paired bootstrap (default 0)")
    parser.add_argument(
        "--resamples", type=int, default=10_000, help="paired bootstrap resamples (default 10000)"
    )


def check_paired_options(args: argparse.Namespace) -> None:
    """Raise UsageError for option values that make no sense."""
    if args.resamples < 100:
        raise UsageError(f"--resamples {args.resamples}: use at least 100")
