"""Reading WebArena-Infinity data: the apps, their two task sets, and the pinned upstream source.

A data folder is a checkout of ``web-arena-x/webarena-infinity`` (the folder holding
``apps/``) or its ``apps/`` folder itself. Each app folder holds ``server.py`` and two
task files, ``function-tasks.json`` and ``real-tasks.json``: a list of
``{"id", "instruction", "verify", "difficulty"?}`` where ``verify`` is the path (inside
the app folder) of the task's verifier file and ``difficulty`` (real tasks only) is
``easy``, ``medium`` or ``hard``. Task ids are ``<app>/<task id>``. Every malformed
file raises :class:`InfinityDataError` naming the file, the task and the field.

``webbench data pull`` fetches GitHub's archive of the pinned commit (:func:`data_source`);
the unpacked tree is checked with :func:`check_checkout` before it is moved into place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from webbench.core.suite import SuiteError
from webbench.core.types import Task
from webbench.data.records import read_json_file
from webbench.data.sources import Archive, DataSource

SUITE = "webarena_infinity"
REPO = "web-arena-x/webarena-infinity"
COMMIT = "1ca77813bf8d8e4011aa3fb1f740f70d78bd522d"
ARCHIVE_URL = f"https://codeload.github.com/{REPO}/tar.gz/{COMMIT}"
TASK_SETS = {"function": "function-tasks.json", "real": "real-tasks.json"}
DIFFICULTIES = ("easy", "medium", "hard")
#: The 13 apps of the pinned commit.
APPS = (
    "elation-clinical-records",
    "elation-patient-communication",
    "elation-prescriptions",
    "figma-slides",
    "figma-text-and-typography",
    "gitlab-plan-and-track",
    "gmail",
    "gmail-accounts-and-contacts",
    "handshake-career-exploration",
    "linear-account-settings",
    "paypal-my-wallet",
    "superhuman-general",
    "xero-invoicing",
)
#: sha256 of the pinned commit's scoring files (see :func:`scoring_digest`).
SCORING_SHA256 = "4ae5a708ba71a97882aa793da66256350a2f4aee020e89d803cee304006255ee"
#: Upstream folders not needed to run or score the apps (124 MB of scraped manuals).
EXCLUDE = ("apps/ablations/*", "apps/*/user-manuals/*", "apps/*/app-description/*")


class InfinityDataError(SuiteError):
    """A WebArena-Infinity file that cannot be used; the message names the file, the task and the field."""


def apps_dir(data: Path) -> Path:
    """Return the ``apps`` folder of ``data`` (a checkout of the upstream repo or its ``apps`` folder)."""
    data = Path(data)
    if (data / "apps").is_dir():
        return data / "apps"
    if data.is_dir() and any((child / "server.py").is_file() for child in data.iterdir()):
        return data
    raise InfinityDataError(
        f"{data}: not a WebArena-Infinity checkout (no apps/ folder with app servers): "
        "pass the upstream repo folder or its apps/ folder, or run 'webbench data pull webarena_infinity'"
    )


def app_names(apps: Path) -> list[str]:
    """Return the app folder names under ``apps`` (those with a ``server.py``), sorted."""
    return sorted(child.name for child in apps.iterdir() if (child / "server.py").is_file())


def _field(path: Path, where: str, record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InfinityDataError(f"{path}: {where}: field {name!r} must be a non-empty string")
    return value


def read_task_file(path: Path, app: str, task_set: str) -> list[Task]:
    """Return the tasks of one app's task file (``task_set`` is ``function`` or ``real``)."""
    records = read_json_file(path, InfinityDataError)
    if not isinstance(records, list):
        raise InfinityDataError(f"{path}: expected a JSON list of tasks")
    app_dir = path.parent.resolve()
    tasks, seen = [], set()
    for number, record in enumerate(records, 1):
        where = f"task {number}"
        if not isinstance(record, dict):
            raise InfinityDataError(f"{path}: {where}: expected a JSON object")
        task_id = _field(path, where, record, "id")
        where = f"task {number} ({task_id})"
        if task_id in seen:
            raise InfinityDataError(f"{path}: {where}: field 'id' repeats an earlier task's id")
        seen.add(task_id)
        instruction = _field(path, where, record, "instruction")
        verify = _field(path, where, record, "verify")
        verifier = (app_dir / verify).resolve()
        if not verifier.is_relative_to(app_dir) or verifier.suffix != ".py":
            raise InfinityDataError(
                f"{path}: {where}: field 'verify': {verify!r} is not a .py file of the app"
            )
        if not verifier.is_file():
            raise InfinityDataError(f"{path}: {where}: field 'verify': {verify} does not exist")
        difficulty = record.get("difficulty", "")
        if task_set == "real" and difficulty not in DIFFICULTIES:
            raise InfinityDataError(
                f"{path}: {where}: field 'difficulty' must be one of {', '.join(DIFFICULTIES)}, "
                f"not {difficulty!r}"
            )
        if not isinstance(difficulty, str):
            raise InfinityDataError(f"{path}: {where}: field 'difficulty' must be a string")
        meta = {
            "app": app,
            "task_set": task_set,
            "difficulty": difficulty,
            "verify": verify,
            "verifier": str(verifier),
        }
        tasks.append(Task(SUITE, f"{app}/{task_id}", instruction, task_set, meta))
    return tasks


def load_tasks(data: Path, task_set: str, apps: Iterable[str] | None = None) -> list[Task]:
    """Return the ``task_set`` tasks (``function`` or ``real``) of every app (or of ``apps``)."""
    if task_set not in TASK_SETS:
        raise InfinityDataError(f"unknown task set {task_set!r}; known: {', '.join(TASK_SETS)}")
    folder = apps_dir(data)
    names = list(apps) if apps is not None else app_names(folder)
    tasks = []
    for app in names:
        if not (folder / app / "server.py").is_file():
            raise InfinityDataError(f"{folder / app}: no such app (no server.py)")
        tasks += read_task_file(folder / app / TASK_SETS[task_set], app, task_set)
    return tasks


def named_subsets(tasks: Iterable[Task]) -> dict[str, list[str]]:
    """Return subsets of ``tasks``: one per difficulty present (``easy``...) and one per app."""
    subsets: dict[str, list[str]] = {}
    for task in tasks:
        if task.meta["difficulty"]:
            subsets.setdefault(task.meta["difficulty"], []).append(task.id)
    for task in tasks:
        subsets.setdefault(task.meta["app"], []).append(task.id)
    return subsets


def scoring_files(apps: Path) -> list[Path]:
    """Return the files that decide scores, for the 13 pinned apps: server, task files, verifiers."""
    files = []
    for app in APPS:
        app_dir = apps / app
        files.append(app_dir / "server.py")
        for name in TASK_SETS.values():
            files.append(app_dir / name)
            records = json.loads((app_dir / name).read_bytes())
            files += sorted({app_dir / record["verify"] for record in records})
    return files


def scoring_digest(apps: Path) -> str:
    """Return the sha256 over the scoring files' paths (relative to ``apps``) and sha256s."""
    digest = hashlib.sha256()
    for path in scoring_files(apps):
        digest.update(
            f"{path.relative_to(apps).as_posix()}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode()
        )
    return digest.hexdigest()


def check_checkout(root: Path) -> None:
    """Check an unpacked checkout: every app's task files load, the scoring files match the pin.

    Raises ValueError naming what is wrong.
    """
    apps = apps_dir(root)
    missing = [app for app in APPS if not (apps / app / "server.py").is_file()]
    if missing:
        raise ValueError(f"{apps}: missing app(s) {', '.join(missing)}")
    for task_set in TASK_SETS:
        load_tasks(root, task_set)
    try:
        digest = scoring_digest(apps)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{apps}: scoring files unreadable: {exc}") from exc
    if digest != SCORING_SHA256:
        raise ValueError(f"{apps}: scoring files differ from commit {COMMIT[:12]} (digest {digest[:12]})")


def data_source(url: str = ARCHIVE_URL) -> DataSource:
    """Return the data source of the pinned upstream commit (``url``: its tar.gz archive)."""
    return DataSource(
        "webarena-infinity",
        f"the 13 WebArena-Infinity apps, their tasks and verifiers ({REPO} @ {COMMIT[:12]})",
        "MIT",
        archive=Archive(
            url=url,
            folder=COMMIT,
            root=f"webarena-infinity-{COMMIT}",
            commit=COMMIT,
            exclude=EXCLUDE,
            check=check_checkout,
        ),
        note="the apps' scraped user manuals (124 MB) are not unpacked; the suite does not need them",
    )


DATA_SOURCE = data_source()


def default_data() -> Path:
    """Return where ``webbench data pull`` puts the pinned commit (it may not exist yet)."""
    return DATA_SOURCE.folder() / COMMIT
