"""The claims ledger: what the 2020 thread asserted, decided by computation.

A claim is a data file in ``claims/`` (one TOML file per claim): who
said it, when, the quote, and the *checks* that decide it.  A check is
either a model check (a design in a scenario, one property, the verdict
the claim implies) or a churn figure on a kernel tree (given with
``--kernel``).  The verdict is never written in the file: it is computed
here, so a claim can only be confirmed by the model and the tree.

Two lists of checks, two roles:

- ``[[check]]``: what the claim asserts.  All must come out as written
  for the claim to stand; the first that does not refutes it, and its
  counterexample (or figure) is the evidence.
- ``[[caveat]]``: what would qualify it.  When the claim stands and a
  caveat comes out as written, the verdict is "confirmed with a caveat",
  with that caveat's counterexample or figure as evidence.

A claim is *undecided* when it names a design, scenario or property the
catalogue lacks, needs a kernel tree that was not given, or a check's
verdict is unknown (a bound was reached): never guessed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalog, runner
from .errors import InputError
from .verdict import Result

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib

VERDICTS = ("holds", "violated")
CHURN_DESIGNS = ("explicit", "attr", "current")
MEASURES = ("prototypes", "call_sites", "functions")
FIGURES = ("path", "totals")
COMPARE = re.compile(r"^\s*(==|!=|<=|>=|<|>)\s*(\d+|explicit|attr|current)\s*$")
HEADER_KEYS = {"author", "date", "quote", "question", "source"}
MODEL_KEYS = {"design", "scenario", "property", "expect", "note"}
FIGURE_KEYS = {"figure", "design", "measure", "target", "command", "expect",
               "equals", "beyond", "note"}


@dataclass(frozen=True)
class Check:
    """One check of a claim: a model check, or a churn figure.

    Model: ``design`` in ``scenario``, ``prop`` (the file's ``property``),
    ``expect`` holds or
    violated.  Figure: ``figure`` "totals" (the whole subsystem) or
    "path" (every path from the entry to ``target``, through ``command``
    if given), for the churn design ``design`` (explicit, attr, current);
    ``expect`` compares the count ``measure`` ("< explicit": with the
    same figure of another design), ``equals`` names exactly the
    functions that gain a parameter besides the entry and the target,
    ``beyond`` says some such function is not among those named.
    """

    role: str  # "check" or "caveat"
    design: str
    expect: str = ""
    scenario: str = ""
    prop: str = ""  # the property's name
    figure: str = ""
    measure: str = "prototypes"
    target: str = ""
    command: str = ""
    equals: tuple[str, ...] | None = None
    beyond: tuple[str, ...] | None = None
    note: str = ""
    line: int | None = None

    @property
    def is_figure(self) -> bool:
        return bool(self.figure)

    def label(self) -> str:
        if not self.is_figure:
            return f"{self.design} in {self.scenario}, {self.prop}"
        where = ("whole subsystem" if self.figure == "totals" else
                 f"paths to {self.target}" + (f" via {self.command}" if self.command
                                              else ""))
        what = "functions gaining a parameter" if self.equals is not None or \
            self.beyond is not None else self.measure
        return f"churn {self.design}, {where}: {what}"

    def wanted(self) -> str:
        if self.equals is not None:
            return "exactly " + ", ".join(self.equals)
        if self.beyond is not None:
            return "some beyond " + ", ".join(self.beyond)
        return self.expect


@dataclass(frozen=True)
class Claim:
    """One claim of the thread, as its data file says it."""

    name: str  # the file's stem: what `einval claims NAME` selects
    source: str  # the file, for messages
    author: str
    date: str
    quote: str
    question: str
    checks: tuple[Check, ...]
    caveats: tuple[Check, ...]


@dataclass
class Outcome:
    """A check as computed: whether it came out as written, and why."""

    check: Check
    met: bool
    got: str  # the verdict or the figure, in words
    result: Result | None = None  # a model check's result (with its trace)
    listed: tuple[str, ...] = ()  # a path count's functions, for the evidence


@dataclass
class Decision:
    """A claim and its computed verdict."""

    claim: Claim
    verdict: str  # confirmed, refuted, confirmed with a caveat, undecided: ...
    outcomes: list[Outcome] = field(default_factory=list)
    evidence: Outcome | None = None


# -- loading ----------------------------------------------------------------
def paths(folder: Path | None = None) -> list[Path]:
    """The shipped claim files, by name."""
    return sorted((folder or catalog.claims_folder()).glob("*.toml"),
                  key=lambda p: p.name)


def load_all(folder: Path | None = None) -> list[Claim]:
    return [load(p) for p in paths(folder)]


def load(path: Path) -> Claim:
    """Read and validate one claim file; mistakes name the file and line."""
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as err:
        raise InputError(f"cannot read claim: {err.strerror}", source) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; TOML files are UTF-8", source) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"\(at line (\d+)", str(err))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
        raise InputError(f"not TOML: {msg}", source,
                         int(m.group(1)) if m else None) from None
    extra = sorted(set(data) - HEADER_KEYS - {"check", "caveat"})
    if extra:
        raise InputError(f"unknown key '{extra[0]}' (known: "
                         f"{', '.join(sorted(HEADER_KEYS | {'check', 'caveat'}))})",
                         source, _line_of(text, extra[0]))
    for key in ("author", "date", "quote"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise InputError(f"'{key}' must be a non-empty string", source,
                             _line_of(text, key))
    checks = tuple(_checks(data, "check", text, source))
    if not checks:
        raise InputError("a claim needs at least one [[check]]", source)
    return Claim(path.stem, source, data["author"].strip(), data["date"].strip(),
                 " ".join(data["quote"].split()),
                 " ".join(str(data.get("question", "")).split()),
                 checks, tuple(_checks(data, "caveat", text, source)))


def _line_of(text: str, key: str, nth: int = 0) -> int | None:
    """The line of the ``nth`` table header ``[[key]]``, or of ``key =``."""
    header = [i for i, line in enumerate(text.splitlines(), 1)
              if line.strip() == f"[[{key}]]"]
    if header:
        return header[min(nth, len(header) - 1)]
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return i
    return None


def _checks(data: dict[str, Any], role: str, text: str, source: str) -> list[Check]:
    tables = data.get(role, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InputError(f"'{role}' must be tables written [[{role}]]", source,
                         _line_of(text, role))
    return [_check(t, role, source, _line_of(text, role, n)) for n, t in enumerate(tables)]


def _check(table: dict[str, Any], role: str, source: str, line: int | None) -> Check:
    def fail(message: str) -> InputError:
        return InputError(f"[[{role}]]: {message}", source, line)

    def string(key: str, required: bool = True) -> str:
        value = table.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise fail(f"'{key}' must be a non-empty string")
        return value.strip()

    def names(key: str) -> tuple[str, ...] | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"'{key}' must be a list of function names")
        return tuple(value)

    note = string("note", required=False)
    if "figure" not in table:
        extra = sorted(set(table) - MODEL_KEYS)
        if extra:
            raise fail(f"unknown key '{extra[0]}' (a model check has: "
                       f"{', '.join(sorted(MODEL_KEYS))}; a churn one 'figure')")
        expect = string("expect")
        if expect not in VERDICTS:
            raise fail(f"expect '{expect}': expected holds or violated")
        return Check(role, string("design"), expect, string("scenario"),
                     string("property"), note=note, line=line)
    extra = sorted(set(table) - FIGURE_KEYS)
    if extra:
        raise fail(f"unknown key '{extra[0]}' (a churn figure has: "
                   f"{', '.join(sorted(FIGURE_KEYS))})")
    figure, design = string("figure"), string("design")
    if figure not in FIGURES:
        raise fail(f"figure '{figure}': expected one of {', '.join(FIGURES)}")
    if design not in CHURN_DESIGNS:
        raise fail(f"design '{design}': a churn figure is of "
                   f"{', '.join(CHURN_DESIGNS)}")
    measure = string("measure", required=False) or "prototypes"
    if measure not in MEASURES:
        raise fail(f"measure '{measure}': expected one of {', '.join(MEASURES)}")
    equals, beyond = names("equals"), names("beyond")
    expect = string("expect", required=False)
    if sum(x is not None and x != "" for x in (equals, beyond, expect)) != 1:
        raise fail("say exactly one of expect, equals, beyond")
    if expect and not COMPARE.match(expect):
        raise fail(f"expect '{expect}': expected a comparison such as '== 0' "
                   "or '< explicit'")
    target = string("target", required=figure == "path")
    if figure == "totals" and (target or equals is not None or beyond is not None):
        raise fail("a totals figure has no target, equals or beyond")
    return Check(role, design, expect, figure=figure, measure=measure, target=target,
                 command=string("command", required=False), equals=equals,
                 beyond=beyond, note=note, line=line)


# -- deciding ---------------------------------------------------------------
def missing(check: Check) -> list[str]:
    """What the catalogue lacks for a model check ('unknown design X')."""
    if check.is_figure:
        return []
    lacking = []
    base = check.design.split(":", 1)[0]
    if base not in {row.name for row in catalog.designs()}:
        lacking.append(f"unknown design {base}")
    if check.scenario not in catalog.scenario_names():
        lacking.append(f"unknown scenario {check.scenario}")
    if check.prop not in {p.name for p in catalog.properties()}:
        lacking.append(f"unknown property {check.prop}")
    if not lacking:
        try:
            catalog.design(check.design)
        except InputError as err:  # a switch the design does not have
            lacking.append(str(err))
    return lacking


class Models:
    """Model results, one run per (design, scenario) for all its properties."""

    def __init__(self, engine: str = "explicit"):
        self.engine = engine
        self.cache: dict[tuple[str, str], dict[str, Result]] = {}

    def result(self, check: Check) -> Result:
        key = (check.design, check.scenario)
        if key not in self.cache:
            results = runner.run([catalog.design(check.design)],
                                 [catalog.scenario(check.scenario)],
                                 catalog.properties(), self.engine)
            self.cache[key] = {r.property: r for r in results}
        return self.cache[key][check.prop]


class Tree:
    """Churn figures of one kernel tree, loaded once."""

    def __init__(self, path: str):
        from .churn import api

        self.path = path
        self.sources, self.graph = api.load(path)
        self._totals: dict[str, dict] | None = None

    def totals(self, design: str, measure: str) -> int:
        if self._totals is None:
            from .churn import api

            self._totals = api.design_totals(self.path)
        return int(self._totals[design][measure])

    def path_cost(self, target: str, command: str):
        """Every path from the entry to ``target`` (via ``command``)."""
        from .churn import analysis, callgraph

        key = callgraph.lookup(self.graph, target, "target")
        chain = analysis.chain(self.graph, key, command=command)
        if not chain.routes:
            raise InputError(f"no path from {self.graph.entry} to {target}"
                             + (f" through {command}" if command else ""))
        return key, chain.every

    def figure(self, check: Check, design: str | None = None
               ) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
        """The count ``check.measure``, the functions that gain a parameter
        (all of them), and those of them besides the entry and the target."""
        design = design or check.design
        if check.figure == "totals":
            return self.totals(design, check.measure), (), ()
        key, every = self.path_cost(check.target, check.command)
        cost = every[design]
        ends = {self.graph.entry, key}
        every_name = tuple(sorted(k.rpartition(":")[2] for k in cost.prototypes))
        between = tuple(sorted(k.rpartition(":")[2] for k in cost.prototypes
                               if k not in ends))
        return cost.counts()[check.measure], every_name, between


def _compare(value: int, op: str, other: int) -> bool:
    return {"==": value == other, "!=": value != other, "<": value < other,
            "<=": value <= other, ">": value > other, ">=": value >= other}[op]


def figure_outcome(check: Check, tree: Tree) -> Outcome:
    value, every, between = tree.figure(check)
    if check.equals is not None:
        met = set(between) == set(check.equals)
        return Outcome(check, met, ", ".join(between) or "none")
    if check.beyond is not None:
        extra = tuple(f for f in between if f not in check.beyond)
        return Outcome(check, bool(extra), ("also " + ", ".join(extra)) if extra
                       else "none beyond")
    m = COMPARE.match(check.expect)
    assert m is not None  # validated on load
    op, rhs = m.groups()
    if rhs.isdigit():
        return Outcome(check, _compare(value, op, int(rhs)), str(value), listed=every)
    other = tree.figure(check, rhs)[0]
    return Outcome(check, _compare(value, op, other), f"{value} ({rhs}: {other})",
                   listed=every)


def model_outcome(check: Check, models: Models) -> Outcome:
    r = models.result(check)
    got = r.verdict.kind
    if got == "violated" and r.verdict.trace is not None:
        got += f" ({len(r.verdict.trace.steps)} steps)"
    elif got == "holds":
        got += f" (all {r.states} states)"
    else:
        got = str(r.verdict)
    return Outcome(check, r.verdict.kind == check.expect, got, r)


def decide(claim: Claim, models: Models, tree: Tree | None) -> Decision:
    """The claim's verdict, from its checks alone."""
    entries = claim.checks + claim.caveats
    lacking = list(dict.fromkeys(why for check in entries for why in missing(check)))
    if lacking:
        return Decision(claim, "undecided: " + "; ".join(lacking))
    if tree is None and any(c.is_figure for c in entries):
        return Decision(claim, "undecided: needs a kernel tree (--kernel TREE)")
    try:
        outcomes = [figure_outcome(c, tree) if c.is_figure and tree is not None
                    else model_outcome(c, models) for c in entries]
    except InputError as err:  # a function the tree lacks, no path to it
        return Decision(claim, f"undecided: {err}")
    for o in outcomes:
        if o.result is not None and o.result.verdict.kind not in VERDICTS:
            return Decision(claim, f"undecided: {o.check.label()}: {o.got}", outcomes, o)
    mine = outcomes[:len(claim.checks)]
    caveats = outcomes[len(claim.checks):]
    wrong = [o for o in mine if not o.met]
    if wrong:
        return Decision(claim, "refuted", outcomes, shortest(wrong))
    qualified = [o for o in caveats if o.met]
    if qualified:
        return Decision(claim, "confirmed with a caveat", outcomes, shortest(qualified))
    return Decision(claim, "confirmed", outcomes, shortest(mine))


def shortest(outcomes: Sequence[Outcome]) -> Outcome:
    """The evidence to show: the shortest counterexample among them, else
    the first in file order (a figure)."""
    traced = [o for o in outcomes if o.result is not None and o.result.verdict.trace]
    if not traced:
        return outcomes[0]
    return min(traced, key=lambda o: len(o.result.verdict.trace.steps))


def decide_all(claims: Sequence[Claim], kernel: str | None = None,
               engine: str = "explicit") -> list[Decision]:
    models = Models(engine)
    tree = Tree(kernel) if kernel else None
    return [decide(c, models, tree) for c in claims]
