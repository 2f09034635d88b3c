"""A watchdog process that kills the workers' process groups when the harness dies.

The harness starts it in a session of its own and writes each worker's process
group id to its standard input, one per line. When that pipe closes (the harness
exited, crashed, or was killed with SIGKILL), the reaper kills every group it was
told about: workers, chromedrivers and browsers alike. Nothing is left behind.
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
    """Read process group ids until end of input, then kill them all."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: list[int] = []
    for line in sys.stdin:
        line = line.strip()
        if line.isdigit():
            groups.append(int(line))
    for pgid in groups:
        kill_group(pgid)


class Reaper:
    """The harness side: start the watchdog, tell it about groups, close it at the end."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "webbench.run.reaper"],
            stdin=subprocess.PIPE,
            start_new_session=True,
            text=True,
        )

    def watch(self, pgid: int) -> None:
        """Add process group ``pgid`` to those killed when the harness goes away."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(f"{pgid}\n")
        self._proc.stdin.flush()

    def close(self) -> None:
        """Kill every watched group now and stop the watchdog."""
        if self._proc.stdin and not self._proc.stdin.closed:
            self._proc.stdin.close()
        self._proc.wait()


if __name__ == "__main__":
    main()
