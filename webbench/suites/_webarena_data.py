"""Reading WebArena task configs: the splits' files, user task files, placeholders and the sites a task needs.

Splits: ``original`` (``test.raw.json``, 812 tasks), ``lite`` (WebArena-Lite's
``test_webarena_lite.raw.json``, 165), ``verified`` (``webarena-verified.json``, 812, with the hard
subset ``webarena-verified-hard.json``), and ``mini`` (the project's own tasks,
``webbench/tasks/webarena-mini/``). A split's file is looked for in the ``webarena-verified``
package's assets (original, verified), then in the data cache (``webbench data path webarena``), or
in ``--data DIR`` (the file itself, or a sub-folder ``webarena-lite``, ``webarena-verified``,
``subsets``). ``--data FILE`` (a JSON list of configs, or one config) or ``--data DIR`` without a
split's file (every ``*.json`` below it, each a list or one config) loads a user's own tasks.

Two config formats, told apart per task: WebArena's (``start_url``, ``eval`` a dict with
``eval_types``) and WebArena-Verified's (``start_urls``, ``eval`` a list of evaluators). A malformed
config is a one-line :class:`WebArenaTaskError` naming the file, the task and the field.
Placeholders (``__SHOPPING__`` ...) stay in ``Task.meta`` (the config as written) and are replaced
when an episode starts (:func:`resolve`), by plain string replacement as upstream.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from webbench.core.errors import UsageError
from webbench.core.suite import TASKS_DIR, SuiteError
from webbench.core.types import Task
from webbench.data import data_home
from webbench.data.records import read_json_file
from webbench.data.sources import DataSource, RemoteFile

SUITE = "webarena"
SPLITS = ("original", "lite", "verified", "mini")
#: The site variables, in the order health checks print them.
SITE_VARS = ("SHOPPING", "SHOPPING_ADMIN", "REDDIT", "GITLAB", "WIKIPEDIA", "MAP", "HOMEPAGE")
#: The sites with an official test account (the others need no login).
LOGIN_SITES = ("shopping", "shopping_admin", "reddit", "gitlab")
#: Config site names -> their variable.
SITE_OF = {name.lower(): name for name in SITE_VARS}
FILES = {
    "original": "test.raw.json",
    "lite": "test_webarena_lite.raw.json",
    "verified": "webarena-verified.json",
}
SUBSET_FILES = {"hard": "webarena-verified-hard.json", "non-hard": "webarena-verified-non-hard.json"}
_SUBFOLDERS = ("", "webarena-lite", "webarena-verified", "subsets", "webarena-verified/subsets")
EVAL_TYPES = ("string_match", "url_match", "program_html")
AND = " |AND| "
MINI_DIR = TASKS_DIR / "webarena-mini"
_AUTH = re.compile(r"([a-z_.]+)_state\.json$")

LITE_COMMIT = "9055fc299c366ef34700d1710215fb60a0d8c35e"
DATA_SOURCE = DataSource(
    SUITE,
    "WebArena-Lite's task file (THUDM/VisualAgentBench); original and Verified come with "
    "pip install webarena-verified (or copy test.raw.json / webarena-verified.json here)",
    "Apache-2.0",
    files=(
        RemoteFile(
            FILES["lite"],
            f"https://raw.githubusercontent.com/THUDM/VisualAgentBench/{LITE_COMMIT}/"
            "VAB-WebArena-Lite/new/test_webarena_lite.raw.json",
            204084,
            "5e901fc1d7155bc03764d734fa9a492f8d6d1029656b986a3a4e7c71609c7238",
        ),
    ),
    note="original and verified tasks: the webarena-verified package's assets (the [verified] extra)",
)


class WebArenaTaskError(SuiteError):
    """A WebArena task config that cannot be used; the message names the file, the task and the field."""


def package_dataset() -> Path | None:
    """Return the ``webarena-verified`` package's dataset folder, or None when it is not installed."""
    spec = importlib.util.find_spec("webarena_verified")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "assets" / "dataset"
    return folder if folder.is_dir() else None


def search_folders(data: Path | None) -> list[Path]:
    """Return the folders a split's file is looked for in: ``data``, else the package's and the cache."""
    if data is not None:
        return [Path(data)]
    return [f for f in (package_dataset(), data_home() / SUITE) if f is not None]


def find_file(name: str, folders: list[Path]) -> Path | None:
    """Return the first ``name`` in ``folders`` (or their known sub-folders), or None."""
    for folder in folders:
        for sub in _SUBFOLDERS:
            path = folder / sub / name
            if path.is_file():
                return path
    return None


def _where(path: Path, config: Any, index: int) -> str:
    task = config.get("task_id") if isinstance(config, dict) else None
    return f"{path}: task {task if task is not None else f'#{index}'}"


def _fail(where: str, field: str, problem: str) -> WebArenaTaskError:
    return WebArenaTaskError(f"{where}: {field}: {problem}")


def is_verified(config: dict[str, Any]) -> bool:
    """Return True for a config in WebArena-Verified's format (``eval`` is a list of evaluators)."""
    return isinstance(config.get("eval"), list)


def _check_common(config: dict[str, Any], where: str) -> None:
    task_id = config.get("task_id")
    if isinstance(task_id, bool) or not isinstance(task_id, int | str) or str(task_id).strip() == "":
        raise _fail(where, "task_id", "must be an integer or a non-empty string")
    if not isinstance(config.get("intent"), str) or not config["intent"].strip():
        raise _fail(where, "intent", "must be a non-empty string")
    sites = config.get("sites", [])
    if not isinstance(sites, list) or not all(isinstance(s, str) for s in sites):
        raise _fail(where, "sites", "must be a list of site names")


def _check_original(config: dict[str, Any], where: str, path: Path, strict: bool, rules: str) -> None:
    if not isinstance(config.get("start_url"), str) or not config["start_url"].strip():
        raise _fail(where, "start_url", "must be a non-empty string (URLs joined by ' |AND| ')")
    state = config.get("storage_state")
    if state is not None and not isinstance(state, str):
        raise _fail(where, "storage_state", "must be null or a file name such as ./.auth/gitlab_state.json")
    block = config.get("eval")
    if not isinstance(block, dict):
        raise _fail(where, "eval", "missing (an object with eval_types)")
    types = block.get("eval_types")
    if not isinstance(types, list) or not types:
        raise _fail(where, "eval.eval_types", "must be a non-empty list")
    unknown = [t for t in types if t not in EVAL_TYPES]
    if unknown:
        raise _fail(where, "eval.eval_types", f"unknown type {unknown[0]!r}; known: {', '.join(EVAL_TYPES)}")
    if not strict:
        return
    from webbench.metrics.webarena import check_config

    try:
        check_config(config, rules)
    except UsageError as exc:  # "task <id>: <field>: <problem>"
        raise WebArenaTaskError(f"{path}: {exc}") from exc


def _check_verified(config: dict[str, Any], where: str) -> None:
    urls = config.get("start_urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u.strip() for u in urls):
        raise _fail(where, "start_urls", "must be a non-empty list of URLs")
    for i, evaluator in enumerate(config["eval"]):
        if not isinstance(evaluator, dict) or not isinstance(evaluator.get("evaluator"), str):
            raise _fail(where, f"eval[{i}].evaluator", "must name the evaluator")


def check(
    config: Any, path: Path, index: int, strict: bool = True, rules: str = "original"
) -> dict[str, Any]:
    """Return ``config`` after checking the fields the suite needs, and with ``strict`` everything
    the evaluators of ``rules`` need (``metrics.webarena.check_config``); WebArenaTaskError otherwise."""
    where = _where(path, config, index)
    if not isinstance(config, dict):
        raise WebArenaTaskError(f"{where}: a task config must be a JSON object, not {type(config).__name__}")
    _check_common(config, where)
    if is_verified(config):
        _check_verified(config, where)
    else:
        _check_original(config, where, path, strict, rules)
    return config


def read_configs(path: Path) -> list[tuple[Path, int, Any]]:
    """Return (file, index, config) for every config of a task file (a list or one object) or folder."""
    files = sorted(p for p in path.rglob("*.json") if p.is_file()) if path.is_dir() else [path]
    out = []
    for file in files:
        value = read_json_file(file, WebArenaTaskError)
        items = value if isinstance(value, list) else [value]
        out.extend((file, index, item) for index, item in enumerate(items))
    return out


def tasks_of(path: Path, split: str, strict: bool = True, rules: str = "original") -> list[Task]:
    """Return the checked tasks of the task file or folder ``path``, ids unique (``strict``, ``rules``:
    see :func:`check`)."""
    tasks: dict[str, Task] = {}
    seen: dict[str, Path] = {}
    for file, index, config in read_configs(path):
        config = check(config, file, index, strict, rules)
        task_id = str(config["task_id"])
        if task_id in tasks:
            raise _fail(_where(file, config, index), "task_id", f"repeats the task of {seen[task_id]}")
        seen[task_id] = file
        tasks[task_id] = Task(SUITE, task_id, config["intent"], split, config)
    return list(tasks.values())


def split_source(split: str, data: Path | None) -> Path:
    """Return the file or folder the tasks of ``split`` come from (SuiteError naming what is missing)."""
    if split == "mini" and data is None:
        return MINI_DIR
    if data is not None and (Path(data).is_file() or split == "mini"):
        return Path(data)
    found = find_file(FILES[split], search_folders(data))
    if found is not None:
        return found
    if data is not None:
        return Path(data)  # a folder of the user's own task configs
    pull = "webbench data pull webarena" if split == "lite" else "pip install 'webbench[verified]'"
    raise SuiteError(
        f"webarena: no {FILES[split]} for --split {split}: run '{pull}', copy it to "
        f"{data_home() / SUITE}, or give --data FILE|DIR"
    )


def load_tasks(split: str, data: Path | None, rules: str | None = None) -> list[Task]:
    """Return the tasks of ``split`` (from ``data`` when given), checked for the evaluator ``rules``
    (default: Lite's for ``lite``, else the original's); SuiteError when none can be found."""
    source = split_source(split, data)
    if not source.exists():
        raise SuiteError(f"webarena: --data {source}: no such file or folder")
    # A split's own file is the benchmark's data, loaded whole even where the evaluators' checks are
    # stricter (Lite's task 81: must_include is a string, which Lite's evaluator asserts against: that
    # episode is an env_error); users' files and the mini set get every check.
    rules = rules or ("lite" if split == "lite" else "original")
    tasks = tasks_of(source, split, strict=source.name != FILES.get(split), rules=rules)
    if not tasks:
        raise SuiteError(f"webarena: {source}: holds no task configs")
    return tasks


def task_file(split: str, data: Path | None, task_id: str) -> Path | None:
    """Return the file that holds the task ``task_id`` of ``split`` (None: the ``webarena-verified``
    package's own dataset), for the official Verified scorer's ``test_data_file``."""
    source = split_source(split, data)
    package = package_dataset()
    if package is not None and source == package / FILES["verified"]:
        return None
    return source if source.is_file() else _files_of(source).get(task_id)


@functools.lru_cache(maxsize=8)
def _files_of(folder: Path) -> dict[str, Path]:
    return {
        str(c["task_id"]): f for f, _, c in read_configs(folder) if isinstance(c, dict) and "task_id" in c
    }


def subset_ids(folders: list[Path]) -> dict[str, list[str]]:
    """Return Verified's named subsets (``hard``, ``non-hard``) found in ``folders``."""
    subsets = {}
    for name, file in SUBSET_FILES.items():
        path = find_file(file, folders)
        if path is not None:
            ids = read_json_file(path, WebArenaTaskError).get("task_ids", [])
            subsets[name] = [str(i) for i in ids]
    return subsets


def needed_sites(config: dict[str, Any]) -> list[str]:
    """Return the site variables a task needs: its placeholders, its ``sites`` and those it logs into."""
    text = json.dumps(config)
    needed = {name for name in SITE_VARS if f"__{name}__" in text}
    needed |= {SITE_OF[site] for site in [*config.get("sites", []), *login_sites(config)] if site in SITE_OF}
    return [name for name in SITE_VARS if name in needed]


def login_sites(config: dict[str, Any]) -> list[str]:
    """Return the sites a task logs into: named by its ``storage_state`` file (``gitlab.reddit_state.json``),
    or, for a Verified config, its ``sites`` that have an account."""
    if is_verified(config):
        names = config.get("sites", [])
    else:
        found = _AUTH.search(str(config.get("storage_state") or ""))
        names = found.group(1).split(".") if found else []
    return [name for name in names if name in LOGIN_SITES]


def resolve(config: dict[str, Any], sites: dict[str, str]) -> dict[str, Any]:
    """Return ``config`` with each ``__SITE__`` placeholder replaced by its base URL in ``sites``."""
    text = json.dumps(config, ensure_ascii=False)
    for name, url in sites.items():
        text = text.replace(f"__{name}__", json.dumps(url, ensure_ascii=False)[1:-1])
    return json.loads(text)


def start_urls(config: dict[str, Any]) -> list[str]:
    """Return the task's start URLs, (``start_url`` split on ``" |AND| "``, or ``start_urls``)."""
    urls = config["start_urls"] if is_verified(config) else config["start_url"].split(AND)
    return [url.strip() for url in urls]
