"""The processes a browser worker runs: Chromium's helpers and Playwright's node driver."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_site import Site

from webbench.browser.session import DRIVER_NODE_OPTIONS, BrowserSession, _driver_node_options, _flags


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found[1:]


def _argv(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [word for arg in raw.split(b"\0") for word in arg.decode("utf-8", "replace").split()]


def test_driver_options_are_added_for_the_start_only(monkeypatch) -> None:
    monkeypatch.delenv("NODE_OPTIONS", raising=False)
    with _driver_node_options():
        assert os.environ["NODE_OPTIONS"] == DRIVER_NODE_OPTIONS
    assert "NODE_OPTIONS" not in os.environ
    monkeypatch.setenv("NODE_OPTIONS", "--trace-warnings")
    with pytest.raises(RuntimeError), _driver_node_options():
        assert os.environ["NODE_OPTIONS"] == f"--trace-warnings {DRIVER_NODE_OPTIONS}"
        raise RuntimeError("the start failed")
    assert os.environ["NODE_OPTIONS"] == "--trace-warnings"


def test_one_disable_features_switch_with_every_feature() -> None:
    flags = _flags()
    disabled = [flag for flag in flags if flag.startswith("--disable-features=")]
    assert len(disabled) == 1
    features = disabled[0].split("=", 1)[1].split(",")
    for name in ("BackForwardCache", "WebUIOmniboxPopup", "SpareRendererForSitePerProcess", "Translate"):
        assert name in features


@pytest.mark.browser
def test_no_gpu_or_network_process_and_a_small_driver_heap() -> None:
    site = Site()
    try:
        with BrowserSession.launch() as session:
            session.new_episode()
            assert session.goto(site.url("actions.html")) is None
            session.observe()
            kinds = [
                next((w.split("=", 1)[1] for w in _argv(pid) if w.startswith("--type=")), "browser")
                for pid in _descendants(session.pid)
            ]
            subtypes = [w for pid in _descendants(session.pid) for w in _argv(pid) if "sub-type=" in w]
            drivers = [
                pid
                for pid in _descendants(os.getpid())
                if any(word.endswith("cli.js") for word in _argv(pid)[:3])
            ]
            assert drivers, "no Playwright driver process found"
            environ = Path(f"/proc/{drivers[0]}/environ").read_bytes().split(b"\0")
        assert "gpu-process" not in kinds
        assert "renderer" in kinds
        assert not any("NetworkService" in word for word in subtypes)
        assert any(e.startswith(b"NODE_OPTIONS=") and DRIVER_NODE_OPTIONS.encode() in e for e in environ)
        assert DRIVER_NODE_OPTIONS not in os.environ.get("NODE_OPTIONS", "")
    finally:
        site.stop()
