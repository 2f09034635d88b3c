"""The HTML report opened in headless Chromium (Playwright): sorting, links, no errors, no injection.

Screenshots land in test-output/ (gitignored) for a reviewer to look at.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import ROOT, read_jsonl, webbench
from report_runs import make_run

pytestmark = pytest.mark.browser

OUTPUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
# Each payload sets a page-side flag if it ever runs.
SCRIPT = "</script><script>window.__pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
PAYLOAD = f"{SCRIPT}{IMG}<b>bold?</b>"
# 1x1 PNG
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no /usr/bin/chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--headless=new", "--disable-gpu"]
        )
        yield browser
        browser.close()


def open_page(browser, url: str):
    """Return (page, errors): a page at ``url`` collecting console errors and page errors."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, errors


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    """A report over two runs whose goal, answer, page text, task id and agent name carry payloads."""
    root = tmp_path_factory.mktemp("hostile")
    steps = [
        {
            "step": 0,
            "observation": {"url": "javascript:window.__pwned='url'"},
            "action": f'type("3", "{IMG}")',
            "error": f"the page says: {PAYLOAD}",
            "agent_s": 0.5,
            "env_s": 0.25,
            "screenshot": "shots/step-000.png",
            "agent": {
                "usage": {"input_tokens": 120, "output_tokens": 7, "cost_usd": 0.0003},
                "thought": PAYLOAD,
            },
        },
        {
            "step": 1,
            "observation": {"url": "http://127.0.0.1/"},
            "action": 'answer("x")',
            "screenshot": "../../../etc/passwd",
        },
    ]
    evil = make_run(
        root,
        "evil",
        f"evil-agent{IMG}",
        {f"task{IMG}": [True, False], "plain-task": [False, False]},
        goal=f"Find the price. {PAYLOAD}",
        record_extra={
            "answer": f"The answer is {PAYLOAD}",
            "details": {"judge": f"NOT SUCCESS: the page text was {PAYLOAD}", "page_text": PAYLOAD},
            "usage": {"input_tokens": 120, "output_tokens": 7, "cost_usd": 0.0003},
        },
        steps=steps,
    )
    (evil / "trajectories" / "shots").mkdir()
    (evil / "trajectories" / "shots" / "step-000.png").write_bytes(PIXEL)
    good = make_run(root, "good", "careful-agent", {f"task{IMG}": [True, True], "plain-task": [True, False]})
    out = root / "report" / "report.html"
    result = webbench("report", str(evil), str(good), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_report_loads_without_errors_and_nothing_injected_runs(browser, hostile_report: Path) -> None:
    page, errors = open_page(browser, hostile_report.as_uri())
    assert page.title() == "webbench report"
    assert page.locator("table.board tbody tr").count() >= 2
    count = page.evaluate("JSON.parse(document.getElementById('webbench-data').textContent).episodes.length")
    assert count == 8
    for index in range(count):  # every episode page, where goal, answer, page text and errors are shown
        page.evaluate(f"location.hash = '#ep-{index}'")
        page.wait_for_selector("#episode h2")
        assert page.is_visible("#episode-view") and not page.is_visible("#report")
    page.evaluate("location.hash = '#ep-0'")
    page.wait_for_selector("#episode .goal")
    assert page.inner_text("#episode .goal") == "Find the price. " + PAYLOAD  # shown as text, intact
    assert PAYLOAD in page.inner_text("#episode")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x']").count() == 0 and page.locator("#episode b").count() == 0
    assert errors == []


def test_tables_sort(browser, hostile_report: Path) -> None:
    page, errors = open_page(browser, hostile_report.as_uri())
    board = page.locator("table.board").first
    agents = lambda: [t.strip() for t in board.locator("tbody tr td:first-child").all_inner_texts()]  # noqa: E731
    before = agents()
    assert before[0].endswith("careful-agent")  # best first
    board.locator("th", has_text="success rate").click()  # ascending
    after = agents()
    assert after[0].startswith("paper") or after[0] != before[0]
    rates = [
        v for v in board.locator("tbody tr td:nth-child(2)").evaluate_all("c => c.map(x => x.dataset.v)") if v
    ]
    assert [float(v) for v in rates] == sorted(float(v) for v in rates)
    episodes = page.locator("#episode-list")
    episodes.locator("th", has_text="steps").click()
    steps = [int(v) for v in episodes.locator("tbody td:nth-child(8)").all_inner_texts()]
    assert steps == sorted(steps) and steps[0] < steps[-1]
    episodes.locator("th", has_text="steps").click()  # descending
    steps = [int(v) for v in episodes.locator("tbody td:nth-child(8)").all_inner_texts()]
    assert steps == sorted(steps, reverse=True)
    assert errors == []


def test_links_work(browser, hostile_report: Path) -> None:
    page, errors = open_page(browser, hostile_report.as_uri())
    ids = set(page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))
    count = page.evaluate("JSON.parse(document.getElementById('webbench-data').textContent).episodes.length")
    for href in page.evaluate(
        "Array.from(document.querySelectorAll('a[href^=\"#\"]')).map(a => a.getAttribute('href'))"
    ):
        match = re.fullmatch(r"#ep-(\d+)", href)
        assert (int(match.group(1)) < count) if match else href[1:] in ids, href
    # the run folders are linked relative to the report
    for href in page.evaluate(
        "Array.from(document.querySelectorAll('#overview a')).map(a => a.getAttribute('href'))"
    ):
        assert (hostile_report.parent / unquote(href)).is_dir()
    # a square of the task matrix opens its episode; "back" returns to the report
    page.locator("table.matrix a.ep").first.click()
    page.wait_for_selector("#episode h2")
    assert page.is_visible("#episode-view") and "episode" in page.inner_text("#episode h2")
    page.click("#back")
    assert page.is_visible("#report") and not page.is_visible("#episode-view")
    # the episode with a screenshot shows it from the run folder; a path outside it is not linked
    page.evaluate("location.hash = '#ep-0'")
    page.wait_for_selector("#episode .film-img")
    image = page.locator("#episode .film-img").first
    assert image.evaluate("i => i.complete && i.naturalWidth") == 1
    src = image.get_attribute("src")
    assert (hostile_report.parent / unquote(src)).is_file()
    assert "passwd" not in page.content()
    trajectory = page.locator("#episode a", has_text="raw trajectory").get_attribute("href")
    assert json.loads((hostile_report.parent / unquote(trajectory)).read_text())["episode"] == 0
    assert errors == []


def test_matrix_filter(browser, hostile_report: Path) -> None:
    page, errors = open_page(browser, hostile_report.as_uri())
    box = page.locator(".filters").first
    assert box.locator(".count").inner_text() == "2 of 2 shown"
    box.locator("input").fill("plain")
    assert box.locator(".count").inner_text() == "1 of 2 shown"
    box.locator("input").fill("")
    box.locator("select").select_option("flaky")
    assert box.locator(".count").inner_text() == "2 of 2 shown"  # both tasks are flaky for some agent
    assert errors == []


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory) -> dict[str, Path]:
    """Real MiniWoB runs in Chromium: the brief's random run, and random on the scripted task set."""
    root = tmp_path_factory.mktemp("real")
    runs = {}
    for run_id, args in {
        "random-2": ["--tasks", "click-test-2,click-button", "--episodes", "2", "--screenshots"],
        "random-19": ["--subset", "scripted", "--episodes", "1", "--workers", "2"],
    }.items():
        result = webbench(
            "eval", "--suite", "miniwob", "--agent", "random", *args, "--out", str(root), "--run-id", run_id
        )
        assert result.returncode == 0, result.stderr
        runs[run_id] = root / run_id
    return runs


def test_real_miniwob_run_report(browser, real_runs: dict[str, Path]) -> None:
    run = real_runs["random-2"]
    records = read_jsonl(run / "episodes.jsonl")
    assert len(records) == 4
    out = run.parent / "report-inline.html"
    baseline = ROOT / "leaderboards" / "baselines" / "miniwob-scripted.json"
    result = webbench("report", str(baseline), str(run), "-o", str(out), "--inline-screenshots")
    assert result.returncode == 0, result.stderr
    page, errors = open_page(browser, out.as_uri())
    assert page.locator("table.board tbody tr:not(.reference)").count() == 2
    page.evaluate("location.hash = '#ep-57'")  # the first episode of the real run, after the baseline's 57
    page.wait_for_selector("#episode .film-img")
    src = page.locator("#episode .film-img").first.get_attribute("src")
    assert src.startswith("data:image/png;base64,")
    assert page.locator("#episode .film-img").first.evaluate("i => i.naturalWidth") > 0
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "report-episode.png"), full_page=True)
    assert errors == []


def test_done_means_gate_and_report_on_real_runs(browser, real_runs: dict[str, Path]) -> None:
    """Real random run vs the committed scripted baseline: the gate fails the worse, passes the better."""
    baseline = ROOT / "leaderboards" / "baselines" / "miniwob-scripted.json"
    worse = webbench("gate", "--baseline", str(baseline), "--candidate", str(real_runs["random-19"]))
    assert worse.returncode == 1, worse.stdout + worse.stderr
    # with --max-drop 0.02 the design cannot see a 2-point drop: the verdict says so, and fails
    assert worse.stdout.startswith("FAIL (underpowered).") and "so the drop is real" in worse.stdout
    assert "minimum detectable drop" in worse.stdout
    better = webbench("gate", "--baseline", str(real_runs["random-19"]), "--candidate", str(baseline))
    assert better.returncode == 0, better.stdout + better.stderr
    assert better.stdout.startswith("PASS") and "no drop" in better.stdout
    out = OUTPUT / "report.html"
    OUTPUT.mkdir(exist_ok=True)
    scripted = ROOT / "runs" / "miniwob-scripted"
    sources = [str(scripted)] if scripted.is_dir() else [str(baseline)]
    result = webbench("report", *sources, str(real_runs["random-19"]), "-o", str(out))
    assert result.returncode == 0, result.stderr
    page, errors = open_page(browser, out.as_uri())
    page.screenshot(path=str(OUTPUT / "report.png"), full_page=True)
    assert "How to read this report" in page.inner_text("#overview")
    assert errors == []
    if scripted.is_dir():  # keep a copy of the runs' report beside them for a reviewer
        shutil.copy(out, OUTPUT / "report-real-runs.html")
