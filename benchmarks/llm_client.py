"""How long the LLM client takes per call: uncached over loopback HTTP, a cache hit, and a cache miss
recorded (rw). Prints medians in milliseconds and the ratio of a cache hit to a live call.

    python benchmarks/llm_client.py [--calls 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from llm_server import ChatServer, Reply  # noqa: E402

from webbench.llm import LLMClient, ResponseCache  # noqa: E402


def timed(fn, n: int) -> list[float]:
    """Return the wall time of ``fn(i)`` for i in range(n), in milliseconds."""
    out = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    n = parser.parse_args().calls
    page = "x" * 16000  # a 4000-token observation

    def msgs(i: int) -> list[dict]:
        return [{"role": "user", "content": f"{i}\n{page}"}]

    with (
        ChatServer(lambda _r: Reply("Thought: t\nAction: noop()")) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        live = LLMClient("gpt-4o", base_url=server.url)
        cached = LLMClient("gpt-4o", base_url=server.url, cache=ResponseCache(Path(tmp) / "c.sqlite", "rw"))
        no_cache = timed(lambda i: live.complete(msgs(i)), n)
        record = timed(lambda i: cached.complete(msgs(i)), n)
        hit = timed(lambda i: cached.complete(msgs(i)), n)
    for name, values in (
        ("live call, no cache", no_cache),
        ("live call + record", record),
        ("cache hit", hit),
    ):
        print(f"{name:<22} median {statistics.median(values):7.3f} ms")
    print(f"cache hit / live call  ratio {statistics.median(hit) / statistics.median(no_cache):.3f}")


if __name__ == "__main__":
    main()
