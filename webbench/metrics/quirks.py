"""Named quirks of official scorers: parsing the ``--fixes`` list that corrects them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def parse_quirks(text: str | Iterable[str] | None, known: Mapping[str, str]) -> frozenset[str]:
    """Return the set of quirk names in ``text`` (comma-separated, or ``all``); ValueError if unknown."""
    if text is None:
        return frozenset()
    names = [n.strip() for n in text.split(",")] if isinstance(text, str) else [str(n) for n in text]
    names = [n for n in names if n]
    if names == ["all"]:
        return frozenset(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown quirk(s) {', '.join(unknown)}; known: {', '.join(known)} or all")
    return frozenset(names)
