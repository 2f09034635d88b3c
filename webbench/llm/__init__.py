"""The LLM stack: one OpenAI-compatible client (extra ``llm``: the openai package), its response
cache, prices and settings, and the LLM judges (:mod:`webbench.llm.judges`).

The built-in ``--agent llm`` (:mod:`webbench.agents.llm`) and the judges share the client; see
docs/llm.md.
"""

from webbench.llm.cache import ResponseCache
from webbench.llm.client import Completion, LLMClient, image_part, message, text_part
from webbench.llm.errors import LLMCacheMiss, LLMConfigError, LLMError
from webbench.llm.settings import LLMSettings

__all__ = [
    "Completion",
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
