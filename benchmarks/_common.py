"""Helpers shared by the benchmark scripts: timing `webbench eval` runs and summarising."""

from __future__ import annotations

import os
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


def pss_kb(pid: int | str) -> int:
    """Return the proportional set size (kB) of process ``pid`` from smaps_rollup (0 if gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_parents() -> dict[int, tuple[int, int]]:
    """Return {pid: (parent pid, process group)} of every process in /proc."""
    parents = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(proc.name)] = (int(fields[1]), int(fields[2]))
    return parents


def tree_pss_kb(root: int = 0) -> int:
    """Return the PSS (kB) of process ``root`` (this process by default) and all its descendants."""
    root = root or os.getpid()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in process_parents().items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += pss_kb(pid)
        todo.extend(children.get(pid, []))
    return total
