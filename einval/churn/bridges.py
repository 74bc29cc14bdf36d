"""Functions outside kernel/bpf that a bpf() path runs through.

In 5.8 (the tree of the 2020 thread) ``cgroup_bpf_link_attach`` in
kernel/bpf/cgroup.c calls ``cgroup_bpf_attach``, which is defined in
kernel/cgroup/cgroup.c (it takes ``cgroup_mutex`` there) and calls back
into ``__cgroup_bpf_attach`` in kernel/bpf. Parsing kernel/bpf alone cuts
the thread's own path in two. Such a function is a *bridge*: defined in a
C file under kernel/ outside kernel/bpf, called from kernel/bpf, and
calling a non-static function of kernel/bpf. Only the bridges are added,
not the rest of their files, so the figures stay those of the bpf
subsystem plus the few functions its paths cannot avoid.

Finding them costs one regular-expression pass over kernel/**/*.c (the
candidates: a definition of a wanted name starting a line) and a
tree-sitter parse of the few files that have one.
"""

from __future__ import annotations

import re
from pathlib import Path

from einval.churn.parse import Function, ParsedFile, parse_file
from einval.churn.tree import BPF_DIR

# A line that starts a definition: type words, then NAME( (no leading blank).
_DEF_LINE_RE = re.compile(rb"^(?:[A-Za-z_][\w \t*]*[ \t*])?([A-Za-z_]\w*)\(", re.M)
_CALLED_RE = re.compile(rb"\b([A-Za-z_]\w*)\s*\(")


def find(root: Path, parsed: list[ParsedFile]) -> list[ParsedFile]:
    """Bridge functions for ``parsed`` (the kernel/bpf files), per file."""
    defined = {f.name for pf in parsed for f in pf.functions.values()}
    into_bpf = {
        f.name
        for pf in parsed
        if pf.path.startswith(BPF_DIR + "/")
        for f in pf.functions.values()
        if not f.static
    }
    wanted = {
        call.callee
        for pf in parsed
        if pf.path.startswith(BPF_DIR + "/")
        for f in pf.functions.values()
        for call in f.calls
        if not call.indirect
    } - defined
    taken = {pf.path for pf in parsed}
    out = []
    for rel in _candidates(root, wanted, into_bpf, taken):
        whole = parse_file(root, rel)
        keep = {
            name: func
            for name, func in whole.functions.items()
            if name in wanted and not func.static and _calls_into(func, into_bpf)
        }
        if keep:
            out.append(_only(whole, keep))
    return out


def _candidates(
    root: Path, wanted: set[str], into_bpf: set[str], taken: set[str]
) -> list[str]:
    """Files under kernel/ (not kernel/bpf) that seem to define a bridge.

    Textual prefilter, so that only those few files are parsed: a line
    starting a definition of a wanted name, whose text up to the next
    column-0 ``}`` calls a non-static kernel/bpf function. The parse then
    decides.
    """
    kernel = root / "kernel"
    if not kernel.is_dir() or not wanted:
        return []
    out = []
    for path in sorted(kernel.rglob("*.c")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(BPF_DIR + "/") or rel in taken or not path.is_file():
            continue
        text = path.read_bytes()
        for match in _DEF_LINE_RE.finditer(text):
            if match.group(1).decode() not in wanted:
                continue
            end = text.find(b"\n}", match.end())
            body = text[match.end() : end if end >= 0 else len(text)]
            if {m.decode() for m in _CALLED_RE.findall(body)} & into_bpf:
                out.append(rel)
                break
    return out


def _calls_into(func: Function, into_bpf: set[str]) -> bool:
    return any(not c.indirect and c.callee in into_bpf for c in func.calls)


def _only(whole: ParsedFile, keep: dict[str, Function]) -> ParsedFile:
    """The file reduced to its bridge functions (and their parse errors)."""
    names = set(keep)
    return ParsedFile(
        path=whole.path,
        functions=keep,
        ops=[],
        errors=[e for e in whole.errors if e.function in names],
        lines=sum(f.end_line - f.line + 1 for f in keep.values()),
        bridges=tuple(sorted(names)),
    )
