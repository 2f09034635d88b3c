"""The files a wheel must carry: task subsets and the published numbers are package data."""

from __future__ import annotations

import fnmatch
import tomllib

from conftest import ROOT


def _package_globs() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["webbench"]


def test_task_subsets_and_published_numbers_are_package_data():
    package = ROOT / "webbench"
    files = [*(package / "tasks").rglob("*.txt"), package / "report" / "published.json"]
    assert len(files) >= 3
    globs = _package_globs()
    for path in files:
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in globs), relative


def test_subsets_and_published_rows_are_found_inside_the_package():
    from webbench.core.suite import TASKS_DIR, get_suite
    from webbench.report.published import DEFAULT_PATH

    assert TASKS_DIR.is_relative_to(ROOT / "webbench")
    assert DEFAULT_PATH.is_relative_to(ROOT / "webbench") and DEFAULT_PATH.is_file()
    assert {"smoke", "scripted"} <= set(get_suite("miniwob").subsets())
