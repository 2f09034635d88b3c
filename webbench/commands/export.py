"""``webbench export RUN_DIR... --format sft|rft|dpo -o FILE.jsonl``: training data from runs.

``sft``: one chat conversation per episode (ReAct: thought and action as the assistant's
turns, observations as the user's); ``rft``: the successful episodes only, at most
``--per-task`` per task, with pass@k; ``dpo``: a successful and a failed episode of the same
task instance as prompt / chosen / rejected. See docs/export.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from webbench.core.errors import UsageError
from webbench.export.chat import (
    OBSERVATION_MODES,
    ChatOptions,
    conversation,
    sft_record,
)
from webbench.export.chat import metadata as episode_metadata
from webbench.export.episodes import ExportEpisode, load_episodes
from webbench.export.filters import FilterSpec, apply_filters, parse_filter
from webbench.export.sampling import dpo_pairs, pass_fields, rft_select, rft_summary, task_stats
from webbench.llm.errors import LLMError

FORMATS = ("sft", "rft", "dpo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``export`` to the sub-commands."""
    p = sub.add_parser("export", help="write training data (JSON lines) from runs", description=__doc__)
    p.add_argument("runs", type=Path, nargs="+", metavar="RUN_DIR", help="run folders")
    p.add_argument("--format", required=True, choices=FORMATS, help="sft, rft or dpo")
    p.add_argument("-o", "--output", type=Path, required=True, help="the JSON-lines file to write")
    p.add_argument(
        "--observation",
        choices=OBSERVATION_MODES,
        default="text",
        help="text: show each observation's page text (default); none: URL and errors only",
    )
    p.add_argument("--max-obs-chars", type=int, help="cut each observation's page text to N characters")
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME",
        help="valid, correct, single-action, no-repeat or max-steps=N (repeatable, applied in order)",
    )
    p.add_argument(
        "--max-repeat", type=int, default=3, help="no-repeat: an action N times in a row (default 3)"
    )
    p.add_argument(
        "--per-task", type=int, default=1, help="rft: successful episodes kept per task (default 1)"
    )
    p.add_argument("--pairs-per-task", type=int, default=1, help="dpo: pairs per task (default 1)")
    p.add_argument("--no-metadata", action="store_true", help="write no metadata (sft/rft: OpenAI's format)")
    p.add_argument("--judge-model", help="correct: re-judge answers with this LLM (WebVoyager's judge)")
    p.add_argument(
        "--judge-base-url", help="OpenAI-compatible endpoint of the judge (default: OPENAI_BASE_URL)"
    )
    p.add_argument("--llm-cache", type=Path, metavar="PATH", help="SQLite cache of the judge's responses")
    p.add_argument("--llm-cache-mode", choices=("rw", "replay", "off"), default="rw", help="as for eval")
    p.set_defaults(func=main)


def _check_args(args: argparse.Namespace, filters: list[FilterSpec]) -> None:
    """Raise a usage error naming the first option that cannot be used."""
    if args.output.is_dir():
        raise UsageError(
            f"-o {args.output}: is a folder; give the file to write (e.g. {args.output / 'data.jsonl'})"
        )
    for option, value in (
        ("--max-obs-chars", args.max_obs_chars),
        ("--max-repeat", args.max_repeat),
        ("--per-task", args.per_task),
        ("--pairs-per-task", args.pairs_per_task),
    ):
        if value is not None and value < 1:
            raise UsageError(f"{option} {value}: must be at least 1")
    names = {spec.name for spec in filters}
    if args.format == "dpo" and "correct" in names:
        raise UsageError("--filter correct with --format dpo: it removes every failed episode dpo pairs with")
    if args.judge_model and "correct" not in names:
        raise UsageError("--judge-model: only the correct filter uses a judge; add --filter correct")


def _load(paths: list[Path], observation: str) -> list[ExportEpisode]:
    """Return every run's episodes; a usage error names a run with none, or without observation text."""
    episodes = []
    for path in paths:
        run = load_episodes(path)
        if not run:
            raise UsageError(f"{path}: the run holds no finished episode to export")
        if observation == "text" and not all(s.has_text for e in run for s in e.steps):
            raise UsageError(
                f"{path}: its trajectories hold no observation text (recorded by an older webbench); "
                "export it with --observation none, or run it again with this webbench's 'webbench eval', "
                "which keeps each step's observation text"
            )
        episodes += run
    return episodes


def _rft_lines(
    episodes: list[ExportEpisode], kept: list[ExportEpisode], args: argparse.Namespace, options: ChatOptions
) -> list[dict[str, Any]]:
    stats = task_stats(episodes)
    chosen = rft_select(kept, args.per_task)
    print(rft_summary(stats, len(chosen), args.per_task), file=sys.stderr)
    lines = []
    for episode in chosen:
        line = sft_record(episode, options, with_metadata=not args.no_metadata)
        if "metadata" in line:
            line["metadata"].update(pass_fields(stats[episode.task_key]))
        lines.append(line)
    return lines


def _dpo_lines(
    kept: list[ExportEpisode], args: argparse.Namespace, options: ChatOptions
) -> list[dict[str, Any]]:
    pairs, unpaired = dpo_pairs([(e, conversation(e, options)) for e in kept], args.pairs_per_task)
    note = (
        f"; {unpaired} tasks with successes and failures share no prompt (task instance)" if unpaired else ""
    )
    print(f"dpo: {len(pairs)} pairs (at most {args.pairs_per_task} per task){note}", file=sys.stderr)
    lines = []
    for chosen_episode, rejected_episode, prompt, chosen, rejected in pairs:
        line: dict[str, Any] = {"prompt": prompt, "chosen": chosen, "rejected": rejected}
        if not args.no_metadata:
            line["metadata"] = {
                "chosen": episode_metadata(chosen_episode),
                "rejected": episode_metadata(rejected_episode),
            }
        lines.append(line)
    return lines


def _write_jsonl(path: Path, lines: list[dict[str, Any]]) -> None:
    """Write ``lines`` as JSON lines to ``path`` (atomically: a partial file never replaces it)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"-o {path}: cannot write ({exc.strerror or exc})") from exc


def _filtered(episodes: list[ExportEpisode], args: argparse.Namespace, filters: list[FilterSpec]):
    """Return the episodes with steps that pass the filters; print what each removed."""
    with_steps = [e for e in episodes if e.steps]
    if len(with_steps) < len(episodes):
        print(f"{len(episodes) - len(with_steps)} episodes without steps left out", file=sys.stderr)
    judge = None
    if args.judge_model:
        from webbench.export.judging import answer_judge

        judge = answer_judge(args.judge_model, args.judge_base_url, args.llm_cache, args.llm_cache_mode)
    try:
        kept, removed = apply_filters(with_steps, filters, args.max_repeat, judge)
    finally:
        if judge is not None:
            judge.close()
    for label, count in removed:
        print(f"filter {label}: removed {count} episodes", file=sys.stderr)
    return kept


def main(args: argparse.Namespace, _extra: list[str]) -> int:
    """Write the export; exit 0 (1 when the judge's endpoint failed: nothing is written)."""
    filters = [parse_filter(text) for text in args.filter]
    _check_args(args, filters)
    options = ChatOptions(args.observation, args.max_obs_chars)
    episodes = _load(args.runs, args.observation)
    try:
        kept = _filtered(episodes, args, filters)
    except LLMError as exc:
        print(f"webbench: error: --judge-model {args.judge_model}: the judge failed: {exc}", file=sys.stderr)
        return 1
    if args.format == "sft":
        lines = [sft_record(e, options, with_metadata=not args.no_metadata) for e in kept]
    elif args.format == "rft":
        lines = _rft_lines(episodes, kept, args, options)
    else:
        lines = _dpo_lines(kept, args, options)
    _write_jsonl(args.output, lines)
    print(f"export written: {args.output} ({len(lines)} {args.format} records from {len(episodes)} episodes)")
    return 0
