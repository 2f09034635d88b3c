"""A plug-in suite (entry point ``webbench.suites``) whose services and worker slots reach its envs."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import read_jsonl, webbench

PLUGIN = """
import contextlib
import os
from pathlib import Path

from webbench.core.env import EnvConfig, WebEnv
from webbench.core.metric import MetricSpec
from webbench.core.suite import Suite
from webbench.core.types import Observation, Task

LOG = Path(os.environ["PROBE_LOG"])


class ProbeEnv(WebEnv):
    def start(self, task, seed):
        return Observation(goal=task.goal), {}

    def act(self, action):
        details = {"slot": self.config.slot, "services": self.config.services, "pid": os.getpid()}
        info = {"success": True, "score": 1.0, "metrics": {"success": 1.0}, "details": details}
        return Observation(goal=self.task.goal, step=1), 1.0, True, False, info

    def invalid(self, raw, reason):
        return self.act(None)

    def finish(self):
        return {"success": False, "score": 0.0, "metrics": {"success": 0.0}}


class ProbeSuite(Suite):
    name = "probe"
    kind = "live"
    max_workers = 2
    metrics = (MetricSpec("success", "solved", headline=True),)

    def load_tasks(self, split, data):
        return [Task("probe", f"t{i}", "do it") for i in range(8)]

    def make_env(self, config):
        return ProbeEnv(config)

    @contextlib.contextmanager
    def services(self, config, tasks):
        with LOG.open("a") as log:
            log.write(f"enter {len(tasks)}\\n")
        try:
            yield {"site": "http://127.0.0.1:9/probe"}
        finally:
            with LOG.open("a") as log:
                log.write("exit\\n")


SUITE = ProbeSuite()
"""


def _install_plugin(root: Path) -> dict[str, str]:
    root.mkdir()
    (root / "probe_suite.py").write_text(PLUGIN)
    info = root / "probe_suite-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: probe-suite\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text("[webbench.suites]\nprobe = probe_suite:SUITE\n")
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "PROBE_LOG": str(root / "services.log")}


def test_services_enter_once_and_slots_stay_below_max_workers(tmp_path):
    env = _install_plugin(tmp_path / "plugin")
    result = webbench(
        "eval", "--suite", "probe", "--agent", "random", "--workers", "3",
        "--out", str(tmp_path), "--run-id", "r", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = read_jsonl(tmp_path / "r" / "episodes.jsonl")
    assert len(records) == 8 and all(r["status"] == "ok" for r in records)
    assert {r["details"]["services"]["site"] for r in records} == {"http://127.0.0.1:9/probe"}
    slots = {r["details"]["slot"] for r in records}
    assert slots <= {0, 1}
    by_pid = {}
    for r in records:
        by_pid.setdefault(r["details"]["pid"], set()).add(r["details"]["slot"])
    assert len(by_pid) <= 2 and all(len(s) == 1 for s in by_pid.values())
    assert (tmp_path / "plugin" / "services.log").read_text().split() == ["enter", "8", "exit"]
    assert "probe" in webbench("list", env=env).stdout
