"""``einval compare --format html``: one self-contained page (no
network, no script) with the design x property table, each cell that
does not hold linking to its footnote, and each counterexample drawn as
an SVG sequence chart above its text form.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .. import report
from ..verdict import Result
from . import svgchart

STYLE = """
body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .7em;
text-align:left}td.violated{background:#fde8e8}td.holds{background:#e8f6e8}
td.unknown{background:#fdf6dc}pre{background:#f6f8fa;padding:.7em;
overflow-x:auto}svg{display:block;margin:1em 0}code{font-size:95%}
"""


def compare(results: Sequence[Result], scenarios: Sequence[str], show=None) -> str:
    """The whole report as one HTML document."""
    designs, properties, table = report.cells(results)
    notes = report.notes(results)
    out = ['<!DOCTYPE html>', '<html lang="en">', "<head>", '<meta charset="utf-8">',
           "<title>einval compare</title>", f"<style>{STYLE}</style>", "</head>",
           "<body>", "<h1>einval compare</h1>",
           f"<p>{escape(report.compare_heading(results, scenarios))}.</p>",
           "<table>", "<thead><tr><th>design</th>"
           + "".join(f"<th>{escape(p)}</th>" for p in properties) + "</tr></thead>",
           "<tbody>"]
    for d in designs:
        row = [f"<th><code>{escape(d)}</code></th>"]
        for p in properties:
            cell = table[d, p]
            text = escape(cell.kind)
            if cell.note:
                text = (f'{text} <a href="#note-{cell.note}">[{cell.note}]</a>')
            row.append(f'<td class="{cell.kind}">{text}</td>')
        out.append("<tr>" + "".join(row) + "</tr>")
    out += ["</tbody>", "</table>", f"<p>{escape(report.LEGEND)}</p>"]
    for note in notes:
        out.append(f'<section id="note-{note.number}">')
        out.append(f"<h2>[{note.number}] {escape(note.headline)}</h2>")
        out.append("<ul>" + "".join(f"<li>{escape(t)}</li>" for t in note.details)
                   + "</ul>")
        if note.trace is not None:
            out.append(svgchart.chart(note.trace, note.headline))
            text = "\n".join(report.footnote_trace(note.trace, show))
            out.append(f"<pre>{escape(text)}</pre>")
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
