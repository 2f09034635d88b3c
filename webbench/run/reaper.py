"""A watchdog process that kills the workers' process groups when the harness dies.

The harness starts it in a session of its own and writes each worker's process
group id to its standard input, one per line (``p<pid>`` for a single process). When
that pipe closes (the harness exited, crashed, or was killed with SIGKILL), the reaper
kills every group and process it was told about: workers, chromedrivers and browsers
alike. Nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys


def kill_group(pgid: int) -> None:
    """Send SIGKILL to process group ``pgid`` (no error if it is already gone)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def main() -> None:
    """Read process group ids (and ``p<pid>`` lines) until end of input, then kill them all."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: list[int] = []
    pids: list[int] = []
    for line in sys.stdin:
        line = line.strip()
        if line.isdigit():
            groups.append(int(line))
        elif line.startswith("p") and line[1:].isdigit():
            pids.append(int(line[1:]))
    for pgid in groups:
        kill_group(pgid)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


class Reaper:
    """The harness side: start the watchdog, tell it about groups, close it at the end."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "webbench.run.reaper"],
            stdin=subprocess.PIPE,
            start_new_session=True,
            text=True,
        )

    @property
    def pid(self) -> int:
        """Return the watchdog's own process id."""
        return self._proc.pid

    def watch(self, pgid: int) -> None:
        """Add process group ``pgid`` to those killed when the harness goes away."""
        self._send(str(pgid))

    def watch_process(self, pid: int) -> None:
        """Add the single process ``pid`` (not its group) to those killed when the harness goes away."""
        self._send(f"p{pid}")

    def _send(self, line: str) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()

    def abandon(self) -> None:
        """Stop the watchdog without killing anything (what it watched is ending on its own)."""
        self._proc.kill()
        self._proc.wait()
        if self._proc.stdin:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()

    def close(self) -> None:
        """Kill every watched group now and stop the watchdog."""
        if self._proc.stdin and not self._proc.stdin.closed:
            self._proc.stdin.close()
        self._proc.wait()


if __name__ == "__main__":
    main()
