"""Which traces a run shows and in what form (``--trace``, ``--full``,
``--all``, ``--witness``).

``select`` picks, per result, the traces to show: the clearest shortest
counterexample of a violated property (one per distinct way with
``--all``), and with ``--witness`` the shortest trace in which a
holding property's failing call and its retrieval happen.  ``lines``
draws one as text or lanes; ``document`` writes exactly one as ITF,
DOT or SVG, formats meant for a file, not for a mail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import InputError
from ..model import Check, Model
from ..verdict import Result, Trace
from . import choose

#: Styles that write one trace as a file rather than text for a mail.
FILE_STYLES = ("itf", "dot", "svg")


@dataclass(frozen=True)
class Show:
    """How to show traces: style, whole states, every way, witnesses."""

    trace: str = "text"
    full: bool = False
    all: bool = False
    witness: bool = False


@dataclass
class Shown:
    """One trace to show, and what it is a trace of."""

    result: Result
    title: str
    trace: Trace
    check: Check


def select(results: Sequence[Result], show: Show,
           models: Mapping[tuple[str, str], Model] | None = None) -> list[Shown]:
    """The traces to show for ``results``, in result order."""
    out: list[Shown] = []
    for r in results:
        trace = r.verdict.trace
        if r.verdict.kind == "violated" and trace is not None:
            check = trace.model.check(r.property)
            try:
                ways = choose.distinct(trace.model, check) if show.all else None
            except choose.TooLarge as err:
                out.append(Shown(r, f"{r.property}: shortest counterexample, "
                                 f"{len(trace.steps)} steps (--all gave up: {err})",
                                 trace, check))
                continue
            if ways is not None:
                for n, way in enumerate(ways, start=1):
                    out.append(Shown(r, f"{r.property}: way {n} of {len(ways)} "
                                     f"({', '.join(way.lanes)}), {len(way.trace.steps)} "
                                     "steps", way.trace, check))
            else:
                out.append(Shown(r, f"{r.property}: shortest counterexample, "
                                 f"{len(trace.steps)} steps", trace, check))
        elif show.witness and r.verdict.kind == "holds" and models is not None:
            model = models.get((r.design, r.scenario))
            if model is None:
                continue
            check = model.check(r.property)
            found = choose.witness(model, check)
            if found is not None:
                out.append(Shown(r, f"{r.property}: witness, {len(found.steps)} "
                                 "steps", found, check))
    return out


def lines(shown: Shown, show: Show, indent: str = "    ") -> list[str]:
    """One trace as text (default) or as a lane chart."""
    from .. import report
    from . import lanes

    if show.trace == "lanes":
        out = lanes.chart(shown.trace, indent)
    else:
        out = report.trace_lines(shown.trace, indent, full=show.full)
    if shown.trace.failed is None:
        out += report.wrap(f"reaches: {shown.check.witness.label}", indent, indent + "  ")
    return out


def document(shown: Sequence[Shown], show: Show) -> str:
    """Exactly one trace as ITF JSON, DOT or SVG."""
    from . import dot, itf

    if len(shown) != 1:
        what = ("no trace: nothing was violated (--witness shows one for a "
                "property that holds)" if not shown else
                f"{len(shown)} traces; narrow the run with --design, --scenario "
                "and --property")
        raise InputError(f"--trace {show.trace} writes one trace, and this run "
                         f"has {what}")
    [one] = shown
    about = f"{one.result.design} in {one.result.scenario}: {one.title}"
    if show.trace == "itf":
        return itf.dumps(one.trace, about)
    graph = dot.graph(one.trace, one.check)
    return graph if show.trace == "dot" else dot.svg(graph)
