"""Turning results into text for a mail (72 columns) or JSON for tools.

Everything here is a pure function of the results, so the same input
prints the same bytes.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from . import __version__
from .lang import variables_of
from .verdict import Result, Trace

WIDTH = 72


def wrap(text: str, indent: str, hanging: str | None = None) -> list[str]:
    """``text`` folded to ``WIDTH`` columns, continuation lines indented."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=hanging if hanging is not None else indent,
                         break_on_hyphens=False, break_long_words=True) or [indent]


# -- traces -----------------------------------------------------------------
def trace_lines(trace: Trace, indent: str = "  ", full: bool = False) -> list[str]:
    """Numbered steps: who acted, what they did, what changed (``full``:
    the whole state, changed parts marked ``*``); then the condition that
    failed and the values that made it fail."""
    lines = context_lines(trace, indent)
    width = len(str(len(trace.steps)))
    for number, step in enumerate(trace.steps, start=1):
        head = f"{indent}{number:>{width}}. "
        pad = " " * len(head)
        lines += wrap(f"{step.actor}: {step.name}", head, pad + "  ")
        if full:
            changed = {name for name, _ in step.changes}
            for name, value in whole_state(trace, step.state):
                mark = "* " if name in changed else "  "
                lines += wrap(f"{mark}{name} = {value}", pad + "  ", pad + "      ")
        else:
            for name, value in step.changes:
                lines += wrap(f"{name} = {value}", pad + "    ", pad + "      ")
    return lines + failure_lines(trace, indent)


def context_lines(trace: Trace, indent: str = "  ") -> list[str]:
    """What a reader must know before step 1: the assumptions the trace
    relies on, and the initial values that are not empty."""
    lines = []
    given = [trace.model.variables[i].assumption for i in assumptions_read(trace)]
    if given:
        lines += wrap("given: " + "; ".join(given), indent, indent + "  ")
    initial = [f"{name} = {value}" for view in trace.model.views
               for name, value in [(view.name, view.render(trace.initial))]
               if value not in ("[]", "NULL")]
    if initial:
        lines += wrap("initially: " + ", ".join(initial), indent, indent + "  ")
    return lines


def failure_lines(trace: Trace, indent: str = "  ") -> list[str]:
    """The condition that failed and the values that made it false."""
    lines: list[str] = []
    if trace.failed is not None:
        lines += wrap(f"fails: {trace.failed.label}", indent, indent + "  ")
        for name, value in trace.failed_values():
            lines += wrap(f"{name} = {value}", indent + "    ", indent + "      ")
    return lines


def whole_state(trace: Trace, state: tuple[int, ...]) -> list[tuple[str, str]]:
    """Every view of ``state``: what ``--full`` shows after each step."""
    return [(view.name, view.render(state)) for view in trace.model.views]


def assumptions_read(trace: Trace) -> list[int]:
    """The frozen variables with an assumption sentence that the trace's
    steps (guards and updates) or its failed condition read: what a reader
    must be told to believe the trace, and nothing else."""
    model = trace.model
    exprs = []
    for step in trace.steps:
        action = model.actions[step.action]
        exprs.append(action.guard)
        exprs.extend(expr for _, expr in action.updates)
    if trace.failed is not None:
        exprs.append(trace.failed.expr)
    read = {i for e in exprs for i in variables_of(e)}
    return [v.index for v in model.variables
            if v.frozen and v.assumption and v.index in read]


# -- check ------------------------------------------------------------------
def check_text(results: Sequence[Result], show=None, models=None) -> str:
    """Per design and scenario: one verdict line per property, the actions
    that never fired (when ``models``, by (design, scenario), are given:
    with ``--witness``), then traces (``show``: a ``render.traces.Show``)."""
    from .render import traces

    show = show or traces.Show()
    shown = traces.select(results, show, models)
    lines: list[str] = []
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.design, r.scenario), []).append(r)
    name_width = max((len(r.property) for r in results), default=0)
    for (design, scenario), group in groups.items():
        first = group[0]
        size = (f"{first.states} states, {first.transitions} transitions, "
                if first.states else "")
        lines.append(f"{design} in {scenario} ({size}{first.engine})")
        for r in group:
            text = f"{r.property:<{name_width}}  {r.verdict}"
            if r.proof:
                text += f"; z3: {r.proof}"
            lines += wrap(text, "  ", " " * (name_width + 4))
        for r in group:
            if r.verdict.assumptions:
                lines += wrap(f"{r.property} needs: " + "; ".join(r.verdict.assumptions),
                              "  ", "    ")
        model = (models or {}).get((design, scenario))
        if model is not None:
            from .render import space as spaces

            idle = spaces.never_fired(model, spaces.of(model).fired())
            if idle:
                lines += wrap("never fired: " + "; ".join(idle), "  ", "    ")
        for one in shown:
            if any(one.result is r for r in group):
                lines.append("")
                lines += wrap(one.title, "  ", "    ")
                lines += traces.lines(one, show, "    ")
        lines.append("")
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"


def summary_line(results: Sequence[Result]) -> str:
    counts = {k: sum(r.verdict.kind == k for r in results)
              for k in ("holds", "violated", "unknown")}
    return (f"{len(results)} checks: {counts['holds']} hold, "
            f"{counts['violated']} violated, {counts['unknown']} unknown")


# -- compare ----------------------------------------------------------------
@dataclass
class Cell:
    """One design x property: its verdict over all scenarios."""

    kind: str
    results: list[Result]
    note: int = 0

    @property
    def text(self) -> str:
        return self.kind if not self.note else f"{self.kind} [{self.note}]"


def cells(results: Sequence[Result]) -> tuple[list[str], list[str], dict]:
    designs = list(dict.fromkeys(r.design for r in results))
    properties = list(dict.fromkeys(r.property for r in results))
    table: dict[tuple[str, str], Cell] = {}
    for d in designs:
        for p in properties:
            group = [r for r in results if r.design == d and r.property == p]
            kinds = {r.verdict.kind for r in group}
            kind = ("violated" if "violated" in kinds
                    else "unknown" if "unknown" in kinds else "holds")
            table[d, p] = Cell(kind, group)
    note = 0
    for d in designs:
        for p in properties:
            if table[d, p].kind != "holds":
                note += 1
                table[d, p].note = note
    return designs, properties, table


def matrix_lines(designs: list[str], properties: list[str], table: dict,
                 churn: dict | None = None) -> list[str]:
    """The design x property table in 72 columns: when it is too wide, the
    columns are split over several tables, each with the design column;
    headings are the property names, or P1, P2... with a legend when one
    name alone would not fit."""
    extra = ["protos", "sites"] if churn is not None else []
    cells_of = {d: [table[d, p].text for p in properties] for d in designs}

    def width(heads: list[str], columns: list[int]) -> int:
        rows = [[d] + [cells_of[d][i] for i in columns] for d in designs]
        widths = [max(len(r[k]) for r in [heads] + rows) for k in range(len(heads))]
        return sum(widths) + 2 * (len(widths) - 1)

    everything = list(range(len(properties)))
    heads = list(properties)
    legend: list[str] = []
    if any(width(["design", heads[i]], [i]) + 16 * bool(extra) > WIDTH for i in everything):
        heads = [f"P{i + 1}" for i in everything]
        legend = [f"P{i + 1} = {p}" for i, p in enumerate(properties)]
    groups: list[list[int]] = [[]]
    for i in everything:
        trial = groups[-1] + [i]
        if groups[-1] and width(["design", *[heads[k] for k in trial]], trial) \
                + (16 if extra else 0) > WIDTH:
            groups.append([i])
        else:
            groups[-1] = trial
    out: list[str] = []
    for number, group in enumerate(groups):
        last = number == len(groups) - 1
        cols = ["design"] + [heads[k] for k in group] + (extra if last else [])
        rows = [[d] + [cells_of[d][k] for k in group] + (_churn_cells(churn, d)
                                                         if last else [])
                for d in designs]
        widths = [max(len(r[k]) for r in [cols] + rows) for k in range(len(cols))]

        def line(values: list[str], widths=widths) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(values, widths)).rstrip()

        if out:
            out.append("")
        out += [line(cols), line(["-" * w for w in widths])]
        out += [line(row) for row in rows]
    return out + legend


def _churn_cells(churn: dict | None, design: str) -> list[str]:
    if churn is None:
        return []
    figures = churn.get(design)
    if not figures:
        return ["-", "-"]
    return [str(figures["prototypes"]), str(figures["call_sites"])]


def compare_heading(results: Sequence[Result], scenarios: Sequence[str]) -> str:
    """One sentence: what was compared, over what, how many states."""
    designs = dict.fromkeys(r.design for r in results)
    properties = dict.fromkeys(r.property for r in results)
    states = sum({(r.design, r.scenario): r.states for r in results}.values())
    return (f"einval compare: {len(designs)} designs x {len(properties)} "
            f"properties over {len(scenarios)} scenarios "
            f"({', '.join(scenarios)}); {states} states explored")


LEGEND = ("holds: no violation in any scenario, every reachable state "
          "explored and the property's witness reached. violated: see the "
          "shortest counterexample below.")


def compare_text(results: Sequence[Result], scenarios: Sequence[str],
                 churn: dict | None = None, show=None) -> str:
    designs, properties, table = cells(results)
    lines = wrap(compare_heading(results, scenarios), "", "  ")
    lines.append("")
    lines += matrix_lines(designs, properties, table, churn)
    lines.append("")
    if churn is not None:
        lines += wrap("protos, sites: function prototypes that gain a parameter and "
                      "call sites to edit so that every reachable error site can "
                      "report (see 'einval churn').", "")
    lines += wrap(LEGEND, "")
    for d in designs:
        for p in properties:
            cell = table[d, p]
            if not cell.note:
                continue
            lines.append("")
            lines += footnote(cell, d, p, show)
    return "\n".join(lines) + "\n"


@dataclass
class Note:
    """What a footnote says: a headline, the lines under it, and for a
    violation the trace it shows (in the scenario with the shortest)."""

    number: int
    headline: str
    details: list[str]
    trace: Trace | None


def note_of(cell: Cell, design: str, prop: str) -> Note:
    bad = [r for r in cell.results if r.verdict.kind == cell.kind]
    if cell.kind == "violated":
        best = min(bad, key=lambda r: r.verdict.trace.length)
        others = [r.scenario for r in bad if r is not best]
        details = [f"shortest counterexample: {best.verdict.trace.length} steps"]
        if others:
            details.append(f"also violated in: {', '.join(others)}")
        return Note(cell.note, f"{design} violates {prop} in {best.scenario}",
                    details, best.verdict.trace)
    return Note(cell.note, f"{design}: {prop} is unknown",
                [f"{r.scenario}: {r.verdict.detail}" for r in bad], None)


def notes(results: Sequence[Result]) -> list[Note]:
    """Every footnote of the compare table, in table order."""
    designs, properties, table = cells(results)
    return [note_of(table[d, p], d, p) for d in designs for p in properties
            if table[d, p].note]


def footnote(cell: Cell, design: str, prop: str, show=None) -> list[str]:
    note = note_of(cell, design, prop)
    lines = wrap(f"[{note.number}] {note.headline}", "", "    ")
    if note.trace is None:
        for text in note.details:
            lines += wrap(text, "  ", "    ")
        return lines
    lines.append(f"    {note.details[0]}")
    for text in note.details[1:]:
        lines += wrap(text, "    ")
    return lines + footnote_trace(note.trace, show)


def footnote_trace(trace: Trace, show=None, indent: str = "  ") -> list[str]:
    """A footnote's trace as text, or as lanes with ``--trace lanes``."""
    if show is not None and show.trace == "lanes":
        from .render import lanes

        return lanes.chart(trace, indent)
    return trace_lines(trace, indent, full=bool(show and show.full))


# -- JSON -------------------------------------------------------------------
def trace_json(trace: Trace) -> list[dict]:
    return [
        {"step": i, "actor": s.actor, "action": s.name, "changes": dict(s.changes)}
        for i, s in enumerate(trace.steps, start=1)
    ]


def result_json(r: Result) -> dict:
    out: dict = {
        "design": r.design, "scenario": r.scenario, "property": r.property,
        "verdict": r.verdict.kind, "detail": r.verdict.detail,
        "states": r.states, "transitions": r.transitions, "engine": r.engine,
    }
    if r.proof:
        out["z3"] = r.proof
    if r.verdict.assumptions:
        out["assumptions"] = list(r.verdict.assumptions)
    trace = r.verdict.trace
    if trace is not None:
        out["depth"] = len(trace.steps)
        out["trace"] = trace_json(trace)
        if trace.failed is not None:
            out["failed"] = {"condition": trace.failed.label,
                             "values": dict(trace.failed_values())}
    return out


def to_json(command: str, results: Sequence[Result], shown=None, **extra) -> str:
    """The results as JSON; ``shown`` (``render.traces.select``), when
    given, adds each result's ``ways`` (``--all``) and ``witness``."""
    out = []
    for r in results:
        item = result_json(r)
        for one in shown or []:
            if one.result is not r:
                continue
            trace = {"title": one.title, "depth": len(one.trace.steps),
                     "trace": trace_json(one.trace)}
            if one.trace.failed is not None:
                trace["failed"] = {"condition": one.trace.failed.label,
                                   "values": dict(one.trace.failed_values())}
                item.setdefault("ways", []).append(trace)
            else:
                item["witness"] = trace
        out.append(item)
    doc = {"einval": __version__, "command": command, **extra, "results": out}
    return json.dumps(doc, indent=2) + "\n"


# -- test -------------------------------------------------------------------
def test_text(judged, show=None) -> str:
    """Per scenario file, herd7-style: the file, the command that re-runs
    it, hashes of what ran, one ``Observation`` line per design and
    property with the expected verdict and Ok or MISMATCH, the clearest
    counterexample of each unexpected violation (``show``: text or lanes),
    the actions that never fired, then the file's own Ok/MISMATCH.

    ``Observation``, ``File``, ``Command`` and ``Hash`` lines are never
    wrapped, so that ``grep`` finds each whole and a path or command
    pastes whole; they are the only lines allowed past 72 columns.
    """
    lines: list[str] = []
    total = bad = 0
    for j in judged:
        s = j.scenario
        lines += wrap(f"Test {s.name}" + (f": {s.description}" if s.description
                                           else ""), "", "  ")
        lines.append(f"File {s.source}")
        lines.append(f"Command {j.command}")
        lines += [f"Hash {what} {value}" for what, value in j.hashes]
        for o in j.outcomes:
            total += 1
            bad += not o.ok
            e = o.expectation
            text = (f"Observation {s.name} {e.design} {o.result.property} {o.observed} "
                    f"{o.violating} {o.total}{'' if o.complete else '+'} "
                    f"expect {e.verdict} ")
            text += "Ok" if o.ok else f"MISMATCH: {o.result.verdict}"
            lines.append(text)
        for o in j.outcomes:
            trace = o.result.verdict.trace
            if not o.ok and trace is not None:
                lines += wrap(f"Counterexample {s.name} {o.expectation.design} "
                              f"{o.result.property}: {len(trace.steps)} steps", "", "  ")
                lines += footnote_trace(trace, show)
        groups: dict[tuple[str, ...], list[str]] = {}
        for design, idle in j.silent.items():
            if idle:
                groups.setdefault(tuple(idle), []).append(design)
        for idle, designs in groups.items():
            who = ("every design" if len(designs) == len(j.silent) > 1
                   else ", ".join(designs))
            lines += wrap(f"Coverage {s.name} ({who}): never fired: "
                          + "; ".join(idle), "", "  ")
        met = sum(o.ok for o in j.outcomes)
        lines.append(f"{'Ok' if j.ok else 'MISMATCH'} {s.name}: {met} of "
                     f"{len(j.outcomes)} as expected")
        lines.append("")
    lines.append(f"einval test: {total} expectations in {len(judged)} files: "
                 f"{total - bad} ok, {bad} mismatched")
    return "\n".join(lines) + "\n"
