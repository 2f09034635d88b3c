"""``webbench eval``: run an agent on a suite and write the run folder."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from webbench.core.agent import parse_agent_args
from webbench.core.errors import UsageError
from webbench.core.record import EpisodeRecord
from webbench.core.suite import Suite, get_suite
from webbench.report.console import print_summary
from webbench.run.evaluate import BACKENDS, EvalConfig, check_timeout, prepare, prepare_resume, run, run_notes
from webbench.run.pool import CircuitOpen, WorkerStartError
from webbench.run.store import RETRYABLE, RunStore, StoreWriteError


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``eval`` to the sub-commands."""
    p = sub.add_parser("eval", help="run an agent on a suite", description=__doc__)
    p.add_argument("--suite", help="suite name (see 'webbench list')")
    p.add_argument("--split", help="the suite's split (default: its first)")
    p.add_argument("--tasks", help="comma-separated task ids")
    p.add_argument("--subset", help="a named task subset (webbench/tasks/<suite>/<name>.txt)")
    p.add_argument("--episodes", type=int, default=None, help="episodes per task (default 1)")
    p.add_argument("--seed", type=int, default=None, help="base seed (default 0)")
    p.add_argument("--agent", help="module:Class, path/file.py:Class or random|oracle|scripted|llm")
    p.add_argument(
        "--agent-arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="constructor argument (repeatable; value parsed as JSON when it parses)",
    )
    p.add_argument("--workers", type=int, help="episodes run at once, one process each (default 1)")
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        help="where the episodes run: local worker processes (default) or Ray actors (docs/ray.md)",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="with --backend ray: the cluster to join (auto: the one running here; default RAY_ADDRESS, "
        "else a Ray head of the run's own on 127.0.0.1)",
    )
    p.add_argument("--ray-worker-cpus", type=float, help="with --backend ray: CPUs per actor (default 1)")
    p.add_argument("--out", type=Path, help="parent folder of run folders (default runs)")
    p.add_argument("--run-id", help="name of the run folder (default: suite-agent-time)")
    p.add_argument("--resume", type=Path, metavar="RUN_DIR", help="run only the episodes RUN_DIR lacks")
    p.add_argument(
        "--retry",
        metavar="STATUS[,STATUS]",
        help="with --resume: also re-run the episodes whose last record is env_error and/or timeout "
        "(the old record stays as history; agent_error is never retried)",
    )
    p.add_argument("--max-steps", type=int, help="step limit per episode (default: the suite's)")
    p.add_argument("--step-timeout", type=float, help="seconds per agent call (default 120; 0: none)")
    p.add_argument("--episode-timeout", type=float, help="seconds per episode (default 900; 0: none)")
    p.add_argument(
        "--screenshots",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="give the agent PNG screenshots and keep them (default: the suite's; on for live suites)",
    )
    p.add_argument(
        "--screenshot-max-width",
        type=int,
        metavar="PX",
        help="screenshots kept wider than this are downscaled (JPEG) in the run folder (default 1280)",
    )
    p.add_argument(
        "--screenshot-budget-mb",
        type=float,
        metavar="MB",
        help="bytes of screenshots a run keeps at most (default 2000); past it, steps keep none",
    )
    p.add_argument("--data", help="a local copy of the suite's data")
    p.add_argument("--llm-cache", metavar="PATH", help="SQLite cache of LLM responses (agent and judges)")
    p.add_argument(
        "--llm-cache-mode",
        choices=("rw", "replay", "off"),
        help="rw: read and record (default); replay: cache only, a miss fails the call; off: no cache",
    )
    p.add_argument("--judge-model", help="model of the LLM judges (default: the benchmark's official one)")
    p.add_argument(
        "--judge-base-url", help="OpenAI-compatible endpoint of the judges (default: OPENAI_BASE_URL)"
    )
    p.add_argument(
        "--judge-prompts",
        metavar="FILE",
        help="JSON file of judge prompt templates replacing webbench's wording (see docs/llm.md)",
    )
    p.set_defaults(func=main, accepts_extra=True)


def _suite_options(suite: Suite, extra: list[str]) -> dict[str, Any]:
    """Parse the options the suite declares out of ``extra`` (anything else is an error)."""
    from webbench.cli import OneLineParser

    parser = OneLineParser(prog=f"webbench eval --suite {suite.name}", add_help=False)
    for option in suite.options:
        parser.add_argument(f"--{option.name}", type=option.type, default=option.default, help=option.help)
    values, unknown = parser.parse_known_args(extra)
    if unknown:
        raise UsageError(f"webbench eval: unrecognized arguments: {' '.join(unknown)}")
    return {k: v for k, v in vars(values).items() if v is not None}


def _runtime(args: argparse.Namespace) -> dict[str, Any]:
    """Return the runtime options the user gave (a resume may change them; see RUNTIME)."""
    given = _llm_runtime(args)
    for name in ("workers", "backend", "ray_address", "ray_worker_cpus"):
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    if args.backend == "local" and args.ray_address is None:
        given["ray_address"] = None  # a resume on this machine forgets the run's cluster
    for name in ("step_timeout", "episode_timeout"):
        if getattr(args, name) is not None:
            given[name] = check_timeout("--" + name.replace("_", "-"), getattr(args, name))
    for name in ("screenshot_max_width", "screenshot_budget_mb"):
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    return given


def _llm_runtime(args: argparse.Namespace) -> dict[str, Any]:
    """Return the LLM cache and judge endpoint options the user gave (a resume may change them)."""
    given = {
        "llm_cache": args.llm_cache,
        "llm_cache_mode": args.llm_cache_mode,
        "judge_base_url": args.judge_base_url,
    }
    return {k: v for k, v in given.items() if v is not None}


def _given(args: argparse.Namespace, extra: list[str]) -> dict[str, Any]:
    """Return the run-defining options the user gave explicitly (for --resume checks)."""
    given: dict[str, Any] = {
        "suite": args.suite,
        "agent": args.agent,
        "split": args.split,
        "task_ids": _task_ids(args.tasks),
        "subset": args.subset,
        "episodes": args.episodes,
        "seed": args.seed,
        "max_steps": args.max_steps,
        "screenshots": args.screenshots,
        "data": args.data,
        "judge_model": args.judge_model,
        "judge_prompts": args.judge_prompts,
        "agent_args": parse_agent_args(args.agent_arg) or None,
    }
    given = {k: v for k, v in given.items() if v is not None}
    if args.suite:
        options = _suite_options(get_suite(args.suite), extra)
        if options:
            given["suite_options"] = options
    elif extra:
        raise UsageError(f"webbench eval: unrecognized arguments: {' '.join(extra)}")
    return given


def _task_ids(tasks: str | None) -> list[str] | None:
    """Return the ids of ``--tasks`` (an empty list when it names none), None when not given."""
    return None if tasks is None else [t.strip() for t in tasks.split(",") if t.strip()]


def _check_resume_folder(args: argparse.Namespace) -> None:
    """Refuse --out/--run-id that name another folder than --resume RUN_DIR."""
    if args.run_id is not None and args.run_id != args.resume.name:
        raise UsageError(f"--run-id {args.run_id}: differs from the resumed run folder {args.resume}")
    if args.out is not None and args.out.resolve() != args.resume.resolve().parent:
        raise UsageError(f"--out {args.out}: differs from the parent of the resumed run folder {args.resume}")


def _config(args: argparse.Namespace, extra: list[str]) -> EvalConfig:
    if not args.suite:
        raise UsageError("webbench eval: --suite is required (see 'webbench list')")
    if not args.agent:
        raise UsageError("webbench eval: --agent is required (e.g. --agent scripted)")
    if args.tasks is not None and args.subset:
        raise UsageError("webbench eval: give --tasks or --subset, not both")
    suite = get_suite(args.suite)
    return EvalConfig(
        suite=suite.name,
        agent=args.agent,
        split=args.split,
        task_ids=_task_ids(args.tasks),
        subset=args.subset,
        episodes=args.episodes if args.episodes is not None else 1,
        seed=args.seed if args.seed is not None else 0,
        max_steps=args.max_steps,
        screenshots=suite.default_screenshots if args.screenshots is None else args.screenshots,
        data=args.data,
        suite_options=_suite_options(suite, extra),
        judge_model=args.judge_model,
        judge_prompts=args.judge_prompts,
        agent_args=parse_agent_args(args.agent_arg),
        **_runtime(args),
    )


def _retry(args: argparse.Namespace) -> tuple[str, ...]:
    """Return the statuses ``--retry`` names (checked: retryable ones, with --resume only)."""
    if args.retry is None:
        return ()
    if args.resume is None:
        raise UsageError("webbench eval: --retry needs --resume RUN_DIR")
    statuses = tuple(s.strip() for s in args.retry.split(","))
    for status in statuses:
        if status == "agent_error":
            raise UsageError(
                "webbench eval: --retry agent_error: an agent's fault is its score and is never re-run "
                "(start a new run for a changed agent)"
            )
        if status not in RETRYABLE:
            raise UsageError(f"webbench eval: --retry {status!r}: give {' and/or '.join(RETRYABLE)}")
    return statuses


def _sigterm_as_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(args: argparse.Namespace, extra: list[str]) -> int:
    """Run ``webbench eval``; return the exit code (130 when interrupted)."""
    console = Console(stderr=True)
    retry = _retry(args)
    if args.resume is not None:
        _check_resume_folder(args)
        prepared = prepare_resume(args.resume, _given(args, extra), _runtime(args), retry)
    else:
        prepared = prepare(_config(args, extra), args.out or Path("runs"), args.run_id)
    for note in run_notes(prepared):
        print(note, file=sys.stderr)
    store: RunStore = prepared.store
    done = prepared.total - len(prepared.jobs)
    print(f"run folder: {store.path}  ({done} of {prepared.total} episodes already done)", file=sys.stderr)
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    # each finished episode's latest success (a lost episode run again, --backend ray, has two records)
    to_run = {(job.task.suite, job.task.id, job.episode) for job in prepared.jobs}
    latest = {r.key: r.success for r in store.episodes() if r.key not in to_run}
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("success {task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task(
            prepared.suite.name,
            total=prepared.total,
            completed=done,
            rate=f"{sum(latest.values()) / len(latest):.0%}" if latest else "-",
        )

        def on_record(record: EpisodeRecord) -> None:
            new = record.key not in latest
            latest[record.key] = record.success
            progress.update(bar, advance=int(new), rate=f"{sum(latest.values()) / len(latest):.0%}")

        try:
            summary = run(prepared, on_record)
        except KeyboardInterrupt:
            progress.stop()
            kept = len(store.episodes())
            print(
                f"interrupted: {kept} finished episodes kept in {store.path}; "
                f"finish with: webbench eval --resume {store.path}",
                file=sys.stderr,
            )
            return 130
        except WorkerStartError as exc:
            print(f"webbench: error: {exc}", file=sys.stderr)
            return 1
        except CircuitOpen as exc:
            progress.stop()
            print(
                f"webbench: error: {exc}: run stopped, {len(store.episodes())} records kept in {store.path}; "
                f"once fixed: webbench eval --resume {store.path} --retry env_error",
                file=sys.stderr,
            )
            return 1
        except StoreWriteError as exc:
            progress.stop()
            print(f"webbench: error: {exc}", file=sys.stderr)
            return 1
    print_summary(summary, Console())
    print(f"run folder: {store.path}")
    return 0
