"""Shared test helpers: paths, running the CLI, and checking for leftover browsers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
#: WebArena's site variables at its own default addresses (the ports of its docker set-up).
WEBARENA_SITES = {
    "SHOPPING": "http://127.0.0.1:7770",
    "SHOPPING_ADMIN": "http://127.0.0.1:7780/admin",
    "REDDIT": "http://127.0.0.1:9999",
    "GITLAB": "http://127.0.0.1:8023",
    "WIKIPEDIA": "http://127.0.0.1:8888/wikipedia_en_all_maxi_2022-05/A/User:The_other_Kiwix_guy/Landing",
    "MAP": "http://127.0.0.1:3000",
}


@pytest.fixture
def shared_data() -> Path:
    """Return ../shared/data (the official task files)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_DATA


def webbench(
    *args: str, cwd: Path | None = None, timeout: float = 600, **kwargs
) -> subprocess.CompletedProcess:
    """Run the ``webbench`` command in a subprocess; return the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "webbench", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def miniwob_eval(out: Path, tasks: str, agent: str, *extra: str) -> list[str]:
    """Return the arguments of ``webbench eval`` on MiniWoB ``tasks`` into the run folder ``out/r``."""
    return [
        "eval",
        "--suite",
        "miniwob",
        "--tasks",
        tasks,
        "--agent",
        agent,
        "--out",
        str(out),
        "--run-id",
        "r",
        *extra,
    ]


def read_jsonl(path: Path) -> list[dict]:
    """Return the JSON records of a .jsonl file."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def marked_processes(mark: str) -> list[str]:
    """Return 'pid name' of every live process whose environment holds ``WEBBENCH_TEST_MARK=mark``.

    Tests start the harness with a unique mark; the workers, chromedrivers and
    browsers inherit it, so whatever is left behind is found even after it has
    been re-parented, and processes of other runs on the machine are not counted.
    """
    needle = f"WEBBENCH_TEST_MARK={mark}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            status = (proc / "stat").read_text()
            name = (proc / "comm").read_text().strip()
        except OSError:
            continue
        if needle in environ.split(b"\0") and ") Z " not in status:
            found.append(f"{proc.name} {name}")
    return found


def marked_env(mark: str) -> dict[str, str]:
    """Return a copy of the environment with ``WEBBENCH_TEST_MARK=mark`` added."""
    return {**os.environ, "WEBBENCH_TEST_MARK": mark}


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return bool(value)
        time.sleep(interval)
