"""A trivial stand-in set for the tests of ``webbench sites --backend standins`` (WEBBENCH_STANDINS).

``standin_sites(sites, slot)`` has the signature of ``webbench.sites.standins.standin_sites``: each
site is a real loopback HTTP process (this file run as ``python -m standin_fakes``) serving a login
form with a password field; ``POST /reset`` counts resets, ``GET /resets`` returns the count.
"""

from __future__ import annotations

import contextlib
import http.server
import urllib.request
from collections.abc import Iterator

from webbench.sites.process import SiteProcess, announce, exit_with_parent

STANDIN_SITES = ("shopping", "reddit")
LOGIN_PAGE = b'<form><label for="p">Password</label><input id="p" type="password"></form>'


class FakeSites:
    """The started sites: ``urls`` (variable -> base URL), ``reset(site)``, ``alive(site)``, ``stop()``."""

    def __init__(self, processes: dict[str, SiteProcess]) -> None:
        self.processes = processes
        self.urls: dict[str, str] = {}

    def reset(self, site: str) -> None:
        """Ask the site's process to count one reset."""
        request = urllib.request.Request(self.processes[site].url + "/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def alive(self, site: str) -> bool:
        """Return True while the site's process runs."""
        return self.processes[site].alive()

    def stop(self) -> None:
        """Stop every site process."""
        for proc in self.processes.values():
            proc.stop()


@contextlib.contextmanager
def standin_sites(sites: list[str], slot: int = 0) -> Iterator[FakeSites]:
    """Start one loopback process per site; stop them all on exit. ValueError for an unknown site."""
    for site in sites:
        if site not in STANDIN_SITES:
            raise ValueError(f"no stand-in for {site}")
    with _started(sites, "standin_fakes") as handle:
        yield handle


@contextlib.contextmanager
def broken_standin_sites(sites: list[str], slot: int = 0) -> Iterator[FakeSites]:
    """Like :func:`standin_sites`, but each site's process is a module that does not exist."""
    with _started(sites, "standin_fakes_no_such_module") as handle:
        yield handle


@contextlib.contextmanager
def _started(sites: list[str], module: str) -> Iterator[FakeSites]:
    """Start one process per site running ``module``; stop them all on exit."""
    handle = FakeSites({site: SiteProcess(site, module, []) for site in sites})
    try:
        for site, proc in handle.processes.items():
            handle.urls[site.upper()] = proc.start()
        yield handle
    finally:
        handle.stop()


def serve() -> None:
    """Serve the login page and the reset counter on 127.0.0.1 until the parent goes away."""
    exit_with_parent()
    resets = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            self._send(str(resets[0]).encode() if self.path == "/resets" else LOGIN_PAGE)

        def do_POST(self) -> None:  # noqa: N802
            resets[0] += 1
            self._send(b"ok")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    announce(server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    serve()
