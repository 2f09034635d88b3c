"""``webbench report RUN_DIR... -o report.html``: one self-contained HTML leaderboard over any runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from webbench.core.errors import UsageError
from webbench.report.agreement import read_labels
from webbench.report.html import ScreenshotPolicy, render_report
from webbench.report.published import DEFAULT_PATH, load_published
from webbench.report.runs import load_runs


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``report`` to the sub-commands."""
    p = sub.add_parser("report", help="write an HTML leaderboard of runs", description=__doc__)
    p.add_argument("runs", type=Path, nargs="+", metavar="RUN_DIR", help="run folders (or baseline files)")
    p.add_argument(
        "-o", "--output", type=Path, default=Path("report.html"), help="HTML file (default report.html)"
    )
    p.add_argument(
        "--published",
        type=Path,
        help="published numbers to show as reference rows (default: the file shipped with webbench)",
    )
    p.add_argument("--no-published", action="store_true", help="show no published reference rows")
    p.add_argument(
        "--inline-screenshots",
        action="store_true",
        help="embed screenshots in the file (up to --inline-cap-mb) instead of linking them",
    )
    p.add_argument(
        "--inline-cap-mb", type=float, default=10.0, help="cap of inlined screenshots, MB (default 10)"
    )
    p.add_argument("--title", default="webbench report", help="page title")
    p.add_argument(
        "--labels",
        type=Path,
        help="human labels (CSV or JSONL of task_id, episode, human_success): notes kappa",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Write the report; exit 0."""
    if args.output.is_dir():
        raise UsageError(
            f"-o {args.output}: is a folder; give the report's file name (e.g. {args.output / 'report.html'})"
        )
    if args.inline_cap_mb < 0:
        raise UsageError(f"--inline-cap-mb {args.inline_cap_mb:g}: must be >= 0")
    runs = load_runs(args.runs)
    if not any(run.records for run in runs):
        raise UsageError("webbench report: the runs hold no finished episode")
    published = []
    if not args.no_published:
        path = args.published or DEFAULT_PATH
        if args.published is not None or path.is_file():
            published = load_published(path)
    policy = ScreenshotPolicy(args.inline_screenshots, int(args.inline_cap_mb * 1_000_000))
    labels = read_labels(args.labels) if args.labels else None
    html = render_report(runs, args.output, published, policy, args.title, labels)
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"-o {args.output}: cannot write the report ({exc.strerror or exc})") from exc
    episodes = sum(len(run.records) for run in runs)
    print(f"report written: {args.output} ({episodes} episodes, {len(html.encode()) / 1e6:.1f} MB)")
    return 0
