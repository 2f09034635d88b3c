"""HTML built from elements whose text and attribute values are always escaped.

``h("a", {"href": url}, label)`` escapes ``url`` and ``label``; only :class:`Markup`
(what ``h`` itself returns) is inserted as it is, so no page text reaches the HTML
unescaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

VOID = frozenset({"br", "hr", "img", "input", "link", "meta"})


class Markup(str):
    """HTML that is already safe (built by :func:`h`); inserted without escaping."""


def render(child: object) -> str:
    """Return ``child`` as HTML: Markup as it is, other text escaped, lists joined, None as ''."""
    if child is None or child is False:
        return ""
    if isinstance(child, Markup):
        return child
    if isinstance(child, str | int | float):
        return html.escape(str(child))
    if isinstance(child, Iterable):
        return "".join(render(item) for item in child)
    raise TypeError(f"cannot render {type(child).__name__} as HTML")


def h(tag: str, attrs: Mapping[str, object] | None = None, *children: object) -> Markup:
    """Return the element ``<tag attrs>children</tag>``; attribute True is bare, None/False is left out."""
    parts = [tag]
    for name, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        parts.append(name if value is True else f'{name}="{html.escape(str(value), quote=True)}"')
    start = f"<{' '.join(parts)}>"
    if tag in VOID:
        return Markup(start)
    return Markup(f"{start}{render(children)}</{tag}>")


def document(title: str, body: object, lang: str = "en") -> str:
    """Return a whole HTML page with ``title`` and the (escaped) ``body``."""
    head = h("head", None, h("meta", {"charset": "utf-8"}), h("title", None, title), h("style", None, CSS))
    return "<!DOCTYPE html>\n" + h("html", {"lang": lang}, head, h("body", None, body))


def field(label: str, name: str, value: object = "", kind: str = "text", **attrs: object) -> Markup:
    """Return a labelled input (``<label for>`` and ``<input id>``) wrapped in a div.field."""
    ident = attrs.pop("id", None) or name.replace("[", "_").replace("]", "")
    control = (
        h("textarea", {"id": ident, "name": name, **attrs}, value)
        if kind == "textarea"
        else h("input", {"id": ident, "name": name, "type": kind, "value": value, **attrs})
    )
    return h("div", {"class": "field"}, h("label", {"for": ident}, label), control)


def select(
    label: str, name: str, options: Iterable[tuple[object, str]], chosen: object, **attrs: object
) -> Markup:
    """Return a labelled ``<select>``; ``options`` are (value, text) pairs, ``chosen`` the selected value."""
    ident = attrs.pop("id", None) or name.replace("[", "_").replace("]", "")
    items = [
        h("option", {"value": value, "selected": str(value) == str(chosen)}, text) for value, text in options
    ]
    return h(
        "div",
        {"class": "field"},
        h("label", {"for": ident}, label),
        h("select", {"id": ident, "name": name, **attrs}, items),
    )


def form(action: str, *children: object, method: str = "post", **attrs: object) -> Markup:
    """Return a ``<form>`` posting to ``action``."""
    return h("form", {"action": action, "method": method, **attrs}, children)


def button(text: str, **attrs: object) -> Markup:
    """Return a submit button whose text is ``text``."""
    return h("button", {"type": "submit", **attrs}, text)


def link(href: str, text: object, **attrs: object) -> Markup:
    """Return ``<a href>text</a>``."""
    return h("a", {"href": href, **attrs}, text)


CSS = (
    "body{font-family:sans-serif;margin:0}header,nav,main,footer,aside{padding:8px 16px}"
    "header{background:#eee}nav a{margin-right:12px}.field{margin:6px 0}label{display:block}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}.message{color:#060}"
    ".error{color:#a00}"
)
