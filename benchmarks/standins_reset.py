"""Reset time of the WebArena stand-in sites (envs/): ``StandinSites.reset`` after a state change.

Each round changes a site's state over HTTP (the shop: a review through the storefront;
the forum: a submission; the code host: a new issue), then times ``reset(site)`` (the
HTTP call to ``POST /__webbench__/reset`` included). Prints the median and the worst
per site; the goal is well under 1 s.

    python benchmarks/standins_reset.py --rounds 50
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from webbench.sites.standins import standin_sites  # noqa: E402

CHANGES = {
    "shopping": (
        "SHOPPING",
        "/review/product/post/id/1/",
        {"nickname": "bench", "title": "t", "detail": "d"},
    ),
    "reddit": ("REDDIT", "/login_check", {"_username": "MarvelsGrantMan136", "_password": "test1234"}),
    "gitlab": ("GITLAB", "/users/sign_in", {"user[login]": "byteblaze", "user[password]": "hello1234"}),
}
AFTER_LOGIN = {
    "reddit": ("/submit/books", {"submission[title]": "bench", "submission[forum]": "books"}),
    "gitlab": ("/byteblaze/planner/-/issues", {"issue[title]": "bench"}),
}


def change(opener: urllib.request.OpenerDirector, base: str, site: str) -> None:
    """Make one state change on ``site`` (logging in first where it needs a login)."""
    _, path, data = CHANGES[site]
    steps = [(path, data)] + ([AFTER_LOGIN[site]] if site in AFTER_LOGIN else [])
    for step_path, step_data in steps:
        body = urllib.parse.urlencode(step_data).encode()
        opener.open(urllib.request.Request(base + step_path, body, method="POST"), timeout=10).close()


def main() -> None:
    """Time ``--rounds`` resets per site and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    with standin_sites(CHANGES) as sites:
        for site, (variable, _, _) in CHANGES.items():
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            times = []
            for _ in range(args.rounds):
                change(opener, sites.urls[variable], site)
                started = time.perf_counter()
                sites.reset(site)
                times.append((time.perf_counter() - started) * 1000)
            median, worst = statistics.median(times), max(times)
            print(f"{site:9} reset: median {median:.2f} ms, max {worst:.2f} ms ({args.rounds} rounds)")


if __name__ == "__main__":
    main()
