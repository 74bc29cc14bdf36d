"""The state graph of a small scenario in Graphviz DOT, with a trace's
path drawn in red, and SVG through Graphviz's ``dot`` when installed.

Every reachable state is a node (its non-empty parts as the label),
every step an edge labelled with its actor and action.  States that
break the checked property are filled; the trace's states and steps are
red and bold.  Meant for scenarios small enough to look at: past
``MAX_STATES`` states the drawing is refused, not truncated.
"""

from __future__ import annotations

import shutil
import subprocess

from ..errors import InputError
from ..model import Check
from ..verdict import Trace
from . import space as spaces

MAX_STATES = 300


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return '"' + _escape(text) + '"'


def _label(trace: Trace, state: tuple[int, ...], number: int) -> str:
    """A quoted DOT label: the state's number, then its non-empty parts,
    one left-aligned line each (DOT's ``\\l``)."""
    parts = [f"{view.name} = {view.render(state)}" for view in trace.model.views]
    shown = [p for p in parts if not p.endswith(("= []", "= NULL"))]
    return '"' + "".join(_escape(p) + "\\l" for p in [f"s{number}"] + shown) + '"'


def graph(trace: Trace, check: Check | None = None) -> str:
    """The DOT text of the graph ``trace`` lives in, its path highlighted."""
    model = trace.model
    space = spaces.of(model)
    if len(space.states) > MAX_STATES:
        raise InputError(f"{model.name}: {len(space.states)} states are too many "
                         f"to draw (at most {MAX_STATES}); choose a smaller scenario")
    bad = set(spaces.failing(space, check)) if check is not None else set()
    index = {state: n for n, state in enumerate(space.states)}
    path = [0] + [index[step.state] for step in trace.steps]
    on_path = set(zip(path, path[1:]))
    steps = {(a, b): step.action for a, b, step in zip(path, path[1:], trace.steps)}
    lines = [f"digraph {_quote(model.name)} {{",
             "  rankdir=TB;",
             '  node [shape=box, fontname="monospace", fontsize=9];',
             '  edge [fontname="monospace", fontsize=8];']
    for n, state in enumerate(space.states):
        attrs = [f"label={_label(trace, state, n)}"]
        if n in bad:
            attrs.append('style=filled, fillcolor="#ffd8d8"')
        if n in path:
            attrs.append("color=red, penwidth=2")
        lines.append(f"  s{n} [{', '.join(attrs)}];")
    for n, out in enumerate(space.edges):
        for action, target in out:
            act = model.actions[action]
            attrs = [f"label={_quote(f'{act.actor}: {act.name}')}"]
            if (n, target) in on_path and steps[n, target] == action:
                attrs.append("color=red, fontcolor=red, penwidth=2")
            lines.append(f"  s{n} -> s{target} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def have_dot() -> bool:
    """Whether Graphviz's ``dot`` is on PATH."""
    return shutil.which("dot") is not None


def svg(dot_text: str) -> str:
    """``dot_text`` laid out as SVG by Graphviz."""
    exe = shutil.which("dot")
    if exe is None:
        raise InputError("SVG needs Graphviz's 'dot' (apt-get install graphviz); "
                         "use --trace dot and lay it out elsewhere")
    done = subprocess.run([exe, "-Tsvg"], input=dot_text, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise InputError(f"dot failed: {done.stderr.strip().splitlines()[0]}")
    return done.stdout
