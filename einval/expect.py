"""Judging the ``[expect]`` table of scenario files: ``einval test``.

Like the ``Result:`` line of a litmus test, a scenario file may say which
verdicts it expects (``"task-struct:in_task" = "holds"``, or one verdict
per property).  ``judge`` runs the designs it names against the
properties it names (all shipped properties when it names none) and says,
for each expectation, whether the verdict matches.  The expectations are
data: adding a scenario or a design never requires editing a test.

Each judgement also carries what herd7 prints for a litmus test, so a
run can be pasted into a mail and re-run by anyone: the command line,
hashes of what was run, and per design and property an observation:
how many of the reachable states break the property (``violating``)
out of all reachable states (``total``), counted on a full exploration
of the ground model (every state, no symmetry reduction) whatever engine
gave the verdict.  ``Never``
means no reachable state breaks it, ``Sometimes`` some do, ``Always``
all do; when a bound cut the exploration short the counts are of the
states explored, and the total is written with a ``+``.  States, not
traces: their number is finite and the same in every process, while the
number of traces grows with every interleaving.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog, runner, world
from .errors import InputError
from .model import Model
from .scenario import Expectation, Scenario
from .verdict import Result

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib


@dataclass
class Outcome:
    """One expectation, the result that judged it and the state counts."""

    expectation: Expectation
    result: Result
    violating: int = 0
    total: int = 0
    complete: bool = True  # False: a bound cut the exploration short

    @property
    def ok(self) -> bool:
        return self.result.verdict.kind == self.expectation.verdict

    @property
    def observed(self) -> str:
        """herd7's word: Never, Sometimes or Always (some state breaks it)."""
        if self.violating == 0:
            return "Never"
        return "Always" if self.violating == self.total else "Sometimes"


@dataclass
class Judged:
    """One scenario file judged: what to paste into a mail about it."""

    scenario: Scenario
    outcomes: list[Outcome]
    command: str = ""
    hashes: list[tuple[str, str]] = field(default_factory=list)  # (what, digest)
    silent: dict[str, list[str]] = field(default_factory=dict)  # design -> never fired

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)


def files(paths: Sequence[str]) -> list[Path]:
    """Scenario files named, found in named folders (``*.toml``), or
    shipped scenarios named without a path (``go-unpinned``)."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise InputError("no scenario files (*.toml) here", name)
            out.extend(found)
        elif path.exists():
            out.append(path)
        elif "/" not in name and not name.endswith(".toml") \
                and name in catalog.scenario_names():
            out.append(catalog.folder("scenarios") / f"{name}.toml")
        else:
            raise InputError("no such file or folder", name)
    return out


def digest(data: bytes) -> str:
    """A short, stable fingerprint: the first 12 hex digits of SHA-256."""
    return hashlib.sha256(data).hexdigest()[:12]


def scenario_hash(scenario: Scenario) -> str:
    """The scenario's meaning, not its spelling: the parsed TOML as
    canonical JSON, so comments, spacing and key order do not count."""
    data = tomllib.loads(scenario.text)
    return digest(json.dumps(data, sort_keys=True, separators=(",", ":"),
                             ensure_ascii=True).encode())


def source_hash(cls: type) -> str:
    """The source files of ``cls`` and the einval classes it builds on
    (a design subclass inherits hooks it does not repeat)."""
    paths = []
    for klass in cls.__mro__:
        try:
            paths.append(inspect.getsourcefile(klass))
        except TypeError:  # builtins such as object
            continue
    data = b"".join(Path(p).read_bytes() for p in dict.fromkeys(p for p in paths if p))
    return digest(data)


def model_hash(model: Model) -> str:
    """The ground model less its name: every variable (domain, initial
    value, kind), action (actor, guard, updates) and check, as data.
    What the engines ran, whatever the file was called."""
    parts: list[object] = [
        [(v.name, v.domain.labels, v.init, v.sort, v.frozen, v.hidden, v.assumption)
         for v in model.variables],
        [(a.actor, a.name, a.lane, repr(a.guard), [(i, repr(e)) for i, e in a.updates])
         for a in model.actions],
        [(c.name, [(x.label, repr(x.expr)) for x in c.always],
          (c.witness.label, repr(c.witness.expr))) for c in model.checks],
    ]
    return digest(json.dumps(parts, ensure_ascii=True).encode())


def command_line(scenario: Scenario, engine: str) -> str:
    """The command that re-runs this file alone."""
    shipped = f"scenarios/{scenario.name}.toml"
    target = scenario.name if scenario.source == shipped else scenario.source
    if any(c in target for c in " '\"$\\"):
        target = "'" + target.replace("'", "'\\''") + "'"
    return f"einval test {target}" + ("" if engine == "explicit" else f" --engine {engine}")


def judge(scenario: Scenario, engine: str = "explicit",
          progress: runner.Progress | None = None) -> list[Outcome]:
    """Every expectation of ``scenario``, judged; in file order."""
    return judge_file(scenario, engine, progress).outcomes


def judge_file(scenario: Scenario, engine: str = "explicit",
               progress: runner.Progress | None = None) -> Judged:
    """Every expectation of ``scenario`` judged, with hashes and coverage."""
    from .render import choose
    from .render import space as spaces

    if not scenario.expectations:
        raise InputError("no [expect] table: nothing to judge", scenario.source)
    progress = progress or runner.Progress(enabled=False)
    check = runner.engine_for(engine)
    plan: dict[str, tuple] = {}  # design spec -> (choice, properties)
    for e in scenario.expectations:
        try:
            choice = catalog.design(e.design)
            props = (catalog.properties() if e.property is None
                     else [catalog.property_(e.property)])
        except InputError as err:
            raise e.where.fail(err.message) from None
        known = plan.setdefault(e.design, (choice, []))[1]
        known.extend(p for p in props if p not in known)
    judged = Judged(scenario, [], command_line(scenario, engine))
    judged.hashes.append(("scenario", scenario_hash(scenario)))
    results: dict[tuple[str, str], tuple[Result, int, int, bool]] = {}
    used_props: dict[str, type] = {}
    for number, (spec, (choice, props)) in enumerate(plan.items(), start=1):
        order = sorted(props, key=lambda p: (p.order, p.name))
        progress.job(number, len(plan), f"{spec} in {scenario.name}")
        model, _ = world.build(scenario, choice, order)
        space = spaces.of(model)
        judged.hashes.append((f"design {spec}", f"{source_hash(choice.design)} "
                              f"model {model_hash(model)}"))
        judged.silent[spec] = spaces.never_fired(model, space.fired())
        found = check(model, progress=progress.states)
        for r in found:
            r.design, r.scenario = spec, scenario.name
        for r in choose.clarify(found):
            bad = len(spaces.failing(space, model.check(r.property)))
            results[spec, r.property] = (r, bad, len(space.states), space.complete)
        for p in order:
            used_props.setdefault(p.name, p)
    progress.done()
    for name, prop in used_props.items():
        judged.hashes.append((f"property {name}", source_hash(prop)))
    for e in scenario.expectations:
        names = ([p.name for p in catalog.properties()] if e.property is None
                 else [e.property])
        judged.outcomes += [Outcome(e, *results[e.design, name]) for name in names]
    return judged


def judge_files(paths: Sequence[str], engine: str = "explicit",
                progress: runner.Progress | None = None) -> list[Judged]:
    """``einval test PATHS``: every file read first (a mistake stops the
    run before any work), then judged in order."""
    found = files(paths or [str(catalog.folder("scenarios"))])
    scenarios = [catalog.scenario(str(p)) for p in found]
    return [judge_file(s, engine, progress) for s in scenarios]
