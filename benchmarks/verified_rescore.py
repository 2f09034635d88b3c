"""Re-scoring all 812 WebArena-Verified tasks from recorded outputs (goal: < 5 s).

For each task of the official file this writes what an episode leaves behind: the agent's answer
(the task's expected response, first alternative of each value) and a minimal HAR file (a page
navigation to the task's start URL, plus one request to each network check's URL when it is a
plain one), then times :func:`webbench.metrics.webarena_verified.rescore_verified` over all of
them, reading each HAR from disk, and prints the median of the repeats and the time per task.

    PYTHONPATH=$PWD python benchmarks/verified_rescore.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TASK_FILE = ROOT.parent / "shared" / "data" / "webarena" / "webarena-verified" / "webarena-verified.json"
SITES = {
    "SHOPPING": "http://127.0.0.1:47001",
    "SHOPPING_ADMIN": "http://127.0.0.1:47001/admin",
    "REDDIT": "http://127.0.0.1:47002",
    "GITLAB": "http://127.0.0.1:47003",
    "MAP": "http://127.0.0.1:47004",
    "WIKIPEDIA": "http://127.0.0.1:47005",
    "HOMEPAGE": "http://127.0.0.1:47006",
}


def render(url: str) -> str:
    """Return ``url`` with its site placeholder replaced by the benchmark's base URL."""
    for name, base in SITES.items():
        url = url.replace(f"__{name}__", base)
    return url


def first(value: Any) -> Any:
    """Return the first alternative of an expected value (a list stands for alternatives)."""
    return first(value[0]) if isinstance(value, list) and value else value


def recorded_answer(task: dict[str, Any]) -> str:
    """Return the agent answer for ``task``: its expected response, first alternatives."""
    expected = next(e for e in task["eval"] if e["evaluator"] == "AgentResponseEvaluator")["expected"]
    data = expected.get("retrieved_data")
    if isinstance(data, list):
        data = [first(item) if isinstance(item, list) else item for item in data]
    return json.dumps({**expected, "retrieved_data": data, "error_details": None})


def har_entry(method: str, url: str) -> dict[str, Any]:
    """Return one HAR entry: a request asking for a page, answered 200."""
    request = {"method": method, "url": url, "headers": [{"name": "Accept", "value": "text/html"}]}
    return {"request": request, "response": {"status": 200, "headers": [], "content": {}, "redirectURL": ""}}


def recorded_har(task: dict[str, Any]) -> dict[str, Any]:
    """Return a minimal HAR for ``task``: a navigation to its start URL, then its checks' URLs."""
    entries = [har_entry("GET", render(task["start_urls"][0]))]
    for check in task["eval"]:
        if check["evaluator"] != "NetworkEventEvaluator":
            continue
        url = first(check["expected"].get("url"))
        if isinstance(url, str) and not url.startswith("^"):
            entries.append(har_entry(check["expected"].get("http_method") or "GET", render(url)))
    return {"log": {"version": "1.2", "entries": entries}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from webbench.metrics.webarena_verified import rescore_verified

    tasks = json.loads(TASK_FILE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        episodes = []
        for task in tasks:
            artifacts = Path(tmp) / str(task["task_id"])
            artifacts.mkdir()
            (artifacts / "network.har").write_text(json.dumps(recorded_har(task)), encoding="utf-8")
            record = {"details": {"answer": recorded_answer(task), "sites": SITES}}
            episodes.append((task, record, artifacts))
        started = time.perf_counter()
        rescore_verified(*episodes[0])  # the library's import and its dataset load, once
        setup = time.perf_counter() - started
        times, passed = [], 0
        for _ in range(args.repeats):
            started = time.perf_counter()
            passed = sum(rescore_verified(*episode)["success"] for episode in episodes)
            times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"tasks: {len(episodes)}, passed: {passed} (minimal HARs: network checks mostly fail)")
    print(f"first call (import + dataset load): {setup:.2f} s")
    per_task = 1000 * median / len(episodes)
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"runs: {runs} s; median {median:.2f} s ({per_task:.2f} ms per task)")
    print(f"goal < 5 s: ratio {median / 5:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
