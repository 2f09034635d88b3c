"""``webbench rescore RUN_DIR``: score a finished run again from its recorded outputs (answers,
URLs, HAR files) with the current judge settings, into a new run folder; RUN_DIR is only read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from webbench.report.console import print_summary
from webbench.run.rescore import rescore_run


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``rescore`` to the sub-commands."""
    p = sub.add_parser("rescore", help="score a run again from its recorded outputs", description=__doc__)
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    p.add_argument("--out", type=Path, help="parent folder of the new run folder (default: RUN_DIR's parent)")
    p.add_argument("--run-id", help="name of the new run folder (default: <RUN_DIR's name>.rescored)")
    p.add_argument("--judge-model", help="model of the LLM judges (default: the run's)")
    p.add_argument("--judge-base-url", help="OpenAI-compatible endpoint of the judges (default: the run's)")
    p.add_argument("--judge-prompts", metavar="FILE", help="JSON file of judge prompts (docs/llm.md)")
    p.add_argument("--llm-cache", metavar="PATH", help="SQLite cache of LLM responses")
    p.add_argument("--llm-cache-mode", choices=("rw", "replay", "off"), help="rw (default), replay or off")
    p.set_defaults(func=main)


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Re-score the run, print the new summary, the episodes not re-scored and the new folder; exit 0."""
    judges = {
        "judge_model": args.judge_model,
        "judge_base_url": args.judge_base_url,
        "judge_prompts": args.judge_prompts,
        "llm_cache": args.llm_cache,
        "llm_cache_mode": args.llm_cache_mode,
    }
    result = rescore_run(args.run_dir, args.out, args.run_id, judges)
    print_summary(result.summary, Console())
    for task_id, episode, reason in result.not_rescored:
        print(f"not re-scored: task {task_id} episode {episode} ({reason})", file=sys.stderr)
    rescored = result.summary["rescore"]["rescored"]
    print(f"re-scored {rescored} episodes, {len(result.not_rescored)} not; run folder: {result.store.path}")
    return 0
