"""einval churn on a real tree: Debian's linux-source-6.1, when unpacked.

Skipped unless the tree is there; .ci/setup.d/churn.sh installs and
unpacks it, so CI runs these. By hand: ``apt-get install
linux-source-6.1 && tar xJf /usr/src/linux-source-6.1.tar.xz -C
/usr/src``, or point ``EINVAL_KERNEL_TREE`` at an unpacked 6.1 tree.

The chain and its counts were checked by reading kernel/bpf/cgroup.c and
kernel/bpf/syscall.c of 6.1:

* __sys_bpf: ``case BPF_LINK_CREATE: err = link_create(&attr, uattr);``;
  it is called by SYSCALL_DEFINE3(bpf) and by BPF_CALL_3(bpf_sys_bpf)
  (kern_sys_bpf calls ____bpf_sys_bpf, not __sys_bpf, in 6.1.176);
* link_create(union bpf_attr *attr, ...) calls cgroup_bpf_link_attach in
  two cases (cgroup program types, and BPF_PROG_TYPE_LSM with
  BPF_LSM_CGROUP);
* cgroup_bpf_link_attach(const union bpf_attr *attr, ...) calls
  cgroup_bpf_attach (static since 6.0), which is also called by
  cgroup_bpf_prog_attach: 2 call sites; no union bpf_attr there;
* cgroup_bpf_attach calls __cgroup_bpf_attach once (between
  cgroup_lock/unlock), which calls hierarchy_allows_attach once and turns
  false into -EPERM.

explicit: 6 prototypes (__sys_bpf included), 2 + 1 + 2 + 2 + 1 + 1 = 9
call sites, touching those 6 plus sys_bpf, bpf_sys_bpf and
cgroup_bpf_prog_attach. attr: cgroup_bpf_attach, __cgroup_bpf_attach,
hierarchy_allows_attach, 2 + 1 + 1 = 4 call sites, touching those plus
cgroup_bpf_prog_attach and cgroup_bpf_link_attach.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from einval.churn import analysis, callgraph, design_totals, report
from einval.churn.api import load

TREE = Path(os.environ.get("EINVAL_KERNEL_TREE", "/usr/src/linux-source-6.1"))


def _is_61(tree: Path) -> bool:
    makefile = tree / "Makefile"
    if not (tree / "kernel" / "bpf" / "syscall.c").is_file() or not makefile.is_file():
        return False
    head = makefile.read_text(errors="replace")[:400]
    return bool(re.search(r"^VERSION = 6\n", head, re.M)) and bool(
        re.search(r"^PATCHLEVEL = 1\n", head, re.M)
    )


pytestmark = pytest.mark.skipif(not _is_61(TREE), reason=f"no Linux 6.1 tree at {TREE}")


@pytest.fixture(scope="module")
def cg():
    return load(TREE)[1]


def test_entry_is_sys_bpf(cg):
    assert cg.entry == "kernel/bpf/syscall.c:__sys_bpf"


def test_hierarchy_allows_attach_through_link_create(cg):
    target = callgraph.lookup(cg, "hierarchy_allows_attach")
    ch = analysis.chain(cg, target, command="BPF_LINK_CREATE")
    assert [(s.function.name, s.function.attr) for s in ch.steps] == [
        ("__sys_bpf", "local"),
        ("link_create", "param"),
        ("cgroup_bpf_link_attach", "param"),
        ("cgroup_bpf_attach", ""),
        ("__cgroup_bpf_attach", ""),
        ("hierarchy_allows_attach", ""),
    ]
    assert [s.callers for s in ch.steps] == [2, 1, 2, 2, 1, 1]
    assert not any(s.function.log for s in ch.steps)
    counts = {d: ch.totals[d].counts() for d in analysis.DESIGNS}
    assert (counts["explicit"]["prototypes"], counts["explicit"]["call_sites"]) == (6, 9)
    assert counts["explicit"]["functions"] == 9
    assert (counts["attr"]["prototypes"], counts["attr"]["call_sites"]) == (3, 4)
    assert counts["attr"]["functions"] == 5
    assert counts["current"]["prototypes"] == counts["current"]["call_sites"] == 0
    assert ("BPF_LINK_CREATE", 5) in ch.reached_by
    assert ("BPF_PROG_ATTACH", 5) in ch.reached_by
    assert [(k.rpartition(":")[2], s.errno) for k, s in ch.decides] == [
        ("__cgroup_bpf_attach", "EPERM")
    ]
    text = report.chain_text(ch, cg)
    assert all(len(line) <= 72 for line in text.splitlines())
    assert "no union bpf_attr in scope: cgroup_bpf_attach, __cgroup_bpf_attach," in text
    row = next(line for line in text.splitlines() if line.startswith("  __sys_bpf "))
    assert row.split()[-2:] == ["2", "-"] and "+1," in row


def test_without_command_both_tied_routes_are_shown(cg):
    ch = analysis.chain(cg, callgraph.lookup(cg, "hierarchy_allows_attach"))
    assert [r.command for r in ch.routes] == [("BPF_LINK_CREATE",), ("BPF_PROG_ATTACH",)]
    text = report.chain_text(ch, cg)
    assert "2 routes tie at 5 calls deep" in text


def test_btf_parse_vmlinux_is_found_and_reachable(cg):
    key = callgraph.lookup(cg, "btf_parse_vmlinux")
    assert key == "kernel/bpf/btf.c:btf_parse_vmlinux"
    assert not any(f.name == "BTF_ID" for f in cg.functions.values())
    ch = analysis.chain(cg, key)
    assert ch.steps and ch.command == ("BPF_PROG_LOAD",)


def _first_line(tree_file: Path, after: str, text: str) -> int:
    lines = tree_file.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(after))
    return next(i for i in range(start, len(lines)) if lines[i].strip() == text) + 1


def test_stackmap_copy_is_reachable_beside_its_weak_stub(cg):
    """stackmap.c:609 in 6.1.192, 588 in 6.1.176: the first -ENOENT of
    the real bpf_stackmap_copy; syscall.c holds its __weak stub."""
    line = _first_line(
        TREE / "kernel/bpf/stackmap.c", "int bpf_stackmap_copy(", "return -ENOENT;"
    )
    key, site = analysis.find_site(cg, "kernel/bpf/stackmap.c", line)
    assert key == "kernel/bpf/stackmap.c:bpf_stackmap_copy"
    ch = analysis.chain(cg, key, site=site)
    assert [s.function.name for s in ch.steps] == [
        "__sys_bpf", "map_lookup_elem", "bpf_map_copy_value", "bpf_stackmap_copy",
    ]
    assert cg.functions["kernel/bpf/syscall.c:bpf_stackmap_copy"].weak


def _literal_lines(tree: Path) -> int:
    """Independent count: lines that are exactly a literal return."""
    pattern = re.compile(r"^\s*return\s+-E(INVAL|PERM|OPNOTSUPP)\s*;")
    return sum(
        1
        for path in (tree / "kernel" / "bpf").glob("*.c")
        for line in path.read_text(errors="replace").splitlines()
        if pattern.match(line)
    )


def test_literal_sites_agree_with_a_plain_count():
    sources, cg = load(TREE, bridge=False)
    literal = analysis.summarise(cg, sources.label, definition="literal")
    assert literal.sites_total == _literal_lines(TREE)
    assert {r.site.kind for r in literal.sites} == {"return"}


def test_the_eperm_site_itself(cg):
    source = (TREE / "kernel/bpf/cgroup.c").read_text()
    guard = source.splitlines().index("\tif (!hierarchy_allows_attach(cgrp, atype))") + 1
    key, site = analysis.find_site(cg, "kernel/bpf/cgroup.c", guard + 1)
    assert key.endswith(":__cgroup_bpf_attach")
    assert (site.errno, site.because_of) == ("EPERM", ("hierarchy_allows_attach",))


def test_unknown_command_costs_only_the_entry(cg):
    """Andrii's "Unknown BPF command 123": the default of __sys_bpf's switch."""
    entry = cg.functions[cg.entry]
    default = [s for s in entry.errors if s.kind == "assign+break"]
    assert [s.errno for s in default] == ["EINVAL"]
    ch = analysis.chain(cg, cg.entry, site=default[0])
    assert ch.totals["explicit"].prototypes == [cg.entry]
    assert ch.totals["attr"].counts()["prototypes"] == 0


def test_design_totals_order(cg):
    totals = design_totals(TREE)
    assert totals["explicit"]["prototypes"] > totals["attr"]["prototypes"] > 0
    assert totals["explicit"]["call_sites"] > totals["attr"]["call_sites"] > 0
    assert totals["current"]["prototypes"] == totals["current"]["call_sites"] == 0


def test_figures_of_debian_6_1_176():
    """Regression figures of the tree measured for the docs (6.1.176 only)."""
    if "SUBLEVEL = 176\n" not in (TREE / "Makefile").read_text()[:400]:
        pytest.skip("figures recorded for 6.1.176")
    totals = design_totals(TREE)
    assert totals["explicit"] == {
        "prototypes": 323,
        "call_sites": 634,
        "functions": 397,
        "already_carry_log": 133,
        "ops_ripple_prototypes": 16,
    }
    assert totals["attr"] == {
        "prototypes": 263,
        "call_sites": 564,
        "functions": 379,
        "already_carry_log": 127,
        "ops_ripple_prototypes": 16,
    }
    sources, cg = load(TREE, bridge=False)
    literal = analysis.summarise(cg, sources.label, definition="literal")
    assert (literal.sites_total, len(literal.sites)) == (693, 425)
    sources, cg = load(TREE)
    literal = analysis.summarise(cg, sources.label, definition="literal")
    assert (literal.sites_total, len(literal.sites)) == (699, 431)
