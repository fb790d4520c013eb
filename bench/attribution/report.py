"""The benchmark's figures as a Markdown section and a hand-drawn SVG plot (no matplotlib)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callscope.replay.generate import Trace, TraceParams

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
COLOURS = {
    "callscope": "#1b7837",
    "random-5min": "#d95f02",
    "random-15min": "#7570b3",
    "lru-30min-fixed": "#e7298a",
    "bound": "#555555",
}


@dataclass(frozen=True)
class Results:
    trace: Trace
    params: TraceParams
    bound: int
    sizes: list[int]
    points: dict[tuple[str, int], dict[str, Any]]
    clairvoyant: dict[int, float]

    @property
    def policies(self) -> list[str]:
        return list(dict.fromkeys(policy for policy, _ in self.points))

    def figure(self, policy: str, size: int, key: str) -> float:
        return float(self.points[(policy, size)][key] or 0.0)

    def needed(self, policy: str, target: float) -> int | None:
        """The smallest pool measured from which in-visit accuracy stays at or above target."""
        found = None
        for size in reversed(self.sizes):
            if self.figure(policy, size, "in_visit_accuracy") < target:
                break
            found = size
        return found

    def at_multiple(self, multiple: float) -> int:
        wanted = self.bound * multiple
        return min(self.sizes, key=lambda size: (abs(size - wanted), size))


def markdown(results: Results, elapsed: float) -> str:
    lines = [*_summary(results), "", *_curve(results), "", *_calibration(results)]
    lines += ["", f"One run: {elapsed:.0f} s."]
    return "\n".join(lines) + "\n"


def update_doc(path: Path, section: str) -> None:
    """Replace the text between the bench markers of `path` (append them when missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{START}\n{section}{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text + ("\n" if text else "") + block + "\n"
    path.write_text(text, encoding="utf-8")


def _summary(results: Results) -> list[str]:
    p = results.params
    in_visit = results.points[(results.policies[0], results.sizes[0])]["in_visit_calls"]
    size, low = results.at_multiple(1.2), min(results.sizes)
    lines = [
        f"Trace: {len(results.trace.visits)} visits over {p.days} days "
        f"({p.visits_per_day:g}/day, diurnal), {len(results.trace.calls)} calls of which "
        f"{in_visit} during the visit; peak concurrent visits (the lower bound) "
        f"**{results.bound}**. Pools of {', '.join(map(str, results.sizes))} numbers; "
        "no extension number, so a visitor who finds the pool full is shown the site's number.",
        "",
        "| policy | numbers for 95% of in-visit calls | for 99% | x bound (99%) "
        f"| overall accuracy at {size} (1.2x bound) | in-visit accuracy at {size} |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for policy in results.policies:
        n95, n99 = results.needed(policy, 0.95), results.needed(policy, 0.99)
        ratio = f"{n99 / results.bound:.2f}" if n99 else "-"
        lines.append(
            f"| {policy} | {_n(n95, low)} | {_n(n99, low)} | {ratio} "
            f"| {results.figure(policy, size, 'accuracy'):.1%} "
            f"| {results.figure(policy, size, 'in_visit_accuracy'):.1%} |"
        )
    clair = results.clairvoyant
    b95 = min((s for s in results.sizes if clair[s] >= 0.95), default=None)
    b99 = min((s for s in results.sizes if clair[s] >= 0.99), default=None)
    bound_row = f"| lower bound (clairvoyant) | {_n(b95, low)} | {_n(b99, low)} | - | - |"
    lines.append(f"{bound_row} {clair[size]:.1%} |")
    return lines


def _curve(results: Results) -> list[str]:
    header = "| pool size | x bound | " + " | ".join(results.policies) + " | lower bound |"
    lines = [
        "Overall accuracy (in-visit accuracy) by pool size:",
        "",
        header,
        "|" + " --- |" * (len(results.policies) + 3),
    ]
    for size in results.sizes:
        cells = [
            f"{results.figure(p, size, 'accuracy'):.1%} "
            f"({results.figure(p, size, 'in_visit_accuracy'):.1%})"
            for p in results.policies
        ]
        row = [
            str(size),
            f"{size / results.bound:.2f}",
            *cells,
            f"({results.clairvoyant[size]:.1%})",
        ]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _calibration(results: Results) -> list[str]:
    size = results.at_multiple(1.2)
    rows = results.points[("callscope", size)]["calibration"]
    lines = [
        f"Calibration of callscope's confidence at {size} numbers:",
        "",
        "| confidence | calls | mean confidence | observed right |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['bucket']} | {row['calls']} | {row['mean_confidence']:.2f} "
            f"| {row['observed']:.2f} |"
        )
    return lines


def _n(size: int | None, smallest: int) -> str:
    """The pool size, "<= n" when already the smallest measured (fewer might do)."""
    if size is None:
        return "not reached"
    return f"<= {size}" if size == smallest else str(size)


@dataclass(frozen=True)
class Frame:
    """The plot area: pool sizes on a log scale (the interesting sizes crowd near the bound),
    accuracy from the lowest tenth reached to 100%."""

    left: float
    top: float
    width: float
    height: float
    sizes: tuple[int, int]
    floor: float

    def x(self, size: float) -> float:
        low, high = (math.log(s) for s in self.sizes)
        return self.left + self.width * (math.log(size) - low) / (high - low)

    def y(self, share: float) -> float:
        return self.top + self.height * (1.0 - share) / (1.0 - self.floor)


def svg(results: Results) -> str:
    """In-visit (solid) and overall (dashed) accuracy against pool size, one colour a policy."""
    lowest = min(
        [results.figure(p, s, k) for p, s in results.points for k in ("accuracy",)]
        + [results.figure(p, s, "in_visit_accuracy") for p, s in results.points]
    )
    frame = Frame(60, 20, 530, 370, (min(results.sizes), max(results.sizes)), lowest // 0.1 / 10)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="760" height="440" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="760" height="440" fill="white"/>',
        *_axes(results, frame),
    ]
    for policy in results.policies:
        for key, dash in (("in_visit_accuracy", ""), ("accuracy", ' stroke-dasharray="5,4"')):
            parts.append(_line(frame, results, policy, key, dash))
    bound = " ".join(
        f"{frame.x(s):.1f},{frame.y(results.clairvoyant[s]):.1f}" for s in results.sizes
    )
    parts.append(f'<polyline points="{bound}" fill="none" stroke="#555" stroke-dasharray="2,3"/>')
    parts += _legend(results, frame.left + frame.width + 10)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _line(frame: Frame, results: Results, policy: str, key: str, dash: str) -> str:
    points = " ".join(
        f"{frame.x(s):.1f},{frame.y(results.figure(policy, s, key)):.1f}" for s in results.sizes
    )
    colour = COLOURS.get(policy, "#000")
    return f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'


def _axes(results: Results, frame: Frame) -> list[str]:
    x0, x1 = frame.x(frame.sizes[0]), frame.x(frame.sizes[1])
    y0, y1 = frame.y(frame.floor), frame.y(1.0)
    parts = [
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="black"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="black"/>',
    ]
    tenths = range(round(frame.floor * 10), 11)
    for share in [t / 10 for t in tenths]:
        at = frame.y(share)
        parts.append(
            f'<line x1="{x0}" y1="{at:.1f}" x2="{x1}" y2="{at:.1f}" stroke="#ddd"/>'
            f'<text x="{x0 - 6}" y="{at + 4:.1f}" text-anchor="end">{share:.0%}</text>'
        )
    at = frame.y(0.99)
    parts.append(
        f'<line x1="{x0}" y1="{at:.1f}" x2="{x1}" y2="{at:.1f}" stroke="#999" '
        f'stroke-dasharray="1,3"/><text x="{x1 - 4}" y="{at + 14:.1f}" text-anchor="end" '
        'fill="#666">99%</text>'
    )
    parts += _size_labels(results, frame, y0)
    b = frame.x(results.bound)
    parts.append(f'<line x1="{b:.1f}" y1="{y0}" x2="{b:.1f}" y2="{y1}" stroke="#999"/>')
    parts.append(
        f'<text x="{(x0 + x1) / 2}" y="{y0 + 36}" text-anchor="middle">pool size (numbers, log '
        f"scale); grey line: peak concurrent visits = {results.bound}</text>"
    )
    return parts


def _size_labels(results: Results, frame: Frame, y0: float) -> list[str]:
    parts, last = [], -100.0
    for size in results.sizes:
        at = frame.x(size)
        if at - last >= 18:  # skip a label that would overlap its neighbour
            parts.append(f'<text x="{at:.1f}" y="{y0 + 16}" text-anchor="middle">{size}</text>')
            last = at
    return parts


def _legend(results: Results, left: float) -> list[str]:
    entries = [(p, COLOURS.get(p, "#000")) for p in results.policies]
    entries.append(("lower bound", COLOURS["bound"]))
    parts = []
    for row, (name, colour) in enumerate(entries):
        top = 30 + 20 * row
        parts.append(
            f'<line x1="{left}" y1="{top}" x2="{left + 20}" y2="{top}" stroke="{colour}" '
            f'stroke-width="2"/><text x="{left + 26}" y="{top + 4}">{name}</text>'
        )
    top = 40 + 20 * len(entries)
    parts.append(f'<text x="{left}" y="{top}">solid: in-visit calls</text>')
    parts.append(f'<text x="{left}" y="{top + 16}">dashed: all calls</text>')
    return parts
