"""Resolve calls by name and build the call graph from the bpf() entry.

One job: from parsed files to a networkx DiGraph whose nodes are function
keys (``path:name``) and whose edges carry the call sites. C resolution is
approximated the way the linker would see it without a preprocessor: a call
goes to a function of the same file if there is one, else to every
non-static definition of that name. A ``__weak`` default and its override
both count, also when the default sits in the caller's own file (syscall.c
calls ``bpf_stackmap_copy``, whose weak stub is in syscall.c and whose real
body is in stackmap.c): which one links depends on the configuration.
Calls through a struct field (``map->ops->map_update_elem``) are followed
only with ``ops=True``: then the field name stands for every function
stored under that field in any struct initializer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from einval.churn.parse import Call, Function, OpsEntry, ParsedFile
from einval.errors import InputError

ANY_COMMAND = "(any command)"

Loc = tuple[str, int, int]


@dataclass
class CallSite:
    """One call expression and the functions it may reach."""

    caller: str
    call: Call
    targets: tuple[str, ...]

    @property
    def loc(self) -> Loc:
        return (self.call.file, self.call.line, self.call.col)


@dataclass
class CallGraph:
    """Everything the analysis needs, keyed by function key ``path:name``."""

    files: list[ParsedFile]
    functions: dict[str, Function]
    graph: nx.DiGraph
    entry: str
    sites: list[CallSite]
    callers_of: dict[str, list[CallSite]]
    ops_users: dict[str, list[OpsEntry]]
    ops_by_field: dict[str, list[tuple[OpsEntry, str]]]
    follow_ops: bool
    twins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)

    def key_name(self, key: str) -> str:
        return self.functions[key].name


def key_of(func: Function) -> str:
    return f"{func.file}:{func.name}"


def build(files: list[ParsedFile], follow_ops: bool = False) -> CallGraph:
    """Resolve every call of every parsed file and find the entry."""
    functions = {key_of(f): f for pf in files for f in pf.functions.values()}
    by_name: dict[str, list[str]] = {}
    for key in sorted(functions):
        by_name.setdefault(functions[key].name, []).append(key)
    resolver = _Resolver(functions, by_name)
    ops_by_field, ops_users = _ops_index(files, resolver)
    sites = _call_sites(functions, resolver, ops_by_field, follow_ops)
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(functions))
    callers_of: dict[str, list[CallSite]] = {}
    for site in sites:
        for target in site.targets:
            graph.add_edge(site.caller, target)
            callers_of.setdefault(target, []).append(site)
    twins = {
        key: tuple(k for k in by_name[f.name] if k != key and not functions[k].static)
        for key, f in functions.items()
        if not f.static
    }
    cg = CallGraph(
        files=files,
        functions=functions,
        graph=graph,
        entry=find_entry(functions, by_name),
        sites=sites,
        callers_of=callers_of,
        ops_users=ops_users,
        ops_by_field=ops_by_field,
        follow_ops=follow_ops,
        twins={k: v for k, v in twins.items() if v},
    )
    cg.stats = _stats(cg)
    return cg


class _Resolver:
    """Name lookup as seen from one file (static functions stay local)."""

    def __init__(self, functions: dict[str, Function], by_name: dict[str, list[str]]):
        self.functions = functions
        self.by_name = by_name

    def resolve(self, name: str, from_file: str) -> tuple[str, ...]:
        if name.startswith("____") and name not in self.by_name:
            # BPF_CALL_n(f, ...) also defines the static ____f holding the
            # body (kern_sys_bpf calls ____bpf_sys_bpf); f stands for it.
            inner = f"{from_file}:{name[4:]}"
            func = self.functions.get(inner)
            return (inner,) if func is not None and "BPF_CALL_" in func.macro else ()
        local = f"{from_file}:{name}"
        if local in self.functions and not self.functions[local].weak:
            return (local,)
        keys = self.by_name.get(name, [])
        found = {k for k in keys if not self.functions[k].static}
        if local in self.functions:
            found.add(local)
        return tuple(sorted(found))


def _ops_index(
    files: list[ParsedFile], resolver: _Resolver
) -> tuple[dict[str, list[tuple[OpsEntry, str]]], dict[str, list[OpsEntry]]]:
    """field -> (entry, function key); function key -> entries storing it."""
    by_field: dict[str, list[tuple[OpsEntry, str]]] = {}
    users: dict[str, list[OpsEntry]] = {}
    for pf in files:
        for entry in pf.ops:
            for key in resolver.resolve(entry.function, entry.file):
                by_field.setdefault(entry.field, []).append((entry, key))
                users.setdefault(key, []).append(entry)
    return by_field, users


def _call_sites(
    functions: dict[str, Function],
    resolver: _Resolver,
    ops_by_field: dict[str, list[tuple[OpsEntry, str]]],
    follow_ops: bool,
) -> list[CallSite]:
    sites = []
    for key in sorted(functions):
        for call in functions[key].calls:
            if call.indirect:
                targets = (
                    tuple(sorted({k for _, k in ops_by_field.get(call.callee, [])}))
                    if follow_ops
                    else ()
                )
            else:
                targets = resolver.resolve(call.callee, call.file)
            sites.append(CallSite(caller=key, call=call, targets=targets))
    return sites


def find_entry(functions: dict[str, Function], by_name: dict[str, list[str]]) -> str:
    """``__sys_bpf`` (since 5.14), else ``SYSCALL_DEFINE3(bpf, ...)`` (5.8).

    ``sys_bpf`` counts only when a ``SYSCALL_DEFINE`` macro defined it, so a
    stray function of that name is not mistaken for the syscall.
    """
    for key in by_name.get("__sys_bpf", []):
        return key
    for key in by_name.get("sys_bpf", []):
        if functions[key].macro.startswith("SYSCALL_DEFINE"):
            return key
    raise InputError(
        "no bpf() entry point: neither __sys_bpf nor SYSCALL_DEFINE3(bpf, ...) "
        "is defined in the parsed files"
    )


def _stats(cg: CallGraph) -> dict[str, int]:
    indirect = [s for s in cg.sites if s.call.indirect]
    return {
        "call_expressions": len(cg.sites),
        "resolved_call_sites": sum(1 for s in cg.sites if s.targets),
        "indirect_call_sites": len(indirect),
        "indirect_resolved": sum(1 for s in indirect if s.targets),
        "indirect_edges": sum(len(s.targets) for s in indirect),
        "edges": cg.graph.number_of_edges(),
        "ops_entries": sum(len(v) for v in cg.ops_by_field.values()),
    }


def commands(cg: CallGraph) -> dict[str, list[str]]:
    """bpf() command (case label of the entry's switch) -> first callees."""
    out: dict[str, set[str]] = {}
    for site in cg.sites:
        if site.caller != cg.entry or not site.targets:
            continue
        for label in site.call.cases or (ANY_COMMAND,):
            out.setdefault(label, set()).update(site.targets)
    return {label: sorted(keys) for label, keys in sorted(out.items())}


def shortest_paths(
    cg: CallGraph, sources: Iterable[str], blocked: Iterable[str] = ()
) -> dict[str, list[str]]:
    """Breadth-first paths from ``sources``; ties go to the smaller key.

    Our own BFS rather than networkx's so the tie-break is explicit and the
    output does not depend on insertion order.
    """
    seen = set(blocked)
    paths: dict[str, list[str]] = {}
    queue: deque[str] = deque()
    for src in sorted(set(sources)):
        if src not in seen:
            seen.add(src)
            paths[src] = [src]
            queue.append(src)
    while queue:
        node = queue.popleft()
        for nxt in sorted(cg.graph.successors(node)):
            if nxt not in seen:
                seen.add(nxt)
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return paths


def distances_to(cg: CallGraph, target: str) -> dict[str, int]:
    """Hop count from every function that can reach ``target``."""
    return dict(nx.single_target_shortest_path_length(cg.graph, target))


def lookup(cg: CallGraph, name: str, option: str = "--function") -> str:
    """Function key for ``NAME`` or ``FILE:NAME`` (FILE may be a suffix).

    ``option`` names the command-line option in the error message.
    """
    file_part, _, func = name.rpartition(":")
    keys = sorted(k for k, f in cg.functions.items() if f.name == func)
    if file_part:
        keys = [k for k in keys if _path_matches(cg.functions[k].file, file_part)]
    if not keys:
        raise InputError(f"{option} {name}: no such function in the parsed files")
    if len(keys) > 1:
        where = ", ".join(cg.functions[k].file for k in keys)
        raise InputError(f"{option} {name}: defined in {where}; write FILE:{func}")
    return keys[0]


def _path_matches(path: str, given: str) -> bool:
    given = given.lstrip("./")
    return path == given or path.endswith("/" + given)
