"""``webbench gate``: fail a CI job (exit 1) when the candidate is significantly worse than the baseline.

Exit 1 when, for some suite and metric, the candidate is worse by more than
--max-drop AND the drop is significant at --alpha; exit 0 otherwise; exit 2 on
usage errors (a missing run, suites that do not overlap, no shared tasks).
``--save-baseline RUN -o FILE`` writes a baseline file to commit instead.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from webbench.commands._paired import add_paired_options, check_paired_options
from webbench.core.errors import UsageError
from webbench.report.compare import compare_runs
from webbench.report.gate import decide, explain, junit_xml, markdown
from webbench.report.runs import baseline_dict, load_run, load_runs


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``gate`` to the sub-commands."""
    p = sub.add_parser(
        "gate",
        help="exit 1 when a candidate run is significantly worse than a baseline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--baseline", type=Path, metavar="RUN_OR_FILE", help="run folder or baseline file")
    p.add_argument("--candidate", type=Path, metavar="RUN", help="run folder (or baseline file)")
    add_paired_options(p)
    p.add_argument(
        "--max-drop",
        type=float,
        default=0.02,
        help="largest tolerated drop, on the metric's scale (default 0.02 = 2 points of a rate)",
    )
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument(
        "--junit", type=Path, metavar="FILE", help="write JUnit XML (one case per suite and metric)"
    )
    p.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown summary for a PR comment")
    p.add_argument("--save-baseline", type=Path, metavar="RUN", help="write RUN's baseline file (with -o)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="where --save-baseline writes")
    p.set_defaults(func=main)


def _save_baseline(args: argparse.Namespace) -> int:
    if args.output is None:
        raise UsageError("webbench gate --save-baseline RUN needs -o FILE")
    if args.baseline or args.candidate:
        raise UsageError("webbench gate: --save-baseline does not take --baseline/--candidate")
    run = load_run(args.save_baseline)
    if not run.records:
        raise UsageError(f"{args.save_baseline}: the run has no finished episode")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(baseline_dict(run), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    tasks = len({(r["suite"], r["task_id"]) for r in run.records})
    print(f"baseline written: {args.output} ({len(run.records)} episodes over {tasks} tasks of {run.agent})")
    return 0


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Run the gate; return 1 on a significant regression, else 0."""
    if args.save_baseline is not None:
        return _save_baseline(args)
    if args.baseline is None or args.candidate is None:
        raise UsageError("webbench gate: give --baseline RUN_OR_FILE and --candidate RUN")
    if args.max_drop < 0:
        raise UsageError(f"--max-drop {args.max_drop:g}: must be >= 0")
    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha {args.alpha:g}: must be between 0 and 1")
    check_paired_options(args)
    base, cand = load_runs([args.baseline, args.candidate])
    comparisons = compare_runs(
        base, cand, args.metric, args.task_outcome, args.seed, args.resamples, default_metrics=True
    )
    checks = [decide(m, args.max_drop, args.alpha) for comp in comparisons for m in comp.metrics]
    paragraph = explain(checks, base, cand)
    print(paragraph)
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(junit_xml(checks, paragraph), encoding="utf-8")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown(checks, comparisons, paragraph), encoding="utf-8")
    return 1 if any(c.failed for c in checks) else 0
