"""`webbench report` over 10,000 generated episodes: wall time (target < 10 s) and HTML size (< 20 MB).

Writes two run folders of 5,000 episodes each (1,000 tasks x 5 episodes, 4-12 steps with
LLM usage per episode, trajectories on disk) through the run store, then times the
report command (median of 3) and prints the figures.

With ``--live``: one live-suite run of 1,000 episodes (WebArena-Infinity records, 4-12 steps
each) with a screenshot file per step (a 1280x900 JPEG), the targeted element's box, an LLM
reply per step, the verifier in ``details.evaluators`` and a ``trace.zip`` per episode; the
report is timed with the screenshots linked (target < 10 s, main page < 5 MB) and inlined
(``--inline-screenshots``, default 10 MB cap).

    .venv/bin/python benchmarks/report_scale.py [--episodes 10000] [--repeats 3]
    .venv/bin/python benchmarks/report_scale.py --live [--episodes 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from webbench.run.store import RunStore

TIME_LIMIT_S, SIZE_LIMIT_MB = 10.0, 20.0
#: The live run's main page with screenshots linked (issue 13).
LIVE_SIZE_LIMIT_MB = 5.0


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


def screenshot_jpeg(seed: int) -> bytes:
    """Return a 1280x900 JPEG with a few coloured panels (about the size of a kept live screenshot)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (1280, 900), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 1180), rng.randint(0, 860)
        draw.rectangle(
            [x, y, x + rng.randint(40, 400), y + rng.randint(20, 120)],
            fill=rng.choice(["#1e40af", "#64748b", "#e11d48"]),
        )
        draw.text((x + 4, y + 4), f"label {rng.randint(0, 999)}", fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def write_live_run(parent: Path, episodes: int, seed: int) -> Path:
    """Write a WebArena-Infinity-style run of ``episodes`` episodes with screenshot files; return it."""
    rng = random.Random(seed)
    store = RunStore.create(
        parent, "live", {"run_id": "live", "config": {"suite": "webarena_infinity", "agent": "llm"}}
    )
    shots = [screenshot_jpeg(i) for i in range(8)]  # distinct files on disk, 8 different pictures
    lines = []
    for index in range(episodes):
        app, task = f"app-{index % 13:02d}", f"app-{index % 13:02d}/task_{index}"
        name = f"app-{index % 13:02d}_task_{index}__0"
        folder = store.trajectories / name
        folder.mkdir()
        success = rng.random() < 0.4
        n_steps = rng.randint(4, 12)
        steps = []
        for s in range(n_steps):
            (folder / f"step-{s:03d}.jpg").write_bytes(shots[(index + s) % len(shots)])
            x, y = rng.uniform(0, 1200), rng.uniform(0, 850)
            steps.append(
                {
                    "step": s,
                    "observation": {"url": f"http://{app}.infinity.test/view/{s}", "text_chars": 9000},
                    "action": f'click("{rng.randint(1, 900)}")',
                    "error": None,
                    "agent_s": round(rng.random() * 3, 4),
                    "env_s": round(rng.random(), 4),
                    "screenshot": f"{name}/step-{s:03d}.jpg",
                    "screenshot_size": [1280, 900],
                    "target": {"id": "1", "bbox": [x, y, 80.0, 24.0], "shot_bbox": [x, y, 80.0, 24.0]},
                    "agent": {
                        "usage": {"input_tokens": 4000, "output_tokens": 60, "cost_usd": 0.004},
                        "thought": "I should open the settings and change the value.",
                        "calls": [
                            {
                                "reply": "Thought: I should open the settings and change the value.\n"
                                f'Action: click("{rng.randint(1, 900)}")'
                            }
                        ],
                    },
                }
            )
        (folder / "trace.zip").write_bytes(b"PK\x05\x06" + bytes(18))
        trajectory = {"task": {"suite": "webarena_infinity", "id": task, "goal": f"Change setting {index}."}}
        trajectory["steps"] = steps
        (store.trajectories / f"{name}.json").write_text(json.dumps(trajectory), encoding="utf-8")
        message = "Setting changed." if success else f"Expected setting {index} to be 'on', found 'off'."
        record = {
            "suite": "webarena_infinity", "task_id": task, "split": "function", "episode": 0, "seed": index,
            "status": "ok", "success": success, "score": float(success),
            "metrics": {"success": float(success)}, "steps": n_steps,
            "duration_s": round(rng.uniform(5, 60), 3),
            "usage": {"input_tokens": 4000 * n_steps, "output_tokens": 60 * n_steps,
                      "cost_usd": 0.004 * n_steps},
            "error": None, "answer": "done", "end_reason": "answer",
            "details": {
                "app": app, "difficulty": "easy", "task_set": "function", "verifier": message,
                "evaluators": [{"name": "verifier", "score": float(success), "message": message}],
            },
            "trajectory": f"trajectories/{name}.json",
        }  # fmt: skip
        lines.append(json.dumps(record))
    (store.path / "episodes.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return store.path


def time_report(runs: list[Path], out: Path, repeats: int, *extra: str) -> list[float]:
    """Return the wall times of ``repeats`` runs of ``webbench report`` over ``runs`` into ``out``
    (and print the CPU seconds of each: on a shared machine they vary less than the wall time)."""
    times = []
    for _ in range(repeats):
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "webbench", "report", *map(str, runs), "-o", str(out), *extra],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
        print(f"  report {' '.join(extra) or '(linked)'}: {times[-1]:.2f} s wall, {used:.2f} s CPU")
    return times


def live(episodes: int, repeats: int) -> int:
    """The live scenario: a 1,000-episode run with screenshot files, linked and inlined."""
    with tempfile.TemporaryDirectory() as tmp:
        parent = Path(tmp)
        run = write_live_run(parent, episodes, 3)
        shots = sum(p.stat().st_size for p in run.rglob("*.jpg"))
        steps = sum(1 for _ in run.rglob("*.jpg"))
        linked, inlined = parent / "linked.html", parent / "inlined.html"
        times = time_report([run], linked, repeats)
        times_inline = time_report([run], inlined, repeats, "--inline-screenshots")
        size_mb, inline_mb = linked.stat().st_size / 1e6, inlined.stat().st_size / 1e6
    median, median_inline = statistics.median(times), statistics.median(times_inline)
    print(
        f"live episodes: {episodes} (1 run, {steps} steps with a screenshot file each, {shots / 1e6:.0f} MB)"
    )
    print(
        f"report, screenshots linked: median {median:.2f} s over {repeats} runs (min {min(times):.2f}); "
        f"target < {TIME_LIMIT_S:g} s, ratio {median / TIME_LIMIT_S:.2f}; main page {size_mb:.2f} MB, "
        f"target < {LIVE_SIZE_LIMIT_MB:g} MB, ratio {size_mb / LIVE_SIZE_LIMIT_MB:.2f}"
    )
    print(f"report, --inline-screenshots (10 MB cap): median {median_inline:.2f} s; file {inline_mb:.2f} MB")
    return 0 if median < TIME_LIMIT_S and size_mb < LIVE_SIZE_LIMIT_MB else 1


def main() -> int:
    """Generate the runs, time the report, print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=None, help="default 10,000 (1,000 with --live)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--live", action="store_true", help="a live-suite run with screenshot files")
    args = parser.parse_args()
    if args.live:
        return live(args.episodes or 1000, args.repeats)
    args.episodes = args.episodes or 10_000
    with tempfile.TemporaryDirectory() as tmp:
        parent = Path(tmp)
        half = args.episodes // 2
        runs = [
            write_run(parent, "a", "agent-a", half, 0.7, 1),
            write_run(parent, "b", "agent-b", half, 0.5, 2),
        ]
        out = parent / "report.html"
        times = time_report(runs, out, args.repeats)
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
