"""`webbench export` over 10,000 generated episodes: wall time of each format (target < 10 s).

Writes one run folder through the run store: 2,000 tasks x 5 episodes, 4-12 steps each,
every step as the episode runner writes it for the ``llm`` agent (observation digest and
page text of about 1.5 kB, the action, and the agent's step trace: the prompt sent, the
raw reply, the thought, usage). Then times ``webbench export`` as a command (start-up
included) for ``sft`` with the ``valid`` and ``no-repeat`` filters, ``rft --per-task 2``
and ``dpo --pairs-per-task 2`` (median of ``--repeats``: wall time, and the command's CPU
time, which a machine shared with other work does not inflate), and prints the figures.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/export_scale.py [--episodes 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from webbench.agents.llm import observation_prompt, system_prompt
from webbench.core.types import Observation
from webbench.run.episode import observation_entry
from webbench.run.store import RunStore

TIME_LIMIT_S = 10.0
EPISODES_PER_TASK = 5


def page(rng: random.Random, task: str, step: int) -> str:
    """Return a MiniWoB-sized page listing (about 1.5 kB)."""
    lines = [
        f"[{i}] {rng.choice(('button', 'link', 'textbox', 'checkbox'))} 'item {task} {step} {i}'"
        for i in range(40)
    ]
    return "\n".join(lines)


def write_run(parent: Path, episodes: int, seed: int) -> Path:
    """Write a run folder of ``episodes`` generated ``llm``-agent episodes; return it."""
    rng = random.Random(seed)
    system = system_prompt()
    store = RunStore.create(
        parent,
        "bench",
        {"run_id": "bench", "config": {"suite": "miniwob", "agent": "llm", "agent_args": {"model": "m"}}},
    )
    lines = []
    for index in range(episodes):
        task, episode = f"task-{index // EPISODES_PER_TASK:04d}", index % EPISODES_PER_TASK
        success = rng.random() < 0.5
        goal = f"Click the button labelled {task}."
        steps = []
        for s in range(rng.randint(4, 12)):
            # the first page of a task is the same in each episode (one task instance): dpo pairs form
            obs = Observation(
                goal=goal,
                url=f"http://127.0.0.1/{task}",
                text=page(rng if s else random.Random(task), task, s),
                step=s,
            )
            action = f'click("{rng.randint(1, 40)}")'
            reply = f"Thought: item {s} looks right.\nAction: {action}"
            prompt = observation_prompt(obs, [], 4000, False)
            trace = {
                "calls": [
                    {
                        "messages": [
                            {"role": "system", "content": system},
                            {"role": "user", "content": prompt},
                        ],
                        "reply": reply,
                        "usage": {"input_tokens": 900, "output_tokens": 40, "cost_usd": 0.0011},
                        "cached": False,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"input_tokens": 900, "output_tokens": 40, "cost_usd": 0.0011},
                "thought": f"item {s} looks right.",
                "action": action,
                "parse_error": None,
            }
            step = {"step": s, "observation": observation_entry(obs), "action": action, "agent_s": 0.5}
            steps.append({**step, "agent": trace, "env_s": 0.05, "error": None})
        name = f"{task}__{episode}"
        trajectory = {
            "task": {"suite": "miniwob", "id": task, "goal": goal},
            "episode": episode,
            "steps": steps,
        }
        (store.trajectories / f"{name}.json").write_text(json.dumps(trajectory, indent=1), encoding="utf-8")
        record = {
            "suite": "miniwob",
            "task_id": task,
            "split": "",
            "episode": episode,
            "seed": index,
            "status": "ok",
            "success": success,
            "score": float(success),
            "metrics": {"success": float(success)},
            "steps": len(steps),
            "duration_s": 5.0,
            "usage": {},
            "error": None,
            "answer": None,
            "end_reason": "done",
            "details": {},
            "trajectory": f"trajectories/{name}.json",
        }
        lines.append(json.dumps(record))
    (store.path / "episodes.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store.release()
    return store.path


def time_export(run: Path, out: Path, *args: str) -> tuple[float, float]:
    """Return the wall time and the CPU time (user + system, s) of one ``webbench export`` command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-m", "webbench", "export", str(run), "-o", str(out), *args]
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> int:
    """Generate the run, time each format, print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cases = {
        "sft --filter valid --filter no-repeat": (
            "--format",
            "sft",
            "--filter",
            "valid",
            "--filter",
            "no-repeat",
        ),
        "rft --per-task 2": ("--format", "rft", "--per-task", "2"),
        "dpo --pairs-per-task 2": ("--format", "dpo", "--pairs-per-task", "2"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        parent = Path(tmp)
        run = write_run(parent, args.episodes, 1)
        size_mb = sum(p.stat().st_size for p in run.rglob("*") if p.is_file()) / 1e6
        print(f"episodes: {args.episodes} ({args.episodes // EPISODES_PER_TASK} tasks x {EPISODES_PER_TASK}, "
              f"4-12 steps each); run folder {size_mb:.0f} MB")  # fmt: skip
        ok = True
        for label, case in cases.items():
            out = parent / "out.jsonl"
            measured = [time_export(run, out, *case) for _ in range(args.repeats)]
            times = [wall for wall, _ in measured]
            median = statistics.median(times)
            cpu = statistics.median(cpu for _, cpu in measured)
            lines = sum(1 for _ in out.open(encoding="utf-8"))
            print(
                f"export {label}: median {median:.2f} s over {args.repeats} runs (min {min(times):.2f}, "
                f"max {max(times):.2f}), CPU {cpu:.2f} s; {lines} records, "
                f"{out.stat().st_size / 1e6:.0f} MB; "
                f"target < {TIME_LIMIT_S:g} s, ratio {median / TIME_LIMIT_S:.2f}"
            )
            ok = ok and median < TIME_LIMIT_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
