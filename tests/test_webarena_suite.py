"""The WebArena suite: task loading, placeholders, malformed configs, the site check, the dialect,
early stop, and episodes on a loopback site of the test's own (a user task file with concrete URLs)."""

from __future__ import annotations

import http.server
import importlib.util
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, WEBARENA_SITES, webbench

from webbench.core.action import Action, ActionParseError, make_action
from webbench.core.env import EnvConfig
from webbench.core.suite import SuiteError, get_suite, select_tasks
from webbench.core.types import Task
from webbench.suites import _webarena_data as data
from webbench.suites._live import SiteDown, missing_browser, print_site_up
from webbench.suites._webarena_actions import early_stop, parse_webarena
from webbench.suites._webarena_sites import sites_from_env, sites_from_file

SITE_VARS = data.SITE_VARS


@pytest.fixture
def webarena_data(shared_data) -> Path:
    return shared_data / "webarena"


def no_site_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SITE_VARS}
    env["PYTHONPATH"] = str(ROOT)
    return env


# ---- tasks ------------------------------------------------------------------------------------


def test_every_split_loads_with_ids_configs_and_the_hard_subset(webarena_data):
    suite = get_suite("webarena")
    assert suite.splits() == ["original", "lite", "verified", "mini"] and suite.default_split() == "original"
    counts = {split: suite.load_tasks(split, webarena_data) for split in ("original", "lite", "verified")}
    assert {split: len(tasks) for split, tasks in counts.items()} == {
        "original": 812,
        "lite": 165,
        "verified": 812,
    }
    original = counts["original"]
    assert [t.id for t in original[:3]] == ["0", "1", "2"] and original[0].meta["task_id"] == 0
    assert original[0].goal == original[0].meta["intent"] and original[0].split == "original"
    assert "old_task_id" in counts["lite"][0].meta
    lite81 = next(t for t in counts["lite"] if t.id == "81")  # loads; Lite's evaluator asserts a list
    assert lite81.meta["eval"]["reference_answers"]["must_include"] == "yjlou"
    hard = select_tasks(suite, counts["verified"], subset="hard")
    assert len(hard) == 258 and hard[0].id == "11"
    assert suite.subsets(original) == {}  # Verified's subsets name Verified tasks only


def test_the_data_cache_serves_the_split_files(webarena_data, tmp_path, monkeypatch):
    (tmp_path / "webarena").symlink_to(webarena_data)
    monkeypatch.setenv("WEBBENCH_DATA_DIR", str(tmp_path))
    if data.package_dataset() is None:
        assert data.split_source("lite", None) == webarena_data / "webarena-lite" / data.FILES["lite"]
    assert len(get_suite("webarena").load_tasks("lite", None)) == 165
    monkeypatch.setenv("WEBBENCH_DATA_DIR", str(tmp_path / "empty"))
    if data.package_dataset() is None:
        with pytest.raises(SuiteError, match="webbench data pull webarena"):
            data.load_tasks("lite", None)


def test_placeholders_are_replaced_and_start_urls_split_into_tabs(webarena_data):
    tasks = {t.id: t for t in get_suite("webarena").load_tasks("original", webarena_data)}
    multi = next(t for t in tasks.values() if data.AND in t.meta["start_url"])
    resolved = data.resolve(multi.meta, WEBARENA_SITES)
    urls = data.start_urls(resolved)
    assert len(urls) == len(multi.meta["start_url"].split(data.AND)) > 1
    assert all(url.startswith(WEBARENA_SITES["SHOPPING"] + "/") for url in urls)
    assert "__" not in json.dumps(resolved).replace("__last_url__", "").replace("__page__", "")
    assert multi.meta["start_url"].startswith("__SHOPPING__")  # the task keeps the config as written
    admin = data.resolve(tasks["0"].meta, WEBARENA_SITES)
    assert admin["start_url"] == WEBARENA_SITES["SHOPPING_ADMIN"]
    both = next(t for t in tasks.values() if t.meta["storage_state"] == "./.auth/gitlab.reddit_state.json")
    assert data.login_sites(both.meta) == ["gitlab", "reddit"]
    assert data.needed_sites(both.meta) == ["REDDIT", "GITLAB"]
    assert data.needed_sites(next(t.meta for t in tasks.values() if t.meta["sites"] == ["map"])) == ["MAP"]


def _bad(tmp_path: Path, name: str, config) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(config))
    with pytest.raises(SuiteError) as caught:
        data.load_tasks("original", path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def _config(**changes):
    config = {
        "task_id": 7,
        "intent": "What is the answer?",
        "start_url": "http://127.0.0.1:1/",
        "storage_state": None,
        "sites": [],
        "eval": {"eval_types": ["string_match"], "reference_answers": {"exact_match": "42"}},
    }
    config.update(changes)
    return {k: v for k, v in config.items() if v != "DROP"}


def test_malformed_configs_are_one_line_naming_the_task_and_the_field(tmp_path):
    assert "task 7: eval.eval_types: unknown type 'html_match'" in _bad(
        tmp_path, "type", _config(eval={"eval_types": ["html_match"]})
    )
    assert "task 7: intent:" in _bad(tmp_path, "intent", _config(intent="DROP"))
    assert "task 7: start_url:" in _bad(tmp_path, "url", _config(start_url="DROP"))
    assert "task 7: eval:" in _bad(tmp_path, "eval", _config(eval="DROP"))
    assert "task #0: task_id:" in _bad(tmp_path, "id", _config(task_id="DROP"))
    assert "task 7: start_urls:" in _bad(tmp_path, "verified", _config(eval=[{"evaluator": "X"}]))
    assert "a task config must be a JSON object" in _bad(tmp_path, "list", [[1]])
    target = {"url": "func:evil()", "locator": "", "required_contents": {"must_include": ["x"]}}
    helper = _config(eval={"eval_types": ["program_html"], "reference_url": "", "program_html": [target]})
    assert "task 7: eval.program_html[0].url: unknown helper 'evil'" in _bad(tmp_path, "helper", helper)
    assert "repeats the task of" in _bad(tmp_path, "twice", [_config(), _config()])
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    result = webbench(
        "eval", "--suite", "webarena", "--data", str(broken), "--agent", "random", "--out", str(tmp_path)
    )  # fmt: skip
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "broken.json: not valid JSON" in result.stderr


def test_user_task_files_load_as_a_list_a_file_or_a_folder(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(_config(task_id="mine-1")))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "two.json").write_text(json.dumps([_config(task_id=2), _config(task_id=3)]))
    assert [t.id for t in data.load_tasks("original", tmp_path)] == ["mine-1", "2", "3"]
    assert [t.id for t in data.load_tasks("lite", tmp_path / "one.json")] == ["mine-1"]
    mini = data.load_tasks("mini", tmp_path / "sub")  # the mini split reads every file of its folder
    assert [(t.id, t.split) for t in mini] == [("2", "mini"), ("3", "mini")]
    (tmp_path / "empty").mkdir()
    with pytest.raises(SuiteError, match="holds no task configs"):
        data.load_tasks("mini", tmp_path / "empty")


# ---- sites --------------------------------------------------------------------------------------


def test_no_sites_configured_stops_with_one_line_per_missing_site(webarena_data, tmp_path):
    result = webbench(
        "eval", "--suite", "webarena", "--split", "original", "--data", str(webarena_data),
        "--agent", "random", "--out", str(tmp_path), env=no_site_env(),
    )  # fmt: skip
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("site ")]
    assert lines == [
        f"site {name}: missing (set {name.upper()} or give --sites FILE)"
        for name in ("shopping", "shopping_admin", "reddit", "gitlab", "wikipedia", "map")
    ]
    assert result.stderr.strip().splitlines()[-1].startswith("webbench: error: webarena: 6 site(s) missing")


def test_a_sites_file_is_read_and_a_site_that_does_not_answer_is_down(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    closed = f"http://127.0.0.1:{server.server_address[1]}"
    server.server_close()  # nothing listens there any more
    sites = tmp_path / "sites.json"
    sites.write_text(json.dumps({"GITLAB": closed}))
    assert sites_from_file(sites) == {"GITLAB": closed}
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([_config(start_url="__GITLAB__/a")]))
    result = webbench(
        "eval", "--suite", "webarena", "--data", str(tasks), "--sites", str(sites), "--agent", "random",
        "--out", str(tmp_path), env=no_site_env(),
    )  # fmt: skip
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line.startswith("site ")] == [
        f"site gitlab: down ({closed}: [Errno 111] Connection refused)"
    ]
    (tmp_path / "bad.json").write_text(json.dumps({"GITHUB": "http://x"}))
    with pytest.raises(SuiteError, match="unknown site 'GITHUB'"):
        sites_from_file(tmp_path / "bad.json")
    with pytest.raises(SuiteError, match="MAP: 'ftp://x' is not an http"):
        sites_from_env({"MAP": "ftp://x"})
    assert sites_from_env({"MAP": WEBARENA_SITES["MAP"], "HOME": "/root"}) == {"MAP": WEBARENA_SITES["MAP"]}


# ---- the dialect and early stop -----------------------------------------------------------------


def test_live_preflight_names_a_missing_package_chromium_or_chromedriver(monkeypatch):
    from webbench.browser import chromium

    assert missing_browser("json", "never shown") == []
    assert missing_browser("webbench_no_such_package", "pip install it") == [
        "the webbench_no_such_package package (pip install it)"
    ]
    monkeypatch.setattr(chromium, "find_driver", lambda: None)
    assert missing_browser("json", "never shown") == []  # Playwright needs no driver
    (line,) = missing_browser("json", "never shown", driver=True)
    assert line.startswith("no chromedriver found")
    monkeypatch.setattr(chromium, "find_browser", lambda: None)
    assert missing_browser("json", "never shown")[0].startswith("no Chromium found")


def test_a_site_that_is_up_is_one_services_line_with_its_url_and_start_time(capsys):
    print_site_up("gmail", "http://127.0.0.1:4100", time.monotonic())
    assert re.fullmatch(r"site gmail: up \(http://127\.0\.0\.1:4100, \d+\.\d s\)\n", capsys.readouterr().err)


def test_every_webarena_action_maps_onto_a_canonical_one():
    env = get_suite("webarena").make_env(EnvConfig())
    cases = {
        "click [12]": make_action("click", "12"),
        "hover [3]": make_action("hover", "3"),
        "type [12] [hello world] [0]": make_action("type", "12", "hello world"),
        "type [12] [hello world] [1]": make_action("type", "12", "hello world", enter=True),
        "type [12] [hello world]": make_action("type", "12", "hello world", enter=True),
        "press [Control+a]": make_action("press", "Control+a"),
        "press [enter]": make_action("press", "Enter"),
        "press [ctrl+arrowdown]": make_action("press", "ctrl+ArrowDown"),
        "scroll [down]": make_action("scroll", "down"),
        "scroll [up]": make_action("scroll", "up"),
        "new_tab": make_action("new_tab"),
        "tab_focus [1]": make_action("switch_tab", 1),
        "close_tab": make_action("close_tab"),
        "goto [http://127.0.0.1:1/a?b=[c]]": make_action("goto", "http://127.0.0.1:1/a?b=[c]"),
        "go_back": make_action("go_back"),
        "go_forward": make_action("go_forward"),
        "stop [the answer is [1] or [2]]": make_action("answer", "the answer is [1] or [2]"),
        "stop [N/A]": make_action("answer", "N/A"),
        "stop": make_action("answer", ""),
        'click("12")': make_action("click", "12"),
        "go_back()": make_action("go_back"),
        'answer("x")': make_action("answer", "x"),
    }
    for text, action in cases.items():
        assert env.parse(text) == action, text
    for text in ("click [abc]", "type [12]", "scroll [left]", "tab_focus [x]", "goto", "jump [1]"):
        with pytest.raises(ActionParseError):
            parse_webarena(text)
    with pytest.raises(ActionParseError):
        env.parse("click [abc]")
    with pytest.raises(ActionParseError):
        env.parse("fly()")


def _actions(*texts: str | None) -> list[Action | None]:
    return [None if text is None else parse_webarena(text) for text in texts]


def test_early_stop_follows_the_reference_runner():
    assert early_stop(_actions("click [1]", "click [2]")) is None
    assert early_stop(_actions("click [1]", "click [1]", "click [1]")) == "Same action for 3 times"
    assert early_stop(_actions("click [1]", "click [1]", "click [2]")) is None
    assert (
        early_stop(_actions("scroll [down]", "scroll [down]", "scroll [down]")) == "Same action for 3 times"
    )
    assert early_stop(_actions("scroll [down]", "scroll [up]", "scroll [down]")) is None
    assert early_stop(_actions(None, None, None)) == "Failed to parse actions for 3 times"
    assert early_stop(_actions(None, "click [1]", None, None)) is None
    # a type: three on the same element anywhere in the trajectory, whatever the text
    typing = _actions("type [5] [a]", "click [1]", "type [5] [b] [0]", "scroll [down]", "type [5] [c]")
    assert early_stop(typing) == "Same typing action for 3 times"
    assert early_stop(typing[:-1] + _actions("type [6] [c]")) is None
    assert early_stop(_actions("click [1]") * 30, max_steps=30) == "Reach max steps 30"
    assert early_stop(_actions("new_tab", "new_tab", "new_tab")) == "Same action for 3 times"
    assert early_stop(_actions("goto [a]", "goto [a]", "goto [b]")) is None


# ---- episodes on a loopback site ------------------------------------------------------------------

PAGES = {
    "/start": "<title>Start</title><a href='/target?x=1&y=2'>Go to the target</a><p>The answer is 42.</p>",
    "/target": "<title>Target</title><h1>Target reached</h1>",
    "/first": "<title>First</title><p>first tab</p>",
    "/second": "<title>Second</title><p>second tab</p>",
    "/form": "<title>Form</title><form action='/target'><label for=q>Query</label>"
    "<input id=q name=q value='ab'></form>",
}


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("?")[0], "<title>none</title>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _user_tasks(base: str) -> list[dict]:
    def task(task_id, start_url, eval_block):
        return {
            "task_id": task_id, "intent": f"task {task_id}", "start_url": start_url, "sites": [],
            "storage_state": None, "require_login": False, "require_reset": False, "eval": eval_block,
        }  # fmt: skip

    url_match = {"eval_types": ["url_match"], "reference_answers": None, "url_note": "GOLD in PRED",
                 "reference_url": f"{base}/target?x=1 |OR| {base}/elsewhere", "program_html": []}  # fmt: skip
    string_match = {"eval_types": ["string_match"], "reference_answers": {"exact_match": "42"},
                    "reference_url": "", "program_html": []}  # fmt: skip
    second = {"eval_types": ["url_match"], "reference_answers": None, "reference_url": f"{base}/second",
              "program_html": []}  # fmt: skip
    html = {"eval_types": ["program_html"], "reference_answers": None, "reference_url": "",
            "program_html": [{"url": "last", "locator": "document.querySelector('p').outerText",
                              "required_contents": {"must_include": ["answer is 42"]}},
                             {"url": f"{base}/target", "locator": "", "required_contents": {"must_include": ["reached"]}}]}  # fmt: skip
    return [
        task("click", f"{base}/start", url_match),
        task("answer", f"{base}/start", string_match),
        task("tabs", f"{base}/first |AND| {base}/second", second),
        task("html", f"{base}/start", html),
        task("repeat", f"{base}/start", string_match),
        task("garbage", f"{base}/start", string_match),
    ]


@pytest.mark.browser
def test_the_env_opens_one_tab_per_start_url_and_runs_the_dialect(site):
    env = get_suite("webarena").make_env(EnvConfig(options={"sites": "env"}))
    task = Task("webarena", "tabs", "t", "original", _user_tasks(site)[2])
    form = Task("webarena", "form", "t", "original", {**_user_tasks(site)[1], "start_url": f"{site}/form"})
    try:
        obs, info = env.reset(options={"task": task})
        assert info["start_urls"] == [f"{site}/first", f"{site}/second"]
        assert obs.text.startswith("Tab 0 (current): First | Tab 1: Second\n\n")
        assert obs.url == f"{site}/first" and len(obs.tabs) == 2
        obs, *_ = env.step("tab_focus [1]")
        assert obs.url == f"{site}/second" and obs.text.startswith("Tab 0: First | Tab 1 (current): Second")
        obs, *_ = env.step("go_back")
        assert obs.step == 2
        obs, *_ = env.reset(options={"task": form})
        box = next(e for e in obs.elements if e.tag == "textbox")
        obs, *_ = env.step(f"type [{box.id}] [cd] [0]")  # appends, no Enter
        assert env.session.page.input_value("#q") == "abcd" and obs.url == f"{site}/form"
        obs, *_ = env.step(f"type [{box.id}] [e]")  # Enter by default: the form is sent
        assert obs.url == f"{site}/target?q=abcde"
        obs, *_ = env.step(f"goto [{site}/start]")
        assert "Go to the target" in obs.text
    finally:
        env.close()


@pytest.mark.browser
def test_a_user_task_file_with_concrete_urls_runs_end_to_end(site, tmp_path):
    if importlib.util.find_spec("webbench.metrics.webarena") is None:
        pytest.skip("webbench.metrics.webarena (the evaluators) is not on this branch yet")
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps(_user_tasks(site)))
    result = webbench(
        "eval", "--suite", "webarena", "--data", str(tasks), "--agent",
        f"{ROOT / 'tests' / 'webarena_agents.py'}:DialectAgent", "--out", str(tmp_path), "--run-id", "r",
        env=no_site_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = {
        r["task_id"]: r for r in map(json.loads, (tmp_path / "r" / "episodes.jsonl").read_text().splitlines())
    }
    assert {k: (r["status"], r["success"]) for k, r in records.items()} == {
        "click": ("ok", True), "answer": ("ok", True), "tabs": ("ok", True),
        "html": ("ok", True), "repeat": ("ok", False), "garbage": ("ok", False),
    }  # fmt: skip
    assert (records["repeat"]["steps"], records["repeat"]["details"]["answer"]) == (
        3, "Early stop: Same action for 3 times",
    )  # fmt: skip
    assert records["garbage"]["details"]["answer"] == "Early stop: Failed to parse actions for 3 times"
    click = records["click"]["details"]
    assert click["answer"] == "done" and click["final_url"] == f"{site}/target?x=1&y=2"
    assert click["start_urls"] == [f"{site}/start"] and click["site_reset"] == {}
    assert records["answer"]["details"]["answer"] == " 42 "
    assert records["tabs"]["details"]["final_url"] == f"{site}/second"
    assert records["tabs"]["details"]["start_urls"] == [f"{site}/first", f"{site}/second"]


# ---- logins on a loopback shop ----------------------------------------------------------------------


class _Shop(http.server.BaseHTTPRequestHandler):
    """The official shopping and admin login forms and logged-in checks, on one loopback server."""

    logins: list[str]
    headers_seen: list[str]
    secret: list[str]

    def _send(self, status: int, body: str = "", location: str | None = None, cookie: str | None = None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if location:
            self.send_header("Location", location)
        if cookie:
            self.send_header("Set-Cookie", f"session={cookie}; Path=/")
        self.end_headers()
        self.wfile.write(data)

    def _session(self) -> bool:
        return f"session={self.secret[0]}" in (self.headers.get("Cookie") or "")

    def do_GET(self) -> None:
        header = self.headers.get("X-M2-Admin-Auto-Login")
        if header:
            self.headers_seen.append(header)
        path = self.path.split("?")[0]
        if path == "/customer/account/login/":
            self._send(
                200,
                "<title>Login</title><form method=post action='/customer/account/loginPost/'>"
                "<label for=email>Email</label><input id=email name=user>"
                "<label for=pass>Password</label><input id=pass name=password type=password>"
                "<button type=submit>Sign In</button></form>",
            )
        elif path == "/wishlist/":
            if self._session():
                self._send(200, "<title>My Wish List</title><p>wishes</p>")
            else:
                self._send(302, location="/customer/account/login/")
        elif path == "/admin/dashboard":
            self._send(200, "<title>Dashboard</title>Dashboard" if header == "admin:admin1234" else "Sign in")
        else:
            self._send(200, "<title>Home</title>")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if "user=emma.lopez%40gmail.com" in body and "password=Password.123" in body:
            self.logins.append(body)
            self._send(302, location="/customer/account/", cookie=self.secret[0])
        else:
            self._send(302, location="/customer/account/login/")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def shop():
    handler = type("Shop", (_Shop,), {"logins": [], "headers_seen": [], "secret": ["s1"]})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_logins_are_cached_per_worker_and_renewed_when_the_check_fails(shop, capsys):
    from webbench.suites._webarena_sites import check_sites

    base, handler = shop
    sites = {"SHOPPING": base, "SHOPPING_ADMIN": base + "/admin"}
    assert check_sites(["SHOPPING"], sites, ["shopping"]) == []
    assert capsys.readouterr().err.splitlines() == [
        f"site shopping: up ({base})",
        "site shopping: login ok (emma.lopez@gmail.com)",
    ]
    config = _config(start_url="__SHOPPING__/wishlist/", storage_state="./.auth/shopping_state.json")
    task = Task("webarena", "7", "t", "original", config)
    env = get_suite("webarena").make_env(EnvConfig(options={"sites": "env"}, services={"sites": sites}))
    try:
        handler.logins.clear()
        for _ in range(2):
            obs, _ = env.reset(options={"task": task})
            assert obs.url == "http://onestopmarket.com/wishlist/" and "wishes" in obs.text
        assert len(handler.logins) == 1  # the second episode reused the worker's storage state
        handler.secret[0] = "s2"  # every session expires: the logged-in check fails, the env logs in again
        obs, _ = env.reset(options={"task": task})
        assert obs.url == "http://onestopmarket.com/wishlist/" and len(handler.logins) == 2
        assert env.real("http://onestopmarket.com/a") == f"{base}/a"
    finally:
        env.close()


@pytest.mark.browser
def test_header_logins_reach_only_the_site_they_are_for(shop, site):
    base, handler = shop
    sites = {"SHOPPING": base, "SHOPPING_ADMIN": base + "/admin"}
    config = _config(start_url=f"__SHOPPING_ADMIN__/dashboard |AND| {site}/first", sites=["shopping_admin"],
                     storage_state="./.auth/shopping_admin_state.json")  # fmt: skip
    env = get_suite("webarena").make_env(
        EnvConfig(options={"sites": "env", "login": "headers"}, services={"sites": sites})
    )
    try:
        obs, _ = env.reset(options={"task": Task("webarena", "8", "t", "original", config)})
        assert obs.text.startswith("Tab 0 (current): Dashboard | Tab 1: First")
        assert obs.url == "http://luma.com/admin/dashboard"
        assert handler.headers_seen == ["admin:admin1234"] and handler.logins == []
    finally:
        env.close()


# ---- stand-ins (a fake handle with the interface of webbench.sites.standins) --------------------------


class _FakeStandins:
    """``StandinSites`` of the interface: ``urls``, ``reset``, ``alive``; serves the test's own site."""

    def __init__(self, base: str, names) -> None:
        self.urls = {name.upper(): base for name in names}
        self.resets: list[str] = []
        self.down: set[str] = set()

    def reset(self, site: str) -> None:
        self.resets.append(site)

    def alive(self, site: str) -> bool:
        return site not in self.down


@pytest.fixture
def fake_standins(site, monkeypatch):
    import contextlib
    import sys
    import types

    started: list[_FakeStandins] = []

    @contextlib.contextmanager
    def standin_sites(sites, slot=0):
        handle = _FakeStandins(site, sites)
        started.append(handle)
        yield handle

    module = types.ModuleType("webbench.sites.standins")
    module.STANDIN_SITES = ("shopping", "shopping_admin", "reddit", "gitlab")
    module.standin_sites = standin_sites
    monkeypatch.setitem(sys.modules, "webbench.sites.standins", module)
    return started


def test_mini_services_start_the_stand_ins_once_and_refuse_sites_without_one(fake_standins, capsys, site):
    suite = get_suite("webarena")
    tasks = [Task("webarena", "1", "t", "mini", _config(start_url="__SHOPPING__/first"))]
    with suite.services(EnvConfig(split="mini"), tasks) as services:
        assert services == {"standins": ["shopping"]}
    assert capsys.readouterr().err.splitlines() == [f"site shopping: up (stand-in, {site})"]
    with (
        pytest.raises(SuiteError, match="no stand-in for site"),
        suite.services(EnvConfig(split="mini"), [Task("webarena", "2", "t", "mini", _config(sites=["map"]))]),
    ):
        pass


@pytest.mark.browser
def test_stand_ins_are_reset_before_each_task_and_a_dead_one_is_named(fake_standins, site):
    env = get_suite("webarena").make_env(EnvConfig(split="mini", services={"standins": ["shopping"]}))
    task = Task("webarena", "1", "t", "mini", _config(start_url="__SHOPPING__/first", sites=["shopping"]))
    try:
        obs, info = env.reset(options={"task": task})
        handle = fake_standins[-1]
        assert handle.resets == ["shopping"] and obs.url == "http://onestopmarket.com/first"
        assert env._details["site_reset"] == {"shopping": True}
        env.reset(options={"task": task})
        assert handle.resets == ["shopping", "shopping"] and len(fake_standins) == 1
        handle.down.add("shopping")
        with pytest.raises(SiteDown, match="site shopping"):
            env.step("scroll [down]")
    finally:
        env.close()


def test_rescore_leaves_out_what_needs_the_live_page_or_a_judge(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    suite = get_suite("webarena")
    record = {"details": {"answer": "x", "final_url": "http://127.0.0.1:1/", "sites": {}}}
    target = {"url": "last", "locator": "", "required_contents": {"must_include": ["x"]}}
    html = _config(eval={"eval_types": ["program_html"], "program_html": [target]})
    fuzzy = _config(eval={"eval_types": ["string_match"], "reference_answers": {"fuzzy_match": ["x"]}})
    for config in (html, fuzzy):
        assert (
            suite.rescore(Task("webarena", "7", "t", "original", config), record, None, EnvConfig()) is None
        )
    assert (
        suite.rescore(Task("webarena", "7", "t", "original", _config()), {"details": {}}, None, EnvConfig())
        is None
    )


def test_rescore_scores_string_and_url_matches_from_the_record():
    suite = get_suite("webarena")
    config = _config(
        start_url="__GITLAB__/a",
        eval={"eval_types": ["string_match", "url_match"], "reference_answers": {"exact_match": "42"},
              "reference_url": "__GITLAB__/b?x=1", "program_html": []},
    )  # fmt: skip
    task = Task("webarena", "7", "t", "original", config)
    gitlab = {"GITLAB": "http://127.0.0.1:8023"}
    details = {"answer": "'42'", "final_url": "http://127.0.0.1:8023/b?x=1&y=2", "sites": gitlab}
    info = suite.rescore(task, {"details": details}, None, EnvConfig())
    assert (info["success"], info["score"]) == (True, 1.0) and info["details"]["answer"] == "'42'"
    assert info["metrics"]["url_match"] == info["metrics"]["string_match"] == 1.0
    moved = {**details, "final_url": "http://127.0.0.1:8023/b?x=2"}
    assert suite.rescore(task, {"details": moved}, None, EnvConfig())["score"] == 0.0


@pytest.mark.browser
def test_the_official_logins_pass_the_logged_in_checks_on_the_stand_ins(capsys):
    names = ["shopping", "shopping_admin", "reddit", "gitlab"]
    suite = get_suite("webarena")
    checks = {
        "shopping": ("__SHOPPING__/wishlist/", "http://onestopmarket.com/wishlist/"),
        "shopping_admin": ("__SHOPPING_ADMIN__/dashboard", "http://luma.com/admin/dashboard"),
        "reddit": (
            "__REDDIT__/user/MarvelsGrantMan136/account",
            "http://reddit.com/user/MarvelsGrantMan136/account",
        ),
        "gitlab": ("__GITLAB__/-/profile", "http://gitlab.com/-/profile"),
    }
    tasks = {
        site: Task(
            "webarena",
            site,
            "t",
            "mini",
            _config(start_url=start, storage_state=f"./.auth/{site}_state.json"),
        )
        for site, (start, _) in checks.items()
    }
    with suite.services(EnvConfig(split="mini"), list(tasks.values())) as services:
        assert services == {"standins": names}
    assert [line.split(" (")[0] for line in capsys.readouterr().err.splitlines()] == [
        f"site {name}: up" for name in names
    ]
    env = suite.make_env(EnvConfig(split="mini", services=services))
    try:
        for site, (_, shown) in checks.items():
            obs, _ = env.reset(options={"task": tasks[site]})
            assert obs.url == shown, site  # logged in: the check page is not redirected to a sign-in
            assert env._details["site_reset"] == {site: True}
    finally:
        env.close()


@pytest.mark.browser
def test_a_verified_task_file_is_scored_by_the_official_library_from_the_har_and_rescored(site, tmp_path):
    pytest.importorskip("webarena_verified")
    expected = {"task_type": "retrieve", "status": "SUCCESS", "retrieved_data": ["42"]}
    task = {
        "sites": [], "task_id": 5, "intent_template_id": 1, "start_urls": [f"{site}/start"],
        "intent": "What is the answer?", "intent_template": "What is the answer?", "instantiation_dict": {},
        "eval": [{"evaluator": "AgentResponseEvaluator", "expected": expected,
                  "results_schema": {"type": "array", "items": {"type": "string"}}}],
        "revision": 1,
    }  # fmt: skip
    tasks = tmp_path / "verified.json"
    tasks.write_text(json.dumps([task]))
    agent = f"{ROOT / 'tests' / 'webarena_agents.py'}:DialectAgent"
    result = webbench(
        "eval", "--suite", "webarena", "--split", "verified", "--data", str(tasks), "--agent", agent,
        "--trace", "on", "--out", str(tmp_path), "--run-id", "r", env=no_site_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (record,) = map(json.loads, (tmp_path / "r" / "episodes.jsonl").read_text().splitlines())
    assert (record["status"], record["success"], record["details"]["trace"]) == ("ok", True, "har")
    # the context closed before scoring (HAR complete) and the Playwright trace was kept all the same
    assert next((tmp_path / "r" / "trajectories").glob("5-*/trace.zip")).stat().st_size > 0
    assert json.loads(record["details"]["answer"]) == expected
    har = json.loads(next((tmp_path / "r" / "trajectories").glob("5-*/network.har")).read_text())
    assert any(entry["request"]["url"] == f"{site}/start" for entry in har["log"]["entries"])
    layout = tmp_path / "r" / "webarena-verified" / "5"
    assert json.loads((layout / "agent_response.json").read_text()) == expected
    rescored = webbench("rescore", str(tmp_path / "r"), env=no_site_env())
    assert rescored.returncode == 0, rescored.stderr
    (again,) = map(json.loads, (tmp_path / "r.rescored" / "episodes.jsonl").read_text().splitlines())
    assert (again["success"], again["details"]["final_url"]) == (True, f"{site}/start")
