"""The scripted plans of WebArena-Infinity function tasks pass the official verifiers (plain Playwright)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from webbench.agents.infinity_plans import PLANS, Step
from webbench.browser.chromium import CHROMIUM_FLAGS, find_browser
from webbench.sites.infinity import InfinityServer
from webbench.sites.process import SiteError, wait_for
from webbench.suites._infinity_data import load_tasks
from webbench.suites._infinity_verify import run_verifier

ROOT = Path(__file__).resolve().parents[1]
INFINITY = ROOT.parent / "shared" / "data" / "webarena-infinity"
TIMEOUT_MS = 30_000


def pushed(response) -> bool:
    return response.request.method == "PUT" and response.url.endswith("/api/state")


def act(page, step: Step) -> None:
    target = (
        page.get_by_role(step.role, name=step.name, exact=True)
        if step.name is not None
        else page.get_by_role(step.role)
    )
    target = target.nth(step.nth)
    if step.action == "click":
        target.click()
    elif step.action == "type":
        target.fill(step.text)
    else:
        raise AssertionError(f"unknown plan action {step.action}")


def test_plans_cover_12_tasks_of_3_apps():
    assert len(PLANS) >= 12 and len({task.split("/")[0] for task in PLANS}) >= 3
    assert all(step.action in ("click", "type") for steps in PLANS.values() for step in steps)


@pytest.mark.browser
@pytest.mark.parametrize("app", sorted({task.split("/")[0] for task in PLANS}))
def test_plans_pass_the_official_verifiers(app):
    if not INFINITY.is_dir():
        pytest.skip("../shared/data/webarena-infinity is not beside the project")
    from playwright.sync_api import sync_playwright

    tasks = {t.id: t for t in load_tasks(INFINITY, "function", [app])}
    outcomes = {}
    with InfinityServer(INFINITY / "apps" / app) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(), args=list(CHROMIUM_FLAGS))
        try:
            for task_id, steps in PLANS.items():
                if not task_id.startswith(f"{app}/"):
                    continue
                server.reset()  # the previous context is closed: no page pushes after this
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                with page.expect_response(pushed, timeout=TIMEOUT_MS):
                    page.goto(server.url, timeout=TIMEOUT_MS)
                assert not run_verifier(Path(tasks[task_id].meta["verifier"]), server.url)[0], task_id
                for step in steps:
                    act(page, step)
                verifier = Path(tasks[task_id].meta["verifier"])
                with contextlib.suppress(SiteError):  # the page pushes its new state asynchronously
                    wait_for(lambda v=verifier: run_verifier(v, server.url)[0], 20, task_id)
                outcomes[task_id] = run_verifier(verifier, server.url)
                context.close()
        finally:
            browser.close()
    failed = {task: message for task, (passed, message) in outcomes.items() if not passed}
    assert len(outcomes) == sum(t.startswith(f"{app}/") for t in PLANS) and not failed
