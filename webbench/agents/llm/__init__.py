"""LLM agents and judges through one OpenAI-compatible client (extra ``llm``: the openai package).

``LLMAgent`` is the built-in ``--agent llm``; ``LLMClient`` is the client it and the
judges (:mod:`webbench.agents.llm.judges`) share; see docs/llm.md.
"""

from webbench.agents.llm.agent import LLMAgent
from webbench.agents.llm.cache import ResponseCache
from webbench.agents.llm.client import Completion, LLMClient, image_part, message, text_part
from webbench.agents.llm.errors import LLMCacheMiss, LLMConfigError, LLMError
from webbench.agents.llm.settings import LLMSettings

__all__ = [
    "Completion",
    "LLMAgent",
    "LLMCacheMiss",
    "LLMClient",
    "LLMConfigError",
    "LLMError",
    "LLMSettings",
    "ResponseCache",
    "image_part",
    "message",
    "text_part",
]
