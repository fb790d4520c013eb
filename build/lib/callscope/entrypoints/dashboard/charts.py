"""SVG charts drawn on the server: no chart library, no CDN, readable without JavaScript."""

from __future__ import annotations

import math
from datetime import date
from html import escape

from markupsafe import Markup

PALETTE = ("#2563eb", "#f97316", "#10b981", "#a855f7", "#ef4444", "#0ea5e9", "#94a3b8")
WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above `value` (a readable axis top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value))


def stacked_bars(labels: list[str], series: dict[str, list[int]], title: str) -> Markup:
    """One bar per label, stacked by series; each segment carries a <title> tooltip."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    parts = [_open(title), *_grid(top, plot_h, plot_w)]
    for i, label in enumerate(labels):
        base = 0
        for k, (name, values) in enumerate(series.items()):
            if values[i]:
                y = TOP + plot_h * (1 - (base + values[i]) / top)
                h = plot_h * values[i] / top
                x = LEFT + i * slot + slot * 0.18
                parts.append(
                    f'<rect class="bar" data-series="{escape(name)}" x="{x:.1f}" y="{y:.1f}" '
                    f'width="{slot * 0.64:.1f}" height="{h:.1f}" rx="2" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)}: '
                    f"{escape(name)} {values[i]}</title></rect>"
                )
                base += values[i]
        parts.append(_x_label(i, label, slot, len(labels)))
    return Markup("".join([*parts, "</svg>"]))


def line(labels: list[str], values: list[float], limit: float | None, title: str) -> Markup:
    """A filled line of `values` with a dashed ceiling at `limit` (the pool size)."""
    top = nice_ceiling(max([*values, limit or 0, 0.0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values) - 1, 1)
    points = [(LEFT + i * step, TOP + plot_h * (1 - v / top)) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts = [_open(title), *_grid(top, plot_h, plot_w)]
    if points:
        floor = TOP + plot_h
        area = f"{LEFT:.1f},{floor:.1f} {path} {points[-1][0]:.1f},{floor:.1f}"
        parts.append(f'<polygon class="area" points="{area}" fill="#2563eb" opacity="0.12"/>')
        parts.append(
            f'<polyline class="line" points="{path}" fill="none" stroke="#2563eb" '
            'stroke-width="1.6"/>'
        )
    if limit:
        y = TOP + plot_h * (1 - limit / top)
        parts.append(
            f'<line class="limit" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#ef4444" stroke-dasharray="5 4"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y - 4:.1f}" text-anchor="end" '
            f'class="limit-label">pool size {limit:g}</text>'
        )
    every = max(1, math.ceil(len(labels) / 8))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + i * step
            parts.append(
                f'<text class="x" x="{x:.1f}" y="{HEIGHT - 8}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return Markup("".join([*parts, "</svg>"]))


def legend(names: list[str]) -> list[tuple[str, str]]:
    """(name, colour) in the order the bars use."""
    return [(name, PALETTE[k % len(PALETTE)]) for k, name in enumerate(names)]


def short_day(iso_day: str) -> str:
    day = date.fromisoformat(iso_day)
    return f"{day.strftime('%b')} {day.day}"


def _open(title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    )


def _grid(top: float, plot_h: float, plot_w: float) -> list[str]:
    lines = []
    # Whole-number steps where the top allows (calls are counted in whole numbers).
    steps = 5 if (top / 5).is_integer() else 4
    for k in range(steps + 1):
        value = top * k / steps
        y = TOP + plot_h * (1 - k / steps)
        lines.append(
            f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="y" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    return lines


def _x_label(i: int, label: str, slot: float, count: int) -> str:
    every = max(1, math.ceil(count / 10))
    if i % every:
        return ""
    x = LEFT + i * slot + slot / 2
    text = short_day(label) if len(label) == 10 else label
    return (
        f'<text class="x" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(text)}</text>'
    )
