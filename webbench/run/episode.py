"""Running one episode: the agent/env loop with its step limit and time-outs.

The agent's ``act`` runs on a helper thread so that an agent that never returns
cannot stall the run: after ``step_timeout`` seconds the episode ends with status
``timeout`` and the worker that ran it is replaced (the stuck thread dies with it).

Everything that handles what the agent returned runs inside that guard (``_ask``):
turning its answer into an action (``read_reply``) and reading its step trace and
usage (``read_step_trace``). What is no action at all ends the episode ``agent_error``;
an action that cannot be performed is a step error the next observation reports.
Records and trajectories are made JSON-safe, so no NaN or lone surrogate reaches a file.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webbench.core.action import MAX_ACTION_CHARS, Action, Reply, read_reply
from webbench.core.agent import (
    Agent,
    AgentFailure,
    AgentTimeout,
    ServiceError,
    call_agent,
    read_step_trace,
    reset_agent,
)
from webbench.core.env import EnvConfig, StepResult, WebEnv
from webbench.core.jsonsafe import json_safe
from webbench.core.record import EpisodeRecord, Status
from webbench.core.suite import get_suite
from webbench.core.types import Observation, Task
from webbench.core.usage import add_usage, read_usage
from webbench.run.shots import ShotKeeper


@dataclass(frozen=True)
class Limits:
    """Bounds of an episode: steps, seconds per agent call, seconds per episode."""

    max_steps: int = 30
    step_timeout: float | None = 120.0
    episode_timeout: float | None = 900.0


#: Characters of each observation's page text a trajectory keeps (what ``webbench export`` shows).
OBSERVATION_TEXT_CHARS = 16_000


def observation_entry(obs: Observation) -> dict[str, Any]:
    """Return a trajectory step's ``observation``: the digest plus the page text's first
    ``OBSERVATION_TEXT_CHARS`` characters, with ``text_truncated`` when more were cut."""
    entry = obs.digest()
    entry["text"] = obs.text[:OBSERVATION_TEXT_CHARS]
    if len(obs.text) > OBSERVATION_TEXT_CHARS:
        entry["text_truncated"] = True
    return entry


def target_entry(obs: Observation, action: Action | None) -> dict[str, Any] | None:
    """Return a step's ``target``: the element ``action`` names, with its ``bbox`` in page CSS
    pixels and ``shot_bbox`` on the step's screenshot (the page box minus the scroll offset the
    env put in ``obs.extra["scroll"]``), both ``[x, y, width, height]``; None when the action names
    no element or the observation gives it no box."""
    if action is None or not action.element:
        return None
    element = obs.element(action.element)
    if element is None or element.bbox is None:
        return None
    x, y, width, height = (float(v) for v in element.bbox)
    scroll = obs.extra.get("scroll") or (0.0, 0.0)
    return {
        "id": element.id,
        "bbox": [x, y, width, height],
        "shot_bbox": [x - float(scroll[0]), y - float(scroll[1]), width, height],
    }


def safe_name(text: str) -> str:
    """Return ``text`` made safe as a file name (task ids may hold '/', ':' ...), unique per text.

    Unsafe characters become '_' and a short hash of the raw text is added, so that
    ``job/1`` and ``job_1`` (or ids that differ only in case or past the cut) never share a file.
    """
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:100] + "-" + digest


@dataclass
class Episode:
    """One episode to run: the task, its index among the task's episodes, and its seed."""

    task: Task
    episode: int
    seed: int


class EpisodeRunner:
    """Runs episodes of one suite with one agent, writing trajectories under ``traj_dir``."""

    def __init__(
        self, env: WebEnv, agent: Agent, limits: Limits, traj_dir: Path, shots: ShotKeeper | None = None
    ) -> None:
        self.env = env
        self.agent = agent
        self.limits = limits
        self.traj_dir = traj_dir
        #: Writes the step screenshots (the worker's, so that its byte budget spans its episodes).
        self.shots = shots or ShotKeeper()
        #: Set when the agent timed out: its thread may still run, so the caller replaces us.
        self.tainted = False
        #: Set when the env itself failed (reset or step raised): the caller builds a new one.
        self.env_broken = False

    def _deadline(self, started: float) -> float | None:
        timeout = self.limits.step_timeout
        if self.limits.episode_timeout is not None:
            left = max(0.0, started + self.limits.episode_timeout - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        return timeout

    def _save_screenshot(self, obs: Observation, name: str) -> dict[str, Any]:
        """Keep the observation's screenshot; return the step's screenshot fields (its path
        relative to ``traj_dir``, see :meth:`ShotKeeper.keep`), {} without a screenshot."""
        if obs.screenshot is None:
            return {}
        fields = self.shots.keep(obs.screenshot, self.traj_dir / name, f"step-{obs.step:03d}")
        if "screenshot" in fields:
            fields["screenshot"] = f"{name}/{fields['screenshot']}"
        return fields

    def run(self, job: Episode) -> EpisodeRecord:
        """Run ``job`` to its end; return its ``episodes.jsonl`` record (the trajectory is saved)."""
        task = job.task
        name = f"{safe_name(task.id)}__{job.episode}"
        started = time.monotonic()
        steps: list[dict[str, Any]] = []
        usage: dict[str, Any] = {}
        status: Status = "ok"
        error, trace, info = None, None, {}
        n_steps = 0
        answer = None
        try:
            # the episode's folder (screenshots, and the env's artifacts: HAR files, traces)
            artifacts = self.traj_dir / name
            obs, _ = self.env.reset(seed=job.seed, options={"task": task, "artifacts": artifacts})
        except Exception as exc:  # noqa: BLE001 - any env failure ends the episode, not the run
            self.env_broken = True
            return self._record(
                job,
                name,
                started,
                "env_error",
                f"env reset failed: {type(exc).__name__}: {exc}",
                traceback.format_exc(),
                failure_details(exc),
                0,
                steps,
                usage,
                None,
            )
        try:
            call_agent(lambda: reset_agent(self.agent, task), self._deadline(started))
            while True:
                if n_steps >= self.limits.max_steps:
                    info = self._finish_at_limit()
                    break
                shot = self._save_screenshot(obs, name)
                t0 = time.monotonic()
                reply, trace_info = call_agent(lambda o=obs: self._ask(o), self._deadline(started))
                agent_s = time.monotonic() - t0
                step: dict[str, Any] = {
                    "step": n_steps,
                    "observation": observation_entry(obs),
                    "action": reply.text,
                    "agent_s": round(agent_s, 4),
                }
                if reply.chars > MAX_ACTION_CHARS:
                    step["action_chars"] = reply.chars
                step.update(shot)
                target = target_entry(obs, self._parsed(reply))
                if target:
                    step["target"] = target
                if trace_info:
                    step["agent"] = trace_info
                    add_usage(usage, trace_info.get("usage"))
                t1 = time.monotonic()
                try:
                    obs, _reward, terminated, truncated, info = self._perform(reply)
                except Exception as exc:  # noqa: BLE001
                    step["env_s"] = round(time.monotonic() - t1, 4)
                    steps.append(step)
                    n_steps += 1
                    raise _EnvFailure(
                        f"{type(exc).__name__}: {exc}", traceback.format_exc(), failure_details(exc)
                    ) from exc
                step["env_s"] = round(time.monotonic() - t1, 4)
                step["error"] = obs.error
                steps.append(step)
                n_steps += 1
                if terminated or truncated:
                    break
            answer = info.get("answer")
        except AgentTimeout as exc:
            self.tainted = True
            status, error = "timeout", str(exc)
            info = self._finish_quietly()
        except AgentFailure as exc:
            # A service the agent depends on (an LLM endpoint) failed: not the agent's fault.
            status = "env_error" if isinstance(exc.cause, ServiceError) else "agent_error"
            error, trace = str(exc), exc.trace
            info = self._finish_quietly()
        except _EnvFailure as exc:
            self.env_broken = True
            status, error, trace = "env_error", str(exc), exc.trace
            info = exc.info
        return self._record(job, name, started, status, error, trace, info, n_steps, steps, usage, answer)

    def _ask(self, obs: Observation) -> tuple[Reply, dict[str, Any]]:
        """Return the agent's next action and step trace, both checked (runs on the agent thread)."""
        reply = read_reply(self.agent.act(obs))
        return reply, read_step_trace(self.agent)

    def _parsed(self, reply: Reply) -> Action | None:
        """Return the action of ``reply`` as the env reads it (its own dialect), None if it has none."""
        if reply.error is not None:
            return None
        if isinstance(reply.action, Action):
            return reply.action
        try:
            return self.env.parse(reply.text)
        except Exception:  # noqa: BLE001 - the env reports an unparsable action as the step's error
            return None

    def _perform(self, reply: Reply) -> StepResult:
        """Apply the agent's action, or tell the env why it cannot be performed."""
        if reply.error is not None:
            return self.env.invalid(reply.text, reply.error)
        return self.env.step(reply.action)

    def _finish_at_limit(self) -> dict[str, Any]:
        """Return the env's final info at the step limit; _EnvFailure when its scoring fails."""
        try:
            info = self.env.finish()
        except Exception as exc:  # noqa: BLE001 - the episode's env_error, not the worker's death
            message = f"{type(exc).__name__}: {exc}"
            raise _EnvFailure(message, traceback.format_exc(), failure_details(exc)) from exc
        info.setdefault("end_reason", "step_limit")
        return info

    def _finish_quietly(self) -> dict[str, Any]:
        try:
            return self.env.finish()
        except Exception:  # noqa: BLE001 - the episode already failed; keep its first error
            return {}

    def _record(
        self,
        job: Episode,
        name: str,
        started: float,
        status: Status,
        error: str | None,
        trace: str | None,
        info: dict[str, Any],
        n_steps: int,
        steps: list[dict[str, Any]],
        usage: dict[str, Any],
        answer: str | None,
    ) -> EpisodeRecord:
        info, problem = checked_info(info)
        if problem is not None and status == "ok":
            status, error = "env_error", problem
        trajectory = {
            "task": {"suite": job.task.suite, "id": job.task.id, "goal": job.task.goal},
            "episode": job.episode,
            "seed": job.seed,
            "status": status,
            "error": error,
            "traceback": trace,
            "steps": steps,
        }
        self.traj_dir.mkdir(parents=True, exist_ok=True)
        (self.traj_dir / f"{name}.json").write_text(
            json.dumps(json_safe(trajectory), ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8"
        )
        add_usage(usage, info.get("usage"))  # what the env spent (LLM judges), when it reports it
        return make_record(
            job,
            status,
            error,
            time.monotonic() - started,
            info,
            n_steps,
            usage,
            config=self.env.config,
            answer=answer,
            trajectory=f"trajectories/{name}.json",
        )


def make_record(
    job: Episode,
    status: Status,
    error: str | None,
    duration: float,
    info: dict[str, Any] | None = None,
    n_steps: int = 0,
    usage: dict[str, Any] | None = None,
    config: EnvConfig | None = None,
    answer: Any = None,
    trajectory: str | None = None,
) -> EpisodeRecord:
    """Return the record of a finished (or lost) episode, every value made JSON-safe.

    An episode that did not end ``ok`` and whose env gave no scores (the env failed, the
    worker was lost) gets its suite's failure scores for ``config``
    (:meth:`webbench.core.suite.Suite.failure_info`), so that it counts toward every metric.
    """
    info = info or {}
    if status != "ok" and "metrics" not in info and config is not None:
        info = {**_failure_info(job.task, config), **info}
    record = {
        "suite": job.task.suite,
        "task_id": job.task.id,
        "split": job.task.split,
        "episode": job.episode,
        "seed": job.seed,
        "status": status,
        "success": bool(info.get("success", False)) and status == "ok",
        "score": float(info.get("score", 0.0)),
        "metrics": info.get("metrics", {}),
        "steps": n_steps,
        "duration_s": round(duration, 4),
        "usage": usage or {},
        "error": error,
        "answer": answer,
        "end_reason": info.get("end_reason"),
        "details": info.get("details", {}),
        "trajectory": trajectory,
    }
    return EpisodeRecord(**json_safe(record))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def checked_info(info: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Return an env's final ``info`` without unusable numbers, and what was wrong with them (or None).

    A score or metric that is not a finite number (None is a metric's "undefined") and
    usage that ``read_usage`` refuses are removed and named in the returned message. An info
    without ``metrics`` keeps none (``make_record`` then gives a failed episode its suite's
    failure scores).
    """
    info = dict(info)
    problems = []
    if "metrics" in info:
        metrics = dict(info["metrics"] or {})
        for key, value in list(metrics.items()):
            if value is not None and not _finite(value):
                problems.append(f"metric {key} = {value!r}")
                del metrics[key]
        info["metrics"] = metrics
    if "score" in info and not _finite(info["score"]):
        problems.append(f"score = {info.pop('score')!r}")
    try:
        info["usage"] = read_usage(info.get("usage"))
    except ValueError as exc:
        problems.append(str(exc))
        info["usage"] = {}
    return info, ("the suite reported " + "; ".join(problems)) if problems else None


def _failure_info(task: Task, config: EnvConfig) -> dict[str, Any]:
    """Return the suite's failure info of ``task``, or {} when the task itself cannot be scored
    (its data is broken: the summary counts the record as unscored)."""
    try:
        return get_suite(task.suite).failure_info(task, config)
    except Exception:  # noqa: BLE001 - the record is kept whatever happens; it is counted as unscored
        return {}


def failure_details(exc: BaseException) -> dict[str, Any]:
    """Return what an env failure says about itself for the record: its ``info`` attribute (e.g. an
    ``end_reason`` such as ``blocked`` and ``details``), or {}."""
    info = getattr(exc, "info", None)
    return (
        {key: info[key] for key in ("end_reason", "details") if key in info} if isinstance(info, dict) else {}
    )


class _EnvFailure(Exception):
    def __init__(self, message: str, trace: str, info: dict[str, Any]) -> None:
        super().__init__(message)
        self.trace = trace
        self.info = info
