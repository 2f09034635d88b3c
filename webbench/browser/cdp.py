"""Bounded CDP calls: one round trip each, with a time-out, results as plain JSON.

``send`` is ``CDPSession.send`` with a time-out, minus the sync API's result conversion: the
public ``send`` walks every dict and list of the result to wrap Playwright objects (a CDP
result holds none), which on a DOM snapshot plus AX tree of a real app page (1,500 elements)
costs about as much Python time as everything else in the observation. ``evaluate`` runs an
expression in the main world of the session's main frame and returns its value (JSON), the
bounded, single-round-trip replacement of ``frame.wait_for_function`` plus ``json_value``.
A call past its time-out raises Playwright's ``TimeoutError`` ("Timeout" in the message).
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import CDPSession
from playwright.sync_api import Error as PlaywrightError


class ScriptError(PlaywrightError):
    """The evaluated expression threw; the message is the page's exception text."""


def send(session: CDPSession, method: str, params: dict[str, Any], timeout_ms: float) -> dict[str, Any]:
    """Return the result of CDP ``method`` (a dict as the protocol gives it) within ``timeout_ms``."""
    # CDPSession._sync and _impl_obj are the sync API's own plumbing (playwright.sync_api._generated
    # calls exactly this, then converts the result); the conversion is what is skipped.
    return session._sync(session._impl_obj.send(method=method, params=params, timeout=timeout_ms))


def call(function: str, *args: Any) -> str:
    """Return the expression that calls the JavaScript ``function`` source on JSON ``args``."""
    return f"({function})({', '.join(json.dumps(arg) for arg in args)})"


def evaluate(session: CDPSession, expression: str, timeout_ms: float) -> Any:
    """Return the JSON value of ``expression`` in the page's main world; ScriptError if it throws."""
    reply = send(session, "Runtime.evaluate", {"expression": expression, "returnByValue": True}, timeout_ms)
    if "exceptionDetails" in reply:
        details = reply["exceptionDetails"]
        text = details.get("exception", {}).get("description") or details.get("text", "exception")
        raise ScriptError(str(text).splitlines()[0])
    return reply["result"].get("value")
