"""Step and reset latency of webbench.browser against a plain Playwright loop on the same page.

Step: one click on a button plus one observation. webbench: ``session.execute(click)`` and
``session.observe()`` (ids injected, DOM snapshot, AX tree per frame, WebArena text). Plain:
``locator.click()`` plus ``Accessibility.getFullAXTree`` and ``DOMSnapshot.captureSnapshot`` over
CDP (the raw data, no text), on the same browser, in the same run, alternating. Reset: new
context + goto + first observation, for webbench only. Prints medians and the step ratio.

    python benchmarks/browser_step.py --steps 40 --resets 15
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser_site import Site  # noqa: E402

from webbench.browser.session import BrowserSession  # noqa: E402
from webbench.core.action import make_action  # noqa: E402


def plain_step(page, cdp) -> float:
    """Return the time of one raw Playwright click plus a CDP AX tree and DOM snapshot."""
    started = time.perf_counter()
    page.locator("#count").click(timeout=10_000)
    cdp.send("DOMSnapshot.captureSnapshot", {"computedStyles": [], "includeDOMRects": True})
    cdp.send("Accessibility.getFullAXTree", {})
    return time.perf_counter() - started


def webbench_step(session: BrowserSession, element_id: str) -> float:
    """Return the time of one webbench click plus observation."""
    started = time.perf_counter()
    error = session.execute(make_action("click", element_id))
    session.observe()
    if error:
        raise RuntimeError(error)
    return time.perf_counter() - started


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--resets", type=int, default=15)
    args = parser.parse_args()
    site = Site()
    url = site.url("actions.html")
    with BrowserSession.launch() as session:
        resets, parts = [], []
        for _ in range(args.resets):
            started = time.perf_counter()
            session.new_episode()
            opened = time.perf_counter()
            session.goto(url)
            loaded = time.perf_counter()
            session.observe()
            resets.append(time.perf_counter() - started)
            parts.append((opened - started, loaded - opened, time.perf_counter() - loaded))
        session.new_episode()
        session.goto(url)
        button = next(e for e in session.observe().elements if e.tag == "button")
        plain_context = session.browser.new_context(viewport={"width": 1280, "height": 720})
        plain_page = plain_context.new_page()
        plain_page.goto(url)
        cdp = plain_context.new_cdp_session(plain_page)
        ours, plain = [], []
        for _ in range(args.steps):
            ours.append(webbench_step(session, button.id))
            plain.append(plain_step(plain_page, cdp))
    site.stop()
    step, raw = statistics.median(ours), statistics.median(plain)
    print(
        f"step: webbench {step * 1000:.1f} ms, plain Playwright {raw * 1000:.1f} ms, ratio {step / raw:.2f}x"
    )
    context, goto, observe = (statistics.median(p[i] for p in parts) * 1000 for i in range(3))
    print(
        f"reset to first observation: median {statistics.median(resets) * 1000:.1f} ms "
        f"(new context {context:.1f}, goto {goto:.1f}, observe {observe:.1f})"
    )


if __name__ == "__main__":
    main()
