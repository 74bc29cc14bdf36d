"""``einval compare --format markdown``: the table for a web page (an
issue, a pull request, a wiki), each non-``holds`` cell linking to its
footnote, each counterexample in a fenced block so it keeps its columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import report
from ..verdict import Result


def slug(heading: str) -> str:
    """The anchor GitHub and most renderers give a heading: lower case,
    punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.lower())
    return text.replace(" ", "-")


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|")


def compare(results: Sequence[Result], scenarios: Sequence[str], show=None) -> str:
    """The whole report as Markdown."""
    designs, properties, table = report.cells(results)
    notes = {n.number: n for n in report.notes(results)}
    out = ["# einval compare", "", report.compare_heading(results, scenarios) + ".", ""]
    out.append("| design | " + " | ".join(properties) + " |")
    out.append("|---" * (len(properties) + 1) + "|")
    for d in designs:
        row = [f"`{d}`"]
        for p in properties:
            cell = table[d, p]
            if cell.note:
                head = f"[{cell.note}] {notes[cell.note].headline}"
                row.append(f"{cell.kind} [[{cell.note}]](#{slug(head)})")
            else:
                row.append(cell.kind)
        out.append("| " + " | ".join(_cell_text(c) for c in row) + " |")
    out += ["", report.LEGEND]
    for number in sorted(notes):
        note = notes[number]
        out += ["", f"### [{number}] {note.headline}", ""]
        out += [f"- {text}" for text in note.details]
        if note.trace is not None:
            body = report.footnote_trace(note.trace, show)
            out += ["", "```text", *body, "```"]
    return "\n".join(out) + "\n"
