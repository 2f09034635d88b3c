"""A chat-completions server for tests: real HTTP on 127.0.0.1, scripted replies.

Each request is answered by the next item of ``script`` (a :class:`Reply`,
:class:`Status` or :class:`Raw`), or, once the script is empty, by
``responder(request_json)``. Every request (path, headers, JSON body) is kept in
``requests``.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A 200 chat completion with ``text`` and the given token counts (usage omitted if None)."""

    text: str
    prompt_tokens: int | None = 100
    completion_tokens: int | None = 20


@dataclass
class Status:
    """An error status with a JSON error body and extra headers (e.g. Retry-After)."""

    code: int
    message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Raw:
    """Any bytes with any status (malformed replies)."""

    body: bytes
    code: int = 200
    content_type: str = "application/json"


Answer = Reply | Status | Raw


def completion_body(reply: Reply, model: str) -> dict[str, Any]:
    """Return the JSON of a chat completion holding ``reply``."""
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": "stop"}
        ],
    }
    if reply.prompt_tokens is not None and reply.completion_tokens is not None:
        body["usage"] = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        }
    return body


class ChatServer:
    """Start with ``start()`` (or as a context manager); ``url`` is the base URL ending in /v1."""

    def __init__(self, responder: Callable[[dict[str, Any]], Answer] | None = None) -> None:
        self.script: deque[Answer] = deque()
        self.responder = responder or (lambda _request: Reply("Thought: nothing to do\nAction: noop()"))
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def push(self, *answers: Answer) -> None:
        """Queue answers for the next requests, in order."""
        self.script.extend(answers)

    def _next(self, request: dict[str, Any]) -> Answer:
        with self._lock:
            if self.script:
                return self.script.popleft()
        return self.responder(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _send(self, code: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                request = {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": body,
                }
                with server._lock:
                    server.requests.append(request)
                if not self.path.endswith("/chat/completions"):
                    self._send(404, b'{"error": {"message": "not found"}}', "application/json", {})
                    return
                answer = server._next(request)
                if isinstance(answer, Reply):
                    payload = json.dumps(completion_body(answer, body.get("model", ""))).encode()
                    self._send(200, payload, "application/json", {})
                elif isinstance(answer, Status):
                    error = {"error": {"message": answer.message, "type": "test", "code": answer.code}}
                    self._send(answer.code, json.dumps(error).encode(), "application/json", answer.headers)
                else:
                    self._send(answer.code, answer.body, answer.content_type, {})

        return Handler

    def start(self) -> ChatServer:
        """Listen on 127.0.0.1 (a free port) in a daemon thread."""
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (the port is closed; later requests get connection errors)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        """Return the base URL (``http://127.0.0.1:PORT/v1``)."""
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()


def user_text(request: dict[str, Any]) -> str:
    """Return the text of the last user message of a recorded request."""
    for msg in reversed(request["json"].get("messages", [])):
        if msg.get("role") == "user":
            content = msg["content"]
            if isinstance(content, list):
                return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
            return content
    return ""


def miniwob_click_model(request: dict[str, Any]) -> Reply:
    """A scripted 'model' for MiniWoB click tasks: click the button the task names."""
    text = user_text(request)
    target = re.search(r'Task: Click (?:on )?(?:the )?(?:button )?"?([^".\n]+)"?', text)
    if target:
        button = re.search(r'\[(\d+)\] button "' + re.escape(target.group(1).strip()) + '"', text)
        if button:
            return Reply(f'Thought: the task names this button.\nAction: click("{button.group(1)}")', 321, 17)
    return Reply("Thought: I cannot find it.\nAction: noop()", 321, 9)
