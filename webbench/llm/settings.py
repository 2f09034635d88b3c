"""Run-wide LLM settings (``webbench eval --llm-cache ... --judge-model ...``) and the per-process cache.

The harness hands these settings, as a plain dict, to the suite's env
(``EnvConfig.llm``, for judges) and to agents that declare
``uses_llm_settings = True`` (constructor argument ``llm_settings``), in every
worker process. Each process opens the cache file once and shares it; a backend whose
workers may run on other machines (Ray) installs one that reaches the driver's file instead
(:func:`install_cache`).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from webbench.llm.cache import CACHE_MODES, ResponseCache, open_cache
from webbench.llm.errors import LLMConfigError
from webbench.llm.judge_prompts import check_texts


@dataclass(frozen=True)
class LLMSettings:
    """The response cache (path and mode), the judge's model and endpoint, and its prompts.

    ``judge_prompts`` holds the templates of a ``--judge-prompts`` file (the texts
    themselves, so that every worker uses what was checked when the run was
    prepared) and ``judge_prompts_sha256`` that file's SHA-256.
    """

    cache: str | None = None
    cache_mode: str = "rw"
    judge_model: str | None = None
    judge_base_url: str | None = None
    judge_prompts: dict[str, str] | None = None
    judge_prompts_sha256: str | None = None

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> LLMSettings:
        """Return the settings held in ``values`` (unknown keys are an error)."""
        values = dict(values or {})
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise LLMConfigError(f"llm_settings: unknown key(s) {', '.join(sorted(unknown))}")
        settings = cls(**values)
        if settings.cache_mode not in CACHE_MODES:
            raise LLMConfigError(
                f"--llm-cache-mode {settings.cache_mode!r}: expected one of {', '.join(CACHE_MODES)}"
            )
        if settings.judge_prompts is not None:
            check_texts(settings.judge_prompts, "llm_settings judge_prompts")
        return settings

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-able dict (what crosses into worker processes)."""
        return asdict(self)


_CACHES: dict[tuple[str, str], Any] = {}
_CACHES_LOCK = threading.Lock()


def _cache_key(settings: LLMSettings) -> tuple[str, str]:
    return (str(Path(str(settings.cache)).resolve()), settings.cache_mode)


def install_cache(settings: LLMSettings, cache: Any) -> None:
    """Make ``cache`` (an object with ResponseCache's ``get`` and ``put``) this process's cache
    for ``settings``: what :func:`shared_cache` returns from now on."""
    with _CACHES_LOCK:
        _CACHES[_cache_key(settings)] = cache


def shared_cache(settings: LLMSettings) -> ResponseCache | None:
    """Return this process's cache for ``settings`` (one connection per file and mode), or None."""
    if settings.cache is None or settings.cache_mode == "off":
        return open_cache(settings.cache, settings.cache_mode)
    key = _cache_key(settings)
    with _CACHES_LOCK:
        if key not in _CACHES:
            _CACHES[key] = ResponseCache(settings.cache, settings.cache_mode)
        return _CACHES[key]
