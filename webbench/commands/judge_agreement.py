"""``webbench judge-agreement RUN_DIR --labels FILE``: how the run's auto judge agrees with people.

The judge's verdict of an episode is its ``success`` metric (see ``report.agreement.judge_pairs``);
the people's is the labels file's ``human_success`` for the same ``task_id`` and ``episode``.
Prints Cohen's kappa with a 95 % bootstrap interval, the raw agreement and the confusion matrix,
over the labelled episodes.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from webbench.core.errors import UsageError
from webbench.report.agreement import agreement, figure, judge_pairs, read_labels
from webbench.report.runs import load_run


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``judge-agreement`` to the sub-commands."""
    p = sub.add_parser(
        "judge-agreement",
        help="agreement (Cohen's kappa) of a run's judge with human labels",
        description=__doc__,
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    p.add_argument(
        "--labels", type=Path, required=True, help="CSV or JSONL of task_id, episode, human_success"
    )
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.set_defaults(func=main)


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Print the agreement of the run's judge verdicts with the labels."""
    labels = read_labels(args.labels)
    pairs = judge_pairs(load_run(args.run_dir).records, labels)
    if not pairs:
        raise UsageError(f"--labels {args.labels}: no label names an episode of {args.run_dir}")
    result = agreement(pairs)
    unmatched = len(labels) - len(pairs)
    if args.json:
        print(json.dumps({**asdict(result), "labels_without_episode": unmatched}))
        return 0
    low, high = result.interval or (None, None)
    print(f"episodes labelled: {result.n} (labels naming no episode of the run: {unmatched})")
    print(f"Cohen's kappa: {figure(result.kappa)} (95% bootstrap interval {figure(low)} .. {figure(high)})")
    print(f"raw agreement: {figure(result.raw)}")
    print("confusion matrix (rows: judge, columns: people):")
    print("                 people yes  people no")
    print(f"  judge yes      {result.both:>10}  {result.judge_only:>9}")
    print(f"  judge no       {result.human_only:>10}  {result.neither:>9}")
    return 0
