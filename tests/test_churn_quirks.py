"""einval churn on tests/data/ktree61: the constructs that lost paths on 6.1.

Each test names the construct, the way it went wrong before (issue 10) and
what the fixed tool must find. Counts are derived by hand from the files
of tests/data/ktree61; the derivation is in the comments.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from einval.churn import analysis, callgraph, design_totals
from einval.churn.api import load
from einval.churn.preprocess import preprocess
from einval.errors import InputError

KTREE61 = Path(__file__).parent / "data" / "ktree61"


def graph():
    return load(KTREE61)[1]


def names(cg, keys):
    return [cg.functions[k].name for k in keys]


def callees(cg, key):
    return sorted({c.callee for c in cg.functions[key].calls})


# -- parsing -----------------------------------------------------------------
def test_btf_id_lines_do_not_swallow_the_next_definition():
    """BTF_SET_START/BTF_ID/BTF_SET_END and a two-line BTF_ID_LIST_SINGLE
    carry no semicolon; read with the definition below they made one
    function named BTF_ID and btf_parse_vmlinux vanished."""
    cg = graph()
    assert "BTF_ID" not in {f.name for f in cg.functions.values()}
    key = callgraph.lookup(cg, "btf_parse_vmlinux")
    func = cg.functions[key]
    assert (func.file, func.line, func.returns) == ("kernel/bpf/btf.c", 12, "struct btf *")
    assert [(s.errno, s.kind) for s in func.errors] == [
        ("ENOMEM", "ERR_PTR"),
        ("EINVAL", "ERR_PTR"),
    ]
    # __sys_bpf -> bpf_prog_load -> bpf_get_btf_vmlinux -> btf_parse_vmlinux
    ch = analysis.chain(cg, key)
    assert names(cg, [s.key for s in ch.steps]) == [
        "__sys_bpf", "bpf_prog_load", "bpf_get_btf_vmlinux", "btf_parse_vmlinux",
    ]


def test_rewrites_keep_every_byte_in_place():
    source = (KTREE61 / "kernel/bpf/cgroup.c").read_bytes()
    text, _ = preprocess(source)
    assert len(text) == len(source) and text.count(b"\n") == source.count(b"\n")
    assert b"while                       (stype)" in text
    assert b"struct_bpf_map" in preprocess((KTREE61 / "kernel/bpf/syscall.c").read_bytes())[0]


def test_brace_less_iterator_keeps_its_statement():
    """for_each_cgroup_storage_type(stype) followed by an if, no braces:
    the if (its call and its -ENOMEM) was lost in an ERROR node."""
    cg = graph()
    key = "kernel/bpf/cgroup.c:bpf_cgroup_storages_alloc"
    assert callees(cg, key) == ["bpf_cgroup_storage_alloc", "bpf_cgroup_storage_check"]
    sites = [(s.line, s.errno, s.because_of) for s in cg.functions[key].errors]
    assert sites == [
        (18, "ENOMEM", ("bpf_cgroup_storage_alloc",)),
        (21, "EBUSY", ("bpf_cgroup_storage_check",)),
    ]


def test_type_as_macro_argument_keeps_the_call():
    """bpf_map_freeze_now(container_of(owner, struct bpf_map, owner));
    as a statement was an ERROR, and the call was lost."""
    cg = graph()
    assert "bpf_map_freeze_now" in callees(cg, "kernel/bpf/syscall.c:map_freeze")
    ch = analysis.chain(cg, callgraph.lookup(cg, "bpf_map_freeze_now"))
    assert ch.command == ("BPF_MAP_FREEZE",)


def test_remaining_parse_errors_are_reported_with_place():
    """An if/else split by #ifdef cannot be parsed: one region, inside
    bpf_cgroup_pick_run, line 31 (the dangling else)."""
    sources, cg = load(KTREE61)
    summary = analysis.summarise(cg, sources.label)
    assert [(e.file, e.line, e.function) for e in summary.parse_errors] == [
        ("kernel/bpf/cgroup.c", 31, "bpf_cgroup_pick_run")
    ]


# -- resolution ----------------------------------------------------------------
def test_weak_stub_in_the_callers_file_does_not_hide_the_real_one():
    """syscall.c calls bpf_stackmap_copy and holds its __weak stub; the
    real one is in stackmap.c. Both are callees; stackmap.c:11 is reachable."""
    cg = graph()
    weak = cg.functions["kernel/bpf/syscall.c:bpf_stackmap_copy"]
    assert weak.weak and not cg.functions["kernel/bpf/stackmap.c:bpf_stackmap_copy"].weak
    targets = {
        t for s in cg.sites if s.call.callee == "bpf_stackmap_copy" for t in s.targets
    }
    assert targets == {
        "kernel/bpf/stackmap.c:bpf_stackmap_copy",
        "kernel/bpf/syscall.c:bpf_stackmap_copy",
    }
    key, site = analysis.find_site(cg, "kernel/bpf/stackmap.c", 11)
    ch = analysis.chain(cg, key, site=site)
    assert names(cg, [s.key for s in ch.steps]) == [
        "__sys_bpf", "map_lookup_elem", "bpf_map_copy_value", "bpf_stackmap_copy",
    ]
    # explicit: __sys_bpf, map_lookup_elem, bpf_map_copy_value and both
    # definitions of bpf_stackmap_copy (one prototype in C); call sites:
    # __sys_bpf's 2 (sys_bpf, bpf_sys_bpf) + 1 + 1 + 1 = 5; touched: those 5
    # plus sys_bpf and bpf_sys_bpf
    assert ch.totals["explicit"].counts()["prototypes"] == 5
    assert ch.totals["explicit"].counts()["call_sites"] == 5
    assert ch.totals["explicit"].counts()["functions"] == 7
    # attr: bpf_map_copy_value and the two bpf_stackmap_copy; 1 + 1 sites;
    # touched adds map_lookup_elem
    assert ch.totals["attr"].counts() == {
        "prototypes": 3,
        "call_sites": 2,
        "functions": 4,
        "already_carry_log": 0,
        "ops_ripple_prototypes": 0,
    }


def test_bpf_call_inner_name_resolves():
    """kern_sys_bpf calls ____bpf_sys_bpf, the body BPF_CALL_3 defines."""
    cg = graph()
    site = next(s for s in cg.sites if s.caller.endswith(":kern_sys_bpf"))
    assert site.targets == ("kernel/bpf/syscall.c:bpf_sys_bpf",)


# -- the entry -------------------------------------------------------------------
def test_explicit_counts_the_entry_and_its_callers():
    """Thread example on 6.1's shape: __sys_bpf gains the log; its callers
    sys_bpf (SYSCALL_DEFINE3 -> 5) and bpf_sys_bpf edit their call."""
    cg = graph()
    assert cg.entry == "kernel/bpf/syscall.c:__sys_bpf"
    ch = analysis.chain(cg, callgraph.lookup(cg, "hierarchy_allows_attach"))
    assert [r.command for r in ch.routes] == [("BPF_LINK_CREATE",)]
    assert [(s.function.name, s.callers, s.changes["explicit"]) for s in ch.steps] == [
        ("__sys_bpf", 2, True),
        ("link_create", 1, True),
        ("cgroup_bpf_link_attach", 1, True),
        ("cgroup_bpf_attach", 1, True),
        ("__cgroup_bpf_attach", 1, True),
        ("hierarchy_allows_attach", 1, True),
    ]
    # 6 prototypes; 2 + 1 + 1 + 1 + 1 + 1 call sites; touched: the 6 plus
    # sys_bpf and bpf_sys_bpf
    assert ch.totals["explicit"].counts()["prototypes"] == 6
    assert ch.totals["explicit"].counts()["call_sites"] == 7
    assert ch.totals["explicit"].counts()["functions"] == 8
    # attr: __sys_bpf has a local union bpf_attr: unchanged
    assert not ch.steps[0].changes["attr"]
    assert ch.totals["attr"].counts()["prototypes"] == 3


# -- site definitions ------------------------------------------------------------
def test_literal_sites():
    """Literal: return -EINVAL/-EPERM/-EOPNOTSUPP; only: map_lookup_elem's
    EINVAL, bpf_prog_load's EPERM, bpf_sys_bpf's EINVAL (unreachable: it
    is a BPF helper, not below the entry) and __cgroup_bpf_attach's EPERM."""
    sources, cg = load(KTREE61)
    literal = analysis.summarise(cg, sources.label, definition="literal")
    assert literal.sites_total == 4 and len(literal.sites) == 3
    assert literal.by_errno == {"EINVAL": 1, "EPERM": 2}
    every = analysis.summarise(cg, sources.label)
    # all 14 sites (syscall.c 7, stackmap.c 1, btf.c 2, cgroup.c 4), all
    # but bpf_sys_bpf's reachable
    assert every.sites_total == 14 and len(every.sites) == 13
    assert every.reachable_functions == 16


def test_design_totals_with_literal_sites():
    """Literal, reachable: map_lookup_elem's EINVAL, bpf_prog_load's EPERM,
    __cgroup_bpf_attach's EPERM. explicit: __sys_bpf, map_lookup_elem,
    bpf_prog_load, link_create, cgroup_bpf_link_attach, cgroup_bpf_attach,
    __cgroup_bpf_attach; call sites 2 (sys_bpf, bpf_sys_bpf) + 6 x 1;
    touched: those 7 plus sys_bpf and bpf_sys_bpf."""
    totals = design_totals(KTREE61, sites="literal")
    assert totals["explicit"] == {
        "prototypes": 7,
        "call_sites": 8,
        "functions": 9,
        "already_carry_log": 0,
        "ops_ripple_prototypes": 0,
    }
    # attr: only cgroup_bpf_attach and __cgroup_bpf_attach lack a union
    # bpf_attr; 1 + 1 call sites; touched adds cgroup_bpf_link_attach
    assert totals["attr"]["prototypes"] == 2
    assert totals["attr"]["call_sites"] == 2
    assert totals["attr"]["functions"] == 3
    with pytest.raises(InputError, match="sites='some'"):
        design_totals(KTREE61, sites="some")
