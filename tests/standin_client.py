"""Test helpers for the stand-in sites: a cookie-keeping HTTP client and a reader of HTML forms."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    """One <form>: where it posts, its fields (name -> value), and how its controls are named."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # label text -> control name
    placeholders: dict[str, str] = field(default_factory=dict)
    test_ids: dict[str, str] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)
    button_test_ids: list[str] = field(default_factory=list)


class FormReader(HTMLParser):
    """Collects the forms of a page, resolving ``<label for>`` to the control's name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._ids: dict[str, str] = {}  # element id -> control name
        self._labels: list[tuple[Form, str, str]] = []  # (form, for-id, text)
        self._label: list[str] | None = None
        self._label_for = ""
        self._button: list[str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag in ("input", "textarea", "select") and a.get("name"):
            name = a["name"]
            if tag == "textarea":
                self._textarea = name
            if tag == "select":
                self._select = name
            elif a.get("type") not in ("checkbox", "submit") or "checked" in a:
                form.fields.setdefault(name, a.get("value", ""))
            if a.get("id"):
                self._ids[a["id"]] = name
            if a.get("placeholder"):
                form.placeholders[a["placeholder"]] = name
            if a.get("data-testid"):
                form.test_ids[a["data-testid"]] = name
        elif tag == "option" and self._select is not None:
            if "selected" in a or self._select not in form.fields:  # the selected option, else the first
                form.fields[self._select] = a.get("value", "")
        elif tag == "label":
            self._label, self._label_for = [], a.get("for", "")
        elif tag == "button":
            self._button = []
            if a.get("data-testid"):
                form.button_test_ids.append(a["data-testid"])

    def handle_data(self, data: str) -> None:
        for sink in (self._label, self._button):
            if sink is not None:
                sink.append(data)
        if self._textarea is not None and self.forms:
            self.forms[-1].fields[self._textarea] = data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label is not None and self.forms:
            self._labels.append((self.forms[-1], self._label_for, "".join(self._label).strip()))
            self._label = None
        elif tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons.append("".join(self._button).strip())
            self._button = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def close(self) -> None:
        super().close()
        for form, target, text in self._labels:
            if target in self._ids:
                form.labels[text] = self._ids[target]


def forms_of(page: str) -> list[Form]:
    """Return the forms of an HTML page."""
    reader = FormReader()
    reader.feed(page)
    reader.close()
    return reader.forms


def form_with_button(page: str, text: str) -> Form:
    """Return the form of ``page`` whose submit button reads ``text`` (AssertionError if none)."""
    found = [f for f in forms_of(page) if text in f.buttons]
    assert len(found) == 1, f"{len(found)} forms with a button {text!r}"
    return found[0]


class Client:
    """An HTTP client that keeps cookies and follows redirects, like a browser tab."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Return (status, final URL, body) of a GET."""
        return self._open(urllib.request.Request(self.url(path), headers=headers or {}))

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str, str]:
        """Return (status, final URL, body) of a form POST (redirects followed)."""
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.url(path), body, method="POST"))

    def submit(self, page_url: str, form: Form, values: dict[str, str]) -> tuple[int, str, str]:
        """Post ``form`` (found on ``page_url``) with its own fields overridden by ``values``."""
        return self.post(urllib.parse.urljoin(self.url(page_url), form.action), {**form.fields, **values})

    def json(self, path: str, body: object = None, token: str | None = None) -> tuple[int, object]:
        """Return (status, parsed JSON) of a GET (or a JSON POST when ``body`` is given)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        status, _, text = self._open(urllib.request.Request(self.url(path), data, headers))
        return status, json.loads(text)

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self._opener.open(request, timeout=10) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.geturl(), exc.read().decode()
