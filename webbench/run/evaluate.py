"""An evaluation run from start to summary: what ``webbench eval`` does, as a library call."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import platform
import socket
import subprocess
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from webbench.core.agent import build_agent, close_agent, load_agent_class
from webbench.core.env import EnvConfig
from webbench.core.errors import UsageError
from webbench.core.record import EpisodeRecord
from webbench.core.redact import REDACTED, is_redacted, redact
from webbench.core.suite import Suite, SuiteError, get_suite, select_tasks
from webbench.core.types import Task
from webbench.data.digest import data_sha256
from webbench.run.episode import Episode, Limits
from webbench.run.plan import plan_episodes
from webbench.run.pool import WorkerPool
from webbench.run.shots import ShotPolicy, images_bytes
from webbench.run.store import RunStore, RunStoreError, StoreWriteError
from webbench.run.summary import summarize_run
from webbench.run.worker import WorkerSpec


@dataclass
class EvalConfig:
    """Everything that defines a run (what the manifest records, secrets redacted)."""

    suite: str
    agent: str
    agent_args: dict[str, Any] = field(default_factory=dict)
    split: str | None = None
    task_ids: list[str] | None = None
    subset: str | None = None
    episodes: int = 1
    seed: int = 0
    max_steps: int | None = None
    step_timeout: float | None = 120.0
    episode_timeout: float | None = 900.0
    screenshots: bool = False
    data: str | None = None
    suite_options: dict[str, Any] = field(default_factory=dict)
    workers: int = 1
    #: ``local`` (worker processes here) or ``ray`` (Ray actors; see webbench.run.ray_backend).
    backend: str = "local"
    ray_address: str | None = None
    ray_worker_cpus: float = 1.0
    llm_cache: str | None = None
    llm_cache_mode: str = "rw"
    judge_model: str | None = None
    judge_base_url: str | None = None
    judge_prompts: str | None = None
    #: SHA-256 of the ``judge_prompts`` file, set when the run is prepared; a resume checks it.
    judge_prompts_sha256: str | None = None
    #: SHA-256 of the ``data`` file or folder (see ``data_sha256``), set at creation; a resume checks it.
    data_sha256: str | None = None
    #: Kept screenshots wider than this are downscaled (``webbench.run.shots``).
    screenshot_max_width: int = 1280
    #: Bytes of screenshots the run keeps at most, in MB, shared among the workers.
    screenshot_budget_mb: float = 2000.0


#: Fields a resumed run takes from its manifest; giving another value is an error. A value the
#: manifest holds redacted must be given again (the redacted copy of what is given must match).
RUN_DEFINING = (
    "suite",
    "agent",
    "agent_args",
    "split",
    "task_ids",
    "subset",
    "episodes",
    "seed",
    "max_steps",
    "screenshots",
    "data",
    "suite_options",
    "judge_model",
    "judge_prompts",
)
#: Fields a resume may change: how the episodes are run, not what they are.
RUNTIME = (
    "workers",
    "backend",
    "ray_address",
    "ray_worker_cpus",
    "step_timeout",
    "episode_timeout",
    "llm_cache",
    "llm_cache_mode",
    "judge_base_url",
    "screenshot_max_width",
    "screenshot_budget_mb",
)
#: Where the episodes run: ``local`` worker processes, or Ray actors.
BACKENDS = ("local", "ray")
#: The ``eval`` options not named after their field.
_OPTION = {"task_ids": "--tasks"}


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in ("webbench", "gymnasium", "miniwob", "selenium"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def default_run_id(config: EvalConfig) -> str:
    """Return a run id like ``miniwob-scripted-20261122-101500``."""
    agent = "".join(c if c.isalnum() else "-" for c in Path(config.agent.split(":")[-1]).name)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{config.suite}-{agent}-{stamp}"


def option_name(field_name: str) -> str:
    """Return the ``eval`` option that sets the config field ``field_name`` (e.g. ``--max-steps``)."""
    return _OPTION.get(field_name, "--" + field_name.replace("_", "-"))


def make_manifest(config: EvalConfig, run_id: str, tasks: list[Task]) -> dict[str, Any]:
    """Return the manifest of a new run (its config with every secret redacted, see core.redact)."""
    return {
        "run_id": run_id,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "git_commit": _git_commit(),
        "versions": _versions(),
        "config": redact(asdict(config)),
        "tasks": [task.id for task in tasks],
    }


def _same(given: Any, saved: Any, name: str = "") -> bool:
    """Return True when ``given`` (named ``name``) is the manifest's ``saved``, maybe redacted there."""
    return saved == REDACTED or redact({name: given})[name] == saved


def _resumed_value(name: str, given: Any, saved: Any) -> Any:
    """Return the value a resume uses for the run-defining field ``name`` given again as ``given``."""
    if name not in ("agent_args", "suite_options"):
        if not _same(given, saved):
            raise RunStoreError(f"--resume: {name} {redact(given)!r} differs from the run's {saved!r}")
        return given
    for key, value in given.items():
        if key not in saved or not _same(value, saved[key], key):
            shown = redact({key: value})[key]
            raise RunStoreError(f"--resume: {name} {key}={shown!r} differs from the run's {saved.get(key)!r}")
    return saved | given


def config_from_manifest(
    manifest: dict[str, Any], given: dict[str, Any], runtime: dict[str, Any]
) -> EvalConfig:
    """Return the config of a run being resumed.

    ``given`` holds the run-defining options (``RUN_DEFINING``) the user repeated: each
    must equal the manifest's, compared in redacted form, so that a redacted secret is
    given again this way (``agent_args`` and ``suite_options`` per name, merged over the
    saved ones). ``runtime`` holds the ones a resume may change (``RUNTIME``). A value the
    manifest holds redacted and that is not given again is an error naming the option.
    """
    saved = EvalConfig(**manifest["config"])
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name not in RUN_DEFINING:
            raise RunStoreError(f"--resume: {option_name(name)} cannot be given with --resume")
        values[name] = _resumed_value(name, value, getattr(saved, name))
    for name, value in runtime.items():
        if name not in RUNTIME:
            raise RunStoreError(f"--resume: {option_name(name)} is not an option a resume may change")
        values[name] = value
    config = replace(saved, **values)
    missing = _still_redacted(config, given, runtime)
    if missing:
        raise RunStoreError(
            f"--resume: the manifest holds {', '.join(missing)} redacted: give it again "
            "(for a secret inside an --agent-arg value, the whole value)"
        )
    return config


def _still_redacted(config: EvalConfig, given: dict[str, Any], runtime: dict[str, Any]) -> list[str]:
    """Return the options (as the user gives them) whose value is redacted and was not given again."""
    missing = []
    for name, value in asdict(config).items():
        if name in ("agent_args", "suite_options"):
            again = given.get(name, {})
            flag = "--agent-arg " if name == "agent_args" else "--"
            missing += [f"{flag}{k}" for k, v in value.items() if k not in again and is_redacted(v)]
        elif name not in given and name not in runtime and is_redacted(value):
            missing.append(option_name(name))
    return missing


def check_timeout(option: str, seconds: float | None) -> float | None:
    """Return the time-out ``seconds`` given as ``option``: None (disabled) for 0 or None.

    Raises a usage error when it is negative, NaN or infinite.
    """
    if seconds is None or seconds == 0:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        raise UsageError(f"{option} {seconds:g}: must be a number of seconds >= 0 (0 disables it)")
    return seconds


def check_options(config: EvalConfig) -> None:
    """Raise a usage error naming the first option of ``config`` that cannot be run."""
    if config.episodes < 1:
        raise UsageError(f"--episodes must be at least 1 (got {config.episodes})")
    if config.max_steps is not None and config.max_steps < 1:
        raise UsageError(f"--max-steps must be at least 1 (got {config.max_steps})")
    if config.workers < 1:
        raise UsageError(f"--workers must be at least 1 (got {config.workers})")
    if config.backend not in BACKENDS:
        raise UsageError(f"--backend {config.backend!r}: expected {' or '.join(BACKENDS)}")
    if config.backend != "ray" and config.ray_address is not None:
        raise UsageError("--ray-address needs --backend ray")
    if not math.isfinite(config.ray_worker_cpus) or config.ray_worker_cpus <= 0:
        raise UsageError(f"--ray-worker-cpus must be a number above 0 (got {config.ray_worker_cpus:g})")
    if config.task_ids is not None and not config.task_ids:
        raise UsageError("--tasks: no task id given (comma-separated task ids)")
    check_timeout("--step-timeout", config.step_timeout)
    check_timeout("--episode-timeout", config.episode_timeout)
    if config.screenshot_max_width < 16:
        width = config.screenshot_max_width
        raise UsageError(f"--screenshot-max-width must be at least 16 pixels (got {width})")
    if not math.isfinite(config.screenshot_budget_mb) or config.screenshot_budget_mb < 0:
        budget = config.screenshot_budget_mb
        raise UsageError(f"--screenshot-budget-mb {budget:g}: must be a number of MB >= 0")


def checked_data_sha256(config: EvalConfig) -> str | None:
    """Return the sha256 of the run's ``--data`` (None without it).

    A run being resumed records the one it started with; data that changed since is a
    usage error. A manifest without one (an older webbench) is not checked.
    """
    if not config.data:
        return None
    sha256 = data_sha256(Path(config.data))
    if config.data_sha256 not in (None, sha256):
        raise RunStoreError(
            f"--data {config.data}: the data changed since the run started "
            f"(sha256 {sha256}, the run's {config.data_sha256})"
        )
    return sha256


def llm_settings(config: EvalConfig) -> dict[str, Any]:
    """Return the run's LLM settings as the dict agents and envs receive (validated).

    The ``--judge-prompts`` file is read and checked here; when the config records its
    SHA-256 (a run being resumed), a file that no longer matches is a usage error.
    """
    from webbench.llm.errors import LLMConfigError
    from webbench.llm.judge_prompts import load_prompts_file
    from webbench.llm.settings import LLMSettings

    texts, sha256 = load_prompts_file(config.judge_prompts) if config.judge_prompts else (None, None)
    if config.judge_prompts_sha256 not in (None, sha256):
        raise LLMConfigError(
            f"--judge-prompts {config.judge_prompts}: the file changed since the run started "
            f"(sha256 {sha256}, the run's {config.judge_prompts_sha256})"
        )
    return LLMSettings.from_dict(
        {
            "cache": config.llm_cache,
            "cache_mode": config.llm_cache_mode,
            "judge_model": config.judge_model,
            "judge_base_url": config.judge_base_url,
            "judge_prompts": texts,
            "judge_prompts_sha256": sha256,
        }
    ).to_dict()


def agent_kwargs(
    config: EvalConfig, llm: dict[str, Any], factory: Callable[..., Any] | None = None
) -> dict[str, Any]:
    """Return the agent's constructor kwargs: ``--agent-arg`` values, plus ``llm_settings``
    (the run's ``llm_settings(config)``, passed in as ``llm``) for agents that declare
    ``uses_llm_settings = True``, and ``suite_actions`` (the names of the canonical actions
    the suite accepts, ``Suite.actions``) for agents that declare ``uses_suite_actions = True``.
    ``factory`` is the loaded agent class (loaded here when None)."""
    kwargs = dict(config.agent_args)
    factory = factory if factory is not None else load_agent_class(config.agent)
    if getattr(factory, "uses_llm_settings", False):
        kwargs["llm_settings"] = llm
    if getattr(factory, "uses_suite_actions", False):
        kwargs["suite_actions"] = list(get_suite(config.suite).actions)
    return kwargs


def check_agent(config: EvalConfig, factory: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """Build and close the agent once (each within ``--step-timeout``), so that a bad spec,
    argument, constructor or ``close()`` is a one-line usage error before any episode."""
    agent = build_agent(factory, kwargs, config.agent, config.step_timeout)
    close_agent(agent, config.step_timeout, config.agent)


def load_selected_tasks(suite: Suite, config: EvalConfig) -> list[Task]:
    """Return the tasks the config selects (split, then ids or subset)."""
    splits = suite.splits()
    if config.split is not None and not splits:
        raise SuiteError(f"--split {config.split}: suite {suite.name} has no splits")
    if config.split is not None and config.split not in splits:
        raise SuiteError(f"unknown split {config.split!r} of suite {suite.name}; known: {', '.join(splits)}")
    split = config.split or suite.default_split()
    tasks = suite.run_tasks(split, Path(config.data) if config.data else None, dict(config.suite_options))
    return select_tasks(suite, tasks, config.task_ids, config.subset)


def check_preflight(suite: Suite, config: EnvConfig) -> None:
    """Raise a usage error naming the first thing the suite lacks on this machine (``Suite.preflight``)."""
    missing = suite.preflight(config)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise SuiteError(f"{suite.name}: {missing[0]}{more} (see 'webbench doctor')")


@dataclass
class PreparedRun:
    """A run ready to go: its store, suite, the episodes still to run, and the worker spec."""

    store: RunStore
    suite: Suite
    config: EvalConfig
    jobs: list[Episode]
    total: int
    spec: WorkerSpec


def prepare_resume(
    path: Path, given: dict[str, Any], runtime: dict[str, Any], retry: Collection[str] = ()
) -> PreparedRun:
    """Reopen the run folder ``path`` and plan the episodes it lacks (see config_from_manifest),
    and those whose last record has a status in ``retry`` (see ``RETRYABLE``)."""
    store = RunStore.open(path)
    return prepare(config_from_manifest(store.manifest, given, runtime), store=store, retry=retry)


def prepare(
    config: EvalConfig,
    out: Path = Path("runs"),
    run_id: str | None = None,
    store: RunStore | None = None,
    retry: Collection[str] = (),
) -> PreparedRun:
    """Check everything a run needs, create its folder (unless ``store`` is being resumed), plan episodes.

    The returned store holds the run's writer lock (RunLockedError when another process does).
    """
    check_options(config)
    suite = get_suite(config.suite)
    tasks = load_selected_tasks(suite, config)
    config = replace(config, data_sha256=checked_data_sha256(config))
    llm = llm_settings(config)
    config = replace(config, judge_prompts_sha256=llm["judge_prompts_sha256"])
    factory = load_agent_class(config.agent)
    kwargs = agent_kwargs(config, llm, factory)
    check_agent(config, factory, kwargs)
    env_config = EnvConfig(
        data=Path(config.data) if config.data else None,
        split=config.split or suite.default_split(),
        screenshots=config.screenshots,
        options=dict(config.suite_options),
        reveal_gold=bool(getattr(factory, "uses_gold", False)),
        llm=llm,
    )
    check_preflight(suite, env_config)
    if store is None:
        run_id = run_id or default_run_id(config)
        store = RunStore.create(out, run_id, make_manifest(config, run_id, tasks))
    else:
        store.lock()
        store.cut_torn_tail()
    jobs = plan_episodes(tasks, config.episodes, config.seed, store.done_keys(retry))
    limits = Limits(
        max_steps=config.max_steps or suite.default_max_steps,
        step_timeout=config.step_timeout,
        episode_timeout=config.episode_timeout,
    )
    left = max(0, int(config.screenshot_budget_mb * 1_000_000) - images_bytes(store.trajectories))
    shots = ShotPolicy(config.screenshot_max_width, left // config.workers)
    spec = WorkerSpec(suite.name, env_config, config.agent, kwargs, limits, store.trajectories, shots)
    return PreparedRun(store, suite, config, jobs, len(tasks) * config.episodes, spec)


def run_notes(prepared: PreparedRun) -> list[str]:
    """Return the warnings and notes to print before the episodes start (one line each)."""
    notes = []
    config = prepared.config
    if config.data and not prepared.store.manifest["config"].get("data_sha256"):
        notes.append(
            f"note: the manifest records no sha256 of --data (an older webbench): {config.data} not checked"
        )
    workers = min(config.workers, len(prepared.jobs))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if prepared.suite.time_based_reward and workers > cores:
        notes.append(
            f"warning: {workers} workers on {cores} cores: {prepared.suite.name}'s reward decays with the "
            "time an episode takes, so an overloaded machine lowers it; use --workers <= the core count"
        )
    return notes


def compute_summary(store: RunStore) -> dict[str, Any]:
    """Return the run's summary, computed from its episodes (nothing is written)."""
    config = EvalConfig(**store.manifest["config"])
    suite = get_suite(config.suite)
    env_config = EnvConfig(data=Path(config.data) if config.data else None, options=config.suite_options)
    summary = summarize_run(
        store.episodes(), {suite.name: suite.metrics}, {suite.name: suite.summary_notes(env_config)}
    )
    summary["run_id"] = store.path.name
    summary["agent"] = config.agent
    return summary


def write_summary(store: RunStore) -> dict[str, Any]:
    """Compute ``summary.json`` from the run's episodes, write it and return it."""
    summary = compute_summary(store)
    store.write_summary(summary)
    return summary


def make_pool(
    config: EvalConfig,
    store: RunStore,
    spec: WorkerSpec,
    workers: int,
    record: Callable[[EpisodeRecord], None],
) -> Any:
    """Return the backend that runs the episodes (``WorkerPool`` or ``RayPool``; each has ``run(jobs)``)."""
    if config.backend == "ray":
        from webbench.run.ray_backend import RayPool

        return RayPool(spec, workers, record, store, config.ray_address, config.ray_worker_cpus)
    return WorkerPool(spec, workers, record)


def run(prepared: PreparedRun, on_record: Callable[[EpisodeRecord], None] | None = None) -> dict[str, Any]:
    """Run the prepared episodes, appending each record as it finishes; return the summary.

    The suite's ``services`` are entered once around the whole run (their yield reaches every
    env as ``EnvConfig.services``), and no more workers start than ``Suite.max_workers``. After
    each record, the files the suite exports for the episode (``Suite.exports``) are written.

    KeyboardInterrupt and the pool's errors propagate after the workers are stopped and
    the summary of the finished episodes is written (when the disk lets it: a failure to
    write it then does not hide the first error). The writer lock is released at the end.
    """

    suite, spec, store = prepared.suite, prepared.spec, prepared.store
    by_id = {job.task.id: job.task for job in prepared.jobs}

    def record(rec: EpisodeRecord) -> None:
        store.append(rec)
        exports = suite.exports(by_id[rec.task_id], rec.to_json(), store.artifacts(rec), spec.env_config)
        for relative, content in exports.items():
            store.write_file(relative, content)
        if on_record is not None:
            on_record(rec)

    workers = min(prepared.config.workers, suite.max_workers or prepared.config.workers)
    try:
        tasks = list(by_id.values())
        with suite.services(spec.env_config, tasks) as services:
            spec = replace(spec, env_config=replace(spec.env_config, services=dict(services)))
            make_pool(prepared.config, prepared.store, spec, workers, record).run(prepared.jobs)
    except BaseException:
        with contextlib.suppress(StoreWriteError):
            write_summary(prepared.store)
        raise
    else:
        return write_summary(prepared.store)
    finally:
        prepared.store.release()
