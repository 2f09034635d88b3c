"""Loopback HTTP servers for the browser tests: the fixture pages under tests/fixtures/browser.

``/frames.html`` gets the second server's origin written in (a cross-origin frame); ``/never``
holds its request until the server stops (a navigation that never completes).
"""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "fixtures" / "browser"


class Site:
    """One ThreadingHTTPServer on 127.0.0.1 in a daemon thread; ``url(path)`` and ``stop()``."""

    def __init__(self, host_name: str = "127.0.0.1", cross: str = "") -> None:
        release = threading.Event()
        self.release = release

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(PAGES), **kwargs)

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/never":
                    release.wait(60)
                    return
                if self.path == "/frames.html":
                    body = (PAGES / "frames.html").read_text().replace("CROSS", cross).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host_name}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` on this server."""
        return f"{self.base}/{path.lstrip('/')}"

    def stop(self) -> None:
        """Release held requests and stop serving."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
