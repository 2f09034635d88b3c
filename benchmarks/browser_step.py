"""Step, reset, memory and throughput of webbench.browser against a plain Playwright loop.

Two pages: the fixture ``tests/fixtures/browser/actions.html`` (a click on a counter button)
and a WebArena-Infinity app served by its own server (``--app``, gmail by default: a click on
the "Social", then the "Primary" category tab, which re-renders the message list).

- Step: webbench ``session.execute(click)`` + ``session.observe()`` (ids injected, DOM snapshot,
  AX tree per frame, WebArena text) against plain Playwright ``locator.click()`` +
  ``DOMSnapshot.captureSnapshot`` + ``Accessibility.getFullAXTree`` over CDP (raw data, no text),
  on the same browser, in the same run, alternating.
- Reset: webbench ``end_episode`` (before the timer) [+ the app's ``POST /api/reset``] +
  ``new_episode`` + ``goto`` + ``observe``, against plain ``context.close`` [+ reset] +
  ``new_context`` + ``new_page`` + ``goto`` + snapshot + AX tree; "cycle" includes the close.
- Memory (app page): peak PSS of one worker process and all its descendants (Playwright's
  driver, Chromium), sampled after each step and each reset (a new episode every 10 steps),
  webbench and plain each in a process of its own.
- Throughput (app page): ``--workers N`` processes, each with its own app server and browser,
  running the same step loop at once, against one process; webbench and plain.

    python benchmarks/browser_step.py --steps 30 --resets 10 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _common import ROOT, tree_pss_kb  # noqa: E402
from browser_site import Site  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from webbench.browser.chromium import find_browser  # noqa: E402
from webbench.browser.session import BrowserSession, _flags  # noqa: E402
from webbench.core.action import make_action  # noqa: E402
from webbench.sites.infinity import InfinityServer  # noqa: E402

APP = ROOT.parent / "shared" / "data" / "webarena-infinity" / "apps" / "gmail"
SNAPSHOT = {"computedStyles": [], "includeDOMRects": True}
KINDS = ("webbench", "plain")
#: The memory run starts a new episode every this many steps (the peak includes the resets).
EPISODE_STEPS = 10
VIEWPORT = {"width": 1280, "height": 720}


@dataclass(frozen=True)
class Target:
    """What the step loop clicks on a page: by accessible name (webbench) and by CSS (plain)."""

    names: tuple[str, ...]
    selectors: tuple[str, ...]

    def name(self, step: int) -> str:
        """Return the name prefix of the button clicked at ``step``."""
        return self.names[step % len(self.names)]

    def selector(self, step: int) -> str:
        """Return the CSS selector of the button clicked at ``step``."""
        return self.selectors[step % len(self.selectors)]


FIXTURE = Target(("Click",), ("#count",))
TABS = Target(
    ("Social", "Primary"),
    ('[data-testid="category-tab-social"]', '[data-testid="category-tab-primary"]'),
)


class WebbenchLoop:
    """The step loop through ``BrowserSession``: the target's id is read from the last observation."""

    def __init__(self, session: BrowserSession, url: str, target: Target) -> None:
        self.session, self.url, self.target = session, url, target
        self.obs = None

    def reset(self, server: InfinityServer | None) -> tuple[float, float]:
        """Start an episode on the page; return (reset, cycle) seconds (cycle includes the close)."""
        started = time.perf_counter()
        self.session.end_episode()
        if server is not None:
            server.reset()
        opened = time.perf_counter()
        self.session.new_episode()
        if self.session.goto(self.url):
            raise RuntimeError(f"{self.url} did not load")
        self.obs = self.session.observe()
        done = time.perf_counter()
        return done - opened, done - started

    def step(self, step: int) -> float:
        """Return the time of one click on the step's target plus one observation."""
        started = time.perf_counter()
        prefix = self.target.name(step)
        target = next(e for e in self.obs.elements if e.tag == "button" and e.text.startswith(prefix))
        error = self.session.execute(make_action("click", target.id))
        self.obs = self.session.observe()
        if error:
            raise RuntimeError(error)
        return time.perf_counter() - started

    def close(self) -> None:
        """End the episode (the session is the caller's)."""
        self.session.end_episode()


class PlainLoop:
    """The same loop in plain Playwright: CSS locator click, raw snapshot and AX tree."""

    def __init__(self, browser, url: str, target: Target) -> None:
        self.browser, self.url, self.target = browser, url, target
        self.context = self.page = self.cdp = None

    def reset(self, server: InfinityServer | None) -> tuple[float, float]:
        """Start an episode on the page; return (reset, cycle) seconds (cycle includes the close)."""
        started = time.perf_counter()
        self.close()
        if server is not None:
            server.reset()
        opened = time.perf_counter()
        self.context = self.browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        self.page = self.context.new_page()
        self.page.goto(self.url, wait_until="load")
        self.cdp = self.context.new_cdp_session(self.page)
        self._read()
        done = time.perf_counter()
        return done - opened, done - started

    def _read(self) -> None:
        self.cdp.send("DOMSnapshot.captureSnapshot", SNAPSHOT)
        self.cdp.send("Accessibility.getFullAXTree", {})

    def step(self, step: int) -> float:
        """Return the time of one click on the step's target plus the raw snapshot and AX tree."""
        started = time.perf_counter()
        self.page.locator(self.target.selector(step)).click(timeout=10_000)
        self._read()
        return time.perf_counter() - started

    def close(self) -> None:
        """Close the loop's context, if any."""
        if self.context is not None:
            self.context.close()
            self.context = None


def _median_ms(values) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def compare(label: str, session, url: str, target: Target, steps: int, resets: int, server=None) -> None:
    """Print the step and reset medians of webbench and plain on one page, alternating."""
    ours, plain = WebbenchLoop(session, url, target), PlainLoop(session.browser, url, target)
    reset_ours, reset_plain = [], []
    for _ in range(resets):
        reset_ours.append(ours.reset(server))
        reset_plain.append(plain.reset(server))
    ours.reset(None)  # no site reset now: it would re-render the other loop's open page
    plain.reset(None)
    step_ours, step_plain = [], []
    for step in range(steps):
        step_ours.append(ours.step(step))
        step_plain.append(plain.step(step))
    ours.close()
    plain.close()
    s_ours, s_plain = statistics.median(step_ours), statistics.median(step_plain)
    print(
        f"{label} step: webbench {s_ours * 1000:.1f} ms, plain {s_plain * 1000:.1f} ms, "
        f"ratio {s_ours / s_plain:.2f}x ({steps} steps each)"
    )
    r_ours, r_plain = (statistics.median(r[0] for r in runs) for runs in (reset_ours, reset_plain))
    print(
        f"{label} reset to first observation: webbench {r_ours * 1000:.1f} ms, plain "
        f"{r_plain * 1000:.1f} ms, ratio {r_ours / r_plain:.2f}x; with the previous episode's close: "
        f"webbench {_median_ms(r[1] for r in reset_ours)}, plain {_median_ms(r[1] for r in reset_plain)}"
    )


def worker(kind: str, url: str, target: Target, steps: int, sample: bool, ready, start, results) -> None:
    """Run one process's step loop on ``url`` after ``start``; put (kind, wall s, peak PSS kB)."""
    with contextlib.ExitStack() as stack:
        if kind == "webbench":
            loop = WebbenchLoop(stack.enter_context(BrowserSession.launch()), url, target)
        else:
            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(executable_path=find_browser(), args=_flags())
            stack.callback(browser.close)
            loop = PlainLoop(browser, url, target)
        stack.callback(loop.close)
        try:
            loop.reset(None)
            loop.step(1)
        except Exception as exc:
            ready.put(f"{kind} worker failed: {exc}")
            raise
        peak = tree_pss_kb() if sample else 0
        ready.put("")
        start.wait()
        started = time.perf_counter()
        for step in range(steps):
            if sample and step and step % EPISODE_STEPS == 0:
                loop.reset(None)
                peak = max(peak, tree_pss_kb())
            loop.step(step)
            if sample:
                peak = max(peak, tree_pss_kb())
        results.put((kind, time.perf_counter() - started, peak))


def run_workers(
    kind: str, urls: list[str], steps: int, sample: bool, target: Target = TABS
) -> list[tuple[str, float, int]]:
    """Run ``len(urls)`` worker processes at once (one app server each); return their results."""
    spawn = multiprocessing.get_context("spawn")
    ready, results, start = spawn.Queue(), spawn.Queue(), spawn.Event()
    procs = [
        spawn.Process(target=worker, args=(kind, url, target, steps, sample, ready, start, results))
        for url in urls
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        problem = ready.get(timeout=120)
        if problem:
            raise RuntimeError(problem)
    start.set()
    out = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(30)
    return out


def load(app: Path, steps: int, workers: int) -> None:
    """Print peak PSS per worker and the throughput ratio of ``workers`` processes against one."""
    servers = [InfinityServer(app) for _ in range(max(workers, 1))]
    site = Site()
    try:
        urls = [server.start() for server in servers]
        pages = (("fixture", site.url("actions.html"), FIXTURE), ("app", urls[0], TABS))
        for label, url, target in pages:
            ours, plain = (run_workers(kind, [url], steps, True, target)[0][2] / 1024 for kind in KINDS)
            print(
                f"{label} peak PSS per worker (process + driver + Chromium, {steps} steps, a reset "
                f"every {EPISODE_STEPS}): webbench {ours:.0f} MB, plain {plain:.0f} MB, "
                f"ratio {ours / plain:.2f}x"
            )
        if workers < 2:
            return
        for kind in KINDS:
            rates = {}
            for n in (1, workers):
                results = run_workers(kind, urls[:n], steps, False)
                rates[n] = n * steps / max(wall for _, wall, _ in results)
            print(
                f"app throughput {kind}: {rates[1]:.1f} steps/s with 1 worker, {rates[workers]:.1f} with "
                f"{workers}: ratio {rates[workers] / rates[1]:.2f}x"
            )
    finally:
        site.stop()
        for server in servers:
            server.stop()


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--resets", type=int, default=10)
    parser.add_argument("--app", type=Path, default=APP, help="a WebArena-Infinity app folder")
    parser.add_argument("--workers", type=int, default=2, help="processes for the throughput ratio (1: skip)")
    args = parser.parse_args()
    site, server = Site(), InfinityServer(args.app)
    try:
        url = server.start()
        with BrowserSession.launch() as session:
            compare("fixture", session, site.url("actions.html"), FIXTURE, args.steps, args.resets)
            compare("app", session, url, TABS, args.steps, args.resets, server)
    finally:
        site.stop()
        server.stop()
    load(args.app, args.steps, args.workers)


if __name__ == "__main__":
    main()
