"""Running a WebArena-Infinity task's own verifier: ``verify(server_url) -> (passed, message)``.

The verifier is the benchmark's code: its file is imported as a module from the data
folder (a fresh module with a unique name per call, as upstream imports it per task)
and its ``verify`` called with the app server's base URL. As upstream, an exception,
while importing or verifying, is a failure whose message is ``Verifier exception:
<error>``. Verifiers call ``requests.get`` without a time-out, so the call runs in a
daemon thread bounded by ``timeout``: past it :class:`VerifierTimeout` is raised (the
server hangs: an environment error, not the agent's failure). The thread is left
blocked on its socket until the caller stops the server, which ends it.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

from webbench.core.modules import import_file
from webbench.sites.process import SiteError

_NUMBERS = itertools.count(1)


class VerifierTimeout(SiteError):
    """A verifier that did not return within its time-out (the app server hangs)."""


def load_verify(path: Path) -> Any:
    """Return the ``verify`` function of the verifier file ``path``, imported as a new module."""
    name = f"webarena_infinity_verifier_{next(_NUMBERS)}_{Path(path).stem}"
    module = import_file(Path(path), name, keep=False)
    verify = getattr(module, "verify", None)
    if not callable(verify):
        raise AttributeError(f"{Path(path).name} defines no verify(server_url) function")
    return verify


def _call(path: Path, server_url: str) -> tuple[bool, str]:
    try:
        passed, message = load_verify(path)(server_url)
    except BaseException as exc:  # noqa: BLE001 - any verifier error (sys.exit too) is a failure, as upstream
        return False, f"Verifier exception: {exc}"
    return bool(passed), str(message)


def run_verifier(path: Path, server_url: str, timeout: float = 30.0) -> tuple[bool, str]:
    """Return ``(passed, message)`` of the verifier file ``path`` against the server at ``server_url``.

    Raises VerifierTimeout when it has not returned after ``timeout`` seconds.
    """
    outcome: list[tuple[bool, str]] = []
    thread = threading.Thread(
        target=lambda: outcome.append(_call(path, server_url)), name=f"verify-{Path(path).stem}", daemon=True
    )
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise VerifierTimeout(f"verifier {Path(path).name} did not return within {timeout:g} s")
    return outcome[0]
