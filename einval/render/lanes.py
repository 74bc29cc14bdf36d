"""A trace as a message sequence chart in plain text: one column per
lane (a thread, a goroutine, a CPU's scheduler, a BPF program, an
interrupt), time going down, so a reader sees "G1 runs, then G2 runs".

Up to four lanes fit 72 columns; with more, each lane keeps a readable
width and the chart says that it is wider than a mail line.
"""

from __future__ import annotations

import textwrap

from ..verdict import Trace

WIDTH = 72
GAP = 2
MIN_LANE = 14
FITS = 4  # lanes that fit WIDTH


def lanes_of(trace: Trace) -> list[str]:
    """The trace's lanes, in the order they first act."""
    return list(dict.fromkeys(s.lane or s.actor for s in trace.steps))


def _fold(text: str, width: int, hanging: str = "") -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent=hanging,
                         break_on_hyphens=False, break_long_words=True) or [""]


def chart(trace: Trace, indent: str = "  ") -> list[str]:
    """The chart's lines: header, one block per step, then what failed."""
    from ..report import context_lines, failure_lines

    lanes = lanes_of(trace)
    number = len(str(len(trace.steps))) + 2  # "12. "
    room = WIDTH - len(indent) - number - GAP * (len(lanes) - 1)
    width = max(MIN_LANE, room // max(1, len(lanes)))
    lines = context_lines(trace, indent)
    if len(lanes) > FITS:
        lines += [f"{indent}({len(lanes)} lanes: this chart is wider than "
                  f"{WIDTH} columns)"]
    pad = " " * number

    def row(cells: list[list[str]], head: str) -> list[str]:
        height = max(len(c) for c in cells)
        out = []
        for i in range(height):
            text = (" " * GAP).join(
                (c[i] if i < len(c) else "").ljust(width) for c in cells)
            out.append((indent + (head if i == 0 else pad) + text).rstrip())
        return out

    lines += row([_fold(lane, width) for lane in lanes], pad)
    lines += row([["-" * width] for _ in lanes], pad)
    shown: dict[str, str] = {}  # lane -> the actor last named in it
    for n, step in enumerate(trace.steps, start=1):
        lane = step.lane or step.actor
        column = lanes.index(lane)
        cell: list[str] = []
        if step.actor not in (lane, shown.get(lane)):
            cell += _fold(f"{step.actor}:", width)
        shown[lane] = step.actor
        cell += _fold(step.name, width)
        for name, value in step.changes:
            cell += _fold(f"> {name} = {value}", width, "    ")
        cells = [cell if i == column else ["|"] * len(cell) for i in range(len(lanes))]
        lines += row(cells, f"{n}.".ljust(number))
    lines += failure_lines(trace, indent)
    return lines
