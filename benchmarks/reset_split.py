"""Where a reset to first observation goes on a WebArena-Infinity app: ours against the app's load.

For ``--resets`` episodes on one ``BrowserSession``: ``end_episode`` and the app's
``POST /api/reset`` (not timed), then ``new_episode``, ``goto`` (to the load event) and the first
``observe``, each timed; after ``goto`` the page's own navigation timing (HTML received,
DOMContentLoaded end, load event end, from navigation start) says how much of ``goto`` is the
app's own load. Medians are printed.

    python benchmarks/reset_split.py [--resets 12] [--app APP_DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT  # noqa: E402

from webbench.browser.session import BrowserSession  # noqa: E402
from webbench.sites.infinity import InfinityServer  # noqa: E402

APP = ROOT.parent / "shared" / "data" / "webarena-infinity" / "apps" / "gmail"
NAVIGATION_JS = (
    "() => { const n = performance.getEntriesByType('navigation')[0];"
    " return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]; }"
)
PARTS = ("new_episode", "goto", "observe", "page: HTML received", "page: DOMContentLoaded", "page: load")


def main() -> None:
    """Run the resets and print the median of each part in ms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resets", type=int, default=12)
    parser.add_argument("--app", type=Path, default=APP, help="a WebArena-Infinity app folder")
    args = parser.parse_args()
    server = InfinityServer(args.app)
    rows = []
    try:
        url = server.start()
        with BrowserSession.launch() as session:
            for _ in range(args.resets):
                session.end_episode()
                server.reset()
                started = time.perf_counter()
                session.new_episode()
                opened = time.perf_counter()
                if session.goto(url):
                    raise RuntimeError(f"{url} did not load")
                loaded = time.perf_counter()
                page = session.page.evaluate(NAVIGATION_JS)
                before_observe = time.perf_counter()
                session.observe()
                done = time.perf_counter()
                ours = [(opened - started) * 1000, (loaded - opened) * 1000, (done - before_observe) * 1000]
                rows.append(ours + page)
    finally:
        server.stop()
    for index, name in enumerate(PARTS):
        print(f"{name}: {statistics.median(row[index] for row in rows):.0f} ms")


if __name__ == "__main__":
    main()
