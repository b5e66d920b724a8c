"""Charts of the KPIs over time as inline SVG, drawn on the server: no script, no external
asset, so the pages' Content-Security-Policy (no script at all) holds. Every text is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
COLOURS = ("#2457d6", "#d9822b", "#1b8a5a", "#a23bb5", "#c0392b")


@dataclass(frozen=True)
class Line:
    name: str
    values: Sequence[float | None]  # one per bucket; None: no value there (a gap)


def line_chart(
    title: str, labels: Sequence[str], lines: Sequence[Line], *, share: bool = False
) -> Markup:
    """One line per series over the buckets (``labels``); ``share``: the y axis is 0-100 %."""
    top = 1.0 if share else _top(lines)
    n = len(labels)

    def x(i: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - v / top)

    parts = [*_frame(title, top, share), *_x_labels(labels, x)]
    for k, line in enumerate(lines):
        colour = COLOURS[k % len(COLOURS)]
        parts += _polyline(line, x, y, colour)
    parts += _legend(lines)
    return _svg(title, parts)


def _top(lines: Sequence[Line]) -> float:
    values = [v for line in lines for v in line.values if v is not None]
    return max(values) * 1.1 if values and max(values) > 0 else 1.0


def _frame(title: str, top: float, share: bool) -> list[str]:
    bottom = HEIGHT - BOTTOM
    out = [
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#9aa3af"/>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#9aa3af"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        at = TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - frac)
        text = f"{frac * 100:.0f}%" if share else f"{frac * top:.3g}"
        out.append(
            f'<text x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#5a6472">{escape(text)}</text>'
        )
    return out


def _x_labels(labels: Sequence[str], x: Callable[[int], float]) -> list[str]:
    n = len(labels)
    step = max(1, n // 6)  # at most about seven dates under the axis
    return [
        f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="11" '
        f'fill="#5a6472">{escape(labels[i])}</text>'
        for i in range(0, n, step)
    ]


def _polyline(
    line: Line, x: Callable[[int], float], y: Callable[[float], float], colour: str
) -> list[str]:
    """The series as segments between known values, and a dot on each."""
    out: list[str] = []
    run: list[str] = []
    for i, v in enumerate([*line.values, None]):
        if v is not None:
            run.append(f"{x(i):.1f},{y(v):.1f}")
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
        elif run:
            if len(run) > 1:
                points = " ".join(run)
                out.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
            run = []
    return out


def _legend(lines: Sequence[Line]) -> list[str]:
    out = []
    for k, line in enumerate(lines):
        colour = COLOURS[k % len(COLOURS)]
        at = LEFT + 8 + 110 * k
        out.append(f'<rect x="{at}" y="{TOP}" width="10" height="10" fill="{colour}"/>')
        out.append(
            f'<text x="{at + 14}" y="{TOP + 9}" font-size="11" fill="#1d2430">'
            f"{escape(line.name)}</text>"
        )
    return out


def _svg(title: str, parts: list[str]) -> Markup:
    body = "".join(parts)
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>'
    )
