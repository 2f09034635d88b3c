"""The errors of the LLM client: configuration (exit 2) and call failures (episode ``env_error``)."""

from __future__ import annotations

from webbench.core.agent import AgentSpecError, ServiceError


class LLMConfigError(AgentSpecError):
    """A bad LLM setting (missing package, cache mode, price file ...); the message names it."""


class LLMError(ServiceError):
    """An LLM call failed for good (retries exhausted, or an error that no retry can fix)."""


class LLMCacheMiss(LLMError):
    """Replay mode and the request is not in the cache."""
