"""No-op sanity check of WebArena-Infinity's function tasks: none may pass on the untouched seed state.

For every app, every function task gets an episode of the suite's own env
(``webbench.suites.webarena_infinity.InfinityEnv``: the app's own server on 127.0.0.1, reset,
a fresh browser context that waits for the page's seed push, then the task's own verifier) in
which the agent does nothing: the env is reset and the episode finished at once. A task whose
verifier passes is a benchmark data bug (its goal already holds at the start). Prints one line
per app and writes the full result as JSON with ``--out``.

    PYTHONPATH=. python scripts/infinity_sanity.py --data ../shared/data/webarena-infinity --out sanity.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from webbench.core.env import EnvConfig
from webbench.suites._infinity_data import apps_dir, default_data, load_tasks
from webbench.suites.webarena_infinity import SUITE, InfinityEnv


def check_app(data: Path, app: str, limit: int | None = None) -> dict[str, Any]:
    """Return the no-op result of the app's function tasks: counts, passing tasks, timings."""
    tasks = load_tasks(data, "function", [app])[:limit]
    started = time.monotonic()
    passing: list[dict[str, str]] = []
    env = InfinityEnv(EnvConfig(data=data, split="function"))
    seed = after_reset = None
    try:
        for task in tasks:
            env.reset(options={"task": task})
            if seed is None:
                seed = env.server.state()  # what the page pushed after the first reset
            info = env.finish()
            if info["success"]:
                message = info["details"]["verifier"]
                passing.append({"task": task.id, "instruction": task.goal, "message": message})
        if tasks:
            env.server.reset()
            after_reset = env.server.state()
    finally:
        env.close()
    return {
        "app": app,
        "tasks": len(tasks),
        "passing": passing,
        "reset_restores_seed": after_reset == seed,
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the check; return 1 when a task passes on the seed state, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="upstream checkout (default: the pulled cache)")
    parser.add_argument("--apps", help="comma-separated apps (default: all)")
    parser.add_argument("--limit", type=int, default=None, help="first N function tasks per app")
    parser.add_argument("--out", type=Path, help="write the full result here (JSON)")
    args = parser.parse_args(argv)
    data = args.data or default_data()
    missing = SUITE.preflight(EnvConfig(data=data))
    if missing:
        print(f"infinity_sanity: {missing[0]}", file=sys.stderr)
        return 2
    apps = apps_dir(data)
    names = args.apps.split(",") if args.apps else sorted(p.name for p in apps.iterdir() if p.is_dir())
    results = []
    for app in names:
        result = check_app(data, app, args.limit)
        results.append(result)
        ids = ", ".join(p["task"] for p in result["passing"]) or "none"
        print(f"{app}: {result['tasks']} tasks, pass on the seed: {ids} ({result['seconds']} s)")
    total = sum(r["tasks"] for r in results)
    passing = [p for r in results for p in r["passing"]]
    print(f"total: {total} function tasks, {len(passing)} pass with a no-op agent")
    if args.out:
        args.out.write_text(json.dumps({"total": total, "apps": results}, indent=1) + "\n", encoding="utf-8")
    return 1 if passing else 0


if __name__ == "__main__":
    sys.exit(main())
