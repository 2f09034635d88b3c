"""The public contracts of webbench: what agents, suites and tools rely on."""

from webbench.core.action import Action, ActionParseError, format_action, make_action, parse_action
from webbench.core.agent import Agent, AgentSpecError
from webbench.core.env import EnvConfig, WebEnv
from webbench.core.metric import MetricSpec
from webbench.core.record import EpisodeRecord
from webbench.core.suite import Suite, SuiteError, SuiteOption
from webbench.core.types import Element, Observation, Task, Turn

__all__ = [
    "Action",
    "ActionParseError",
    "Agent",
    "AgentSpecError",
    "Element",
    "EnvConfig",
    "EpisodeRecord",
    "MetricSpec",
    "Observation",
    "Suite",
    "SuiteError",
    "SuiteOption",
    "Task",
    "Turn",
    "WebEnv",
    "format_action",
    "make_action",
    "parse_action",
]
