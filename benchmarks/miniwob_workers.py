"""Throughput of `--workers 2` against `--workers 1`, and peak memory per worker.

Throughput uses the marginal time per episode ((T(n2) - T(n1)) / extra episodes), so the
start-up of each worker's browser is not counted against the parallel run. Memory is the
proportional set size (PSS, shared pages split fairly) of each worker's process group: the
worker, its chromedriver and its Chromium processes, sampled every 0.2 s during a run.

    python benchmarks/miniwob_workers.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections import defaultdict

from _common import ROOT, TASKS, eval_command, median_of, process_parents, pss_kb, time_eval


def _group_pss(root_pid: int) -> dict[int, int]:
    """Return {process group: PSS kB} of the groups whose leader is a child of ``root_pid``."""
    by_group: dict[int, int] = defaultdict(int)
    leaders = set()
    for pid, (ppid, pgid) in process_parents().items():
        if ppid == root_pid and pgid == pid:
            leaders.add(pgid)
        by_group[pgid] += pss_kb(pid)
    return {g: kb for g, kb in by_group.items() if g in leaders}


def peak_worker_memory(workers: int, episodes: int) -> list[float]:
    """Return the peak PSS (MB) of each worker group during a run."""
    with tempfile.TemporaryDirectory() as out:
        command = eval_command(episodes, workers, out)
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peaks: dict[int, int] = defaultdict(int)
        while proc.poll() is None:
            for group, kb in _group_pss(proc.pid).items():
                peaks[group] = max(peaks[group], kb)
            time.sleep(0.2)
        return sorted(kb / 1024 for kb in peaks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n1", type=int, default=2)
    parser.add_argument("--n2", type=int, default=40)
    args = parser.parse_args()
    n_tasks = len(TASKS.split(","))
    extra = n_tasks * (args.n2 - args.n1)
    per_episode = {}
    for workers in (1, 2):
        t1 = median_of(lambda w=workers: time_eval(args.n1, w), args.repeats)
        t2 = median_of(lambda w=workers: time_eval(args.n2, w), args.repeats)
        per_episode[workers] = (t2 - t1) / extra
        rate = 1 / per_episode[workers]
        print(f"--workers {workers}: {t1:.2f} s / {t2:.2f} s; {rate:.1f} episodes/s marginal")
    print(f"throughput ratio workers 2 / 1: {per_episode[1] / per_episode[2]:.2f}x (goal >= 1.6x on 2 cores)")
    peaks = peak_worker_memory(2, 6)
    shown = ", ".join(f"{p:.0f} MB" for p in peaks)
    print(f"peak PSS per worker (worker + chromedriver + Chromium): {shown}")


if __name__ == "__main__":
    main()
