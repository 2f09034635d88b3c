"""End-to-end wall time of `webbench eval --suite autowebbench --agent oracle` over all 1,451 steps.

Runs the real CLI in a fresh process (start-up, worker process, jieba, run folder and
summary included), ``--repeat`` times for ``--split all`` (one run over the four
splits) and once per split, and prints medians. Also prints where a run's fixed cost
goes: importing webbench, and loading jieba's dictionary in the worker.

    .venv/bin/python benchmarks/autowebbench_e2e.py [--repeat 5] [--workers 1]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "autowebbench"
GOAL_S = 5.0


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def eval_cmd(split: str, out: str, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "webbench", "eval", "--suite", "autowebbench", "--split", split,
        "--agent", "oracle", "--data", str(DATA), "--out", out, "--workers", str(workers),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        imports = [wall([sys.executable, "-c", "import webbench.cli, webbench.suites.autowebbench"])]
        jieba = [
            wall([sys.executable, "-c", "from webbench.suites.autowebbench import jieba_cut; jieba_cut()"])
        ]
        for _ in range(args.repeat - 1):
            imports.append(wall([sys.executable, "-c", "import webbench.cli, webbench.suites.autowebbench"]))
            jieba.append(
                wall(
                    [sys.executable, "-c", "from webbench.suites.autowebbench import jieba_cut; jieba_cut()"]
                )
            )
        runs = [wall(eval_cmd("all", out, args.workers)) for _ in range(args.repeat)]
        per_split = {
            s: wall(eval_cmd(s, out, args.workers)) for s in ("en_ind", "en_ood", "zh_ind", "zh_ood")
        }
    median = statistics.median(runs)
    label = f"eval --split all (1,451 steps, {args.workers} worker(s))"
    print(f"{label}: median {median:.2f} s over {len(runs)} runs")
    print(f"  runs: {', '.join(f'{r:.2f}' for r in runs)}")
    print(f"  goal {GOAL_S:.1f} s: ratio {median / GOAL_S:.2f} ({'met' if median < GOAL_S else 'missed'})")
    print(f"one run per split: {', '.join(f'{s} {t:.2f} s' for s, t in per_split.items())}")
    print(f"  sum {sum(per_split.values()):.2f} s")
    print(f"fixed costs (median): python + import webbench {statistics.median(imports):.2f} s;")
    print(
        f"  python + import + jieba dictionary load {statistics.median(jieba):.2f} s (paid once per worker)"
    )


if __name__ == "__main__":
    main()
