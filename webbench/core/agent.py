"""The Agent contract and how ``--agent`` / ``--agent-arg`` are turned into an agent.

An agent is any object with ``act(obs) -> Action | str``; ``reset(task)`` and
``close()`` are optional. ``--agent`` takes ``module:Class``,
``path/to/file.py:Class`` or a built-in short name.

Every call into agent code (building it, ``reset``, ``act``, ``close``) goes through
:func:`call_agent`, which runs it on one helper thread with a time limit, so that an
agent that never returns cannot stall the harness.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from webbench.core.action import Action, AgentReplyError
from webbench.core.errors import UsageError
from webbench.core.jsonsafe import clean_text, describe_error, json_safe
from webbench.core.modules import NotImportable, import_file
from webbench.core.types import Observation, Task
from webbench.core.usage import read_usage

T = TypeVar("T")

#: Built-in agents by short name.
BUILTIN_AGENTS = {
    "random": "webbench.agents.random_agent:RandomAgent",
    "oracle": "webbench.agents.oracle:OracleAgent",
    "scripted": "webbench.agents.scripted:ScriptedAgent",
    "llm": "webbench.agents.llm:LLMAgent",
}


@runtime_checkable
class Agent(Protocol):
    """What the harness calls: ``act`` each step; ``reset``/``close`` when present."""

    def act(self, obs: Observation) -> Action | str: ...


class AgentSpecError(UsageError):
    """An ``--agent`` or ``--agent-arg`` value that cannot be used; the message says why."""


class ServiceError(RuntimeError):
    """Raised by an agent when a service it depends on failed (e.g. an LLM endpoint that keeps
    answering 500 after every retry). The episode ends ``env_error``, not ``agent_error``: the
    failure says nothing about the agent's policy."""


class AgentTimeout(Exception):
    """The agent did not answer within its time limit."""


class AgentFailure(Exception):
    """The agent raised ``cause``; ``trace`` holds the formatted traceback."""

    def __init__(self, message: str, trace: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.trace = trace
        self.cause = cause


class _AgentThread:
    """One long-lived daemon thread that runs agent calls (a thread per call costs ms)."""

    def __init__(self) -> None:
        self.requests: queue.SimpleQueue[Callable[[], Any]] = queue.SimpleQueue()
        self.results: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="webbench-agent", daemon=True).start()

    def _serve(self) -> None:
        while True:
            fn = self.requests.get()
            try:
                self.results.put({"value": fn()})
            except BaseException as exc:  # noqa: BLE001 - everything the agent raises is reported
                # formatted here: an exception's __str__ is agent code too
                self.results.put(
                    {"error": exc, "message": describe_error(exc), "trace": traceback.format_exc()}
                )


_agent_thread: _AgentThread | None = None


def call_agent(fn: Callable[[], T], timeout: float | None) -> T:
    """Return ``fn()``, run on the agent thread; AgentTimeout after ``timeout`` seconds.

    Exceptions raised by ``fn`` come back as AgentFailure with their traceback. After
    a time-out the stuck thread is abandoned and the next call starts a new one.
    """
    global _agent_thread
    if _agent_thread is None:
        _agent_thread = _AgentThread()
    worker = _agent_thread
    worker.requests.put(fn)
    try:
        box = worker.results.get(timeout=timeout)
    except queue.Empty:
        _agent_thread = None
        raise AgentTimeout(f"the agent did not answer within {timeout:g} s") from None
    if "error" in box:
        raise AgentFailure(box["message"], clean_text(box["trace"]), box["error"])
    return box["value"]


def read_step_trace(agent: Agent) -> dict[str, Any]:
    """Return the agent's ``step_trace`` (``{}`` when it has none) made JSON-safe, its usage checked.

    Raises AgentReplyError when the trace is not a dict or its usage is unusable. Runs
    agent code (a ``step_trace`` property), so the harness calls it under the time limit.
    """
    trace = getattr(agent, "step_trace", None)
    if trace is None:
        return {}
    if not isinstance(trace, dict):
        raise AgentReplyError(f"step_trace must be a dict, not {type(trace).__name__}")
    checked = json_safe(trace)
    if "usage" in trace:
        try:
            checked["usage"] = read_usage(trace["usage"])
        except ValueError as exc:
            raise AgentReplyError(f"step_trace: {exc}") from None
    return checked


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def parse_agent_args(pairs: Iterable[str]) -> dict[str, Any]:
    """Return the constructor kwargs of ``key=value`` pairs (values parsed as JSON when they parse)."""
    kwargs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise AgentSpecError(f"--agent-arg {pair!r}: expected key=value with a Python name as key")
        try:
            kwargs[key] = json.loads(raw)
        except ValueError:
            kwargs[key] = raw
    return kwargs


def _import_from_file(path: Path) -> Any:
    name = f"webbench_user_agent_{abs(hash(path.resolve()))}"
    if name in sys.modules:
        return sys.modules[name]
    try:
        return import_file(path, name)
    except NotImportable as exc:
        raise AgentSpecError(f"--agent {path}: not a Python file") from exc
    except Exception as exc:
        raise AgentSpecError(f"--agent {path}: importing it failed: {type(exc).__name__}: {exc}") from exc


def load_agent_class(spec: str) -> type:
    """Return the agent class (or factory) named by ``spec``; AgentSpecError if it cannot be had."""
    target = BUILTIN_AGENTS.get(spec, spec)
    module_part, sep, attr = target.rpartition(":")
    if not sep or not module_part or not attr:
        raise AgentSpecError(
            f"--agent {spec!r}: expected module:Class, path/file.py:Class or one of "
            f"{', '.join(BUILTIN_AGENTS)}"
        )
    if module_part.endswith(".py") or "/" in module_part:
        path = Path(module_part)
        if not path.is_file():
            raise AgentSpecError(f"--agent {spec!r}: no file {module_part}")
        module = _import_from_file(path)
    else:
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as exc:
            raise AgentSpecError(f"--agent {spec!r}: no module {exc.name!r}") from exc
        except Exception as exc:
            raise AgentSpecError(
                f"--agent {spec!r}: importing {module_part} failed: {type(exc).__name__}: {exc}"
            ) from exc
    factory = getattr(module, attr, None)
    if factory is None:
        raise AgentSpecError(f"--agent {spec!r}: {module_part} has no {attr!r}")
    if not callable(factory):
        raise AgentSpecError(f"--agent {spec!r}: {attr} is not a class")
    if isinstance(factory, type) and not callable(getattr(factory, "act", None)):
        raise AgentSpecError(f"--agent {spec!r}: {attr} has no act(obs) method")
    return factory


def build_agent(
    factory: Callable[..., Any], kwargs: dict[str, Any], spec: str, timeout: float | None
) -> Agent:
    """Return ``factory(**kwargs)``, built on the agent thread within ``timeout`` seconds.

    A constructor that raises, does not return in time, or builds an object without
    ``act`` is an AgentSpecError in one line naming ``spec`` (a UsageError it raises
    is passed on as it is).
    """
    try:
        agent = call_agent(lambda: factory(**kwargs), timeout)
    except AgentTimeout:
        raise AgentSpecError(f"--agent {spec!r}: building the agent took more than {timeout:g} s") from None
    except AgentFailure as exc:
        if isinstance(exc.cause, UsageError):
            raise exc.cause from None
        what = "bad --agent-arg" if isinstance(exc.cause, TypeError) else "building the agent failed"
        raise AgentSpecError(_one_line(f"--agent {spec!r}: {what}: {exc}")) from exc.cause
    if not callable(getattr(agent, "act", None)):
        raise AgentSpecError(f"--agent {spec!r}: the object it builds has no act(obs) method")
    return agent


def make_agent(spec: str, kwargs: dict[str, Any], timeout: float | None = None) -> Agent:
    """Return a new agent built from ``spec`` with constructor ``kwargs`` (see build_agent)."""
    return build_agent(load_agent_class(spec), kwargs, spec, timeout)


def reset_agent(agent: Agent, task: Task) -> None:
    """Call ``agent.reset(task)`` when the agent has one."""
    reset = getattr(agent, "reset", None)
    if callable(reset):
        reset(task)


def close_agent(agent: Agent, timeout: float | None = None, spec: str = "") -> None:
    """Call ``agent.close()`` (when it has one) on the agent thread within ``timeout`` seconds.

    Raises AgentSpecError in one line naming ``spec`` when ``close()`` raises or does
    not return in time (a stuck ``close()`` is abandoned on its thread).
    """
    close = getattr(agent, "close", None)
    if not callable(close):
        return
    try:
        call_agent(close, timeout)
    except AgentTimeout:
        raise AgentSpecError(f"--agent {spec!r}: close() did not return within {timeout:g} s") from None
    except AgentFailure as exc:
        raise AgentSpecError(_one_line(f"--agent {spec!r}: close() failed: {exc}")) from None
