"""Render churn results as plain text (at most 72 columns) or JSON.

One job: presentation. Everything is sorted upstream or here, so the same
tree gives the same bytes; paths are shown relative to the tree (and to
kernel/bpf for its own files), never absolute.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from typing import Any

from einval.churn.analysis import DESIGNS, SITE_DEFINITIONS, Chain, Cost, Route, Summary
from einval.churn.callgraph import ANY_COMMAND, CallGraph
from einval.churn.parse import ErrorSite, Function, ParseError
from einval.churn.tree import display_path, in_bpf_dir

WIDTH = 72
COLUMNS = ("prototypes", "call sites", "functions", "carry a log", "ops ripple")
LEGEND = (
    "prototypes:  functions that gain a log parameter (explicit: the",
    "             entry too, it takes the syscall's new argument)",
    "call sites:  calls to them anywhere in the parsed files",
    "functions:   changed prototypes plus functions whose calls change",
    "carry a log: changed prototypes that already have a verifier/BTF",
    "             log in scope (struct bpf_verifier_env/_log, btf env)",
    "ops ripple:  other implementations of an ops-table field whose",
    "             type changes with a changed prototype",
)


def where(func: Function) -> str:
    return f"{display_path(func.file)}:{func.line}"


def site_where(site: ErrorSite) -> str:
    return f"{display_path(site.file)}:{site.line}"


def wrap(prefix: str, items: list[str], indent: str | None = None) -> list[str]:
    """Comma-separated ``items`` after ``prefix``, wrapped at WIDTH."""
    indent = " " * len(prefix) if indent is None else indent
    lines, cur = [], prefix
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if len(cur) + len(piece) + 1 > WIDTH and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += ("" if cur.endswith(" ") or not cur else " ") + piece
    lines.append(cur.rstrip())
    return lines


# -- summary -----------------------------------------------------------------
def approximations(summary: Summary, cg: CallGraph) -> list[str]:
    """What the figures approximate, stated with this run's numbers."""
    st = summary.stats
    if cg.follow_ops:
        ops = (
            f"calls through struct fields ({st['indirect_call_sites']} sites): "
            f"{st['indirect_resolved']} followed by field name to "
            f"{st['indirect_edges']} targets (every function stored in that "
            "field of any struct initializer: an over-approximation)"
        )
    else:
        ops = (
            f"calls through struct fields ({st['indirect_call_sites']} sites, "
            "e.g. map->ops->map_update_elem) are not followed; --ops does"
        )
    return [
        "no preprocessor: both branches of #if/#ifdef are parsed (a "
        f"function defined in each is merged: {summary.merged}); macro "
        "bodies are not expanded, so calls hidden in macros are missed",
        _parse_note(summary.parse_errors),
        "functions outside kernel/bpf are parsed only when named with "
        "--file, or when kernel/bpf calls them and they call back into it "
        "(bridges; --no-bridges leaves them out)",
        "calls resolve by name: a function of the same file first, else "
        "every non-static definition of that name (weak and strong both)",
        ops,
        "function pointers passed as arguments are not followed",
        "assign-then-goto sites assume the label returns the variable",
        "per site the shortest path counts (ties: smaller name); callers "
        "off that path pass NULL, but their call sites are counted",
        "callers outside the parsed files and prototypes in headers "
        "(and their !CONFIG stubs) are not counted",
    ]


def _parse_note(errors: list[ParseError]) -> str:
    if not errors:
        return "tree-sitter parsed every file without an error"
    inside = sum(1 for e in errors if e.function)
    return (
        f"tree-sitter could not parse {_n(len(errors), 'region')}, {inside} inside "
        "functions, where calls and sites may be missed (listed above; all "
        "in --format json); macro arguments that are types, iterator "
        "macros and BTF_ID lines are rewritten first, and regions whose "
        "recovery swallowed definitions are re-parsed piece by piece"
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _parse_lines(errors: list[ParseError]) -> list[str]:
    """Where parsing failed inside functions (first few; JSON has all)."""
    inside = [e for e in errors if e.function]
    out = [
        f"parse       {_n(len(errors), 'region')} not parsed, {len(inside)} "
        "inside functions"
    ]
    if inside:
        shown = [f"{display_path(e.file)}:{e.line} {e.function}" for e in inside[:6]]
        if len(inside) > 6:
            shown.append(f"{len(inside) - 6} more")
        out += wrap("            ", shown)
    outside = Counter(display_path(e.file) for e in errors if not e.function)
    if outside:
        items = [f"{f} {n}" for f, n in sorted(outside.items(), key=lambda kv: (-kv[1], kv[0]))]
        out += wrap("            outside functions: ", items, indent="              ")
    return out


def _bridge_lines(cg: CallGraph) -> list[str]:
    items = [
        f"{name} ({display_path(pf.path)}:{pf.functions[name].line})"
        for pf in cg.files
        for name in pf.bridges
    ]
    return wrap("bridges: ", sorted(items), indent="  ") if items else []


def definition_words(definition: str) -> str:
    return f"error sites ({definition}): {SITE_DEFINITIONS[definition]}"


def summary_text(summary: Summary, cg: CallGraph) -> str:
    entry = cg.functions[summary.entry]
    st = summary.stats
    reach = len(summary.sites)
    extra = sorted(pf.path for pf in cg.files if not in_bpf_dir(pf.path) and not pf.bridges)
    out = textwrap.wrap(
        f"einval churn: {summary.label}, kernel/bpf"
        + "".join(f" + {display_path(p)}" for p in extra)
        + f" ({summary.files} files, {summary.lines} lines)",
        WIDTH,
        subsequent_indent="  ",
    )
    out.append(f"entry: {entry.name} ({where(entry)})")
    out += _bridge_lines(cg)
    out += textwrap.wrap(definition_words(summary.definition), WIDTH, subsequent_indent="  ")
    if summary.errno_filter:
        out += wrap("errnos: ", list(summary.errno_filter))
    out += [
        "",
        f"functions   {summary.functions} parsed ({summary.macro_defined} "
        "from SYSCALL_DEFINE*/BPF_CALL_*),",
        f"            {summary.conditional} inside #if/#ifdef blocks",
    ]
    out += _parse_lines(summary.parse_errors)
    out += [
        f"call graph  {st['edges']} edges from {st['resolved_call_sites']} "
        "resolved call sites",
        f"reachable   {summary.reachable_functions} functions from the entry,",
        f"            {reach} of {summary.sites_total} error sites",
    ]
    by_errno = sorted(summary.by_errno.items(), key=lambda kv: (-kv[1], kv[0]))
    out += wrap("by errno    ", [f"{k} {v}" for k, v in by_errno])
    by_kind = sorted(summary.by_kind.items(), key=lambda kv: (-kv[1], kv[0]))
    out += wrap("by kind     ", [f"{k} {v}" for k, v in by_kind])
    out += [
        f"logged      {summary.sites_with_log} sites already have a verifier/BTF",
        "            log in scope",
        f"by callee   {summary.sites_decided_by_callee} sites are decided by a callee",
        "            (if (!f()) return -E)",
        "",
    ]
    out += _histogram_lines(summary)
    what = f"{reach} reachable sites ({summary.definition})"
    out += ["", f"whole subsystem, shortest path to each of {what}:"]
    out += cost_table(summary.totals, with_log=True)
    out += ["", f"whole subsystem, every path to each of {what}:"]
    out += cost_table(summary.every_path, with_log=True)
    out += [""] + list(LEGEND) + ["", "approximated:"]
    for note in approximations(summary, cg):
        out += textwrap.wrap(note, WIDTH, initial_indent="  - ", subsequent_indent="    ")
    return "\n".join(out) + "\n"


def _histogram_lines(summary: Summary) -> list[str]:
    hist = summary.histogram
    ks = sorted({k for d in ("explicit", "attr") for k in hist[d]})
    lines = [
        "new log parameters needed on the path to each site",
        "(number of sites; explicit counts the entry):",
        "  params  explicit      attr",
    ]
    for k in ks:
        lines.append(f"  {k:>6}  {hist['explicit'].get(k, 0):>8}  {hist['attr'].get(k, 0):>8}")
    return lines


def cost_table(totals: dict[str, Cost], with_log: bool = False) -> list[str]:
    cols = COLUMNS if with_log else COLUMNS[:3]
    head = "design    " + "  ".join(f"{c:>10}" for c in cols)
    lines = [head.rstrip()]
    for design in DESIGNS:
        if design not in totals:
            continue
        counts = totals[design].counts()
        vals = [
            counts["prototypes"],
            counts["call_sites"],
            counts["functions"],
            counts["already_carry_log"],
            counts["ops_ripple_prototypes"],
        ][: len(cols)]
        lines.append(f"{design:<10}" + "  ".join(f"{v:>10}" for v in vals))
    return lines


def summary_json(summary: Summary, cg: CallGraph) -> str:
    data: dict[str, Any] = {
        "tree": summary.label,
        "entry": _func_json(cg.functions[summary.entry]),
        "files": summary.files,
        "lines": summary.lines,
        "functions": {
            "parsed": summary.functions,
            "macro_defined": summary.macro_defined,
            "inside_ifdef": summary.conditional,
            "merged_ifdef_alternatives": summary.merged,
        },
        "site_definition": {
            "name": summary.definition,
            "text": SITE_DEFINITIONS[summary.definition],
        },
        "parse_errors": {
            "regions": len(summary.parse_errors),
            "inside_functions": sum(1 for e in summary.parse_errors if e.function),
            "list": [
                {"file": e.file, "line": e.line, "end_line": e.end_line,
                 "function": e.function or None}
                for e in summary.parse_errors
            ],
        },
        "bridges": [
            {"name": name, "file": pf.path, "line": pf.functions[name].line}
            for pf in cg.files
            for name in pf.bridges
        ],
        "call_graph": dict(sorted(summary.stats.items())),
        "ops_followed": cg.follow_ops,
        "errno_filter": list(summary.errno_filter),
        "reachable_functions": summary.reachable_functions,
        "error_sites": {
            "total": summary.sites_total,
            "reachable": len(summary.sites),
            "by_errno": summary.by_errno,
            "by_kind": summary.by_kind,
            "in_functions_with_log": summary.sites_with_log,
            "decided_by_callee": summary.sites_decided_by_callee,
            "list": [
                dict(
                    _site_json(r.function, r.site),
                    path=[cg.functions[k].name for k in r.path],
                )
                for r in summary.sites
            ],
        },
        "histogram": {
            d: {str(k): v for k, v in summary.histogram[d].items()} for d in DESIGNS
        },
        "designs": {d: _cost_json(c) for d, c in summary.totals.items()},
        "every_path": {d: _cost_json(c) for d, c in summary.every_path.items()},
        "figures": {
            "designs": "shortest path per reachable site",
            "every_path": "every path from the entry to a reachable site",
        },
        "approximations": approximations(summary, cg),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _cost_json(cost: Cost) -> dict[str, Any]:
    data: dict[str, Any] = dict(cost.counts())
    data["changed_prototypes"] = list(cost.prototypes)
    return data


def _func_json(func: Function) -> dict[str, Any]:
    return {
        "name": func.name,
        "file": func.file,
        "line": func.line,
        "returns": func.returns,
        "attr": func.attr or None,
        "log": func.log or None,
        "macro": func.macro or None,
    }


def _site_json(key: str | None, site: ErrorSite) -> dict[str, Any]:
    data = {
        "file": site.file,
        "line": site.line,
        "errno": site.errno,
        "kind": site.kind,
        "because_of": list(site.because_of),
    }
    if key is not None:
        data["function"] = key.rpartition(":")[2]
    return data


# -- one chain ---------------------------------------------------------------
def chain_text(ch: Chain, cg: CallGraph) -> str:
    target = cg.functions[ch.target]
    out = _chain_head(ch, target)
    if not ch.routes:
        out += _unreachable(ch, cg)
        return "\n".join(out) + "\n"
    if len(ch.routes) > 1:
        names = [c for r in ch.routes for c in r.command]
        depth = len(ch.routes[0].steps) - 1
        out += wrap(
            f"{len(ch.routes)} routes tie at {depth} calls deep, each shown: ",
            names,
            indent="  ",
        )
    for i, route in enumerate(ch.routes):
        out += _route_lines(ch, route, cg, legend=i == 0)
    entry = cg.functions[ch.entry].name
    words = f"{_route_words(ch, None)} to {target.name}"
    if len(ch.routes) == 1 and ch.every_functions == len(ch.steps):
        out += [""] + textwrap.wrap(
            f"this is the only path from {entry}{words}", WIDTH, subsequent_indent="  "
        )
    else:
        out += [""] + textwrap.wrap(
            f"every path ({ch.every_functions} functions) from {entry}{words}:",
            WIDTH,
            subsequent_indent="  ",
        )
        out += cost_table(ch.every)
    out += [
        "(functions: changed prototypes plus the callers that are edited;",
        " current: the log hangs off task_struct, no prototype changes)",
    ]
    out += _ripple_lines(ch, cg)
    return "\n".join(out) + "\n"


def _route_lines(ch: Chain, route: Route, cg: CallGraph, legend: bool) -> list[str]:
    entry = cg.functions[ch.entry]
    out = [""] + textwrap.wrap(
        f"path from {entry.name}{_route_words(ch, route)} (shortest, "
        f"{len(route.steps) - 1} calls deep):",
        WIDTH,
        subsequent_indent="  ",
    )
    logs = [s.function.name for s in route.steps if s.function.log]
    out += _step_table(route)
    if legend:
        out.append("  attr: a union bpf_attr in scope (param or local variable)")
        if logs:
            out.append("  log: a verifier (env, vlog) or BTF (btf) log in scope")
        out += ["  +1, N: a new log parameter and N call sites to edit;", "  -: unchanged"]
        out += _entry_lines(ch, cg)
    out.append("")
    no_attr = [s.function.name for s in route.steps if not s.function.attr]
    out += wrap("no union bpf_attr in scope: ", no_attr or ["none"], indent="  ")
    if logs:
        out += wrap("already carry a verifier/BTF log: ", logs, indent="  ")
    else:
        out.append("no function on this path carries a verifier/BTF log")
    out += [""] + cost_table(route.totals)
    return out


def _entry_lines(ch: Chain, cg: CallGraph) -> list[str]:
    """What the explicit design does to the entry (the 4th argument)."""
    entry = cg.functions[ch.entry]
    if entry.macro.startswith("SYSCALL_DEFINE"):
        text = (
            f"explicit, entry: {entry.macro}(bpf, ...) becomes "
            "SYSCALL_DEFINE5 (the log buffer and its size)"
        )
    else:
        callers = sorted(
            {
                cg.functions[s.caller].name
                + (f" ({cg.functions[s.caller].macro})" if cg.functions[s.caller].macro else "")
                for s in cg.callers_of.get(ch.entry, [])
            }
        )
        text = (
            f"explicit, entry: {entry.name} takes the log from the syscall's "
            "new arguments (SYSCALL_DEFINE3 becomes SYSCALL_DEFINE5); "
            "its callers pass it: " + (", ".join(callers) or "none parsed")
        )
    return textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="    ")


def _ripple_lines(ch: Chain, cg: CallGraph) -> list[str]:
    """Ops-table fields whose type changes with a prototype on the path."""
    changed = {k for r in ch.routes for k in r.totals["explicit"].prototypes}
    slots = sorted(
        {(e.struct, e.field) for k in changed for e in cg.ops_users.get(k, []) if e.struct != "?"}
    )
    out = []
    for struct, fld in slots:
        others = {k for e, k in cg.ops_by_field.get(fld, []) if e.struct == struct} - changed
        n = len(others)
        text = f"struct {struct}.{fld} changes type: {n} other implementation" + (
            "" if n == 1 else "s"
        )
        out += textwrap.wrap(text, WIDTH, subsequent_indent="  ")
    return out


def _chain_head(ch: Chain, target: Function) -> list[str]:
    out = []
    if ch.site is not None:
        s = ch.site
        head = f"{site_where(s)}: -{s.errno} ({s.kind}) in {target.name}"
        out += textwrap.wrap(head, WIDTH, subsequent_indent="  ")
        if s.because_of:
            out += wrap("decided by: ", [f"{n}()" for n in s.because_of])
    else:
        head = f"{target.name} ({where(target)}), returns {target.returns or '?'}"
        out += textwrap.wrap(head, WIDTH, subsequent_indent="  ")
        for caller, site in ch.decides:
            name = caller.rpartition(":")[2]
            out += textwrap.wrap(
                f"decides: {site_where(site)} -{site.errno} in {name}",
                WIDTH,
                subsequent_indent="  ",
            )
        if ch.own_sites:
            counts = Counter(s.errno for s in ch.own_sites)
            items = [f"{e} {n}" for e, n in sorted(counts.items())]
            out += wrap(f"own error sites ({len(ch.own_sites)}): ", items)
    if ch.reached_by:
        items = [f"{c} (depth {d})" for c, d in ch.reached_by[:6]]
        if len(ch.reached_by) > 6:
            items.append(f"{len(ch.reached_by) - 6} more")
        out += wrap("commands: ", items)
    return out


def _route_words(ch: Chain, route: Route | None) -> str:
    """How the route starts: the command(s), or only what was asked."""
    command = route.command if route is not None else ((ch.asked,) if ch.asked else ())
    labels = [c for c in command if c != ANY_COMMAND]
    words = ""
    if labels:
        words = " via " + "/".join(labels)
    elif command:
        words = " before the command switch"
    if ch.via:
        words += f" through {ch.via.rpartition(':')[2]}"
    return words


def _step_table(route: Route) -> list[str]:
    """One row per function; a name too long for 72 columns gets its own line."""
    rows = [
        (
            s.function.name,
            where(s.function),
            s.function.attr or "-",
            _log_word(s.function.log),
            _change(s, "explicit"),
            _change(s, "attr"),
        )
        for s in route.steps
    ]
    head = ("function", "defined at", "attr", "log", "explicit", "in attr")
    if all(r[3] == "-" for r in rows):  # said in a line below instead
        head = head[:3] + head[4:]
        rows = [r[:3] + r[4:] for r in rows]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(1, len(head))]
    room = WIDTH - 2 - sum(widths) - 2 * (len(head) - 1)
    name_w = max(len(head[0]), min(room, max(len(r[0]) for r in rows)))
    fmt = "  " + "  ".join(f"{{:<{w}}}" for w in [name_w] + widths)
    out = [fmt.format(*head).rstrip()]
    for row in rows:
        if len(row[0]) > name_w:
            out.append(f"  {row[0]}")
            row = ("",) + row[1:]
        out.append(fmt.format(*row).rstrip())
    return out


def _change(step: Any, design: str) -> str:
    return f"+1, {step.callers}" if step.changes[design] else "-"


def _log_word(log: str) -> str:
    if not log:
        return "-"
    if "btf_verifier_env" in log:
        return "btf"
    return "env" if "bpf_verifier_env" in log else "vlog"


def _unreachable(ch: Chain, cg: CallGraph) -> list[str]:
    entry = cg.functions[ch.entry].name
    callers = sorted({cg.functions[k].name for k in cg.graph.predecessors(ch.target)})
    how = f" via {ch.asked}" if ch.asked else ""
    out = ["", f"not reachable from {entry}{how} in the parsed files"]
    if ch.via:
        out[-1] += f" through {ch.via}"
    out += wrap("callers: ", callers or ["none"])
    out.append("(a caller outside kernel/bpf can be added with --file)")
    if not cg.follow_ops:
        out.append("(calls through ops tables are followed with --ops)")
    return out


def chain_json(ch: Chain, cg: CallGraph) -> str:
    data: dict[str, Any] = {
        "target": _func_json(cg.functions[ch.target]),
        "site": _site_json(None, ch.site) if ch.site is not None else None,
        "entry": cg.functions[ch.entry].name,
        "reachable": bool(ch.routes),
        "command": list(ch.command),
        "asked_command": ch.asked or None,
        "via": ch.via or None,
        "reached_by": [{"command": c, "depth": d} for c, d in ch.reached_by],
        "decides": [_site_json(k, s) for k, s in ch.decides],
        "own_sites": [_site_json(None, s) for s in ch.own_sites],
        "path": _path_json(ch.steps),
        "designs": {d: _cost_json(c) for d, c in ch.totals.items()},
        "routes": [
            {
                "command": list(r.command),
                "path": _path_json(r.steps),
                "designs": {d: _cost_json(c) for d, c in r.totals.items()},
            }
            for r in ch.routes
        ],
        "every_path": {
            "functions": ch.every_functions,
            "designs": {d: _cost_json(c) for d, c in ch.every.items()},
        },
        "ops_followed": cg.follow_ops,
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _path_json(steps: list[Any]) -> list[dict[str, Any]]:
    return [
        dict(_func_json(s.function), callers=s.callers, changes=dict(s.changes))
        for s in steps
    ]
