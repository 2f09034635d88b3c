"""WebArena-Verified's scores, computed by the official ``webarena-verified`` library (the extra
``pip install 'webbench[verified]'``).

Nothing here re-implements a check: :func:`score_verified` hands the agent's raw answer and the
episode's recorded network trace (a HAR file) to the library's evaluator and turns its result into
a :class:`VerifiedResult`. What the library does with odd answers is kept as it does it (answers
that are not JSON, fenced blocks, no answer at all: each a failed assertion, recorded). Two
limits of the library's facade are worked around, and named:

- it needs a trace even for answer-only tasks, which never read it: an episode without a HAR
  file gets :data:`PLACEHOLDER_TRACE` for those (tasks with network checks get the library's
  own result for a missing trace: an error, score 0);
- it refuses a task file (``test_data_file``) that does not hold exactly 812 tasks: a user's
  task file is loaded as a subset of itself (the library's own subset mechanism), which lifts
  only that count check;
- it hashes the whole task file again on every evaluation (for the result's data checksum, a
  third of its time): the hash is kept per file version (path, size, modification time).

:func:`verified_exports` gives the files of the official offline layout
(``<task_id>/agent_response.json``, ``network.har``, ``run_config.json``) that
``webarena-verified eval-tasks --output-dir DIR`` re-scores, and :func:`rescore_verified` the
final info of a recorded episode.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webbench.core.errors import UsageError

#: The pip requirement of the extra, named in the error when the library is missing.
EXTRA = "pip install 'webbench[verified]'"
#: Where the offline layout goes in a run folder (one folder per task id below it).
LAYOUT = "webarena-verified"
#: The layout's task file for a run on a user's task file, relative to the run folder (the
#: official CLI reads it from there: run it in the run folder).
LAYOUT_TASKS = f"{LAYOUT}/test_data.json"
#: The number of tasks the official reader and CLI insist on in a task file.
OFFICIAL_COUNT = 812
#: The one-entry trace given for answer-only tasks when the episode recorded none (never read).
PLACEHOLDER_TRACE: tuple[dict[str, Any], ...] = (
    {
        "request": {"method": "GET", "url": "http://placeholder.invalid/", "headers": []},
        "response": {"status": 200, "headers": [], "content": {}},
    },
)

# The library logs each failed evaluation with a traceback; the failure is in the result instead.
logging.getLogger("WebArena-Verified").addHandler(logging.NullHandler())


class VerifiedMissingError(UsageError):
    """The ``webarena-verified`` library is not installed; the message names the extra."""


class VerifiedTaskError(UsageError):
    """A task file the official library cannot load; the message names the file."""


@dataclass(frozen=True)
class VerifiedResult:
    """The official verdict on one episode: ``score`` (0 or 1), ``status`` (``success``,
    ``failure`` or ``error``), ``error`` (the library's message for an error), ``evaluators``
    (one JSON-able dict per evaluator, with its assertions) and ``trace`` (``har``,
    ``placeholder`` or ``none``: what the network checks saw)."""

    task_id: int
    score: float
    status: str
    error: str | None
    evaluators: tuple[dict[str, Any], ...]
    trace: str
    version: str

    @property
    def success(self) -> bool:
        """Return True when the task passed (every evaluator scored 1)."""
        return self.score == 1.0

    def metrics(self) -> dict[str, float]:
        """Return ``success``, ``score``, ``agent_response`` (the answer check) and, for tasks with
        network checks, ``network_events`` (1 when all of them pass)."""
        metrics = {"success": float(self.success), "score": self.score}
        by_kind: dict[str, list[float]] = {}
        for evaluator in self.evaluators:
            by_kind.setdefault(evaluator["evaluator_name"], []).append(float(evaluator["score"]))
        if "AgentResponseEvaluator" in by_kind:
            metrics["agent_response"] = min(by_kind["AgentResponseEvaluator"])
        if "NetworkEventEvaluator" in by_kind:
            metrics["network_events"] = min(by_kind["NetworkEventEvaluator"])
        return metrics

    def details(self) -> dict[str, Any]:
        """Return the JSON-able breakdown for the episode record: status, error, trace, library
        version and each evaluator with its assertions (name, status, messages)."""
        return {
            "verified_status": self.status,
            "verified_error": self.error,
            "trace": self.trace,
            "webarena_verified_version": self.version,
            "evaluators": [dict(evaluator) for evaluator in self.evaluators],
        }


@functools.lru_cache(maxsize=16)
def _file_checksum(path: str, size: int, mtime_ns: int, checksum: Any) -> str:
    return checksum(path)


def _kept_checksum(checksum: Any) -> Any:
    """Return ``checksum`` (the library's hash of a data file) computed once per file version."""

    def kept(file_path: str | Path) -> str:
        stat = Path(file_path).stat()
        return _file_checksum(str(file_path), stat.st_size, stat.st_mtime_ns, checksum)

    kept.kept = True  # type: ignore[attr-defined]
    return kept


@functools.lru_cache(maxsize=1)
def _library() -> Any:
    """Return the ``webarena_verified`` modules this file uses; VerifiedMissingError without them."""
    try:
        from webarena_verified.api.internal import evaluator as evaluator_module
        from webarena_verified.api.internal.data_reader import WebArenaVerifiedDataReader
        from webarena_verified.api.internal.evaluator import WebArenaVerifiedEvaluator
        from webarena_verified.types.config import WebArenaVerifiedConfig
        from webarena_verified.types.data import TaskSubset
        from webarena_verified.types.eval import WEBARENA_VERIFIED_VERSION
    except ImportError as exc:
        raise VerifiedMissingError(
            f"WebArena-Verified scoring needs the official library: {EXTRA} ({exc})"
        ) from None
    checksum = evaluator_module.compute_data_file_checksum
    if not getattr(checksum, "kept", False):
        evaluator_module.compute_data_file_checksum = _kept_checksum(checksum)
    return {
        "reader": WebArenaVerifiedDataReader,
        "evaluator": WebArenaVerifiedEvaluator,
        "config": WebArenaVerifiedConfig,
        "subset": TaskSubset,
        "version": WEBARENA_VERIFIED_VERSION,
    }


@functools.lru_cache(maxsize=8)
def _scorer(task_data_file: Path | None) -> tuple[Any, Any]:
    """Return the library's config and task reader for ``task_data_file`` (None: its own 812 tasks)."""
    lib = _library()
    if task_data_file is None:
        config = lib["config"]()
        return config, lib["reader"](config)
    try:
        ids = [int(task["task_id"]) for task in json.loads(task_data_file.read_text(encoding="utf-8"))]
        config = lib["config"](test_data_file=task_data_file)
        subset = lib["subset"](task_ids=ids, checksum=lib["subset"].compute_checksum(ids))
        return config, lib["reader"](config, subset=subset)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise VerifiedTaskError(f"{task_data_file}: not a WebArena-Verified task file ({exc})") from None


@functools.lru_cache(maxsize=64)
def _config(task_data_file: Path | None, envs: tuple[tuple[str, str], ...]) -> Any:
    """Return the library's config for the task file and the (placeholder, base URL) pairs."""
    base, _reader = _scorer(task_data_file)
    if not envs:
        return base
    return _library()["config"](
        test_data_file=base.test_data_file, environments={k: {"urls": [url]} for k, url in envs}
    )


def environments(sites: Mapping[str, str] | None, task_sites: list[str]) -> dict[str, Any] | None:
    """Return the library's ``environments`` config (``__SHOPPING__`` -> base URL) for a site map
    keyed by WebArena variable (``SHOPPING``); None when no site of the task is in it (the library
    then takes the base URLs from the trace)."""
    if not sites:
        return None
    wanted = {site.upper() for site in task_sites}
    chosen = {f"__{name.upper()}__": {"urls": [url]} for name, url in sites.items() if name.upper() in wanted}
    return chosen or None


def _has_network_checks(task: Mapping[str, Any]) -> bool:
    return any(e.get("evaluator") == "NetworkEventEvaluator" for e in task.get("eval", []))


def score_verified(
    task: Mapping[str, Any],
    answer: str | None,
    har_path: Path | None,
    task_data_file: Path | None = None,
    *,
    sites: Mapping[str, str] | None = None,
) -> VerifiedResult:
    """Return the official library's verdict on ``answer`` (the agent's raw stop text, None when it
    gave none) and the HAR file ``har_path`` (None or missing: no trace was recorded) for the
    WebArena-Verified task ``task`` (its JSON object, as in the task file).

    ``task_data_file`` is the task file holding ``task`` (None: the library's own dataset);
    ``sites`` maps WebArena variables (``SHOPPING``) to the base URLs the episode ran on.
    VerifiedMissingError when the library is not installed.
    """
    lib = _library()
    data_file = task_data_file.resolve() if task_data_file else None
    _base, reader = _scorer(data_file)
    envs = environments(sites, list(task.get("sites", [])))
    config = _config(data_file, tuple(sorted((k, v["urls"][0]) for k, v in (envs or {}).items())))
    trace: Any
    if har_path is not None and Path(har_path).is_file():
        trace, kind = Path(har_path), "har"
    elif _has_network_checks(task):
        trace, kind = None, "none"
    else:
        trace, kind = list(PLACEHOLDER_TRACE), "placeholder"
    evaluator = lib["evaluator"](config=config, reader=reader)
    result = evaluator.evaluate_task(task_id=int(task["task_id"]), agent_response=answer, network_trace=trace)
    dumped = result.model_dump(mode="json")
    return VerifiedResult(
        task_id=result.task_id,
        score=float(result.score),
        status=str(result.status),
        error=result.error_msg,
        evaluators=tuple(dumped["evaluators_results"]),
        trace=kind,
        version=lib["version"],
    )


def final_info(result: VerifiedResult) -> dict[str, Any]:
    """Return the episode's final info (``success``, ``score``, ``metrics``, ``details``) for ``result``."""
    return {
        "success": result.success,
        "score": result.score,
        "metrics": result.metrics(),
        "details": result.details(),
    }


def recorded_answer(record: Mapping[str, Any]) -> str | None:
    """Return the raw answer an episode record holds: the env's ``details.answer`` (which keeps
    "Early stop: ..."), else the record's ``answer``."""
    details = record.get("details") or {}
    answer = details.get("answer", record.get("answer"))
    return None if answer is None else str(answer)


def recorded_sites(task: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, str] | None:
    """Return the site map of a recorded episode: its ``details.sites`` when the env recorded one,
    else what the task's templated start URLs and the recorded real ones give (``__SHOPPING__/x``
    against ``http://127.0.0.1:40001/x``); None when neither says."""
    details = record.get("details") or {}
    if isinstance(details.get("sites"), dict):
        return {str(k): str(v) for k, v in details["sites"].items()}
    found: dict[str, str] = {}
    for template, real in zip(task.get("start_urls") or [], details.get("start_urls") or [], strict=False):
        if not (isinstance(template, str) and template.startswith("__") and isinstance(real, str)):
            continue
        name, _, rest = template[2:].partition("__")
        if real.endswith(rest) and name:
            found[name.upper()] = real[: len(real) - len(rest)] if rest else real
    return found or None


def rescore_verified(
    task: Mapping[str, Any],
    record: Mapping[str, Any],
    artifacts: Path | None,
    task_data_file: Path | None = None,
) -> dict[str, Any]:
    """Return the new final info of a recorded Verified episode (see :func:`final_info`), scored
    from its recorded answer and ``artifacts/network.har``."""
    har = artifacts / "network.har" if artifacts is not None else None
    result = score_verified(
        task, recorded_answer(record), har, task_data_file, sites=recorded_sites(task, record)
    )
    return final_info(result)


def verified_exports(
    task: Mapping[str, Any],
    answer: str | None,
    artifacts: Path | None,
    sites: Mapping[str, str] | None = None,
    task_data_file: Path | None = None,
) -> dict[str, bytes | Path]:
    """Return the official offline layout's files for one episode, as run-folder paths ->
    content (bytes, or a Path to copy): ``webarena-verified/<task_id>/agent_response.json``
    (the raw answer, empty for none: the library reads both as no answer), ``network.har``
    (the recorded one; the placeholder for an answer-only task without one; none for a task with
    network checks and no HAR: the official CLI then lists it as skipped) and ``run_config.json``
    (the site URLs and the task file, which the CLI reads per task); for a run on a user's task
    file also ``webarena-verified/test_data.json`` (see :func:`layout_task_file`), named in
    ``run_config.json`` relative to the run folder."""
    folder = f"{LAYOUT}/{int(task['task_id'])}"
    files: dict[str, bytes | Path] = {f"{folder}/agent_response.json": (answer or "").encode("utf-8")}
    har = artifacts / "network.har" if artifacts is not None else None
    if har is not None and har.is_file():
        files[f"{folder}/network.har"] = har
    elif not _has_network_checks(task):
        placeholder = {"log": {"version": "1.2", "entries": list(PLACEHOLDER_TRACE)}}
        files[f"{folder}/network.har"] = json.dumps(placeholder).encode("utf-8")
    run_config: dict[str, Any] = {}
    envs = environments(sites, list(task.get("sites", [])))
    if envs:
        run_config["environments"] = envs
    if task_data_file is not None:
        files[LAYOUT_TASKS] = layout_task_file(Path(task_data_file).resolve())
        run_config["test_data_file"] = LAYOUT_TASKS
    files[f"{folder}/run_config.json"] = (json.dumps(run_config, indent=2) + "\n").encode("utf-8")
    return files


@functools.lru_cache(maxsize=4)
def layout_task_file(task_data_file: Path) -> bytes:
    """Return the task file the official CLI can load for a run on the user's ``task_data_file``:
    its tasks, then official tasks of other ids up to the 812 that the CLI's reader insists on (the
    CLI scores only the task folders it finds, so the padding is never scored). VerifiedTaskError
    when the file cannot be read or holds more than 812 tasks."""
    official_file = _scorer(None)[0].test_data_file
    try:
        mine = json.loads(task_data_file.read_text(encoding="utf-8"))
        used = {int(task["task_id"]) for task in mine}
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise VerifiedTaskError(f"{task_data_file}: not a WebArena-Verified task file ({exc})") from None
    if len(mine) > OFFICIAL_COUNT:
        raise VerifiedTaskError(
            f"{task_data_file}: {len(mine)} tasks; the official CLI loads at most {OFFICIAL_COUNT}"
        )
    official = json.loads(official_file.read_text(encoding="utf-8"))
    padding = [task for task in official if task["task_id"] not in used][: OFFICIAL_COUNT - len(mine)]
    return json.dumps(mine + padding, ensure_ascii=False).encode("utf-8")
