"""MiniWoB++ episodes do not depend on what ran before them in the shared browser.

The same episodes give the same first observations and the same outcomes with one
worker or two and in any order; an episode started after one that dirtied the
browser (focus, hover, scroll, storage, an extra window, an alert, the window size)
starts as in a fresh browser; a chromedriver that dies takes its Chromium with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, marked_env, marked_processes, miniwob_eval, read_jsonl, wait_until, webbench

from webbench.core.env import EnvConfig
from webbench.core.suite import get_suite

pytestmark = pytest.mark.browser

TASKS = "click-test-2,enter-text,login-user"
#: What a page holds besides the DOM listing: focus, hover, scroll, storage, windows, size.
PROBE_JS = """
var scrolled = Array.from(document.querySelectorAll('*')).filter(function (el) {
  return el.scrollTop || el.scrollLeft; }).map(function (el) { return el.tagName + '#' + el.id; });
return {
  active: document.activeElement.tagName + '#' + document.activeElement.id,
  page_focused: document.hasFocus(),
  hover: Array.from(document.querySelectorAll(':hover')).map(function (el) { return el.tagName; }),
  scrolled: scrolled.concat(window.scrollX || window.scrollY ? ['window'] : []),
  storage: localStorage.length + sessionStorage.length,
  size: [window.innerWidth, window.innerHeight],
};
"""


def _dumped(prefix: Path) -> list[dict]:
    return [json.loads(line) for path in prefix.parent.glob(prefix.name + ".*") for line in path.open()]


def _observed_run(tmp_path: Path, name: str, *extra: str) -> tuple[dict, Counter]:
    """Run the observing agent; return ({(task, episode): outcome}, the multiset of first observations)."""
    dump = tmp_path / f"{name}-obs"
    args = miniwob_eval(tmp_path / name, TASKS, "tests/isolation_agents.py:ObservingAgent", *extra)
    result = webbench(*args, "--episodes", "2", env={**os.environ, "WEBBENCH_OBS_DUMP": str(dump)})
    assert result.returncode == 0, result.stderr
    run = tmp_path / name / "r"
    outcomes = {}
    for record in read_jsonl(run / "episodes.jsonl"):
        first = json.loads((run / record["trajectory"]).read_text())["steps"][0]["observation"]
        outcomes[(record["task_id"], record["episode"])] = (
            record["status"],
            record["success"],
            record["metrics"]["raw_reward"] > 0,
            record["steps"],
            first["text_sha1"],
            first["elements"],
        )
    return outcomes, Counter(json.dumps(line, sort_keys=True) for line in _dumped(dump))


def test_one_worker_or_two_give_the_same_episodes(tmp_path) -> None:
    one, seen_by_one = _observed_run(tmp_path, "w1", "--workers", "1")
    two, seen_by_two = _observed_run(tmp_path, "w2", "--workers", "2")
    assert len(one) == 6 and all(outcome[1] for outcome in one.values())
    assert one == two
    assert seen_by_one == seen_by_two and sum(seen_by_one.values()) == 6


@pytest.fixture
def env():
    suite = get_suite("miniwob")
    env = suite.make_env(EnvConfig())
    env.tasks = {t.id: t for t in suite.load_tasks(None, None)}
    yield env
    env.close()


def _first(env, task_id: str, seed: int):
    """Start an episode; return its first observation and a summary of it and of the page."""
    obs, _ = env.reset(seed=seed, options={"task": env.tasks[task_id]})
    driver = env._inner.instance.driver
    seen = {
        "goal": obs.goal,
        "text": obs.text,
        "elements": [(e.id, e.tag, e.text, e.bbox, e.attrs) for e in obs.elements],
        "fields": obs.extra["fields"],
        "page": driver.execute_script(PROBE_JS),
        "windows": len(driver.window_handles),
    }
    return obs, seen


def _play(env, obs) -> None:
    """Finish the episode with the scripted agent (it clicks, focuses and types)."""
    from webbench.agents.scripted import ScriptedAgent

    agent = ScriptedAgent()
    agent.reset(env.task)
    for _ in range(10):
        obs, _r, done, _t, _i = env.step(agent.act(obs))
        if done:
            return
    raise AssertionError(f"the scripted agent did not finish {env.task.id}")


def test_the_order_of_the_episodes_does_not_matter(env) -> None:
    episodes = [("enter-text", 1), ("enter-text", 2), ("login-user", 1), ("login-user", 2)]
    seen: dict[tuple[str, int], list[dict]] = {}
    for order in (episodes, episodes[::-1]):
        for key in order:
            obs, first = _first(env, *key)
            _play(env, obs)
            seen.setdefault(key, []).append(first)
    for key, (forward, backward) in seen.items():
        assert forward == backward, key


def test_an_episode_after_a_dirty_one_starts_as_in_a_fresh_browser(env) -> None:
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    # social-media's feed is a scrollable box its episodes do not scroll back.
    _obs, fresh = _first(env, "social-media", 7)
    assert fresh["page"]["hover"] == [] and fresh["page"]["scrolled"] == [] and fresh["windows"] == 1

    _first(env, "social-media", 8)
    obs, *_ = env.step('scroll("down")')
    assert obs.error is None
    driver = env._inner.instance.driver
    driver.execute_script(
        "localStorage.setItem('k', 'v'); sessionStorage.setItem('k', 'v'); window.open('about:blank');"
    )
    driver.set_window_size(500, 400)
    assert len(driver.window_handles) == 2
    driver.execute_script("setTimeout(function () { alert('left open'); }, 0);")
    WebDriverWait(driver, 10).until(expected_conditions.alert_is_present())

    _obs, again = _first(env, "social-media", 7)
    assert again == fresh


def _start(args: list[str], mark: str, dump: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "webbench", *args],
        cwd=ROOT,
        env={**marked_env(mark), "WEBBENCH_OBS_DUMP": str(dump)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_a_dead_chromedriver_takes_its_chromium_with_it(tmp_path) -> None:
    mark, dump = uuid.uuid4().hex, tmp_path / "alive"
    episodes = tmp_path / "r" / "episodes.jsonl"
    args = miniwob_eval(tmp_path, "click-test-2", "tests/isolation_agents.py:BrowserWatchingAgent")
    proc = _start([*args, "--episodes", "8"], mark, dump)
    assert wait_until(lambda: episodes.exists() and len(episodes.read_text().splitlines()) >= 2, timeout=120)
    processes = [p.split() for p in marked_processes(mark)]
    drivers = [int(pid) for pid, name in processes if name == "chromedriver"]
    old_browser = {int(pid) for pid, name in processes if name.startswith("chrom") and name != "chromedriver"}
    assert len(drivers) == 1 and old_browser
    with contextlib.suppress(ProcessLookupError):
        os.kill(drivers[0], signal.SIGKILL)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err

    records = read_jsonl(episodes)
    statuses = [r["status"] for r in records]
    assert len(records) == 8 and statuses.count("env_error") == 1, statuses
    crashed = statuses.index("env_error")
    assert crashed < 7 and records[crashed + 1]["status"] == "ok" and records[crashed + 1]["success"]
    # Each episode's first step saw either the old browser or a new one, never both: the old
    # browser was gone before the next episode began.
    seen = [set(line["chromium"]) for line in _dumped(dump)]
    after = [alive for alive in seen if alive - old_browser]
    assert after and all(not alive & old_browser for alive in after), (old_browser, seen)
    assert wait_until(lambda: not marked_processes(mark), timeout=30), marked_processes(mark)
