"""The ``einval churn KERNEL_TREE`` subcommand.

``add_parser`` registers it on the main CLI's subparsers; ``run`` does the
work and returns the exit status (2 with a one-line message on bad input).
Heavy modules are imported inside ``run`` so registering stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from einval.errors import InputError

DESCRIPTION = """\
Code churn of each error-reporting design, measured on a kernel tree:
how many prototypes gain a log parameter and how many call sites must
be edited to carry a message from the bpf() entry to each error site,
when the log is (a) an explicit new argument, (b) a field of the
command's union bpf_attr, (c) hung off current (task_struct).
"""


def add_parser(subparsers: Any) -> None:
    """Register ``churn`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "churn",
        help="code churn of each logging design on a kernel tree",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("tree", metavar="KERNEL_TREE", help="kernel source tree (has kernel/bpf/)")
    p.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="PATH",
        help="also parse this file (relative to the tree), e.g. kernel/cgroup/cgroup.c",
    )
    p.add_argument(
        "--no-bridges",
        dest="bridges",
        action="store_false",
        help="do not add the functions outside kernel/bpf that its paths "
        "run through (5.8: cgroup_bpf_attach in kernel/cgroup/cgroup.c)",
    )
    p.add_argument(
        "--ops",
        action="store_true",
        help="follow calls through struct fields (ops tables), over-approximated",
    )
    target = p.add_mutually_exclusive_group()
    target.add_argument("--site", metavar="FILE:LINE", help="one error site")
    target.add_argument("--function", metavar="NAME", help="one function (or FILE:NAME)")
    # dest: the main CLI already uses args.command for the subcommand name
    p.add_argument(
        "--command",
        dest="bpf_command",
        metavar="BPF_CMD",
        help="route through this bpf() command, e.g. BPF_LINK_CREATE",
    )
    p.add_argument("--via", metavar="NAME", help="route through this function")
    p.add_argument(
        "--errno", metavar="LIST", help="summary: only these errnos, e.g. EINVAL,EPERM"
    )
    p.add_argument(
        "--sites",
        choices=("all", "literal"),
        default="all",
        help="what counts as an error site: all (every errno and kind, the "
        "default) or literal (only return -EINVAL/-EPERM/-EOPNOTSUPP;)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the report for ``args``; 0 on success, 2 on bad input."""
    try:
        text = render(args)
    except InputError as err:
        print(f"einval: error: {err}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


def render(args: argparse.Namespace) -> str:
    """The report as a string (raises InputError on bad input)."""
    from einval.churn import analysis, report
    from einval.churn.api import load

    _check_combination(args)
    sources, cg = load(args.tree, args.file, args.ops, args.bridges)
    as_json = args.format == "json"
    if args.site or args.function:
        ch = _chain(cg, args)
        return report.chain_json(ch, cg) if as_json else report.chain_text(ch, cg)
    errnos = _errnos(args.errno, sources.root, cg)
    summary = analysis.summarise(cg, sources.label, errnos, args.sites)
    return report.summary_json(summary, cg) if as_json else report.summary_text(summary, cg)


def _check_combination(args: argparse.Namespace) -> None:
    single = args.site or args.function
    if (args.bpf_command or args.via) and not single:
        raise InputError("--command and --via need --site or --function")
    if args.errno and single:
        raise InputError("--errno applies to the whole-subsystem summary only")
    if args.sites != "all" and single:
        raise InputError("--sites applies to the whole-subsystem summary only")


def _errnos(value: str | None, root: Any, cg: Any) -> tuple[str, ...]:
    """Parse --errno; a name no errno header defines is an error."""
    from einval.churn import errnos

    if not value:
        return ()
    names = sorted({v.strip().lstrip("-").upper() for v in value.split(",") if v.strip()})
    bad = [n for n in names if not n.startswith("E") or not n[1:].replace("_", "").isalnum()]
    if bad or not names:
        raise InputError(f"--errno {value}: expected names like EINVAL,EPERM")
    returned = {s.errno for f in cg.functions.values() for s in f.errors}
    unknown = [n for n in names if n not in errnos.known(root, returned)]
    if unknown:
        raise InputError(f"--errno {value}: unknown errno {', '.join(unknown)}")
    return tuple(names)


def _chain(cg: Any, args: argparse.Namespace) -> Any:
    from einval.churn import analysis, callgraph

    site = None
    if args.site:
        target, site = _site(cg, args.site)
    else:
        target = callgraph.lookup(cg, args.function)
    if args.bpf_command and args.bpf_command not in callgraph.commands(cg):
        entry = cg.functions[cg.entry].name
        raise InputError(f"--command {args.bpf_command}: not a case of {entry}'s command switch")
    via = callgraph.lookup(cg, args.via, "--via") if args.via else ""
    return analysis.chain(cg, target, site=site, command=args.bpf_command or "", via=via)


def _site(cg: Any, value: str) -> tuple[str, Any]:
    from einval.churn import analysis

    file_part, _, line_part = value.rpartition(":")
    if not file_part or not line_part.isdigit() or int(line_part) < 1:
        raise InputError(f"--site {value}: expected FILE:LINE, e.g. kernel/bpf/cgroup.c:657")
    rel = _match_file(cg, file_part, value)
    found = analysis.find_site(cg, rel, int(line_part))
    if found is None:
        hint = _nearby(cg, rel, int(line_part))
        raise InputError(f"--site {value}: no error site on that line ({hint})")
    return found


def _match_file(cg: Any, given: str, value: str) -> str:
    from einval.churn.callgraph import _path_matches

    files = sorted({pf.path for pf in cg.files if _path_matches(pf.path, given)})
    if not files:
        raise InputError(f"--site {value}: {given} is not among the parsed files")
    if len(files) > 1:
        raise InputError(f"--site {value}: {given} is ambiguous ({', '.join(files)})")
    return files[0]


def _nearby(cg: Any, rel: str, line: int) -> str:
    """Name the enclosing function and its site lines, to help a retry."""
    for func in sorted(cg.functions.values(), key=lambda f: (f.file, f.line)):
        if func.file == rel and func.line <= line <= func.end_line:
            lines = sorted({s.line for s in func.errors})
            if not lines:
                return f"{func.name} has none"
            shown = ", ".join(str(n) for n in lines[:8]) + (", ..." if len(lines) > 8 else "")
            return f"sites in {func.name}: {shown}"
    return "not inside a parsed function"
