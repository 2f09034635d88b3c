"""The small web framework the stand-in sites share: routes, cookie sessions, reset, health, serving.

A :class:`Site` holds its state in memory, built from a seed function; ``reset()``
replaces the state with a deep copy of the seed taken at start-up, under the lock
every request holds, so a reset never interleaves with a request. Sessions are signed
cookies (HMAC with a key made at start-up): they are not part of the state, so a
login survives a reset, as it would survive re-creating a site's database only if the
session store were elsewhere (the harness logs in again when a check fails anyway).

Every site answers two endpoints of its own:

- ``GET /__webbench__/health``: ``{"site": <name>, "status": "ok"}``.
- ``POST /__webbench__/reset``: back to the seed; ``{"site": <name>, "reset": true}``.

:func:`serve` binds 127.0.0.1 only, prints ``listening <port>`` once it accepts
connections (the protocol of :mod:`webbench.sites.process`) and, with
``--with-parent``, exits when its parent closes its standard input.
"""

from __future__ import annotations

import argparse
import copy
import functools
import hashlib
import hmac
import json
import re
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from envs._html import document, h, link

CONTROL = "/__webbench__"
MAX_BODY = 1 << 20


@dataclass
class Request:
    """One HTTP request: method, path (without a trailing slash), query, form fields, cookies."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes = b""
    form: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """Return the body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass
class Response:
    """What a handler returns: status, body, content type, extra headers (cookies among them)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def set_cookie(self, name: str, value: str, path: str = "/") -> Response:
        """Add a Set-Cookie header (an empty value deletes the cookie); return self."""
        expiry = "; Max-Age=0" if not value else ""
        self.headers.append(("Set-Cookie", f"{name}={value}; Path={path}; HttpOnly; SameSite=Lax{expiry}"))
        return self


def html_page(page: str, status: int = 200) -> Response:
    """Return an HTML response."""
    return Response(status, page.encode())


def json_answer(data: Any, status: int = 200) -> Response:
    """Return a JSON response."""
    return Response(status, json.dumps(data).encode(), "application/json")


def redirect(location: str, status: int = 302) -> Response:
    """Return a redirect to ``location``."""
    return Response(status, b"", headers=[("Location", location)])


def slugify(text: str, limit: int = 60) -> str:
    """Return the URL slug of ``text``: lower case, runs of other characters as one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].rstrip("-") or "-"


def web_url(value: str) -> str:
    """Return ``value`` when it is an http(s) URL, else '' (no ``javascript:`` links from user input)."""
    scheme = urllib.parse.urlsplit(value.strip()).scheme.lower()
    return value.strip() if scheme in ("http", "https") else ""


def to_int(value: str | None, default: int = 0) -> int:
    """Return ``value`` as an int, ``default`` when it is not one."""
    try:
        return int(value or "")
    except ValueError:
        return default


def to_float(value: str | None, default: float = 0.0) -> float:
    """Return ``value`` as a float rounded to cents, ``default`` when it is not a number."""
    try:
        return round(float(value or ""), 2)
    except ValueError:
        return default


Handler = Callable[..., Response]


def login_required(current: Callable[[Request], str | None], login_url: str) -> Callable[[Handler], Handler]:
    """Return a decorator for handlers that need a login.

    The decorated handler is called as ``handler(request, user, **groups)`` with the user
    ``current(request)`` returns; when that is None the answer is a redirect to ``login_url``.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapped(request: Request, **groups: str) -> Response:
            user = current(request)
            if user is None:
                return redirect(login_url)
            return handler(request, user, **groups)

        return wrapped

    return decorate


def header_login(request: Request, header: str, passwords: Mapping[str, str]) -> str | None:
    """Return the user named by a WebArena-Verified auto-login header ``user:password`` if it is right."""
    user, _, password = request.headers.get(header.lower(), "").partition(":")
    known = passwords.get(user)
    return user if known is not None and hmac.compare_digest(known, password) else None


def now(fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Return the current UTC time in ``fmt`` (Magento's "YYYY-MM-DD HH:MM:SS" by default)."""
    return datetime.now(UTC).strftime(fmt)


class Site:
    """One stand-in site: its routes, its in-memory state (reset to the seed), its sessions."""

    def __init__(self, name: str, seed: Callable[[], dict[str, Any]]) -> None:
        self.name = name
        self._seed = seed()
        self.state: dict[str, Any] = copy.deepcopy(self._seed)
        self.lock = threading.RLock()
        self._key = secrets.token_bytes(32)
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register ``handler(request, **groups)`` for ``method`` and the regex ``pattern`` (full match)."""

        def register(handler: Handler) -> Handler:
            self._routes.append((method, re.compile(pattern), handler))
            return handler

        return register

    def reset(self) -> None:
        """Put the state back to the seed."""
        with self.lock:
            self.state = copy.deepcopy(self._seed)

    # ---- sessions -------------------------------------------------------------------------

    def sign(self, value: str) -> str:
        """Return the HMAC signature of ``value`` under this process's key."""
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def session_cookie(self, response: Response, cookie: str, user: str, path: str = "/") -> Response:
        """Log ``user`` in: set the signed session cookie ``cookie``; return the response."""
        value = urllib.parse.quote(user, safe="")
        return response.set_cookie(cookie, f"{value}.{self.sign(user)}", path)

    def session_user(self, request: Request, cookie: str) -> str | None:
        """Return the user of the session cookie ``cookie``, or None (no cookie, or a bad signature)."""
        value, _, signature = request.cookies.get(cookie, "").rpartition(".")
        user = urllib.parse.unquote(value)
        if value and hmac.compare_digest(signature, self.sign(user)):
            return user
        return None

    def logged_in(
        self, request: Request, cookie: str, header: str, passwords: Mapping[str, str]
    ) -> str | None:
        """Return the user ``request`` is logged in as: its session cookie's when that user is one of
        ``passwords``, else the one the auto-login ``header`` names with the right password, else None."""
        user = self.session_user(request, cookie)
        if user in passwords:
            return user
        return header_login(request, header, passwords)

    # ---- dispatch -------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        """Return the response to ``request`` (the control endpoints first, then the routes, else 404)."""
        if request.path == f"{CONTROL}/health":
            return json_answer({"site": self.name, "status": "ok"})
        if request.path == f"{CONTROL}/reset" and request.method == "POST":
            self.reset()
            return json_answer({"site": self.name, "reset": True})
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method != request.method:
                allowed = True
                continue
            with self.lock:
                return handler(request, **match.groupdict())
        if allowed:
            return html_page(document("Method not allowed", h("h1", None, "Method not allowed")), 405)
        return not_found(request.path)


def not_found(path: str) -> Response:
    """Return the 404 page naming ``path``."""
    body = [h("h1", None, "404 Not Found"), h("p", None, f"No page at {path}."), link("/", "Home")]
    return html_page(document("404 Not Found", body), 404)


def _parse_request(handler: BaseHTTPRequestHandler) -> Request:
    parsed = urllib.parse.urlsplit(handler.path)
    query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
    headers = {key.lower(): value for key, value in handler.headers.items()}
    cookies: dict[str, str] = {}
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            cookies[name] = value
    length = min(max(0, to_int(headers.get("content-length"))), MAX_BODY)
    body = handler.rfile.read(length) if length else b""
    form: dict[str, str] = {}
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = dict(urllib.parse.parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
    path = urllib.parse.unquote(parsed.path).rstrip("/") or "/"
    return Request(handler.command, path, query, headers, cookies, body, form)


def make_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    """Return the request handler class that serves ``site``."""

    class SiteHandler(BaseHTTPRequestHandler):
        server_version = f"webbench-standin-{site.name}"

        def _serve(self) -> None:
            try:
                response = site.dispatch(_parse_request(self))
            except Exception as exc:  # a bug in a page: answer 500 and log it, keep serving
                self.log_error("%s %s failed: %r", self.command, self.path, exc)
                response = html_page(
                    document("500 Internal Server Error", h("h1", None, "Internal Server Error")), 500
                )
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815

    return SiteHandler


def serve(build: Callable[[], Site], argv: list[str] | None = None) -> None:
    """Parse ``--port`` / ``--with-parent``, build the site and serve it on 127.0.0.1 until stopped."""
    parser = argparse.ArgumentParser(description="Serve a webbench stand-in site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: one the system picks)")
    parser.add_argument(
        "--with-parent", action="store_true", help="exit when standard input closes (used by webbench)"
    )
    args = parser.parse_args(argv)
    from webbench.sites.process import announce, exit_with_parent

    if args.with_parent:
        exit_with_parent()
    site = build()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(site))
    server.daemon_threads = True
    announce(server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
