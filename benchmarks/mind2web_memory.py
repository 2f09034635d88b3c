"""Peak memory of scoring a generated Mind2Web-format file of at least 1 GB (oracle agent).

Writes a task-nested Mind2Web JSON list (realistic page sizes: raw HTML ~90 KB and
cleaned HTML ~30 KB per step, 60 candidates with JSON-string attributes) into /tmp,
runs the real ``webbench eval --suite mind2web --agent oracle --data FILE`` in a child
process, and prints the wall time and the peak RSS of the run's processes (parent and
worker: ``RUSAGE_CHILDREN``'s max, i.e. the largest single process). The file is
deleted afterwards unless ``--keep``.

    .venv/bin/python benchmarks/mind2web_memory.py [--gb 1.05] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_MB = 500
STEPS_PER_TASK = 8


def candidate(node: int, rng: random.Random) -> str:
    attributes = {
        "backend_node_id": str(node),
        "bounding_box_rect": f"{rng.randint(0, 1200)},{rng.randint(0, 4000)},120,24",
        "class": " ".join(rng.choice(["btn", "nav", "item", "link", "x-" + str(node)]) for _ in range(3)),
        "aria_label": f"label {node}",
    }
    return json.dumps(
        {
            "tag": rng.choice(["a", "button", "input", "div", "span", "select"]),
            "is_original_target": False,
            "is_top_level_target": False,
            "backend_node_id": str(node),
            "attributes": json.dumps(attributes),
        }
    )


def page(rng: random.Random, size: int) -> str:
    parts, total, node = [], 0, 1
    while total < size:
        cls, text = rng.randint(0, 99), f"{rng.random():.6f}"
        chunk = f'<div backend_node_id="{node}" class="c{cls}"><span>text {text}</span></div>'
        parts.append(chunk)
        total += len(chunk)
        node += 1
    return "<html><body>" + "".join(parts) + "</body></html>"


def write_file(path: Path, target_bytes: int) -> tuple[int, int]:
    """Write tasks until the file reaches ``target_bytes``; return (tasks, steps)."""
    rng = random.Random(0)
    raw, cleaned = page(rng, 90_000), page(rng, 30_000)
    tasks = steps = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        while out.tell() < target_bytes:
            actions, reprs = [], []
            for i in range(STEPS_PER_TASK):
                op = ("CLICK", "TYPE", "SELECT")[i % 3]
                value = "" if op == "CLICK" else f"value {tasks} {i}"
                gold = 1000 + i
                negatives = ",".join(candidate(2000 + j, rng) for j in range(59))
                action = (
                    f'{{"action_uid": "u{tasks}-{i}", "raw_html": {json.dumps(raw + str(tasks))}, '
                    f'"cleaned_html": {json.dumps(cleaned + str(i))}, '
                    f'"operation": {json.dumps({"op": op, "original_op": op, "value": value})}, '
                    f'"pos_candidates": [{candidate(gold, rng)}], "neg_candidates": [{negatives}]}}'
                )
                actions.append(action)
                reprs.append(f"[button]  item -> {op}")
            task = (
                f'{{"annotation_id": "gen-{tasks}", "website": "example", "domain": "Shopping", '
                f'"subdomain": "General", "confirmed_task": "Generated task {tasks}", '
                f'"action_reprs": {json.dumps(reprs)}, "actions": [{",".join(actions)}]}}'
            )
            out.write(("," if tasks else "") + task)
            tasks += 1
            steps += STEPS_PER_TASK
        out.write("]")
    return tasks, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.05, help="file size to generate (GB, 10^9 bytes)")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    path = Path(tempfile.gettempdir()) / "webbench-mind2web-bench.json"
    started = time.perf_counter()
    tasks, steps = write_file(path, int(args.gb * 1e9))
    size = path.stat().st_size
    took = time.perf_counter() - started
    print(f"generated {path}: {size / 1e9:.2f} GB, {tasks} tasks, {steps} steps in {took:.1f} s")
    try:
        with tempfile.TemporaryDirectory() as out:
            cmd = [
                sys.executable, "-m", "webbench", "eval", "--suite", "mind2web", "--agent", "oracle",
                "--data", str(path), "--out", out, "--run-id", "bench",
            ]  # fmt: skip
            started = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - started
            summary = json.loads((Path(out) / "bench" / "summary.json").read_text())["suites"]["mind2web"]
    finally:
        if not args.keep:
            os.unlink(path)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"eval: {elapsed:.1f} s wall ({size / 1e6 / elapsed:.1f} MB/s), {summary['n']} episodes, "
          f"step_success {summary['metrics']['step_success']}")  # fmt: skip
    ratio = peak_mb / GOAL_MB
    print(f"peak RSS of the largest process: {peak_mb:.0f} MB (goal < {GOAL_MB} MB: ratio {ratio:.2f})")


if __name__ == "__main__":
    main()
