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


def time_eval(episodes: int, workers: int = 1, tasks: str = TASKS, extra: tuple[str, ...] = ()) -> float:
    """Return the wall time (s) of one `webbench eval` run of the scripted agent."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [
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
                *extra,
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def median_of(fn, repeats: int) -> float:
    """Return the median of ``repeats`` calls of ``fn()``."""
    return statistics.median(fn() for _ in range(repeats))
