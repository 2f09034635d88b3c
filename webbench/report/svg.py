"""Inline SVG charts for the HTML report, written by hand (no library, no network).

Every text that reaches a chart (agent names, task ids, sites) goes through
:func:`markupsafe.escape`; the functions return :class:`markupsafe.Markup`.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

#: Okabe-Ito colours (distinguishable with colour-blindness), one per agent in order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FONT = 12
_AXIS = "#6b7280"


def colour(index: int) -> str:
    """Return the colour of the ``index``-th agent."""
    return PALETTE[index % len(PALETTE)]


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def _x_axis(left: int, right: int, y: int, top: int) -> list[str]:
    """Return gridlines and labels of a 0-100 % axis from ``left`` to ``right`` at height ``y``."""
    parts = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * (right - left)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{y}" stroke="#e5e7eb"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y + 14}" font-size="{FONT - 1}" fill="{_AXIS}" '
            f'text-anchor="middle">{_pct(tick)}</text>'
        )
    return parts


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: a label, a rate in [0, 1], its interval, and a tooltip."""

    label: str
    value: float
    low: float | None = None
    high: float | None = None
    tip: str = ""
    colour: str = PALETTE[0]
    reference: bool = False


def interval_bars(bars: list[Bar], title: str, width: int = 640) -> Markup:
    """Return horizontal bars (rates) with whiskers for their intervals; reference bars are hatched."""
    label_w, row, top = 230, 26, 8
    right = width - 50
    height = top + row * len(bars) + 24
    body = _x_axis(label_w, right, top + row * len(bars), top)
    scale = right - label_w
    for i, bar in enumerate(bars):
        y = top + i * row
        w = max(0.0, min(1.0, bar.value)) * scale
        fill = "url(#hatch)" if bar.reference else bar.colour
        text = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
        body.append(
            f"<g><title>{escape(bar.tip or bar.label)}</title>"
            f'<text x="{label_w - 6}" y="{y + 17}" font-size="{FONT}" text-anchor="end">{escape(text)}</text>'
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row - 10}" fill="{fill}" rx="2"/>'
        )
        if bar.low is not None and bar.high is not None:
            x0, x1, mid = label_w + bar.low * scale, label_w + bar.high * scale, y + row / 2
            body.append(
                f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{mid}" y2="{mid}" stroke="#111" stroke-width="1.5"/>'
                f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{mid - 5}" y2="{mid + 5}" stroke="#111"/>'
                f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{mid - 5}" y2="{mid + 5}" stroke="#111"/>'
            )
        body.append(
            f'<text x="{label_w + w + 4 if bar.high is None else label_w + bar.high * scale + 4:.1f}" '
            f'y="{y + 17}" font-size="{FONT - 1}" fill="#111">{_pct(bar.value)}</text></g>'
        )
    hatch = (
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#e5e7eb"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#9ca3af" stroke-width="3"/></pattern></defs>'
    )
    return _svg(width, height, [hatch, *body], title)


def dot_rows(rows: list[tuple[str, list[float | None], list[str]]], agents: list[str], title: str) -> Markup:
    """Return one row per item (a task) with a dot per agent at its success rate.

    ``rows`` holds (label, rate per agent or None, tooltip per agent).
    """
    label_w, row, top, width = 230, 18, 8, 640
    right = width - 30
    height = top + row * len(rows) + 24
    body = _x_axis(label_w, right, top + row * len(rows), top)
    scale = right - label_w
    for i, (label, rates, tips) in enumerate(rows):
        y = top + i * row + row / 2
        text = label if len(label) <= 34 else label[:33] + "…"
        body.append(
            f'<text x="{label_w - 6}" y="{y + 4}" font-size="{FONT - 1}" text-anchor="end">'
            f"{escape(text)}</text>"
            f'<line x1="{label_w}" x2="{right}" y1="{y}" y2="{y}" stroke="#f3f4f6"/>'
        )
        for a, (rate, tip) in enumerate(zip(rates, tips, strict=True)):
            if rate is None:
                continue
            offset = (a - (len(agents) - 1) / 2) * 2.5
            body.append(
                f'<circle cx="{label_w + rate * scale:.1f}" cy="{y + offset:.1f}" r="5" fill="{colour(a)}" '
                f'fill-opacity="0.85"><title>{escape(tip)}</title></circle>'
            )
    return _svg(width, height, body, title)


def grouped_columns(
    categories: list[str],
    agents: list[str],
    values: list[list[float | None]],
    tips: list[list[str]],
    title: str,
) -> Markup:
    """Return vertical grouped columns: per category, one column per agent (rates in [0, 1]).

    ``values[c][a]`` is agent a's rate in category c (None: no episode there).
    """
    left, top, plot_h = 40, 10, 160
    group_w = max(24, 14 * len(agents) + 12)
    width = max(320, left + group_w * len(categories) + 20)
    height = top + plot_h + 60
    base = top + plot_h
    body = []
    for tick in (0.0, 0.5, 1.0):
        y = base - tick * plot_h
        body.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="{FONT - 1}" fill="{_AXIS}" '
            f'text-anchor="end">{_pct(tick)}</text>'
        )
    bar_w = (group_w - 12) / max(1, len(agents))
    for c, category in enumerate(categories):
        x0 = left + c * group_w + 6
        for a in range(len(agents)):
            rate = values[c][a]
            if rate is None:
                continue
            h = max(1.5, rate * plot_h)
            body.append(
                f'<rect x="{x0 + a * bar_w:.1f}" y="{base - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{colour(a)}"><title>{escape(tips[c][a])}</title></rect>'
            )
        cx = x0 + (group_w - 12) / 2
        text = category if len(category) <= 14 else category[:13] + "…"
        body.append(
            f'<text x="{cx:.1f}" y="{base + 14}" font-size="{FONT - 1}" text-anchor="end" '
            f'transform="rotate(-35 {cx:.1f} {base + 14})">'
            f"{escape(text)}<title>{escape(category)}</title></text>"
        )
    return _svg(width, height, body, title)


def legend(agents: list[str]) -> Markup:
    """Return an HTML legend of the agents' colours."""
    items = "".join(
        f'<span class="key"><span class="swatch" style="background:{colour(i)}"></span>{escape(a)}</span>'
        for i, a in enumerate(agents)
    )
    return Markup(f'<div class="legend">{items}</div>')
