"""WebArena-Infinity app servers: each app served by its own ``server.py``, on 127.0.0.1 only.

The server protocol (upstream ``server.py``, identical in the 13 apps):

- ``GET /api/state``: the state the page last pushed, or 404 before the first push.
- ``PUT /api/state``: the page pushes its whole state on load and after every change;
  the first push ever becomes the server's immutable seed.
- ``POST /api/reset``: the state becomes a copy of the seed (before the response is
  sent) and every page connected to ``GET /api/events`` (SSE) gets a ``reset`` event,
  on which the page resets its own copy to the seed and pushes it again.

So a fresh server has no state until a browser has opened the app once, and a reset
before that leaves it empty (``seed_restored: false``). :class:`InfinitySites` holds
one server per app for one worker, each started on first use.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from webbench.sites.process import SiteError, SiteProcess, wait_for

LAUNCHER = "webbench.sites._infinity_server"


class InfinityServer:
    """One app's server process: ``start()``, ``reset()``, ``state()``, ``stop()``."""

    def __init__(self, app_dir: Path, timeout: float = 10.0) -> None:
        self.app_dir = Path(app_dir)
        self.app = self.app_dir.name
        #: Time-out of each HTTP call to the server, in seconds.
        self.timeout = timeout
        self.process = SiteProcess(self.app, LAUNCHER, [str(self.app_dir)])

    @property
    def url(self) -> str:
        """Return the base URL (``http://127.0.0.1:<port>``); SiteError when not started."""
        return self.process.url

    def start(self, timeout: float = 20.0) -> str:
        """Start the server if it is not running and wait until it answers; return its base URL."""
        if self.process.alive():
            return self.url
        if not (self.app_dir / "server.py").is_file():
            raise SiteError(f"{self.app}: no server.py in {self.app_dir}")
        self.process.start(timeout)
        try:
            wait_for(self.healthy, timeout, f"{self.app} server at {self.url}")
        except SiteError:
            self.stop()
            raise
        return self.url

    def _call(self, method: str, path: str) -> tuple[int, bytes]:
        request = urllib.request.Request(f"{self.url}{path}", method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            alive = "running" if self.process.alive() else f"exited ({self.process.log_tail()})"
            raise SiteError(f"{self.app}: {method} {path} failed: {reason} (server {alive})") from exc

    def healthy(self) -> bool:
        """Return True when ``GET /`` serves the page and ``GET /api/state`` answers (200 or 404)."""
        try:
            page, _ = self._call("GET", "/")
            api, _ = self._call("GET", "/api/state")
        except SiteError:
            if not self.process.alive():
                raise
            return False
        return page == 200 and api in (200, 404)

    def state(self) -> dict[str, Any] | None:
        """Return the app state (``GET /api/state``), or None while no page has pushed one."""
        status, body = self._call("GET", "/api/state")
        if status == 404:
            return None
        if status != 200:
            raise SiteError(f"{self.app}: GET /api/state answered {status}")
        return json.loads(body)

    def seeded(self) -> bool:
        """Return True once a page has pushed the app state (the first push is the seed)."""
        return self.state() is not None

    def wait_seeded(self, timeout: float = 20.0) -> dict[str, Any]:
        """Wait until a page has pushed the state; return it (SiteError after ``timeout`` seconds)."""
        wait_for(self.seeded, timeout, f"{self.app}: seed state (no page pushed PUT /api/state)")
        state = self.state()
        assert state is not None
        return state

    def reset(self) -> dict[str, Any]:
        """Restore the seed (``POST /api/reset``); return the server's answer.

        The answer has ``seed_restored`` (False while no page has pushed a seed) and
        ``clients_notified`` (open pages that will reset and push again).
        """
        status, body = self._call("POST", "/api/reset")
        if status != 200:
            raise SiteError(f"{self.app}: POST /api/reset answered {status}")
        return json.loads(body)

    def alive(self) -> bool:
        """Return True while the server process runs."""
        return self.process.alive()

    def stop(self) -> None:
        """Stop the server process (terminate, then kill its group); idempotent."""
        self.process.stop()

    def __enter__(self) -> InfinityServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class InfinitySites:
    """One worker's app servers: one per app, started on first use, all stopped by ``close()``."""

    def __init__(self, apps_dir: Path, timeout: float = 10.0) -> None:
        self.apps_dir = Path(apps_dir)
        self.timeout = timeout
        self._servers: dict[str, InfinityServer] = {}

    def server(self, app: str) -> InfinityServer:
        """Return the running server of ``app``, starting it (or restarting a dead one) on demand."""
        server = self._servers.get(app)
        if server is None:
            server = self._servers[app] = InfinityServer(self.apps_dir / app, self.timeout)
        server.start()
        return server

    def close(self) -> None:
        """Stop every server this worker started."""
        for server in self._servers.values():
            server.stop()
        self._servers.clear()

    def __enter__(self) -> InfinitySites:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
