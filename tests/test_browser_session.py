"""End-to-end tests of webbench.browser: a real Chromium on fixture pages served on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from browser_site import Site
from conftest import ROOT, marked_env, marked_processes, wait_until

from webbench.browser.session import BrowserSession
from webbench.core.action import parse_action

pytestmark = pytest.mark.browser

TREE_OFF = """Tab 0 (current): Tree fixture

[0] RootWebArea 'Tree fixture' focused: True url: BASE/tree.html
\t[7] heading 'Shop'
\t[11] link 'Home' url: BASE/tree.html#home
\t[14] StaticText 'Welcome to the shop'
\t[18] ListMarker '• '
\t[19] StaticText 'First'
\t[20] textbox 'Search' required: False
\t[21] button 'Partly'
\t[23] button 'Far'
\t[25] textbox 'Zero' required: False"""


@pytest.fixture(scope="module")
def sites():
    cross = Site(host_name="localhost")
    main = Site(cross=cross.base)
    yield main, cross
    main.stop()
    cross.stop()


@pytest.fixture(scope="module")
def session():
    with BrowserSession.launch() as browser:
        yield browser


@pytest.fixture
def site(sites):
    return sites[0]


def act(session: BrowserSession, text: str, timeout: float = 10.0) -> str | None:
    return session.execute(parse_action(text), timeout=timeout)


def find(obs, role: str, name: str):
    return next(e for e in obs.elements if e.tag == role and e.text == name)


def test_axtree_text_matches_the_official_rules(session, site):
    # Written by hand from LIVE-SUITES 1.5: ids are bid.js's document-order numbers (text nodes
    # count); the empty divs, the paragraphs, the list and its item are skipped; the StaticText
    # of the heading, link and buttons repeats the line above and is dropped, and so is
    # 'Welcome', which occurs in the line before it.
    session.new_episode(pruning="off")
    assert session.goto(site.url("tree.html")) is None
    assert session.observe().text.replace(site.base, "BASE") == TREE_OFF
    # official pruning: the button 2000 px down and the zero-size input go; the button 60 %
    # outside the window stays (the formula multiplies by the height instead of dividing)
    session.new_episode(pruning="official")
    session.goto(site.url("tree.html"))
    official = session.observe().text.replace(site.base, "BASE")
    assert official == TREE_OFF.replace("\n\t[23] button 'Far'", "").replace(
        "\n\t[25] textbox 'Zero' required: False", ""
    )
    session.new_episode(pruning="corrected")
    session.goto(site.url("tree.html"))
    corrected = session.observe().text.replace(site.base, "BASE")
    assert corrected == official.replace("\n\t[21] button 'Partly'", "")


def test_elements_have_page_boxes_and_properties(session, site):
    session.new_episode(pruning="off")
    session.goto(site.url("tree.html"))
    obs = session.observe()
    far = find(obs, "button", "Far")
    assert far.bbox is not None and far.bbox[1] == pytest.approx(2000, abs=1)
    assert find(obs, "textbox", "Search").attrs == {"required": "False"}
    assert obs.url == site.url("tree.html") and obs.tabs == ["Tree fixture"]
    assert len({e.id for e in obs.elements}) == len(obs.elements)


def test_ids_are_stable_across_a_dom_change_and_a_navigation_back(session, site):
    session.new_episode()
    session.goto(site.url("ids.html"))
    first = session.observe()
    target, add = find(first, "link", "Target"), find(first, "button", "Add")
    assert act(session, f'click("{add.id}")') is None
    second = session.observe()
    assert find(second, "link", "Target").id == target.id
    added = next(e for e in second.elements if e.tag == "StaticText" and e.text == "Added")
    assert int(added.id) > max(int(e.id) for e in first.elements)
    assert act(session, f'click("{target.id}")') is None
    assert "Tree fixture" in session.observe().text
    assert act(session, "go_back()") is None
    assert find(session.observe(), "link", "Target").id == target.id


def test_iframes_same_and_cross_origin(session, sites):
    site, cross = sites
    session.new_episode()
    session.goto(site.url("frames.html"))
    obs = session.observe()
    buttons = [e for e in obs.elements if e.tag == "button" and e.text == "Frame button"]
    assert len(buttons) == 2 and len({b.id for b in buttons}) == 2
    assert find(obs, "button", "Top button").id != buttons[0].id
    xs = sorted(b.bbox[0] for b in buttons)
    assert xs[0] == pytest.approx(100, abs=1) and xs[1] == pytest.approx(500, abs=1)
    assert obs.text.count("RootWebArea 'Inner'") == 2
    cross_button = max(buttons, key=lambda b: b.bbox[0])
    assert act(session, f'click("{cross_button.id}")') is None
    host = cross.base.split("//")[1]
    assert f"Pressed in {host}" in session.observe().text


def test_detached_frame_is_skipped_not_fatal(session, site):
    session.new_episode()
    session.goto(site.url("frames.html"))
    session.observe()
    session.page.evaluate("document.getElementById('same').remove()")
    obs = session.observe()
    assert obs.text.count("RootWebArea 'Inner'") == 1


def test_set_of_marks_differs_and_is_removed(session, site):
    session.new_episode()
    session.goto(site.url("actions.html"))
    before = session.observe(screenshot=True, marks=True)
    assert before.screenshot and before.marked and before.screenshot != before.marked
    assert before.marked.startswith(b"\x89PNG")
    assert session.page.evaluate("document.getElementById('__webbench_marks__')") is None
    after = session.observe(screenshot=True)
    assert after.text == before.text and after.screenshot == before.screenshot


def test_every_action(session, site):
    session.new_episode()
    session.goto(site.url("actions.html"))
    obs = session.observe()
    count = find(obs, "button", "Click me")
    assert act(session, f'click("{count.id}")') is None
    assert "button 'Clicked 1'" in session.observe().text
    field = find(obs, "textbox", "Field")
    assert act(session, f'type("{field.id}", "new")') is None
    assert session.page.input_value("#field") == "new"
    assert act(session, f'select("{find(obs, "combobox", "Colour").id}", "Green")') is None
    assert session.page.eval_on_selector("select", "s => s.value") == "g"
    hover = next(e for e in obs.elements if e.tag == "StaticText" and e.text == "Hover me")
    assert act(session, f'hover("{hover.id}")') is None
    assert "Hovered" in session.observe().text
    assert act(session, 'press("Meta")') is None
    assert "Key Control" in session.observe().text
    assert act(session, 'scroll("down")') is None
    assert session.page.evaluate("window.scrollY") == 720
    assert act(session, 'scroll("up")') is None
    assert session.page.evaluate("window.scrollY") == 0
    for text in ('answer("done")', 'say("hi")', "noop()"):
        assert act(session, text) is None
    assert act(session, f'goto("{site.url("tree.html")}")') is None
    assert act(session, "go_back()") is None and session.page.url == site.url("actions.html")
    assert act(session, "go_forward()") is None and session.page.url == site.url("tree.html")


def test_webarena_style_type_appends_and_off_screen_is_an_error(session, site):
    session.new_episode(action_style="webarena", pruning="off")
    session.goto(site.url("actions.html"))
    obs = session.observe()
    assert act(session, f'type("{find(obs, "textbox", "Field").id}", "er", enter=True)') is None
    assert session.page.input_value("#field") == "older"
    error = act(session, f'click("{find(obs, "button", "Far away").id}")')
    assert error and "outside the viewport" in error


def test_step_errors_unknown_detached_hidden(session, site):
    session.new_episode()
    session.goto(site.url("actions.html"))
    obs = session.observe()
    assert "not on the page" in act(session, 'click("999999")')
    vanish = find(obs, "button", "Vanish")
    session.page.evaluate("document.getElementById('vanish').remove()")
    assert "not on the page" in act(session, f'click("{vanish.id}")')
    session.page.evaluate("document.getElementById('count').style.display = 'none'")
    assert "not visible" in act(session, f'click("{find(obs, "button", "Click me").id}")')
    assert "tab" in act(session, "switch_tab(5)")


def test_tabs(session, site):
    session.new_episode()
    session.goto(site.url("actions.html"))
    assert act(session, "new_tab()") is None
    session.goto(site.url("tree.html"))
    obs = session.observe()
    assert obs.tabs == ["Actions", "Tree fixture"]
    assert obs.text.startswith("Tab 0: Actions | Tab 1 (current): Tree fixture\n\n")
    assert act(session, "switch_tab(0)") is None
    assert session.observe().text.startswith("Tab 0 (current): Actions | Tab 1: Tree fixture\n\n")
    popup = find(session.observe(), "link", "Popup")
    assert act(session, f'click("{popup.id}")') is None
    assert wait_until(lambda: session.observe().tabs == ["Actions", "Tree fixture", "Tree fixture"])
    assert session.observe().text.startswith("Tab 0: Actions | Tab 1: Tree fixture | Tab 2 (current)")
    assert act(session, "close_tab()") is None
    assert len(session.tabs()) == 2


def test_hanging_script_and_endless_navigation_give_errors(session, site):
    session.new_episode()
    session.goto(site.url("hang.html"))
    obs = session.observe()
    error = act(session, f'click("{find(obs, "button", "Hang forever").id}")', timeout=1.0)
    assert error and "Timeout" in error
    assert "button 'Hang forever'" in session.observe(timeout=2.0).text
    error = act(session, f'goto("{site.url("never")}")', timeout=1.0)
    assert error and "Timeout" in error
    assert "Hang forever" in session.observe().text


def test_har_file_holds_the_page_requests(session, site, tmp_path):
    har = tmp_path / "episode.har"
    session.new_episode(har_path=har)
    session.goto(site.url("har.html"))
    session.end_episode()
    entries = json.loads(har.read_text())["log"]["entries"]
    urls = [entry["request"]["url"] for entry in entries]
    assert site.url("har.html") in urls and site.url("har.css") in urls
    css = next(e for e in entries if e["request"]["url"] == site.url("har.css"))
    assert "green" in css["response"]["content"]["text"]


CHILD = """
import os, sys
from webbench.browser.session import BrowserSession
s = BrowserSession.launch()
s.new_episode()
print(s.pid, os.getpgid(s.pid), os.getpgrp(), flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("kill_group", [True, False])
def test_nothing_left_when_the_worker_is_killed(kill_group):
    mark = f"browser-kill-{os.getpid()}-{kill_group}"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**marked_env(mark), "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        chromium, chromium_group, worker_group = (int(x) for x in proc.stdout.readline().split())
        assert chromium_group == worker_group
        assert marked_processes(mark)
        if kill_group:
            os.killpg(worker_group, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait()
        assert wait_until(lambda: not marked_processes(mark), timeout=30), marked_processes(mark)
    finally:
        if proc.poll() is None:
            proc.kill()
        assert (
            not Path(f"/proc/{chromium}").exists()
            or "Z" in Path(f"/proc/{chromium}/stat").read_text().split()[2]
        )


LEAVE_STATE = """async () => {
  document.cookie = "leak=1; max-age=3600";
  localStorage.setItem("leak", "1");
  sessionStorage.setItem("leak", "1");
  await new Promise((done) => { const r = indexedDB.open("leak"); r.onsuccess = done; r.onerror = done; });
  return true;
}"""
READ_STATE = """async () => ({
  cookie: document.cookie,
  local: localStorage.getItem("leak"),
  session: sessionStorage.getItem("leak"),
  databases: (await indexedDB.databases()).map((d) => d.name),
  geolocation: (await navigator.permissions.query({ name: "geolocation" })).state,
})"""
CLEAN = {"cookie": "", "local": None, "session": None, "databases": [], "geolocation": "prompt"}


def _dirty_episode(session: BrowserSession, url: str, **options) -> None:
    session.new_episode(**options)
    assert session.goto(url) is None
    session.page.context.grant_permissions(["geolocation"])
    assert session.page.evaluate(LEAVE_STATE) is True
    dirty = session.page.evaluate(READ_STATE)
    assert dirty["local"] == "1" and dirty["databases"] == ["leak"] and dirty["geolocation"] == "granted"
    session.end_episode()


@pytest.mark.parametrize(
    "first, second",
    [({}, {}), ({}, {"viewport": (800, 600)}), ({"har": True}, {}), ({}, {"har": True})],
    ids=["plain-then-plain", "viewport-changes", "har-then-plain", "plain-then-har"],
)
def test_nothing_leaks_between_episodes(session, site, tmp_path, first, second):
    # Whether the next episode takes the context opened when the last one ended or a new one
    # (HAR, another viewport), it starts with no cookie, storage, database or permission,
    # one blank tab and the viewport it asked for.
    def options(spec: dict, name: str) -> dict:
        extra = {"har_path": tmp_path / f"{name}.har"} if spec.get("har") else {}
        return {**extra, **({"viewport": spec["viewport"]} if "viewport" in spec else {})}

    url = site.url("actions.html")
    _dirty_episode(session, url, **options(first, "first"))
    session.new_episode(**options(second, "second"))
    assert [tab.url for tab in session.tabs()] == ["about:blank"]
    assert session.goto(url) is None
    assert session.page.evaluate(READ_STATE) == CLEAN
    assert session.page.context.cookies() == []
    width, height = second.get("viewport", (1280, 720))
    assert session.page.evaluate("[innerWidth, innerHeight]") == [width, height]
    session.end_episode()


def test_settle_waits_for_what_a_handler_renders_after_a_frame(session, site):
    session.new_episode()
    assert session.goto(site.url("later.html")) is None
    assert act(session, f'click("{find(session.observe(), "button", "Later").id}")') is None
    session.settle()
    assert "StaticText 'Rendered later'" in session.observe().text
    session.end_episode()
