"""Helpers shared by the benchmark scripts: timing `webbench eval` runs and summarising."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TASKS = "click-test-2,click-button,enter-text,login-user,choose-list,click-checkboxes"


def eval_command(episodes: int, workers: int, out: str, tasks: str = TASKS) -> list[str]:
    """Return the `webbench eval` command line of the scripted agent on ``tasks``."""
    return [
        sys.executable,
        "-m",
        "webbench",
        "eval",
        "--suite",
        "miniwob",
        "--tasks",
        tasks,
        "--episodes",
        str(episodes),
        "--agent",
        "scripted",
        "--workers",
        str(workers),
        "--out",
        out,
        "--run-id",
        "bench",
    ]


def time_eval(episodes: int, workers: int = 1) -> float:
    """Return the wall time (s) of one `webbench eval` run of the scripted agent."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(eval_command(episodes, workers, out), cwd=ROOT, check=True, capture_output=True)
        return time.perf_counter() - started


def median_of(fn, repeats: int) -> float:
    """Return the median of ``repeats`` calls of ``fn()``."""
    return statistics.median(fn() for _ in range(repeats))
