"""WebArena-Infinity app servers: the apps' own server.py on 127.0.0.1, health, seed and reset, clean stops."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from webbench.browser.chromium import CHROMIUM_FLAGS, find_browser
from webbench.sites.infinity import InfinityServer, InfinitySites
from webbench.sites.process import SiteError, wait_for

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT.parent / "shared" / "data" / "webarena-infinity" / "apps"


@pytest.fixture(scope="module")
def apps() -> Path:
    if not APPS.is_dir():
        pytest.skip("../shared/data/webarena-infinity is not beside the project")
    return APPS


def gone(pid: int) -> bool:
    """Return True when no process ``pid`` exists (a zombie counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


def listening(pid: int) -> list[str]:
    """Return the local addresses process ``pid`` listens on (TCP), from ``ss -ltnp``."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, timeout=30, check=True).stdout
    return [line.split()[3] for line in out.splitlines() if re.search(rf"pid={pid},", line)]


def put_state(url: str, state: dict) -> None:
    body = json.dumps(state).encode()
    request = urllib.request.Request(f"{url}/api/state", body, method="PUT")
    urllib.request.urlopen(request, timeout=10).close()


def test_serves_the_app_on_loopback_only(apps):
    with InfinityServer(apps / "gmail") as server:
        pid, port = server.process.pgid, server.process.port
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert listening(pid) == [f"127.0.0.1:{server.process.port}"]
        with urllib.request.urlopen(server.url + "/", timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        with urllib.request.urlopen(server.url + "/js/state.js", timeout=10) as script:
            assert b"_pushStateToServer" in script.read()  # files come from the app folder
        assert server.healthy() and server.state() is None and not server.seeded()
    assert gone(pid)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)


def test_first_push_is_the_seed_and_reset_restores_it(apps):
    with InfinityServer(apps / "xero-invoicing") as server:
        assert server.reset() == {
            "status": "ok",
            "action": "reset",
            "seed_restored": False,
            "clients_notified": 0,
        }
        assert server.state() is None  # no page pushed yet: nothing to restore
        put_state(server.url, {"v": 1})
        assert server.wait_seeded(timeout=5) == {"v": 1}
        put_state(server.url, {"v": 2})
        assert server.state() == {"v": 2}
        assert server.reset()["seed_restored"] is True
        assert server.state() == {"v": 1}


def test_stop_leaves_nothing_and_a_dead_server_is_restarted(apps):
    sites = InfinitySites(apps)
    first = sites.server("gmail")
    pid, url = first.process.pgid, first.url
    assert sites.server("gmail") is first and first.url == url  # one server per app
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not first.alive(), 10, "killed server")
    with pytest.raises(SiteError, match=r"gmail: GET /api/state failed: .*\(server exited"):
        first.state()
    again = sites.server("gmail")
    assert again is first and again.alive() and again.process.pgid != pid and again.healthy()
    other = sites.server("paypal-my-wallet")
    pids = [again.process.pgid, other.process.pgid]
    sites.close()
    assert all(gone(p) for p in pids) and not again.alive()
    sites.close()  # idempotent


def test_servers_die_with_a_sigkilled_parent(apps, tmp_path):
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from webbench.sites.infinity import InfinityServer\n"
        f"s = InfinityServer(Path({str(apps / 'gmail')!r}))\n"
        "s.start()\n"
        "print(s.process.pgid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        pid = int(parent.stdout.readline())
        assert not gone(pid)
        parent.kill()
        parent.wait(timeout=30)
        wait_for(lambda: gone(pid), 20, "app server of a SIGKILLed parent")
    finally:
        parent.kill()
        parent.wait()


def test_a_broken_app_is_a_one_line_error(tmp_path):
    with pytest.raises(SiteError, match="no server.py"):
        InfinityServer(tmp_path / "none").start()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "server.py").write_text("raise RuntimeError('seed data missing')\n")
    with pytest.raises(
        SiteError, match=r"broken: exited before listening \(.*RuntimeError: seed data missing"
    ):
        InfinityServer(broken).start(timeout=30)


@pytest.mark.browser
def test_the_page_pushes_its_seed_and_reloads_on_reset(apps):
    from playwright.sync_api import sync_playwright

    def pushed(response) -> bool:
        return response.request.method == "PUT" and response.url.endswith("/api/state")

    with InfinityServer(apps / "gmail") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(), args=list(CHROMIUM_FLAGS))
        try:
            page = browser.new_page()
            with page.expect_response(pushed, timeout=30_000):
                page.goto(server.url, timeout=30_000)
            seed = server.wait_seeded(timeout=30)
            assert [e["isRead"] for e in seed["emails"] if e["subject"] == "Q1 Product Roadmap Review"] == [
                False
            ]
            with page.expect_response(pushed, timeout=30_000):
                page.get_by_text("Q1 Product Roadmap Review").first.click()  # opening an email marks it read
            assert server.state() != seed
            with page.expect_response(pushed, timeout=30_000):  # the SSE reset event: the page pushes again
                assert server.reset()["clients_notified"] >= 1
            assert server.state() == seed
        finally:
            browser.close()


@pytest.mark.browser
def test_the_sanity_script_runs_no_op_episodes(apps, tmp_path):
    out = tmp_path / "sanity.json"
    result = subprocess.run(
        [
            sys.executable,
            "scripts/infinity_sanity.py",
            "--data",
            str(apps),
            "--apps",
            "gmail",
            "--limit",
            "2",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "total: 2 function tasks, 0 pass with a no-op agent"
    [app] = json.loads(out.read_text())["apps"]
    assert app["app"] == "gmail" and app["passing"] == [] and app["reset_restores_seed"] is True
