"""The gate's power by simulation, before (per-task McNemar) and after (the default on all episodes).

For 3, 5, 10, 19 and 50 shared tasks and 1 and 6 episodes per task, simulates runs in
which every baseline episode succeeds with probability 0.9 and every candidate episode
with 0.7 (independently), and prints the share the gate's success-rate test flags at
alpha 0.05 under: the old test (``--test task``: exact McNemar on per-task majority
outcomes, the only test before), and the new default (``--test auto``: exact McNemar
on episodes paired by seed when the runs share seeds, the exact stratified test on
episodes within tasks otherwise). Also the 100 % -> 0 % drop, and each design's minimum
detectable drop from 90 % (80 % power; see ``webbench.report.power``). Seeded: the same
command prints the same table. The tests are the gate's own functions.

    .venv/bin/python benchmarks/gate_power.py [--replicates 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from webbench.report.power import Design, min_detectable_drop, power

TASKS = (3, 5, 10, 19, 50)
EPISODES = (1, 6)
TESTS = (
    ("before: task", "task"),
    ("after: episode (seeds shared)", "episode"),
    ("after: stratified", "stratified"),
)


def _fmt_mdd(value: float | None) -> str:
    return "none" if value is None else f"{value * 100:.0f} pt"


def main() -> int:
    """Print the power table and the two goals' figures; return 0 when both goals are met."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicates", type=int, default=2000, help="simulated runs per cell (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--alpha", type=float, default=0.05)
    args = parser.parse_args()
    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"alpha {args.alpha}, {args.replicates} simulated runs per cell, seed {args.seed}\n")
    print("| tasks x episodes | test | power 90% -> 70% | power 100% -> 0% | min. detectable drop from 90% |")
    print("|---|---|---:|---:|---:|")
    figures: dict[tuple[int, int, str], float] = {}
    timings = []
    for tasks in TASKS:
        for episodes in EPISODES:
            for label, test in TESTS:
                design = Design(test, (episodes,) * tasks, (episodes,) * tasks)
                started = time.perf_counter()
                moderate = power(design, 0.9, 0.7, args.alpha, args.replicates, args.seed)
                total = power(design, 1.0, 0.0, args.alpha, args.replicates, args.seed)
                mdd = min_detectable_drop(design, 0.9, args.alpha, seed=args.seed)
                timings.append(time.perf_counter() - started)
                figures[tasks, episodes, test] = moderate
                print(f"| {tasks} x {episodes} | {label} | {moderate:.1%} | {total:.0%} | {_fmt_mdd(mdd)} |")
    median = statistics.median(timings)
    print(f"\nmedian time per row (two power figures and one minimum detectable drop): {median:.2f} s")
    goal_total = power(Design("stratified", (6,) * 3, (6,) * 3), 1.0, 0.0, args.alpha, 1, args.seed) == 1.0
    goal_total &= power(Design("episode", (6,) * 3, (6,) * 3), 1.0, 0.0, args.alpha, 1, args.seed) == 1.0
    after = min(figures[19, 6, "episode"], figures[19, 6, "stratified"])
    print(f"goal 1, 100% -> 0% on 3 tasks x 6 episodes fails the gate: {'met' if goal_total else 'NOT met'}")
    print(
        f"goal 2, 90% -> 70% on 19 tasks x 6 episodes caught >= 80%: {after:.1%} after "
        f"(before: {figures[19, 6, 'task']:.1%}) {'met' if after >= 0.8 else 'NOT met'}"
    )
    return 0 if goal_total and after >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
