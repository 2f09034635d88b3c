"""Helpers of the run-infrastructure tests: AutoWebBench runs on the real replay files, and mounts."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED_DATA, webbench

DATA = SHARED_DATA / "autowebbench"
#: A handful of AutoWebBench tasks (two or three steps each).
TASKS = [f"zh_ood-{i:03d}" for i in range(5)]


@pytest.fixture
def awb_data() -> Path:
    """Return the AutoWebBench data folder; skip when it is not beside the project."""
    if not DATA.is_dir():
        pytest.skip("../shared/data/autowebbench is not beside the project")
    return DATA


def awb_eval(out: Path, agent: str, *extra: str, tasks: list[str] | None = TASKS, **kwargs):
    """Run ``webbench eval`` on AutoWebBench ``tasks`` (None: the whole split) into ``out/r``."""
    selection = ["--tasks", ",".join(tasks)] if tasks else []
    return webbench(
        "eval", "--suite", "autowebbench", "--split", "zh_ood", "--data", str(DATA), *selection,
        "--agent", agent, "--out", str(out), "--run-id", "r", *extra, **kwargs,
    )  # fmt: skip


def last_line(text: str) -> str:
    """Return the last non-blank line of ``text`` (the progress bar leaves a blank one)."""
    return [line for line in text.splitlines() if line.strip()][-1]


@contextlib.contextmanager
def mount(target: Path, *args: str) -> Iterator[Path]:
    """Mount onto ``target`` with ``mount ARGS target`` (skip the test when that is not permitted)."""
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@contextlib.contextmanager
def read_only_view(folder: Path, view: Path) -> Iterator[Path]:
    """Show ``folder`` read-only at ``view`` (a read-only bind mount: even root cannot write it)."""
    view.mkdir(parents=True, exist_ok=True)
    with mount(view, "--bind", str(folder)):
        done = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(view)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
        yield view
