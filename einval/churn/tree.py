"""Locate the C files to analyse inside a kernel source tree.

Kept apart from parsing so that every bad-input case (missing tree, no
kernel/bpf, missing --file) is reported in one place as an InputError
before any parsing work starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from einval.errors import InputError

BPF_DIR = "kernel/bpf"


@dataclass(frozen=True)
class SourceSet:
    """The files of one analysis: tree root plus paths relative to it."""

    root: Path
    files: tuple[str, ...]
    label: str


def find_sources(tree: str | Path, extra_files: tuple[str, ...] = ()) -> SourceSet:
    """Return kernel/bpf/*.c plus ``extra_files``, sorted, relative to the tree.

    Only the top level of kernel/bpf is taken: kernel/bpf/preload holds BPF
    programs and a loader module, not the bpf() syscall path.
    """
    root = Path(tree)
    if not root.is_dir():
        raise InputError(f"{tree}: no such directory (expected a kernel tree)")
    bpf = root / BPF_DIR
    if not bpf.is_dir():
        raise InputError(f"{tree}: no {BPF_DIR}/ directory: not a kernel tree?")
    files = {p.relative_to(root).as_posix() for p in bpf.glob("*.c") if p.is_file()}
    if not files:
        raise InputError(f"{tree}: {BPF_DIR}/ holds no .c files")
    for extra in extra_files:
        files.add(_relative_extra(root, extra))
    return SourceSet(root=root, files=tuple(sorted(files)), label=tree_label(root))


def _relative_extra(root: Path, extra: str) -> str:
    """Resolve one --file argument against the tree (or as given)."""
    candidate = Path(extra)
    if not candidate.is_absolute():
        candidate = root / extra
    if not candidate.is_file():
        raise InputError(f"--file {extra}: no such file in {root}")
    try:
        return candidate.resolve().relative_to(root.resolve()).as_posix()
    except ValueError as err:
        raise InputError(f"--file {extra}: not inside the tree {root}") from err


def tree_label(root: Path) -> str:
    """Name the tree by its kernel version (from the top Makefile) if present.

    The version, not the path, so the same tree unpacked elsewhere gives the
    same output bytes.
    """
    makefile = root / "Makefile"
    if makefile.is_file():
        head = makefile.read_text(errors="replace")[:2000]
        parts = [_make_var(head, k) for k in ("VERSION", "PATCHLEVEL", "SUBLEVEL")]
        if parts[0] and parts[1]:
            version = ".".join(p for p in parts if p)
            return f"Linux {version}"
    return root.resolve().name


def _make_var(text: str, name: str) -> str:
    match = re.search(rf"^{name}\s*=\s*(\S*)", text, re.M)
    return match.group(1) if match else ""


def in_bpf_dir(rel: str) -> bool:
    """A file directly in kernel/bpf (the default set), not an extra one."""
    bpf = BPF_DIR + "/"
    return rel.startswith(bpf) and "/" not in rel[len(bpf) :]


def display_path(rel: str) -> str:
    """kernel/bpf/x.c -> x.c, kernel/cgroup/cgroup.c -> cgroup/cgroup.c.

    Short enough for 72-column tables, still unambiguous: a bare name is
    always a file of kernel/bpf.
    """
    if in_bpf_dir(rel):
        return rel[len(BPF_DIR) + 1 :]
    return rel[len("kernel/") :] if rel.startswith("kernel/") else rel
