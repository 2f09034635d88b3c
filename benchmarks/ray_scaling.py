"""Episodes per second of the Ray backend (1, 2 and 4 actors) against the local backend, and the
driver's own cost per episode, on the same MiniWoB tasks with the scripted agent.

Throughput is marginal, as in ``miniwob_workers.py``: (T(n2) - T(n1)) / the extra episodes, so
neither the Ray head nor the browsers' start-up is counted. The Ray runs join one head the
script starts on 127.0.0.1 (``ray start --head``, 4 CPUs), so the driver has no child processes
and its CPU time (``wait4``) is its own: the marginal CPU per episode is the driver's overhead
(receiving the record and the trajectory's bytes, writing them, scheduling).

    python benchmarks/ray_scaling.py [--repeats 3] [--n1 2] [--n2 12]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import ROOT, TASKS, eval_command

RAY = [sys.executable, "-m", "ray.scripts.scripts"]
#: A loopback-only Ray (see docs/ray.md), joined by the drivers with RAY_ADDRESS=auto.
ENV = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def timed_run(episodes: int, workers: int, backend: str) -> tuple[float, float]:
    """Return (wall s, the driver's CPU s) of one `webbench eval` run."""
    with tempfile.TemporaryDirectory() as out:
        command = [*eval_command(episodes, workers, out), "--backend", backend]
        env = {**ENV, "RAY_ADDRESS": "auto"} if backend == "ray" else ENV
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(command)} failed: {proc.stderr.read().decode()[-2000:]}")
        return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n1", type=int, default=2)
    parser.add_argument("--n2", type=int, default=12)
    args = parser.parse_args()
    extra = len(TASKS.split(",")) * (args.n2 - args.n1)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    subprocess.run(
        [*RAY, "start", "--head", "--port=0", "--num-cpus=4", "--include-dashboard=false",
         "--disable-usage-stats"],
        env=ENV, check=True, capture_output=True,
    )  # fmt: skip
    try:
        rates: dict[tuple[str, int], float] = {}
        for workers in (1, 2, 4):
            for backend in ("local", "ray"):
                sizes = (args.n1, args.n2)
                runs = {n: [timed_run(n, workers, backend) for _ in range(args.repeats)] for n in sizes}
                wall = {n: statistics.median(x[0] for x in runs[n]) for n in runs}
                rates[backend, workers] = extra / (wall[args.n2] - wall[args.n1])
                line = f"{backend:5s} --workers {workers}: {wall[args.n1]:.1f} s / {wall[args.n2]:.1f} s"
                line += f"; {rates[backend, workers]:.2f} episodes/s marginal"
                if backend == "ray":
                    cpu = {n: statistics.median(x[1] for x in runs[n]) for n in runs}
                    line += f"; driver CPU {1000 * (cpu[args.n2] - cpu[args.n1]) / extra:.1f} ms/episode"
                    line += f"; ray / local {rates['ray', workers] / rates['local', workers]:.2f}x"
                print(line, flush=True)
        for backend in ("local", "ray"):
            scaling = ", ".join(f"{w}: {rates[backend, w] / rates[backend, 1]:.2f}x" for w in (2, 4))
            print(f"{backend} scaling against 1 worker: {scaling}")
    finally:
        subprocess.run([*RAY, "stop", "--force"], env=ENV, capture_output=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
