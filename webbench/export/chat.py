"""An episode as a ReAct chat conversation (pure): what fine-tuning libraries read.

The conversation is the system prompt, then a user turn with the task and the first
observation, then for each step the agent's turn (``Thought: ...`` when the agent's
step trace holds a thought, and ``Action: ...``, the action the harness performed) and
the next observation as a user turn. The episode's last step ends the conversation.

The system prompt is the one the agent was sent (the ``llm`` agent's trace keeps it);
for agents that keep none, the ``llm`` agent's ReAct prompt for the suite's actions.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from webbench.agents.llm import system_prompt
from webbench.core.suite import SuiteError, get_suite
from webbench.export.episodes import ExportEpisode, ExportStep

OBSERVATION_MODES = ("text", "none")


@dataclass(frozen=True)
class ChatOptions:
    """How observations are shown: ``text`` (page text, cut to ``max_obs_chars``) or ``none``."""

    observation: str = "text"
    max_obs_chars: int | None = None


@functools.lru_cache(maxsize=64)
def default_system_prompt(suite: str) -> str:
    """Return the ``llm`` agent's system prompt for ``suite``'s actions (all actions if it is unknown)."""
    try:
        actions = get_suite(suite).actions
    except SuiteError:
        actions = None
    return system_prompt(actions)


def system_message(episode: ExportEpisode) -> str:
    """Return the system prompt the agent was sent, or the default ReAct prompt for its suite."""
    return episode.system if episode.system is not None else default_system_prompt(episode.suite)


def observation_turn(observation: dict[str, Any], options: ChatOptions) -> str:
    """Return the user turn showing one observation: its URL, the last action's error, the page text."""
    parts = []
    if observation.get("url"):
        parts.append(f"URL: {observation['url']}")
    if observation.get("error"):
        parts.append(f"Error of the last action: {observation['error']}")
    if options.observation == "text":
        text = str(observation.get("text", ""))
        total = int(observation.get("text_chars", len(text)))
        if options.max_obs_chars is not None and len(text) > options.max_obs_chars:
            text = text[: options.max_obs_chars]
        cut = f"\n... [page text cut: {total - len(text)} more characters]" if total > len(text) else ""
        parts.append("Page:\n" + (text + cut if text else "(no page text)"))
    return "\n\n".join(parts) if parts else "(observation not shown)"


def assistant_turn(step: ExportStep) -> str:
    """Return the agent's turn of a step: its thought (when traced) and the action performed."""
    action = f"Action: {step.action}"
    return f"Thought: {step.thought}\n{action}" if step.thought and step.thought.strip() else action


def conversation(episode: ExportEpisode, options: ChatOptions) -> list[dict[str, str]]:
    """Return the episode as chat messages (system, user, then assistant and user turns in turn)."""
    messages = [{"role": "system", "content": system_message(episode)}]
    for index, step in enumerate(episode.steps):
        shown = observation_turn(step.observation, options)
        messages.append(
            {"role": "user", "content": f"Task: {episode.goal}\n\n{shown}" if index == 0 else shown}
        )
        messages.append({"role": "assistant", "content": assistant_turn(step)})
    return messages


def metadata(episode: ExportEpisode) -> dict[str, Any]:
    """Return the episode's identity and outcome (flat, the same keys for every record)."""
    return {
        "run_id": episode.run_id,
        "agent": episode.agent,
        "model": episode.model,
        "suite": episode.suite,
        "task_id": episode.task_id,
        "episode": episode.episode,
        "seed": episode.seed,
        "status": episode.status,
        "success": episode.success,
        "score": episode.score,
        "steps": len(episode.steps),
        "end_reason": episode.end_reason,
        "answer": episode.answer,
        "judge_score": None if episode.judgement is None else episode.judgement.get("score"),
    }


def sft_record(episode: ExportEpisode, options: ChatOptions, with_metadata: bool = True) -> dict[str, Any]:
    """Return the episode's SFT line: ``{"messages": [...], "metadata": {...}}`` (no metadata if asked)."""
    record: dict[str, Any] = {"messages": conversation(episode, options)}
    if with_metadata:
        record["metadata"] = metadata(episode)
    return record
