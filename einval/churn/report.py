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

from einval.churn.analysis import DESIGNS, Chain, Cost, Summary
from einval.churn.callgraph import ANY_COMMAND, CallGraph
from einval.churn.parse import ErrorSite, Function
from einval.churn.tree import display_path, in_bpf_dir

WIDTH = 72
COLUMNS = ("prototypes", "call sites", "functions", "carry a log", "ops ripple")
LEGEND = (
    "prototypes:  functions that gain a log parameter (entry excluded)",
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


def _parse_note(errors: int) -> str:
    if not errors:
        return "tree-sitter parsed every file without ERROR nodes"
    return (
        f"tree-sitter left {errors} ERROR nodes (mostly macro arguments such as "
        "container_of(p, struct x, f)); regions where its recovery swallowed "
        "definitions were re-parsed piece by piece"
    )


def summary_text(summary: Summary, cg: CallGraph) -> str:
    entry = cg.functions[summary.entry]
    st = summary.stats
    reach = len(summary.sites)
    extra = sorted(pf.path for pf in cg.files if not in_bpf_dir(pf.path))
    out = textwrap.wrap(
        f"einval churn: {summary.label}, kernel/bpf"
        + "".join(f" + {p}" for p in extra)
        + f" ({summary.files} files, {summary.lines} lines)",
        WIDTH,
        subsequent_indent="  ",
    )
    out.append(f"entry: {entry.name} ({where(entry)})")
    if summary.errno_filter:
        out += wrap("errnos: ", list(summary.errno_filter))
    out += [
        "",
        f"functions   {summary.functions} parsed ({summary.macro_defined} "
        "from SYSCALL_DEFINE*/BPF_CALL_*),",
        f"            {summary.conditional} inside #if/#ifdef blocks",
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
        f"logged      {summary.sites_with_log} sites already have a verifier/BTF log in scope",
        f"by callee   {summary.sites_decided_by_callee} sites are decided by a callee "
        "(if (!f()) return -E)",
        "",
    ]
    out += _histogram_lines(summary)
    out += ["", "whole subsystem, shortest path to each reachable site:"]
    out += cost_table(summary.totals, with_log=True)
    out += ["", "if every path to every site must carry the message:"]
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
        "(number of sites; entry excluded):",
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
        "parse_error_nodes": summary.parse_errors,
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
        },
        "histogram": {
            d: {str(k): v for k, v in summary.histogram[d].items()} for d in DESIGNS
        },
        "designs": {d: _cost_json(c) for d, c in summary.totals.items()},
        "every_path": {d: _cost_json(c) for d, c in summary.every_path.items()},
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
    if not ch.steps:
        out += _unreachable(ch, cg)
        return "\n".join(out) + "\n"
    entry = cg.functions[ch.entry]
    out += [
        "",
        f"path from {entry.name}{_route_words(ch)} (shortest, "
        f"{len(ch.steps) - 1} calls deep):",
    ]
    logs = [s.function.name for s in ch.steps if s.function.log]
    out += _step_table(ch)
    out.append("  attr: a union bpf_attr in scope (param or local variable)")
    if logs:
        out.append("  log: a verifier (env, vlog) or BTF (btf) log in scope")
    out += ["  +1, N: a new log parameter and N call sites to edit; -: unchanged", ""]
    no_attr = [s.function.name for s in ch.steps[1:] if not s.function.attr]
    if len(ch.steps) == 1:
        out.append("in the entry itself: no design changes a prototype")
    else:
        out += wrap("no union bpf_attr in scope: ", no_attr or ["none"], indent="  ")
    if logs:
        out += wrap("already carry a verifier/BTF log: ", logs, indent="  ")
    else:
        out.append("no function on this path carries a verifier/BTF log")
    out += [""] + cost_table(ch.totals)
    out += [
        "(functions: changed prototypes plus the callers that are edited;",
        " current: the log hangs off task_struct, no prototype changes)",
    ]
    out += _ripple_lines(ch, cg)
    return "\n".join(out) + "\n"


def _ripple_lines(ch: Chain, cg: CallGraph) -> list[str]:
    """Ops-table fields whose type changes with a prototype on the path."""
    changed = set(ch.totals["explicit"].prototypes) if ch.totals else set()
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
            out.append(f"decides: {site_where(site)} -{site.errno} in {name}")
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


def _route_words(ch: Chain) -> str:
    labels = [c for c in ch.command if c != ANY_COMMAND]
    words = ""
    if labels:
        words = " via " + "/".join(labels)
    elif ch.command:
        words = " before the command switch"
    if ch.via:
        words += f" through {ch.via.rpartition(':')[2]}"
    return words


def _step_table(ch: Chain) -> list[str]:
    """One row per function; a name too long for 72 columns gets its own line."""
    rows = [
        (
            s.function.name,
            where(s.function),
            s.function.attr or "-",
            _log_word(s.function.log),
            _change(s, "explicit", i),
            _change(s, "attr", i),
        )
        for i, s in enumerate(ch.steps)
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


def _change(step: Any, design: str, index: int) -> str:
    if index == 0:
        return "entry"
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
    how = f" via {'/'.join(ch.command)}" if ch.command else ""
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
        "reachable": bool(ch.steps),
        "command": list(ch.command),
        "via": ch.via or None,
        "reached_by": [{"command": c, "depth": d} for c, d in ch.reached_by],
        "decides": [_site_json(k, s) for k, s in ch.decides],
        "own_sites": [_site_json(None, s) for s in ch.own_sites],
        "path": [
            dict(_func_json(s.function), callers=s.callers, changes=dict(s.changes))
            for s in ch.steps
        ],
        "designs": {d: _cost_json(c) for d, c in ch.totals.items()},
        "ops_followed": cg.follow_ops,
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
