"""Finding a Chromium and its chromedriver, and starting them through Selenium.

Every browser the harness starts gets the flags below: headless, no crash
reporter (its handler would leave its own process session behind), and no
background networking (the machine may have no network but loopback).

A browser can be started with a *mark*: an environment variable its chromedriver
and every process of the browser inherit, whoever their parent is later. When a
chromedriver dies, its Chromium is re-parented and keeps running; ``kill_marked``
finds it by the mark and kills it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-crash-reporter",
    "--disable-breakpad",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--mute-audio",
)

_BROWSER_CANDIDATES = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
)
_DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
#: The environment variable that marks a browser's processes (see ``kill_marked``).
BROWSER_MARK = "WEBBENCH_BROWSER_MARK"


class BrowserNotFound(RuntimeError):
    """No usable Chromium/chromedriver pair; the message says what to install."""


@dataclass(frozen=True)
class ChromiumPaths:
    """A browser binary and the chromedriver that drives it."""

    browser: str
    driver: str


def _first_executable(paths: list[str]) -> str | None:
    for path in paths:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_browser() -> str | None:
    """Return the path of a Chromium or Chrome binary, or None.

    Looks at ``WEBBENCH_CHROMIUM``, then the usual system paths, then Playwright's
    downloaded Chromium.
    """
    playwright = sorted(
        glob.glob(os.path.expanduser("~/.cache/ms-playwright/chromium-*/chrome-linux*/chrome")),
        reverse=True,
    )
    which = [shutil.which(name) or "" for name in ("chromium", "chromium-browser", "google-chrome")]
    return _first_executable(
        [os.environ.get("WEBBENCH_CHROMIUM", ""), *_BROWSER_CANDIDATES, *which, *playwright]
    )


def find_driver() -> str | None:
    """Return the path of a chromedriver binary (``WEBBENCH_CHROMEDRIVER`` first), or None."""
    return _first_executable(
        [
            os.environ.get("WEBBENCH_CHROMEDRIVER", ""),
            *_DRIVER_CANDIDATES,
            shutil.which("chromedriver") or "",
        ]
    )


def major_version(binary: str) -> int | None:
    """Return the major version a browser or driver binary prints with --version, or None."""
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for word in out.split():
        head = word.split(".")[0]
        if "." in word and head.isdigit():
            return int(head)
    return None


def find_chromium() -> ChromiumPaths:
    """Return the browser/driver pair to use; BrowserNotFound says what is missing."""
    browser, driver = find_browser(), find_driver()
    if browser is None:
        raise BrowserNotFound(
            "no Chromium found: install Debian's 'chromium chromium-driver' (root) or run "
            "'playwright install chromium', or set WEBBENCH_CHROMIUM"
        )
    if driver is None:
        raise BrowserNotFound(
            "no chromedriver found: install Debian's 'chromium-driver' or set WEBBENCH_CHROMEDRIVER"
        )
    return ChromiumPaths(browser, driver)


def start_selenium_chrome(
    paths: ChromiumPaths,
    window: tuple[int, int] | None = None,
    mark: str | None = None,
    extra_args: tuple[str, ...] = (),
):
    """Return a new Selenium ``webdriver.Chrome`` running headless ``paths.browser`` (with
    ``extra_args`` after the usual flags).

    With ``mark``, the chromedriver and the browser's processes carry ``BROWSER_MARK=mark``
    in their environment, for ``kill_marked(mark)``.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = paths.browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    if window:
        options.add_argument(f"--window-size={window[0]},{window[1]}")
    for flag in extra_args:
        options.add_argument(flag)
    env = {**os.environ, BROWSER_MARK: mark} if mark else None
    service = Service(executable_path=paths.driver, log_output=subprocess.DEVNULL, env=env)
    return webdriver.Chrome(service=service, options=options)


def marked_pids(mark: str, variable: str = BROWSER_MARK) -> list[int]:
    """Return the ids of the live processes whose environment holds ``variable=mark``."""
    needle = f"{variable}={mark}".encode()
    found: list[int] = []
    if not os.path.isdir("/proc"):
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as environ:
                if needle in environ.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_marked(mark: str, timeout: float = 10.0) -> list[int]:
    """SIGKILL every process marked ``mark`` (a browser and its driver); return their ids.

    Returns once none of them is alive, or after ``timeout`` seconds.
    """
    pids = marked_pids(mark)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while pids and marked_pids(mark) and time.monotonic() < deadline:
        time.sleep(0.01)
    return pids
