"""A trace as an SVG sequence chart: one lifeline per lane (thread,
goroutine, scheduler, BPF program, interrupt), each step a box on its
lane's line, an arrow where control passes to another lane.

Plain SVG with the text in ``<text>`` elements, so it needs no script
and no font download, and a reader can select and copy the steps.
Text is folded to a fixed number of characters per box, sized for a
monospace font, so nothing overflows its box.
"""

from __future__ import annotations

import textwrap
from html import escape

from ..verdict import Trace
from .lanes import lanes_of

CHARS = 30          # characters per line in a box
CHAR_W = 7.0        # px per character at 12px monospace (generous)
LINE_H = 15
LANE_W = int(CHARS * CHAR_W) + 24
GAP = 20
LEFT = 36
TOP = 44


def _fold(text: str) -> list[str]:
    return textwrap.wrap(text, CHARS, break_on_hyphens=False,
                         break_long_words=True) or [""]


def chart(trace: Trace, title: str = "") -> str:
    """The SVG element (no XML prolog: it is meant to sit inside HTML)."""
    lanes = lanes_of(trace)
    width = LEFT + len(lanes) * (LANE_W + GAP)
    x_of = {lane: LEFT + i * (LANE_W + GAP) for i, lane in enumerate(lanes)}
    body: list[str] = []
    y = TOP
    previous: tuple[str, float] | None = None
    for n, step in enumerate(trace.steps, start=1):
        lane = step.lane or step.actor
        lines = [(t, "act") for t in _fold(f"{step.actor}: {step.name}")]
        lines += [(t, "chg") for name, value in step.changes
                  for t in _fold(f"{name} = {value}")]
        height = len(lines) * LINE_H + 10
        x = x_of[lane]
        if previous is not None and previous[0] != lane:
            px = x_of[previous[0]] + LANE_W / 2
            qx = x + LANE_W / 2
            body.append(f'<line class="switch" x1="{px:.0f}" y1="{previous[1]:.0f}" '
                        f'x2="{qx:.0f}" y2="{y:.0f}" marker-end="url(#arrow)"/>')
        body.append(f'<text class="num" x="4" y="{y + 16}">{n}.</text>')
        body.append(f'<rect x="{x}" y="{y}" width="{LANE_W}" height="{height}" '
                    'rx="4"/>')
        for i, (text, kind) in enumerate(lines):
            body.append(f'<text class="{kind}" x="{x + 8}" y="{y + 16 + i * LINE_H}">'
                        f"{escape(text)}</text>")
        previous = (lane, y + height)
        y += height + 12
    heads = []
    for lane, x in x_of.items():
        mid = x + LANE_W / 2
        heads.append(f'<line class="life" x1="{mid:.0f}" y1="{TOP - 10}" '
                     f'x2="{mid:.0f}" y2="{y:.0f}"/>')
        heads.append(f'<text class="lane" x="{mid:.0f}" y="22" '
                     f'text-anchor="middle">{escape(lane)}</text>')
    label = escape(title or f"sequence chart of {trace.model.name}")
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 10}" '
        f'viewBox="0 0 {width} {y + 10}" role="img" aria-label="{label}">',
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
        "<path d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>",
        "<style>text{font:12px monospace}.lane{font-weight:bold}"
        ".chg{fill:#555}.num{fill:#333}rect{fill:#f6f8fa;stroke:#888}"
        ".life{stroke:#bbb;stroke-dasharray:4 3}.switch{stroke:#c33}</style>",
        *heads, *body, "</svg>"])
