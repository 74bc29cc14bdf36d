"""einval churn on tests/data/ktree: exact counts derived by hand.

The tree has the shapes of Linux 5.8 (SYSCALL_DEFINE3 entry with the
command switch; cgroup_bpf_attach in kernel/cgroup/cgroup.c, outside
kernel/bpf). Every number below was worked out from the C files; the
derivation is in the comments so that a failing assertion can be checked
against the source rather than against the tool.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from einval.churn import analysis, callgraph, design_totals
from einval.churn.api import load
from einval.errors import InputError

KTREE = Path(__file__).parent / "data" / "ktree"
CGROUP = "kernel/cgroup/cgroup.c"


def graph(extra=(), ops=False, bridge=False):
    """kernel/bpf alone by default: the hand-derived counts below assume it."""
    return load(KTREE, extra, ops, bridge)


def summary(extra=(), ops=False, errnos=(), bridge=False, definition="all"):
    sources, cg = graph(extra, ops, bridge)
    return analysis.summarise(cg, sources.label, errnos, definition), cg


def names(cg, keys):
    return [cg.functions[k].name for k in keys]


# -- parsing -----------------------------------------------------------------
def test_functions_including_macro_defined_ones():
    # syscall.c 9 (incl. SYSCALL_DEFINE3 -> sys_bpf), cgroup.c 6,
    # verifier.c 4 (fixup_call_args twice under #ifdef, merged), hashtab.c 2,
    # arraymap.c 1, helpers.c 1 (BPF_CALL_2) = 23
    _, cg = graph()
    assert len(cg.functions) == 23
    by_name = {f.name: f for f in cg.functions.values()}
    assert by_name["sys_bpf"].macro == "SYSCALL_DEFINE3"
    assert by_name["bpf_map_lookup_elem"].macro == "BPF_CALL_2"
    assert by_name["bpf_map_lookup_elem"].params == ("struct bpf_map * map", "void * key")
    assert by_name["map_check_flags"].static and by_name["map_check_flags"].inline
    assert by_name["hierarchy_allows_attach"].returns == "bool"
    assert by_name["find_and_alloc_map"].returns == "struct bpf_map *"


def test_ifdef_branches_are_both_parsed_and_merged():
    _, cg = graph()
    fixup = cg.functions["kernel/bpf/verifier.c:fixup_call_args"]
    assert fixup.definitions == 2 and fixup.conditional
    # the -EINVAL of the #else branch is kept
    assert [s.errno for s in fixup.errors] == ["EINVAL"]


def test_attr_and_log_scope():
    _, cg = graph()
    by_name = {f.name: f for f in cg.functions.values()}
    assert by_name["sys_bpf"].attr == "local"  # union bpf_attr attr; (uattr is __user)
    assert by_name["link_create"].attr == "param"
    assert by_name["cgroup_bpf_link_attach"].attr == "param"  # const union bpf_attr *
    assert by_name["__cgroup_bpf_attach"].attr == ""
    assert by_name["check_reg_arg"].log == "struct bpf_verifier_env * (param)"
    assert by_name["bpf_check"].log == "struct bpf_verifier_env * (local)"
    assert by_name["bpf_check"].attr == "param"


def test_error_site_kinds():
    _, cg = graph([CGROUP])
    sites = {
        (f.name, s.errno, s.kind)
        for f in cg.functions.values()
        for s in f.errors
    }
    assert ("find_and_alloc_map", "EINVAL", "ERR_PTR") in sites
    assert ("bpf_map_update_value", "EINVAL", "assign+goto") in sites
    assert ("map_update_elem", "EFAULT", "assign+if") in sites
    assert ("sys_bpf", "EINVAL", "assign+break") in sites  # unknown command
    assert ("link_create", "EINVAL", "assign+break") in sites
    # prog_list_length's loop and hierarchy_allows_attach return no errno
    assert not any(n in ("prog_list_length", "hierarchy_allows_attach") for n, _, _ in sites)


def test_deciding_callee_is_recorded():
    _, cg = graph()
    attach = cg.functions["kernel/bpf/cgroup.c:__cgroup_bpf_attach"]
    decided = {s.errno: s.because_of for s in attach.errors}
    assert decided == {
        "EINVAL": (),
        "EPERM": ("hierarchy_allows_attach",),
        "E2BIG": ("prog_list_length",),
    }


def test_entry_commands_from_the_switch():
    _, cg = graph()
    cmds = callgraph.commands(cg)
    assert sorted(cmds) == [
        "BPF_LINK_CREATE",
        "BPF_MAP_CREATE",
        "BPF_MAP_UPDATE_ELEM",
        "BPF_PROG_ATTACH",
        "BPF_PROG_LOAD",
    ]
    assert names(cg, cmds["BPF_LINK_CREATE"]) == ["link_create"]


# -- whole subsystem -----------------------------------------------------------
def test_summary_counts_without_extra_files():
    s, cg = summary()
    assert cg.functions[s.entry].name == "sys_bpf"
    # sites: syscall.c 12, cgroup.c 5, verifier.c 3, hashtab.c 1, arraymap.c 2
    assert s.sites_total == 23
    # unreachable: cgroup_bpf_attach is not defined without kernel/cgroup/cgroup.c,
    # so __cgroup_bpf_attach (3), cgroup_bpf_prog_detach (1) and the two map
    # ops (1 + 2, only through map->ops) are cut off: 23 - 7 = 16
    assert len(s.sites) == 16
    assert s.reachable_functions == 15
    assert s.by_errno == {"E2BIG": 2, "EFAULT": 2, "EINVAL": 11, "ENOMEM": 1}
    assert s.by_kind == {
        "ERR_PTR": 1,
        "assign+break": 2,
        "assign+goto": 1,
        "assign+if": 1,
        "return": 11,
    }
    assert s.sites_with_log == 3  # check_reg_arg, fixup_call_args, bpf_check


def test_histogram_of_new_parameters_per_path():
    s, _ = summary()
    # explicit counts the entry (SYSCALL_DEFINE3 -> SYSCALL_DEFINE5): 3 sites
    # in the entry (1), 6 one below (2), 5 two below (3), check_reg_arg and
    # fixup_call_args three below (4)
    assert s.histogram["explicit"] == {1: 3, 2: 6, 3: 5, 4: 2}
    # attr: only map_check_flags, bpf_map_update_value, check_reg_arg and
    # fixup_call_args lack a union bpf_attr: one each on their paths
    assert s.histogram["attr"] == {0: 12, 1: 4}
    assert s.histogram["current"] == {0: 16}


def test_design_totals_on_shortest_paths():
    s, _ = summary()
    # explicit: the 12 non-entry functions on the paths plus the entry
    # (sys_bpf: SYSCALL_DEFINE3 -> SYSCALL_DEFINE5, no callers); 14 call
    # sites (cgroup_bpf_link_attach is called twice, check_reg_arg twice);
    # touched: those 13 + do_check (a caller of check_reg_arg)
    assert s.totals["explicit"].counts() == {
        "prototypes": 13,
        "call_sites": 14,
        "functions": 14,
        "already_carry_log": 3,
        "ops_ripple_prototypes": 0,
    }
    # attr: map_check_flags, bpf_map_update_value, check_reg_arg,
    # fixup_call_args; 1 + 1 + 2 + 1 call sites; touched adds map_create,
    # map_update_elem, bpf_check, do_check
    assert s.totals["attr"].counts() == {
        "prototypes": 4,
        "call_sites": 5,
        "functions": 8,
        "already_carry_log": 2,
        "ops_ripple_prototypes": 0,
    }
    assert s.totals["current"].counts()["prototypes"] == 0
    assert s.totals["current"].counts()["call_sites"] == 0


def test_every_path_adds_functions_off_the_shortest_paths():
    s, cg = summary()
    # do_check reaches check_reg_arg but is on no shortest path
    extra = set(s.every_path["explicit"].prototypes) - set(s.totals["explicit"].prototypes)
    assert names(cg, extra) == ["do_check"]
    assert s.every_path["explicit"].counts()["prototypes"] == 14
    assert s.every_path["explicit"].counts()["call_sites"] == 15
    assert s.every_path["attr"].counts()["prototypes"] == 5


def test_extra_file_connects_the_cgroup_path():
    s, cg = summary([CGROUP])
    # + cgroup_bpf_attach and cgroup_get_from_fd (reached, no site)
    assert len(cg.functions) == 25
    assert s.reachable_functions == 20
    assert len(s.sites) == 19  # + __cgroup_bpf_attach's three
    assert s.sites_decided_by_callee == 2  # -EPERM and -E2BIG
    # + cgroup_bpf_prog_attach (1 site), cgroup_bpf_attach (2), __cgroup_bpf_attach (1)
    assert s.totals["explicit"].counts()["prototypes"] == 16
    assert s.totals["explicit"].counts()["call_sites"] == 18
    assert s.totals["explicit"].counts()["functions"] == 17
    # + cgroup_bpf_attach and __cgroup_bpf_attach (no attr there)
    assert s.totals["attr"].counts()["prototypes"] == 6
    assert s.totals["attr"].counts()["call_sites"] == 8
    assert s.totals["attr"].counts()["functions"] == 12


def test_bridges_connect_the_cgroup_path_without_file():
    """5.8 layout: cgroup_bpf_attach is found in kernel/cgroup/cgroup.c.

    It is called from kernel/bpf/cgroup.c and calls __cgroup_bpf_attach
    there; cgroup_get_from_fd (same file) calls nothing in kernel/bpf and
    is left out. The figures are those of --file CGROUP, less that one
    function.
    """
    s, cg = summary(bridge=True)
    bridged = [pf for pf in cg.files if pf.bridges]
    assert [(pf.path, pf.bridges) for pf in bridged] == [(CGROUP, ("cgroup_bpf_attach",))]
    assert len(cg.functions) == 24
    assert s.reachable_functions == 19
    assert len(s.sites) == 19
    with_file, _ = summary([CGROUP])
    for design in analysis.DESIGNS:
        assert s.totals[design].counts() == with_file.totals[design].counts()


def test_bridges_need_a_call_back_into_kernel_bpf(tmp_path):
    """A function outside kernel/bpf that kernel/bpf calls is not enough."""
    bpf = tmp_path / "kernel" / "bpf"
    bpf.mkdir(parents=True)
    (tmp_path / "kernel" / "fork.c").write_text(
        "int helper_outside(void)\n{\n\treturn -EAGAIN;\n}\n"
    )
    (bpf / "syscall.c").write_text(
        "static int __sys_bpf(int cmd, bpfptr_t uattr, unsigned int size)\n"
        "{\n\treturn helper_outside();\n}\n"
    )
    _, cg = load(tmp_path)
    assert [pf.path for pf in cg.files] == ["kernel/bpf/syscall.c"]


def test_ops_reach_the_map_implementations():
    s, cg = summary(ops=True)
    assert s.stats["indirect_call_sites"] == 2
    assert s.stats["indirect_resolved"] == 2
    # map_update_elem -> {htab, array}; map_lookup_elem -> {htab}
    assert s.stats["indirect_edges"] == 3
    assert s.reachable_functions == 17
    assert len(s.sites) == 19
    # both map implementations now change, each stored in
    # bpf_map_ops.map_update_elem: no other implementation is left over
    assert s.totals["explicit"].counts()["prototypes"] == 15
    assert s.totals["explicit"].counts()["ops_ripple_prototypes"] == 0


def test_errno_filter():
    s, _ = summary(errnos=("EFAULT",))
    assert s.sites_total == 2 and len(s.sites) == 2
    # sys_bpf's copy_from_user and map_update_elem's: both gain the log
    assert s.totals["explicit"].counts()["prototypes"] == 2


def test_design_totals_api():
    totals = design_totals(KTREE, extra_files=[CGROUP])
    assert sorted(totals) == ["attr", "current", "explicit"]
    assert totals["explicit"]["prototypes"] == 16
    assert totals["explicit"]["call_sites"] == 18
    assert totals["attr"]["prototypes"] == 6
    assert totals["attr"]["call_sites"] == 8
    assert totals["current"] == {
        "prototypes": 0,
        "call_sites": 0,
        "functions": 0,
        "already_carry_log": 0,
        "ops_ripple_prototypes": 0,
    }


# -- one chain -----------------------------------------------------------------
def chain_for(name, extra=(CGROUP,), ops=False, command=""):
    _, cg = graph(extra, ops, bridge=False)
    return analysis.chain(cg, callgraph.lookup(cg, name), command=command), cg


def test_thread_example_through_link_create():
    ch, cg = chain_for("hierarchy_allows_attach", command="BPF_LINK_CREATE")
    assert [s.function.name for s in ch.steps] == [
        "sys_bpf",
        "link_create",
        "cgroup_bpf_link_attach",
        "cgroup_bpf_attach",
        "__cgroup_bpf_attach",
        "hierarchy_allows_attach",
    ]
    assert ch.command == ("BPF_LINK_CREATE",)
    assert [s.callers for s in ch.steps] == [0, 1, 2, 2, 1, 1]
    # the entry, Alexei's four and hierarchy_allows_attach itself;
    # 0+1+2+2+1+1 call sites; touched adds cgroup_bpf_prog_attach
    assert ch.totals["explicit"].counts()["prototypes"] == 6
    assert ch.totals["explicit"].counts()["call_sites"] == 7
    assert ch.totals["explicit"].counts()["functions"] == 7
    # Andrii's point: three of them have no union bpf_attr
    assert names(cg, ch.totals["attr"].prototypes) == [
        "__cgroup_bpf_attach",
        "hierarchy_allows_attach",
        "cgroup_bpf_attach",
    ]
    assert ch.totals["attr"].counts()["call_sites"] == 4
    assert ch.totals["attr"].counts()["functions"] == 5
    assert ch.totals["current"].counts()["prototypes"] == 0
    assert [(names(cg, [k])[0], s.errno) for k, s in ch.decides] == [
        ("__cgroup_bpf_attach", "EPERM")
    ]


def test_routes_that_tie_are_all_kept():
    ch, _ = chain_for("hierarchy_allows_attach")
    assert ch.reached_by == [("BPF_LINK_CREATE", 5), ("BPF_PROG_ATTACH", 5)]
    assert [r.command for r in ch.routes] == [("BPF_LINK_CREATE",), ("BPF_PROG_ATTACH",)]
    assert [s.function.name for s in ch.routes[1].steps][1:3] == [
        "bpf_prog_attach",
        "cgroup_bpf_prog_attach",
    ]
    # bpf_prog_attach 1 + cgroup_bpf_prog_attach 1 + 2 + 1 + 1
    assert ch.routes[1].totals["explicit"].counts()["call_sites"] == 6
    # every path: sys_bpf, both commands' two functions, the last three
    assert ch.every_functions == 8
    assert ch.every["explicit"].counts() == {
        "prototypes": 8,
        "call_sites": 9,
        "functions": 8,
        "already_carry_log": 0,
        "ops_ripple_prototypes": 0,
    }


def test_asked_command_gives_one_route():
    ch, _ = chain_for("hierarchy_allows_attach", command="BPF_PROG_ATTACH")
    assert len(ch.routes) == 1 and ch.command == ("BPF_PROG_ATTACH",)
    assert ch.every_functions == 6


def test_via_function():
    _, cg = graph([CGROUP])
    target = callgraph.lookup(cg, "hierarchy_allows_attach")
    via = callgraph.lookup(cg, "link_create")
    ch = analysis.chain(cg, target, via=via)
    assert [s.function.name for s in ch.steps][1] == "link_create"


def test_unreachable_without_the_cgroup_file():
    ch, _ = chain_for("hierarchy_allows_attach", extra=())
    assert ch.steps == [] and ch.totals == {}


def test_ops_chain_and_ripple():
    ch, cg = chain_for("htab_map_update_elem", extra=(), ops=True)
    assert [s.function.name for s in ch.steps] == [
        "sys_bpf",
        "map_update_elem",
        "bpf_map_update_value",
        "htab_map_update_elem",
    ]
    explicit = ch.totals["explicit"]
    assert explicit.counts()["prototypes"] == 4
    assert explicit.counts()["call_sites"] == 3  # incl. map->ops->map_update_elem
    # bpf_map_ops.map_update_elem changes type: array_map_update_elem too
    assert names(cg, explicit.ops_ripple) == ["array_map_update_elem"]


def test_site_lookup():
    _, cg = graph([CGROUP])
    key, site = analysis.find_site(cg, "kernel/bpf/cgroup.c", 51)
    assert cg.functions[key].name == "__cgroup_bpf_attach" and site.errno == "EPERM"
    # a line inside an assign+goto span finds its site
    key, site = analysis.find_site(cg, "kernel/bpf/syscall.c", 45)
    assert site.kind == "assign+goto" and site.line == 44
    assert analysis.find_site(cg, "kernel/bpf/syscall.c", 1) is None


# -- bad input -----------------------------------------------------------------
def test_missing_tree(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        load(tmp_path / "nope")


def test_not_a_kernel_tree(tmp_path):
    with pytest.raises(InputError, match="no kernel/bpf"):
        load(tmp_path)
    (tmp_path / "kernel" / "bpf").mkdir(parents=True)
    with pytest.raises(InputError, match="no .c files"):
        load(tmp_path)


def test_no_entry_point(tmp_path):
    bpf = tmp_path / "kernel" / "bpf"
    bpf.mkdir(parents=True)
    (bpf / "x.c").write_text("int f(void)\n{\n\treturn -EINVAL;\n}\n")
    with pytest.raises(InputError, match="no bpf\\(\\) entry point"):
        load(tmp_path)


def test_missing_extra_file():
    with pytest.raises(InputError, match="--file kernel/nope.c"):
        load(KTREE, ["kernel/nope.c"])


def test_unknown_and_ambiguous_function(tmp_path):
    _, cg = graph()
    with pytest.raises(InputError, match="no such function"):
        callgraph.lookup(cg, "no_such_function")
    bpf = tmp_path / "kernel" / "bpf"
    bpf.mkdir(parents=True)
    for name in ("a.c", "b.c"):
        (bpf / name).write_text("static int helper(void)\n{\n\treturn 0;\n}\n")
    (bpf / "syscall.c").write_text(
        "static int __sys_bpf(int cmd, bpfptr_t uattr, unsigned int size)\n{\n\treturn 0;\n}\n"
    )
    _, cg2 = load(tmp_path)
    with pytest.raises(InputError, match="write FILE:helper"):
        callgraph.lookup(cg2, "helper")
    assert callgraph.lookup(cg2, "a.c:helper") == "kernel/bpf/a.c:helper"


def test_newer_entry_is_detected(tmp_path):
    """6.1 shape: SYSCALL_DEFINE3 only forwards to __sys_bpf, the switch is there."""
    bpf = tmp_path / "kernel" / "bpf"
    bpf.mkdir(parents=True)
    (bpf / "syscall.c").write_text(
        "static int __sys_bpf(int cmd, bpfptr_t uattr, unsigned int size)\n"
        "{\n\tswitch (cmd) {\n\tcase BPF_MAP_CREATE:\n\t\treturn -ENOTSUPP;\n"
        "\tdefault:\n\t\treturn -EINVAL;\n\t}\n}\n\n"
        "SYSCALL_DEFINE3(bpf, int, cmd, union bpf_attr __user *, uattr, unsigned int, size)\n"
        "{\n\treturn __sys_bpf(cmd, USER_BPFPTR(uattr), size);\n}\n"
    )
    _, cg = load(tmp_path)
    assert cg.entry == "kernel/bpf/syscall.c:__sys_bpf"


def test_entry_sys_bpf_must_come_from_syscall_define(tmp_path):
    """5.8 layout: the entry is SYSCALL_DEFINE3(bpf, ...); a plain function
    that happens to be called sys_bpf is not the syscall."""
    bpf = tmp_path / "kernel" / "bpf"
    bpf.mkdir(parents=True)
    (bpf / "syscall.c").write_text("int sys_bpf(int cmd)\n{\n\treturn -EINVAL;\n}\n")
    with pytest.raises(InputError, match="no bpf\\(\\) entry point"):
        load(tmp_path)
    (bpf / "syscall.c").write_text(
        "SYSCALL_DEFINE3(bpf, int, cmd, union bpf_attr __user *, uattr, unsigned int, size)\n"
        "{\n\treturn -EINVAL;\n}\n"
    )
    _, cg = load(tmp_path)
    assert cg.entry == "kernel/bpf/syscall.c:sys_bpf"
    assert cg.functions[cg.entry].macro == "SYSCALL_DEFINE3"
