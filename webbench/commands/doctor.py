"""``webbench doctor``: one line per requirement, with what to do about each missing one."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from importlib import metadata

from webbench.browser.chromium import find_browser, find_driver, major_version
from webbench.core.env import EnvConfig
from webbench.core.suite import get_suite, suite_names
from webbench.data import data_home

#: Optional parts: import name -> (what it is for, how to install it).
OPTIONAL = {
    "openai": ("llm agent and LLM judges", "pip install 'webbench[llm]'"),
    "playwright": ("WebArena and local sites", "pip install 'webbench[playwright]'"),
    "huggingface_hub": ("webbench data pull (Mind2Web, WebLINX)", "pip install 'webbench[hub]'"),
    "sacrebleu": ("WebLINX chrF", "pip install 'webbench[weblinx]'"),
    "jieba": ("AutoWebBench Chinese ROUGE", "pip install 'webbench[autowebbench]'"),
    "pyarrow": ("Multimodal-Mind2Web parquet files", "pip install 'webbench[parquet]'"),
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``doctor`` to the sub-commands."""
    p = sub.add_parser("doctor", help="check what webbench needs", description=__doc__)
    p.set_defaults(func=main)


def _line(ok: bool | None, name: str, text: str) -> str:
    mark = {True: "ok  ", False: "MISS", None: "warn"}[ok]
    return f"[{mark}] {name:<16} {text}"


def checks() -> list[tuple[bool | None, str, str]]:
    """Return (ok, name, text) for every requirement; ok is None for a warning."""
    rows: list[tuple[bool | None, str, str]] = []
    py_ok = sys.version_info >= (3, 11)
    rows.append((py_ok, "python", f"{sys.version.split()[0]}" + ("" if py_ok else ": webbench needs 3.11+")))
    browser, driver = find_browser(), find_driver()
    if browser:
        rows.append((True, "chromium", f"{browser} (version {major_version(browser)})"))
    else:
        rows.append(
            (
                False,
                "chromium",
                "not found: as root 'apt-get install chromium chromium-driver'; "
                "else 'playwright install chromium'; or set WEBBENCH_CHROMIUM",
            )
        )
    if driver:
        b, d = (major_version(browser) if browser else None), major_version(driver)
        match = b is None or d is None or b == d
        rows.append(
            (
                True if match else None,
                "chromedriver",
                f"{driver} (version {d})" + ("" if match else f": does not match Chromium {b}"),
            )
        )
    else:
        rows.append(
            (
                False,
                "chromedriver",
                "not found: as root 'apt-get install chromium-driver'; or set WEBBENCH_CHROMEDRIVER",
            )
        )
    for module, (purpose, how) in OPTIONAL.items():
        if importlib.util.find_spec(module) is not None:
            rows.append(
                (
                    True,
                    module,
                    f"{metadata.version(module) if _has_dist(module) else 'installed'} ({purpose})",
                )
            )
        else:
            rows.append((None, module, f"not installed, needed for {purpose}: {how}"))
    home = data_home()
    if home.is_dir():
        suites = sorted(p.name for p in home.iterdir() if p.is_dir())
        writable = os.access(home, os.W_OK)
        rows.append(
            (
                True if writable else None,
                "data cache",
                f"{home} ({', '.join(suites) or 'empty'})" + ("" if writable else ": not writable"),
            )
        )
    else:
        rows.append(
            (
                None,
                "data cache",
                f"{home} does not exist yet; 'webbench data pull SUITE' creates it "
                "(set WEBBENCH_DATA_DIR to move it)",
            )
        )
    rows.extend(suite_rows())
    key = bool(os.environ.get("OPENAI_API_KEY"))
    rows.append(
        (
            True if key else None,
            "OPENAI_API_KEY",
            "set" if key else "not set: needed for the llm agent and LLM judges on hosted APIs",
        )
    )
    return rows


def suite_rows() -> list[tuple[bool | None, str, str]]:
    """Return one (ok, name, text) row per suite from its ``preflight``: ready, or what it lacks
    (a warning: not every user needs every suite)."""
    rows: list[tuple[bool | None, str, str]] = []
    for name in suite_names():
        try:
            missing = get_suite(name).preflight(EnvConfig())
        except Exception as exc:  # noqa: BLE001 - a broken plug-in is reported, not fatal
            missing = [f"preflight failed: {type(exc).__name__}: {exc}"]
        rows.append((None if missing else True, f"suite {name}", "; ".join(missing) or "ready"))
    return rows


def _has_dist(module: str) -> bool:
    try:
        metadata.version(module)
    except metadata.PackageNotFoundError:
        return False
    return True


def main(_args: argparse.Namespace, _extra: list[str]) -> int:
    """Print the checks; exit 1 when a required one (Python, Chromium, chromedriver) fails."""
    rows = checks()
    for ok, name, text in rows:
        print(_line(ok, name, text))
    return 0 if all(ok is not False for ok, _, _ in rows) else 1
