"""The Agent contract and how ``--agent`` / ``--agent-arg`` are turned into an agent.

An agent is any object with ``act(obs) -> Action | str``; ``reset(task)`` and
``close()`` are optional. ``--agent`` takes ``module:Class``,
``path/to/file.py:Class`` or a built-in short name.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from webbench.core.action import Action
from webbench.core.errors import UsageError
from webbench.core.types import Observation, Task

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
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AgentSpecError(f"--agent {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise AgentSpecError(f"--agent {path}: importing it failed: {type(exc).__name__}: {exc}") from exc
    return module


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


def make_agent(spec: str, kwargs: dict[str, Any]) -> Agent:
    """Return a new agent built from ``spec`` with constructor ``kwargs``."""
    factory = load_agent_class(spec)
    try:
        agent = factory(**kwargs)
    except TypeError as exc:
        raise AgentSpecError(f"--agent {spec!r}: bad --agent-arg: {exc}") from exc
    if not callable(getattr(agent, "act", None)):
        raise AgentSpecError(f"--agent {spec!r}: the object it builds has no act(obs) method")
    return agent


def reset_agent(agent: Agent, task: Task) -> None:
    """Call ``agent.reset(task)`` when the agent has one."""
    reset = getattr(agent, "reset", None)
    if callable(reset):
        reset(task)


def close_agent(agent: Agent) -> None:
    """Call ``agent.close()`` when the agent has one."""
    close = getattr(agent, "close", None)
    if callable(close):
        close()
