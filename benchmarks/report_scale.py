"""`webbench report` over 10,000 generated episodes: wall time (target < 10 s) and HTML size (< 20 MB).

Writes two run folders of 5,000 episodes each (1,000 tasks x 5 episodes, 4-12 steps with
LLM usage per episode, trajectories on disk) through the run store, then times the
report command (median of 3) and prints the figures.

    .venv/bin/python benchmarks/report_scale.py [--episodes 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from webbench.run.store import RunStore

TIME_LIMIT_S, SIZE_LIMIT_MB = 10.0, 20.0


def write_run(parent: Path, run_id: str, agent: str, episodes: int, skill: float, seed: int) -> Path:
    """Write a run folder of ``episodes`` generated episodes (5 per task); return it."""
    rng = random.Random(seed)
    store = RunStore.create(
        parent, run_id, {"run_id": run_id, "config": {"suite": "miniwob", "agent": agent}}
    )
    lines = []
    for index in range(episodes):
        task, episode = f"task-{index // 5:04d}", index % 5
        success = rng.random() < skill
        n_steps = rng.randint(4, 12)
        steps = [
            {
                "step": s,
                "observation": {"url": f"http://127.0.0.1:8000/{task}/{s}"},
                "action": f'click("{rng.randint(1, 40)}")',
                "error": None if rng.random() < 0.9 else "no element '99' on the page",
                "agent_s": round(rng.random(), 4),
                "env_s": round(rng.random() / 10, 4),
                "agent": {"usage": {"input_tokens": 900, "output_tokens": 40, "cost_usd": 0.0011}},
            }
            for s in range(n_steps)
        ]
        name = f"{task}__{episode}"
        trajectory = {"task": {"suite": "miniwob", "id": task, "goal": f"Click the button labelled {index}."}}
        trajectory["steps"] = steps
        (store.trajectories / f"{name}.json").write_text(json.dumps(trajectory), encoding="utf-8")
        record = {
            "suite": "miniwob",
            "task_id": task,
            "split": "",
            "episode": episode,
            "seed": index,
            "status": "ok" if rng.random() < 0.97 else "env_error",
            "success": success,
            "score": float(success),
            "metrics": {
                "success": float(success),
                "reward": 0.8 if success else -1.0,
                "raw_reward": 1.0 if success else -1.0,
            },
            "steps": n_steps,
            "duration_s": round(rng.uniform(1, 20), 3),
            "usage": {
                "input_tokens": 900 * n_steps,
                "output_tokens": 40 * n_steps,
                "cost_usd": 0.0011 * n_steps,
            },
            "error": None,
            "answer": None,
            "end_reason": "done",
            "details": {"reason": None},
            "trajectory": f"trajectories/{name}.json",
        }
        lines.append(json.dumps(record))
    (store.path / "episodes.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return store.path


def main() -> int:
    """Generate the runs, time the report, print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        parent = Path(tmp)
        half = args.episodes // 2
        runs = [
            write_run(parent, "a", "agent-a", half, 0.7, 1),
            write_run(parent, "b", "agent-b", half, 0.5, 2),
        ]
        out = parent / "report.html"
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "webbench", "report", *map(str, runs), "-o", str(out)],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
        size_mb = out.stat().st_size / 1e6
    median = statistics.median(times)
    print(
        f"episodes: {args.episodes} (2 runs, 1 suite, {args.episodes // 10} tasks x 5 episodes, "
        "4-12 steps each)"
    )
    print(
        f"report wall time: median {median:.2f} s over {args.repeats} runs "
        f"(min {min(times):.2f}, max {max(times):.2f});"
        f" target < {TIME_LIMIT_S:g} s, ratio {median / TIME_LIMIT_S:.2f}"
    )
    print(
        f"report size: {size_mb:.1f} MB; target < {SIZE_LIMIT_MB:g} MB, ratio {size_mb / SIZE_LIMIT_MB:.2f}"
    )
    return 0 if median < TIME_LIMIT_S and size_mb < SIZE_LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
