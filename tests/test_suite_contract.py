"""The run-level suite contract: preflight, services, max_workers, kind and actions."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from conftest import webbench

from webbench.core.env import EnvConfig
from webbench.core.suite import Suite, SuiteError, get_suite, suite_names
from webbench.run.evaluate import check_preflight


class _Lacking(Suite):
    name = "lacking"

    def load_tasks(self, split: str | None, data: Path | None) -> list:
        return []

    def make_env(self, config: EnvConfig):
        raise AssertionError("never built")

    def preflight(self, config: EnvConfig) -> list[str]:
        return ["no site at http://127.0.0.1:1 (start it first)", "no data"]


def test_preflight_failure_is_one_usage_error_naming_the_suite_and_the_first_lack():
    with pytest.raises(SuiteError) as err:
        check_preflight(_Lacking(), EnvConfig())
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("lacking: no site at http://127.0.0.1:1")
    assert "(and 1 more)" in message


def test_default_services_yield_nothing_and_env_config_carries_them_picklably():
    suite = get_suite("autowebbench")
    with suite.services(EnvConfig(), []) as services:
        assert services == {}
    config = EnvConfig(services={"site": "http://127.0.0.1:8080"}, slot=1)
    assert pickle.loads(pickle.dumps(config)) == config


def test_every_builtin_suite_declares_kind_actions_and_a_worker_bound():
    for name in suite_names():
        suite = get_suite(name)
        assert suite.kind in ("live", "replay")
        assert suite.actions and all(isinstance(a, str) for a in suite.actions)
        assert suite.max_workers is None or suite.max_workers >= 1
    assert "click_xy" in get_suite("miniwob").actions


def test_doctor_prints_one_line_per_suite():
    out = webbench("doctor").stdout
    for name in suite_names():
        assert sum(1 for line in out.splitlines() if f"suite {name} " in line + " ") == 1
