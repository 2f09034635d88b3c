"""One client for every OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, LiteLLM).

Built on the ``openai`` package (extra ``llm``). The client adds what a benchmark
run needs on top of it: retries with exponential back-off and jitter on 429, 5xx
and connection errors (a ``Retry-After`` header sets the wait), a request time-out,
a bound on concurrent requests per endpoint in the process, token usage and cost
per call, and the response cache (:mod:`webbench.llm.cache`).

The API key is read from the environment (``OPENAI_API_KEY`` or the variable named
by ``api_key_env``) and lives only in the ``openai`` client object: it is scrubbed
from every error message, and never part of the cache key, a trace or a record.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import os
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

from webbench.llm.cache import ResponseCache, request_key
from webbench.llm.errors import LLMConfigError, LLMError
from webbench.llm.prices import cost_usd, load_prices

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Sent when no key is set: local servers (vLLM, Ollama) ignore it; OpenAI answers 401.
NO_KEY = "no-key-set"

_SLOTS: dict[str, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def _slots(base_url: str, limit: int) -> threading.BoundedSemaphore:
    """Return the process-wide semaphore bounding concurrent requests to ``base_url``."""
    with _SLOTS_LOCK:
        if base_url not in _SLOTS:
            _SLOTS[base_url] = threading.BoundedSemaphore(max(1, limit))
        return _SLOTS[base_url]


def text_part(text: str) -> dict[str, Any]:
    """Return a text content part of a chat message."""
    return {"type": "text", "text": text}


def image_part(png: bytes) -> dict[str, Any]:
    """Return an image content part holding ``png`` as a base64 data URL."""
    return {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(png).decode("ascii")},
    }


def message(role: str, text: str, images: list[bytes] | tuple[bytes, ...] = ()) -> dict[str, Any]:
    """Return a chat message: plain text content, or text then one part per PNG image."""
    if not images:
        return {"role": role, "content": text}
    return {"role": role, "content": [text_part(text), *(image_part(png) for png in images)]}


def without_images(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return ``messages`` with each image replaced by a short placeholder (for traces)."""
    out = []
    for msg in messages:
        content = msg.get("content")
        if isinstance(content, list):
            parts = []
            for part in content:
                if part.get("type") == "image_url":
                    url = str(part.get("image_url", {}).get("url", ""))
                    digest = hashlib.sha1(url.encode("ascii", "replace")).hexdigest()[:12]
                    parts.append(
                        {"type": "image_url", "image_url": f"<image {len(url)} chars sha1 {digest}>"}
                    )
                else:
                    parts.append(part)
            msg = {**msg, "content": parts}
        out.append(msg)
    return out


def retry_after_s(headers: Any) -> float | None:
    """Return the wait a response's ``Retry-After`` (or ``retry-after-ms``) asks for, in seconds."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class Completion:
    """One chat completion: the reply text, its token usage and cost, and whether it came from the cache."""

    text: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    cached: bool = False
    finish_reason: str | None = None

    def usage(self) -> dict[str, Any]:
        """Return ``{input_tokens, output_tokens, cost_usd}`` (the episode record's usage shape)."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
        }


class LLMClient:
    """Chat completions against one model of one OpenAI-compatible endpoint."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 60.0,
        max_retries: int = 5,
        retry_base: float = 1.0,
        retry_max: float = 60.0,
        max_concurrency: int = 8,
        cache: ResponseCache | None = None,
        prices: str | dict[str, Any] | None = None,
    ) -> None:
        try:
            import openai
        except ImportError as exc:
            raise LLMConfigError(
                "the LLM client needs the openai package: pip install 'webbench[llm]'"
            ) from exc
        if not model:
            raise LLMConfigError("the LLM client needs a model name (e.g. --agent-arg model=gpt-4o)")
        self.model = str(model)
        self.base_url = str(base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
        key = os.environ.get(api_key_env)
        if key is None and api_key_env != "OPENAI_API_KEY":
            raise LLMConfigError(f"api_key_env={api_key_env}: that environment variable is not set")
        self._key = key or NO_KEY
        self.max_retries = int(max_retries)
        self.retry_base = float(retry_base)
        self.retry_max = float(retry_max)
        self.cache = cache
        self.prices = load_prices(prices)
        self._slots = _slots(self.base_url, int(max_concurrency))
        self._openai = openai
        self._api = openai.OpenAI(api_key=self._key, base_url=self.base_url, timeout=timeout, max_retries=0)

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key != NO_KEY else text

    def _backoff(self, attempt: int) -> float:
        return min(self.retry_max, self.retry_base * 2**attempt) * random.uniform(0.5, 1.0)

    def _request(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> Any:
        """Return the endpoint's response, retrying what a retry can fix; LLMError otherwise."""
        openai = self._openai
        for attempt in range(self.max_retries + 1):
            try:
                with self._slots:
                    return self._api.chat.completions.create(model=self.model, messages=messages, **params)
            except openai.APIStatusError as exc:
                status = exc.status_code
                what = f"HTTP {status} from {self.base_url}: {self._scrub(str(exc))}"
                if status != 429 and status < 500:
                    raise LLMError(what) from None
                wait = retry_after_s(exc.response.headers)
            except openai.APIConnectionError as exc:
                what = f"{type(exc).__name__} to {self.base_url}: {self._scrub(str(exc))}"
                wait = None
            except (openai.APIResponseValidationError, ValueError) as exc:
                raise LLMError(f"malformed reply from {self.base_url}: {self._scrub(str(exc))}") from None
            if attempt == self.max_retries:
                raise LLMError(f"{what} (gave up after {self.max_retries + 1} attempts)") from None
            time.sleep(min(self.retry_max, wait) if wait is not None else self._backoff(attempt))
        raise AssertionError("unreachable")

    def _completion(self, response: Any) -> dict[str, Any]:
        """Return the cacheable fields of a response; LLMError when it has no reply."""
        try:
            choice = response.choices[0]
            text = choice.message.content
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMError(f"malformed reply from {self.base_url}: no choices[0].message") from exc
        if not isinstance(text, str):
            raise LLMError(f"malformed reply from {self.base_url}: the message has no text content")
        usage = getattr(response, "usage", None)
        return {
            "text": text,
            "input_tokens": getattr(usage, "prompt_tokens", None),
            "output_tokens": getattr(usage, "completion_tokens", None),
            "finish_reason": getattr(choice, "finish_reason", None),
        }

    def complete(self, messages: list[dict[str, Any]], **params: Any) -> Completion:
        """Return the completion of ``messages`` (params: temperature, max_tokens, seed ...; None dropped).

        Raises LLMError when the call fails for good, LLMCacheMiss in replay mode on a miss.
        """
        params = {k: v for k, v in params.items() if v is not None}
        key = request_key(self.model, messages, params)
        stored = self.cache.get(key) if self.cache is not None else None
        cached = stored is not None
        if stored is None:
            stored = self._completion(self._request(messages, params))
            if self.cache is not None:
                self.cache.put(key, self.model, stored)
        known = stored["input_tokens"] is not None and stored["output_tokens"] is not None
        tokens_in, tokens_out = int(stored["input_tokens"] or 0), int(stored["output_tokens"] or 0)
        return Completion(
            text=stored["text"],
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_usd=cost_usd(self.prices, self.model, tokens_in, tokens_out) if known else None,
            cached=cached,
            finish_reason=stored.get("finish_reason"),
        )

    def close(self) -> None:
        """Close the HTTP connections (the cache belongs to whoever opened it)."""
        self._api.close()
