"""Cost of each error-reporting design on the call graph.

One job: given paths from the bpf() entry to error sites, say which
prototypes each design changes and which call sites must then be edited.

* explicit: every function on the path gains a log parameter, the entry
  included: with a 4th (and 5th) syscall argument, ``__sys_bpf`` takes the
  log and its callers change (``SYSCALL_DEFINE3`` becomes
  ``SYSCALL_DEFINE5``, and ``bpf_sys_bpf`` / ``kern_sys_bpf`` pass it); in
  5.8 the entry is the ``SYSCALL_DEFINE3`` itself, which becomes
  ``SYSCALL_DEFINE5``.
* attr: the log lives in the command's ``union bpf_attr``; only functions
  with no kernel-side ``union bpf_attr`` (parameter or local) in scope gain
  a parameter.
* current: the log hangs off ``current`` (task_struct); no prototype
  changes.

A changed prototype costs every call site of that function in the parsed
files, not only the one on the path: C will not compile otherwise. Callers
off the path pass NULL (no message there), as the 2026 ``BPF_COMMON_ATTRS``
series does for nested calls. Per site the shortest path is used; the
"every path" figure instead threads the log through every function that
lies on some path from the entry to some site.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

from einval.churn.callgraph import (
    ANY_COMMAND,
    CallGraph,
    Loc,
    commands,
    distances_to,
    shortest_paths,
)
from einval.churn.parse import ErrorSite, Function, ParseError

DESIGNS = ("explicit", "attr", "current")

# What counts as an error site: every kind the parser knows (see parse.py)
# for every errno, or the thread's wording, a literal return of the three
# errnos Alexei and Andrii talk about.
SITE_DEFINITIONS = {
    "all": "every errno; return, ERR_PTR, assign+goto/return/if/break",
    "literal": "only return -EINVAL; / -EPERM; / -EOPNOTSUPP;",
}
LITERAL_ERRNOS = ("EINVAL", "EOPNOTSUPP", "EPERM")


def counts_as_site(site: ErrorSite, definition: str) -> bool:
    """Is ``site`` an error site under ``definition`` (a SITE_DEFINITIONS key)?"""
    if definition == "literal":
        return site.kind == "return" and site.errno in LITERAL_ERRNOS
    return True


def needs_param(design: str, func: Function) -> bool:
    """Does this design add a log parameter to ``func`` when on a path?"""
    if design == "explicit":
        return True
    if design == "attr":
        return not func.attr
    return False


@dataclass
class Cost:
    """What one design changes for a set of paths."""

    prototypes: list[str]
    call_sites: list[Loc]
    functions: list[str]
    carry_log: list[str]
    ops_ripple: list[str]

    def counts(self) -> dict[str, int]:
        return {
            "prototypes": len(self.prototypes),
            "call_sites": len(self.call_sites),
            "functions": len(self.functions),
            "already_carry_log": len(self.carry_log),
            "ops_ripple_prototypes": len(self.ops_ripple),
        }


def cost(cg: CallGraph, on_paths: set[str], design: str) -> Cost:
    """Cost of threading a log to every function in ``on_paths``.

    A changed non-static function takes its other definitions of the same
    name with it (a ``__weak`` default and its override share one
    prototype): each is a definition to edit, and their callers too.
    """
    chosen = {k for k in on_paths if needs_param(design, cg.functions[k])}
    chosen |= {t for k in chosen for t in cg.twins.get(k, ())}
    changed = sorted(chosen)
    sites = {s.loc: s.caller for k in changed for s in cg.callers_of.get(k, [])}
    touched = set(changed) | set(sites.values())
    return Cost(
        prototypes=changed,
        call_sites=sorted(sites),
        functions=sorted(touched),
        carry_log=[k for k in changed if cg.functions[k].log],
        ops_ripple=ops_ripple(cg, changed),
    )


def ops_ripple(cg: CallGraph, changed: list[str]) -> list[str]:
    """Other implementations of an ops field that stores a changed function.

    Changing ``htab_map_update_elem`` changes the type of
    ``bpf_map_ops.map_update_elem``, hence every map's implementation.
    """
    slots = {(e.struct, e.field) for k in changed for e in cg.ops_users.get(k, [])}
    ripple = {
        key
        for struct, fld in slots
        if struct != "?"
        for entry, key in cg.ops_by_field.get(fld, [])
        if entry.struct == struct
    }
    return sorted(ripple - set(changed))


@dataclass
class SiteRecord:
    """A reachable error site and its shortest path from the entry."""

    function: str
    site: ErrorSite
    path: list[str]


@dataclass
class Summary:
    """Whole-subsystem figures (the default report)."""

    label: str
    entry: str
    files: int
    lines: int
    functions: int
    conditional: int
    merged: int
    macro_defined: int
    parse_errors: list[ParseError]
    stats: dict[str, int]
    reachable_functions: int
    sites_total: int
    sites: list[SiteRecord]
    histogram: dict[str, dict[int, int]]
    totals: dict[str, Cost]
    every_path: dict[str, Cost]
    by_errno: dict[str, int]
    by_kind: dict[str, int]
    sites_with_log: int
    sites_decided_by_callee: int
    errno_filter: tuple[str, ...] = ()
    definition: str = "all"


def error_sites(
    cg: CallGraph, errnos: tuple[str, ...] = (), definition: str = "all"
) -> list[tuple[str, ErrorSite]]:
    """All (function key, site) under ``definition``, optionally some errnos."""
    out = []
    for key in sorted(cg.functions):
        for site in cg.functions[key].errors:
            if errnos and site.errno not in errnos:
                continue
            if counts_as_site(site, definition):
                out.append((key, site))
    return out


def summarise(
    cg: CallGraph, label: str, errnos: tuple[str, ...] = (), definition: str = "all"
) -> Summary:
    """Whole-subsystem figures for every reachable error site."""
    paths = shortest_paths(cg, [cg.entry])
    every = error_sites(cg, errnos, definition)
    records = [SiteRecord(k, s, paths[k]) for k, s in every if k in paths]
    on_paths = {k for r in records for k in r.path}
    site_funcs = {r.function for r in records}
    every_path = _every_path_set(cg, set(paths), site_funcs)
    funcs = cg.functions.values()
    return Summary(
        label=label,
        entry=cg.entry,
        files=sum(1 for pf in cg.files if not pf.bridges),
        lines=sum(pf.lines for pf in cg.files if not pf.bridges),
        functions=len(cg.functions),
        conditional=sum(1 for f in funcs if f.conditional),
        merged=sum(1 for f in funcs if f.definitions > 1),
        macro_defined=sum(1 for f in funcs if f.macro),
        parse_errors=[e for pf in cg.files for e in pf.errors],
        stats=cg.stats,
        reachable_functions=len(paths),
        sites_total=len(every),
        sites=records,
        histogram=_histogram(cg, records),
        totals={d: cost(cg, on_paths, d) for d in DESIGNS},
        every_path={d: cost(cg, every_path, d) for d in DESIGNS},
        by_errno=dict(sorted(Counter(r.site.errno for r in records).items())),
        by_kind=dict(sorted(Counter(r.site.kind for r in records).items())),
        sites_with_log=sum(1 for r in records if cg.functions[r.function].log),
        sites_decided_by_callee=sum(1 for r in records if _decided_by_callee(cg, r)),
        errno_filter=errnos,
        definition=definition,
    )


def _every_path_set(cg: CallGraph, reachable: set[str], site_funcs: set[str]) -> set[str]:
    """Reachable functions from which some error-site function is reachable."""
    hit = set(site_funcs)
    queue = deque(sorted(site_funcs))
    while queue:
        node = queue.popleft()
        for prev in cg.graph.predecessors(node):
            if prev not in hit:
                hit.add(prev)
                queue.append(prev)
    return hit & reachable


def _histogram(cg: CallGraph, records: list[SiteRecord]) -> dict[str, dict[int, int]]:
    """Per design: number of sites whose path needs k new parameters."""
    out: dict[str, dict[int, int]] = {}
    for design in DESIGNS:
        counts = Counter(
            sum(1 for k in r.path if needs_param(design, cg.functions[k])) for r in records
        )
        out[design] = dict(sorted(counts.items()))
    return out


def _decided_by_callee(cg: CallGraph, record: SiteRecord) -> bool:
    """The site's guard calls a function defined in the parsed files."""
    names = {cg.functions[k].name for k in cg.graph.successors(record.function)}
    return any(name in names for name in record.site.because_of)


# -- one chain ---------------------------------------------------------------
@dataclass
class Step:
    """One function on a chain, with what each design changes there."""

    key: str
    function: Function
    callers: int
    changes: dict[str, bool]


@dataclass
class Route:
    """One shortest path from the entry to the target, and its cost."""

    command: tuple[str, ...]
    steps: list[Step]
    totals: dict[str, Cost]


@dataclass
class Chain:
    """The answer for ``--site`` / ``--function``.

    ``routes`` holds one route per bpf() command that reaches the target
    at the least depth (or the one asked for): when commands tie, each is
    shown rather than one picked by name. ``steps``/``totals``/``command``
    are those of the first route. ``every`` is the cost when every path
    from the entry (through ``--command``/``--via`` if given) to the target
    carries the message, ``every_functions`` the functions on those paths.
    """

    target: str
    site: ErrorSite | None
    routes: list[Route]
    reached_by: list[tuple[str, int]]
    decides: list[tuple[str, ErrorSite]]
    own_sites: list[ErrorSite]
    every: dict[str, Cost]
    every_functions: int
    entry: str
    via: str = ""
    asked: str = ""

    @property
    def steps(self) -> list[Step]:
        return self.routes[0].steps if self.routes else []

    @property
    def totals(self) -> dict[str, Cost]:
        return self.routes[0].totals if self.routes else {}

    @property
    def command(self) -> tuple[str, ...]:
        return self.routes[0].command if self.routes else ()


def chain(
    cg: CallGraph,
    target: str,
    site: ErrorSite | None = None,
    command: str = "",
    via: str = "",
) -> Chain:
    """Shortest chains from the entry to ``target`` (through ``command``/``via``).

    Without either, every command reaching the target at the least depth
    gets its own route.
    """
    by = reached_by(cg, target)
    if command or via or not by:
        commands_wanted = [command]
    else:
        least = by[0][1]
        commands_wanted = [c for c, d in by if d == least]
    routes = []
    seen: set[tuple[str, ...]] = set()
    for wanted in commands_wanted:
        path = _route(cg, target, wanted, via)
        if path and tuple(path) not in seen:
            seen.add(tuple(path))
            routes.append(_make_route(cg, path))
    on_every = _every_path(cg, target, command, via) if routes else set()
    return Chain(
        target=target,
        site=site,
        routes=routes,
        reached_by=by,
        decides=_decides(cg, target),
        own_sites=list(cg.functions[target].errors),
        every={d: cost(cg, on_every, d) for d in DESIGNS} if routes else {},
        every_functions=len(on_every),
        entry=cg.entry,
        via=via,
        asked=command,
    )


def _make_route(cg: CallGraph, path: list[str]) -> Route:
    steps = [
        Step(
            key=k,
            function=cg.functions[k],
            callers=len({s.loc for s in cg.callers_of.get(k, [])}),
            changes={d: needs_param(d, cg.functions[k]) for d in DESIGNS},
        )
        for k in path
    ]
    on_path = set(path)
    return Route(
        command=_path_command(cg, path),
        steps=steps,
        totals={d: cost(cg, on_path, d) for d in DESIGNS},
    )


def _every_path(cg: CallGraph, target: str, command: str, via: str) -> set[str]:
    """Functions on some entry-to-target path (through command/via)."""
    if target == cg.entry:
        return {cg.entry}
    ancestors = set(distances_to(cg, target))
    if via and via != cg.entry:
        head = _every_path(cg, via, command, "")
        below = set(shortest_paths(cg, [via], blocked=[cg.entry]))
        return head | (below & ancestors) if head and target in below else set()
    if command:
        first = commands(cg).get(command, [])
        below = set(shortest_paths(cg, first, blocked=[cg.entry]))
    else:
        below = set(shortest_paths(cg, [cg.entry]))
    return ({cg.entry} | below) & (ancestors | {target}) if target in below else set()


def _route(cg: CallGraph, target: str, command: str, via: str) -> list[str]:
    """Entry-to-target path, empty if there is none."""
    if target == cg.entry:
        return [cg.entry]
    if via and via != cg.entry:
        head = _route(cg, via, command, "")
        tail = shortest_paths(cg, [via], blocked=[cg.entry]).get(target)
        return head + tail[1:] if head and tail else []
    if command:
        first = commands(cg).get(command, [])
        tail = shortest_paths(cg, first, blocked=[cg.entry]).get(target)
        return [cg.entry] + tail if tail else []
    return shortest_paths(cg, [cg.entry]).get(target, [])


def _path_command(cg: CallGraph, path: list[str]) -> tuple[str, ...]:
    """Case labels of the entry's calls to the path's first function."""
    if len(path) < 2:
        return ()
    labels = set()
    for s in cg.sites:
        if s.caller == cg.entry and path[1] in s.targets:
            labels.update(s.call.cases or (ANY_COMMAND,))
    return tuple(sorted(labels))


def reached_by(cg: CallGraph, target: str) -> list[tuple[str, int]]:
    """(command, functions below the entry on its shortest path), nearest first."""
    if target == cg.entry:
        return []
    dist = distances_to(cg, target)
    out = []
    for label, first in commands(cg).items():
        hops = [dist[k] for k in first if k in dist and k != cg.entry]
        if hops:
            out.append((label, min(hops) + 1))
    return sorted(out, key=lambda item: (item[1], item[0]))


def _decides(cg: CallGraph, target: str) -> list[tuple[str, ErrorSite]]:
    """Error sites in callers whose guard calls ``target`` (bool checkers)."""
    name = cg.functions[target].name
    out = []
    for caller in sorted(cg.graph.predecessors(target)):
        for site in cg.functions[caller].errors:
            if name in site.because_of:
                out.append((caller, site))
    return out


def find_site(cg: CallGraph, file: str, line: int) -> tuple[str, ErrorSite] | None:
    """The error site at ``file:line`` (its first line, else a line it spans)."""
    hits = [
        (k, s)
        for k, f in sorted(cg.functions.items())
        if f.file == file
        for s in f.errors
        if s.first_line <= line <= s.last_line
    ]
    exact = [h for h in hits if h[1].line == line]
    chosen = exact or hits
    return chosen[0] if chosen else None
