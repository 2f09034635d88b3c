"""A local site process: started on demand, on a port it picks itself, stopped with nothing left behind.

The child is one of our launcher modules (``python -m webbench.sites.<launcher> ...``).
It binds ``127.0.0.1`` port 0 and prints one line ``listening <port>`` on its standard
output once it accepts connections, so there is no race on a "free" port; the parent
waits for that line with a time-out, then for the site's own health check.

Nothing is left behind:

- ``stop()`` sends SIGTERM to the child's process group (it runs in a session of its
  own), waits ``grace`` seconds, then SIGKILLs the group (launched sites start no
  processes of their own, so the group is the child).
- The child's standard input is a pipe that only the parent holds (the write end is not
  inheritable, and the worker pool uses the ``spawn`` start method, so no other process
  has a copy). The child calls :func:`exit_with_parent` first thing: a thread waits for
  end-of-file on that pipe and exits the process. When the parent dies in any way,
  SIGKILL included, the kernel closes the pipe and the site exits within milliseconds.
  Unlike ``PR_SET_PDEATHSIG`` this does not depend on which thread started the child.
- ``pgid`` is the child's process group, for callers that register groups with a
  watchdog (``webbench.run.reaper``).

The child's standard error (the app's request log) goes to a temporary file; its last
lines are quoted when the site dies or does not come up.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import webbench

ANNOUNCE = "listening"
#: Longest pause between two polls of a condition (polls start at 10 ms and double).
MAX_POLL = 0.2
_PACKAGE_ROOT = str(Path(webbench.__file__).resolve().parents[1])


class SiteError(RuntimeError):
    """A site that did not start, answer, or stay up; the message is one line naming the site."""


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it returns True; SiteError naming ``what`` after ``timeout`` seconds.

    Polls start 10 ms apart and back off to :data:`MAX_POLL`: waiting on a condition,
    never a fixed sleep.
    """
    deadline = time.monotonic() + timeout
    pause = 0.01
    while not condition():
        left = deadline - time.monotonic()
        if left <= 0:
            raise SiteError(f"{what}: not ready after {timeout:g} s")
        time.sleep(min(pause, left))
        pause = min(pause * 2, MAX_POLL)


def exit_with_parent() -> None:
    """In a launched site: exit the process as soon as the parent's end of standard input closes."""

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(0, 4096):
                pass
        os._exit(0)

    threading.Thread(target=watch, name="parent-lifeline", daemon=True).start()


def announce(port: int) -> None:
    """In a launched site: tell the parent the bound port, then send further prints to stderr."""
    sys.stdout.write(f"{ANNOUNCE} {port}\n")
    sys.stdout.flush()
    sys.stdout = sys.stderr


class SiteProcess:
    """One launched site process; ``start()`` returns its base URL, ``stop()`` ends it."""

    def __init__(self, name: str, module: str, args: list[str], grace: float = 3.0) -> None:
        self.name = name
        self.module = module
        self.args = list(args)
        self.grace = grace
        self.proc: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the base URL (``http://127.0.0.1:<port>``); SiteError when not started."""
        if self.port is None:
            raise SiteError(f"{self.name}: not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgid(self) -> int | None:
        """Return the child's process group id (its pid), or None when not running."""
        return self.proc.pid if self.proc is not None else None

    def alive(self) -> bool:
        """Return True while the child process runs."""
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 20.0) -> str:
        """Start the child (if not running) and wait for its port; return the base URL."""
        if self.alive():
            return self.url
        self.stop()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        # The log lives as long as the process: closed (and deleted) by stop().
        self._log = tempfile.NamedTemporaryFile(prefix=f"webbench-{self.name}-", suffix=".log")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            start_new_session=True,
        )
        try:
            self.port = self._read_port(timeout)
        except SiteError:
            self.stop()
            raise
        return self.url

    def _read_port(self, timeout: float) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise SiteError(f"{self.name}: did not announce its port within {timeout:g} s")
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    raise SiteError(f"{self.name}: exited before listening ({self.log_tail()})")
                line += chunk
        self.proc.stdout.close()
        word, _, port = line.decode(errors="replace").strip().partition(" ")
        if word != ANNOUNCE or not port.isdigit():
            raise SiteError(f"{self.name}: unexpected first line {line[:80]!r}")
        return int(port)

    def log_tail(self, lines: int = 3) -> str:
        """Return the last ``lines`` lines of the child's standard error, joined by ' | '."""
        if self._log is None:
            return "no log"
        with contextlib.suppress(OSError), open(self._log.name, "rb") as stream:
            tail = stream.read()[-4000:].decode(errors="replace").strip().splitlines()[-lines:]
            return " | ".join(tail) or "empty log"
        return "no log"

    def stop(self) -> None:
        """Terminate the child's process group, kill it after ``grace`` seconds; idempotent."""
        proc, self.proc, self.port = self.proc, None, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> SiteProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
