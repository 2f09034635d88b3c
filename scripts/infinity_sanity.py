"""No-op sanity check of WebArena-Infinity's function tasks: none may pass on the untouched seed state.

For every app: start its server (its own ``server.py``, on 127.0.0.1), open the app once
in headless Chromium so that the page pushes its seed (``PUT /api/state``; the first push
becomes the server's seed), then for every function task run an episode of an agent that
does nothing, with the episode protocol of the suite:

1. close the previous page's browser context (no stale page may push after the reset);
2. ``POST /api/reset`` (the server state is a copy of the seed when it answers);
3. a fresh context (empty localStorage) opens the app; wait for the response to the
   page's load-time ``PUT /api/state`` (a condition, bounded; not upstream's 0.5 s sleep);
4. the no-op agent acts not at all; the context is closed;
5. the task's own verifier runs against the server.

A task whose verifier passes is a benchmark data bug (its goal already holds at the
start). Prints one line per app and writes the full result as JSON with ``--out``.

    PYTHONPATH=. python scripts/infinity_sanity.py --data ../shared/data/webarena-infinity --out sanity.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, sync_playwright

from webbench.browser.chromium import CHROMIUM_FLAGS, find_browser
from webbench.sites.infinity import InfinityServer
from webbench.suites._infinity_data import apps_dir, default_data, load_tasks
from webbench.suites._infinity_verify import run_verifier

#: Time-out of one page load plus its state push, in seconds.
PAGE_TIMEOUT = 30.0


def is_state_push(response: Any) -> bool:
    """Return True for the response to a page's ``PUT /api/state``."""
    return response.request.method == "PUT" and response.url.split("?")[0].endswith("/api/state")


def open_app(browser: Browser, url: str, timeout: float = PAGE_TIMEOUT) -> BrowserContext:
    """Open the app at ``url`` in a fresh context; return it once the page has pushed its state."""
    context = browser.new_context()
    context.set_default_timeout(timeout * 1000)
    page = context.new_page()
    with page.expect_response(is_state_push, timeout=timeout * 1000) as pushed:
        page.goto(url, wait_until="load", timeout=timeout * 1000)
    if not pushed.value.ok:
        raise RuntimeError(f"{url}: the page's PUT /api/state answered {pushed.value.status}")
    return context


def check_app(browser: Browser, apps: Path, app: str, limit: int | None = None) -> dict[str, Any]:
    """Return the no-op result of the app's function tasks: counts, passing tasks, timings."""
    tasks = load_tasks(apps, "function", [app])[:limit]
    started = time.monotonic()
    passing: list[dict[str, str]] = []
    with InfinityServer(apps / app) as server:
        open_app(browser, server.url).close()
        seed = server.wait_seeded()
        for task in tasks:
            server.reset()
            context = open_app(browser, server.url)
            context.close()
            passed, message = run_verifier(Path(task.meta["verifier"]), server.url)
            if passed:
                passing.append({"task": task.id, "instruction": task.goal, "message": message})
        server.reset()
        after_reset = server.state()
    return {
        "app": app,
        "tasks": len(tasks),
        "passing": passing,
        "reset_restores_seed": after_reset == seed,
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the check; return 1 when a task passes on the seed state, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="upstream checkout (default: the pulled cache)")
    parser.add_argument("--apps", help="comma-separated apps (default: all)")
    parser.add_argument("--limit", type=int, default=None, help="first N function tasks per app")
    parser.add_argument("--out", type=Path, help="write the full result here (JSON)")
    args = parser.parse_args(argv)
    apps = apps_dir(args.data or default_data())
    names = args.apps.split(",") if args.apps else sorted(p.name for p in apps.iterdir() if p.is_dir())
    executable = find_browser()
    if executable is None:
        print("infinity_sanity: no Chromium found (set WEBBENCH_CHROMIUM)", file=sys.stderr)
        return 2
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS))
        try:
            for app in names:
                result = check_app(browser, apps, app, args.limit)
                results.append(result)
                ids = ", ".join(p["task"] for p in result["passing"]) or "none"
                print(f"{app}: {result['tasks']} tasks, pass on the seed: {ids} ({result['seconds']} s)")
        finally:
            browser.close()
    total = sum(r["tasks"] for r in results)
    passing = [p for r in results for p in r["passing"]]
    print(f"total: {total} function tasks, {len(passing)} pass with a no-op agent")
    if args.out:
        args.out.write_text(json.dumps({"total": total, "apps": results}, indent=1) + "\n", encoding="utf-8")
    return 1 if passing else 0


if __name__ == "__main__":
    sys.exit(main())
