"""The MiniWoB++ suite against the plain `miniwob` package: same tasks for the same seeds."""

from __future__ import annotations

import pytest

from webbench.browser.chromium import find_chromium
from webbench.core.env import EnvConfig
from webbench.core.suite import get_suite
from webbench.suites.miniwob import dom_to_elements

pytestmark = pytest.mark.browser

TASKS = ("click-test-2", "login-user", "choose-list", "click-checkboxes", "enter-text-2")


def test_same_seed_same_episode_as_the_raw_package(monkeypatch) -> None:
    import gymnasium
    import miniwob

    paths = find_chromium()
    monkeypatch.setenv("MINIWOB_CHROME_BINARY", paths.browser)
    monkeypatch.setenv("MINIWOB_CHROMEDRIVER", paths.driver)
    gymnasium.register_envs(miniwob)
    suite = get_suite("miniwob")
    tasks = {t.id: t for t in suite.load_tasks(None, None)}
    env = suite.make_env(EnvConfig())
    try:
        for task_id in TASKS:
            raw_env = gymnasium.make(f"miniwob/{task_id}-v1")
            try:
                for seed in (1, 2, 123456789):
                    raw, _ = raw_env.reset(seed=seed)
                    ours, _ = env.reset(seed=seed, options={"task": tasks[task_id]})
                    assert ours.goal == raw["utterance"], (task_id, seed)
                    assert ours.extra["fields"] == [list(f) for f in raw["fields"]]
                    raw_elements, raw_text = dom_to_elements([dict(e) for e in raw["dom_elements"]])
                    assert [(e.id, e.tag, e.text) for e in ours.elements] == [
                        (e.id, e.tag, e.text) for e in raw_elements
                    ]
            finally:
                raw_env.close()
    finally:
        env.close()


def test_history_and_errors_follow_the_steps() -> None:
    suite = get_suite("miniwob")
    task = next(t for t in suite.load_tasks(None, None) if t.id == "login-user")
    env = suite.make_env(EnvConfig())
    try:
        obs, _ = env.reset(seed=5, options={"task": task})
        assert obs.history == [] and obs.step == 0
        obs, *_ = env.step('click("999")')
        assert obs.history == ['click("999")'] and obs.step == 1 and "no element '999'" in obs.error
        obs, *_ = env.step("noop()")
        assert obs.history == ['click("999")', "noop()"] and obs.error is None
        obs, _ = env.reset(seed=6, options={"task": task})
        assert obs.history == []
    finally:
        env.close()
