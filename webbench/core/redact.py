"""Secret redaction: what every run-file writer (manifest, baseline, report) applies first.

A value is redacted when its *name* looks like a secret (``api_key``, ``hf_token``,
``gitlab_pat``, ``Authorization``, ``cookie``...: the name is cut into words at
``_``, ``-``, ``.`` and camelCase, and one word must be a secret word, so ``path``,
``pattern``, ``patience``, ``max_tokens`` and ``author`` are kept, and so are names that
end in a word such as ``env``, ``file`` or ``url``: ``api_key_env`` names the variable
holding the key) or when the *text*
holds a known secret shape: ``Bearer``/``Basic`` credentials, ``sk-`` API keys,
Hugging Face, GitHub, GitLab and Slack tokens, AWS access key ids, the password of a
URL (``scheme://user:***@host``) and secret-named URL query parameters. Dicts and
lists are walked recursively. Only ``None`` and booleans under a secret name are kept
(a flag like ``use_auth=true`` says nothing secret).
"""

from __future__ import annotations

import re
from typing import Any

#: What a redacted value (or the redacted part of a text) becomes.
REDACTED = "***"

#: Name words that make the whole value a secret.
_SECRET_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "passphrase",
        "credential",
        "credentials",
        "auth",
        "oauth",
        "authorization",
        "authentication",
        "bearer",
        "pat",
        "cookie",
        "cookies",
        "session",
        "sessionid",
        "signature",
    }
)
#: Name words ending like this are secrets too (``hftoken``, ``accesstoken``, ``apikey``).
_SECRET_SUFFIXES = ("token", "apikey", "secret", "password", "passwd")
#: A name ending in one of these words points at a secret or describes it (``api_key_env``, the
#: variable that holds the key; ``token_file``; ``auth_url``) and is kept.
_REFERENCE_WORDS = frozenset(
    {"env", "var", "file", "path", "dir", "name", "url", "header", "type", "mode", "length", "size", "limit"}
)

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

_VALUE_PATTERNS = (
    # HTTP Authorization credentials, keeping the scheme: "Bearer abc...", "Basic dXNlcjpwYXNz" (a
    # Basic credential must look like base64, so that prose such as "Basic instructions" is kept).
    (re.compile(r"\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), rf"\1 {REDACTED}"),
    (
        re.compile(r"\b((?i:basic))\s+(?=[A-Za-z0-9+/]*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9+/]{8,}=*"),
        rf"\1 {REDACTED}",
    ),
    # scheme://user:password@host: keep the URL and the user name.
    (re.compile(r"\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", re.IGNORECASE), rf"\1{REDACTED}@"),
    # Known token shapes: OpenAI/Anthropic sk-..., Hugging Face, GitHub, GitLab, Slack, AWS key ids.
    (
        re.compile(
            r"(?<![A-Za-z0-9])(?:sk-[A-Za-z0-9_-]{8,}|hf_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{16,}"
            r"|github_pat_[A-Za-z0-9_]{16,}|glpat-[A-Za-z0-9_-]{16,}|xox[abprs]-[A-Za-z0-9-]{10,}"
            r"|AKIA[0-9A-Z]{16})"
        ),
        REDACTED,
    ),
)
_QUERY_PARAM = re.compile(r"([?&;])([^=&#\s]+)=([^&#\s]*)")


def is_secret_name(name: str) -> bool:
    """Return True when ``name`` (an argument, header or query-parameter name) looks like a secret."""
    words = [word.lower() for word in _WORD.findall(name)]
    if len(words) > 1 and words[-1] in _REFERENCE_WORDS:
        return False
    return any(word in _SECRET_WORDS or word.endswith(_SECRET_SUFFIXES) for word in words)


def redact_text(text: str) -> str:
    """Return ``text`` with every secret-shaped part (see the module doc) replaced by ``***``."""
    for pattern, replacement in _VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    if "=" in text:
        text = _QUERY_PARAM.sub(
            lambda m: f"{m[1]}{m[2]}={REDACTED}" if is_secret_name(m[2]) and m[3] else m[0], text
        )
    return text


def redact(value: Any) -> Any:
    """Return a copy of ``value`` (JSON-like: dicts, lists, scalars) with its secrets redacted."""
    if isinstance(value, dict):
        return {k: REDACTED if _hides(k, v) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def _hides(name: Any, value: Any) -> bool:
    return (
        isinstance(name, str) and is_secret_name(name) and value is not None and not isinstance(value, bool)
    )


def is_redacted(value: Any) -> bool:
    """Return True when ``value`` (a redacted copy) holds a redaction anywhere, however deep."""
    if isinstance(value, dict):
        return any(is_redacted(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_redacted(item) for item in value)
    return isinstance(value, str) and REDACTED in value
