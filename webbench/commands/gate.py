"""``webbench gate``: fail a CI job (exit 1) when the candidate is significantly worse than the baseline.

Exit 1 when, for some suite and metric, the candidate is worse by more than
--max-drop AND the drop is significant at --alpha, or when baseline tasks are
missing from the candidate (unless --allow-missing); exit 0 otherwise; exit 2 on
usage errors (a missing run, suites that do not overlap, no shared tasks), and with
--require-power when a suite's minimum detectable drop exceeds --max-drop.
``--save-baseline RUN -o FILE`` writes a baseline file to commit instead.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from webbench.commands._paired import add_paired_options, check_paired_options
from webbench.core.errors import UsageError
from webbench.report.compare import compare_runs
from webbench.report.gate import decide, explain, junit_xml, markdown, suite_gate
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
        type=_max_drop,
        default=0.02,
        help="largest tolerated drop, 0 to 1 on the metric's scale (default 0.02 = 2 points of a rate)",
    )
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument(
        "--require-power",
        action="store_true",
        help="exit 2 when a suite's minimum detectable drop (80%% power) exceeds --max-drop",
    )
    p.add_argument(
        "--allow-missing",
        action="store_true",
        help="do not fail when baseline tasks are missing from the candidate (they are still listed)",
    )
    p.add_argument(
        "--junit", type=Path, metavar="FILE", help="write JUnit XML (one case per suite and metric)"
    )
    p.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown summary for a PR comment")
    p.add_argument("--save-baseline", type=Path, metavar="RUN", help="write RUN's baseline file (with -o)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="where --save-baseline writes")
    p.set_defaults(func=main)


def _max_drop(text: str) -> float:
    """Return --max-drop's value; a value that is not a number from 0 to 1 is a usage error."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:  # also rejects NaN
        raise argparse.ArgumentTypeError(f"{text!r}: must be a number from 0 to 1")
    return value


def _check_output(path: Path | None, option: str) -> None:
    """Raise UsageError when ``path`` (an output file) is a folder."""
    if path is not None and path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name")


def _write(path: Path, text: str, option: str) -> None:
    """Write an output file; a failure (permissions, full disk) is one line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write ({exc.strerror or exc})") from exc


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
    tasks = len({(r.suite, r.task_id) for r in run.records})
    print(f"baseline written: {args.output} ({len(run.records)} episodes over {tasks} tasks of {run.agent})")
    return 0


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Run the gate; return 1 on a significant regression or missing tasks, else 0 (see the docstring)."""
    if args.save_baseline is not None:
        return _save_baseline(args)
    if args.baseline is None or args.candidate is None:
        raise UsageError("webbench gate: give --baseline RUN_OR_FILE and --candidate RUN")
    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha {args.alpha:g}: must be between 0 and 1")
    check_paired_options(args)
    _check_output(args.junit, "--junit")
    _check_output(args.markdown, "--markdown")
    base, cand = load_runs([args.baseline, args.candidate])
    comparisons = compare_runs(
        base,
        cand,
        args.metric,
        args.task_outcome,
        args.seed,
        args.resamples,
        default_metrics=True,
        test=args.test,
    )
    suites = [
        suite_gate(comp, args.max_drop, args.alpha, args.task_outcome, args.seed, args.allow_missing)
        for comp in comparisons
    ]
    checks = [decide(m, args.max_drop, args.alpha) for comp in comparisons for m in comp.metrics]
    paragraph = explain(checks, base, cand, suites)
    if args.junit:
        _write(args.junit, junit_xml(checks, paragraph, suites, args.require_power), "--junit")
    if args.markdown:
        _write(args.markdown, markdown(checks, suites, paragraph), "--markdown")
    print(paragraph)
    if args.require_power and any(g.underpowered for g in suites):
        weak = ", ".join(g.comparison.suite for g in suites if g.underpowered)
        raise UsageError(f"--require-power: the gate is underpowered on {weak} (see the paragraph above)")
    return 1 if any(c.failed for c in checks) or any(g.failed for g in suites) else 0
