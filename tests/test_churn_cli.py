"""``einval churn`` as a user runs it: text, JSON, exit statuses, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from einval.churn.__main__ import main

KTREE = str(Path(__file__).parent / "data" / "ktree")
KTREE61 = str(Path(__file__).parent / "data" / "ktree61")
CGROUP = "kernel/cgroup/cgroup.c"


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


THREAD_EXAMPLE = """\
hierarchy_allows_attach (cgroup.c:24), returns bool
decides: cgroup.c:51 -EPERM in __cgroup_bpf_attach
commands: BPF_LINK_CREATE (depth 5), BPF_PROG_ATTACH (depth 5)

path from sys_bpf via BPF_LINK_CREATE (shortest, 5 calls deep):
  function                 defined at         attr   explicit  in attr
  sys_bpf                  syscall.c:114      local  +1, 0     -
  link_create              syscall.c:91       param  +1, 1     -
  cgroup_bpf_link_attach   cgroup.c:77        param  +1, 2     -
  cgroup_bpf_attach        cgroup/cgroup.c:5  -      +1, 2     +1, 2
  __cgroup_bpf_attach      cgroup.c:44        -      +1, 1     +1, 1
  hierarchy_allows_attach  cgroup.c:24        -      +1, 1     +1, 1
  attr: a union bpf_attr in scope (param or local variable)
  +1, N: a new log parameter and N call sites to edit;
  -: unchanged
  explicit, entry: SYSCALL_DEFINE3(bpf, ...) becomes SYSCALL_DEFINE5
    (the log buffer and its size)

no union bpf_attr in scope: cgroup_bpf_attach, __cgroup_bpf_attach,
  hierarchy_allows_attach
no function on this path carries a verifier/BTF log

design    prototypes  call sites   functions
explicit           6           7           7
attr               3           4           5
current            0           0           0

this is the only path from sys_bpf via BPF_LINK_CREATE to
  hierarchy_allows_attach
(functions: changed prototypes plus the callers that are edited;
 current: the log hangs off task_struct, no prototype changes)
"""


def test_thread_example_reads_as_a_short_answer(capsys):
    status, out, err = run(
        capsys, KTREE, "--file", CGROUP, "--function", "hierarchy_allows_attach",
        "--command", "BPF_LINK_CREATE",
    )
    assert (status, err) == (0, "")
    assert out == THREAD_EXAMPLE


def test_site_report(capsys):
    status, out, _ = run(capsys, KTREE, "--file", CGROUP, "--site", "kernel/bpf/cgroup.c:51")
    assert status == 0
    assert out.startswith("cgroup.c:51: -EPERM (return) in __cgroup_bpf_attach\n")
    assert "decided by: hierarchy_allows_attach()" in out


def test_verifier_path_shows_the_log_column(capsys):
    status, out, _ = run(capsys, KTREE, "--site", "verifier.c:9")
    assert status == 0
    assert "  function       defined at     attr   log  explicit  in attr" in out
    assert "  check_reg_arg  verifier.c:5   -      env  +1, 2     +1, 2" in out
    assert "already carry a verifier/BTF log: bpf_check, check_reg_arg" in out
    # explicit: sys_bpf (no callers), bpf_prog_load, bpf_check, check_reg_arg
    # (called by bpf_check and do_check); attr: check_reg_arg only
    assert "explicit           4           4           5" in out
    assert "attr               1           2           3" in out


def test_unreachable_function_says_why(capsys):
    status, out, _ = run(
        capsys, KTREE, "--no-bridges", "--function", "hierarchy_allows_attach"
    )
    assert status == 0
    assert "not reachable from sys_bpf in the parsed files" in out
    assert "--file" in out and "--ops" in out


def test_summary_text(capsys):
    status, out, _ = run(capsys, KTREE, "--no-bridges")
    assert status == 0
    assert out.startswith("einval churn: Linux 5.8.0, kernel/bpf (6 files, ")
    assert "explicit          13          14          14           3           0" in out
    assert "attr               4           5           8           2           0" in out
    assert "both branches of #if/#ifdef are parsed" in out
    assert "calls through struct fields (2 sites" in out


def test_ops_is_stated_as_an_approximation(capsys):
    _, out, _ = run(capsys, KTREE, "--ops")
    text = " ".join(out.split())
    assert "(2 sites): 2 followed by field name to 3 targets" in text
    assert "over-approximation" in text


def test_text_fits_72_columns(capsys):
    outs = [
        run(capsys, KTREE)[1],
        run(capsys, KTREE, "--ops", "--file", CGROUP)[1],
        run(capsys, KTREE, "--site", "verifier.c:9")[1],
        run(capsys, KTREE, "--function", "htab_map_update_elem", "--ops")[1],
        run(capsys, KTREE, "--function", "hierarchy_allows_attach")[1],
        run(capsys, KTREE, "--no-bridges", "--function", "hierarchy_allows_attach")[1],
        run(capsys, KTREE61)[1],
        run(capsys, KTREE61, "--sites", "literal")[1],
        run(capsys, KTREE61, "--site", "stackmap.c:11")[1],
        run(capsys, KTREE61, "--function", "bpf_map_freeze_now", "--via", "map_freeze")[1],
    ]
    for line in "".join(outs).splitlines():
        assert len(line) <= 72, line


def test_json_summary_and_chain(capsys):
    _, out, _ = run(capsys, KTREE, "--file", CGROUP, "--format", "json")
    data = json.loads(out)
    assert data["designs"]["explicit"]["prototypes"] == 16
    assert data["designs"]["attr"]["call_sites"] == 8
    assert data["error_sites"]["reachable"] == 19
    # __cgroup_bpf_attach's 3 sites: cgroup_bpf_attach and itself lack attr
    assert data["histogram"]["attr"] == {"0": 12, "1": 4, "2": 3}
    _, out, _ = run(
        capsys, KTREE, "--file", CGROUP, "--function", "hierarchy_allows_attach",
        "--command", "BPF_LINK_CREATE", "--format", "json",
    )
    data = json.loads(out)
    assert [s["name"] for s in data["path"]][1] == "link_create"
    assert data["designs"]["attr"]["prototypes"] == 3
    assert data["decides"][0]["function"] == "__cgroup_bpf_attach"


def test_same_input_same_bytes(capsys):
    for argv in ([KTREE, "--ops", "--format", "json"], [KTREE, "--file", CGROUP]):
        first = run(capsys, *argv)[1]
        assert run(capsys, *argv)[1] == first


@pytest.mark.parametrize(
    "argv, message",
    [
        (["/nonexistent/tree"], "no such directory"),
        ([KTREE, "--site", "cgroup.c"], "expected FILE:LINE"),
        ([KTREE, "--site", "nope.c:3"], "not among the parsed files"),
        ([KTREE, "--site", "syscall.c:1"], "no error site on that line"),
        ([KTREE, "--function", "nope"], "no such function"),
        ([KTREE, "--function", "link_create", "--command", "BPF_NOPE"], "BPF_NOPE"),
        ([KTREE, "--command", "BPF_LINK_CREATE"], "need --site or --function"),
        ([KTREE, "--errno", "1,2"], "--errno"),
        ([KTREE, "--errno", "EFOO"], "--errno EFOO: unknown errno EFOO"),
        ([KTREE, "--sites", "bogus"], "invalid choice: 'bogus'"),
        ([KTREE, "--site", "x.c:1", "--function", "f"], "not allowed with"),
        ([KTREE, "--errno", "EINVAL,EBAR"], "unknown errno EBAR"),
        ([KTREE, "--function", "link_create", "--via", "nope"], "--via nope: no such"),
        ([KTREE, "--function", "link_create", "--sites", "literal"], "--sites applies"),
        ([KTREE, "--file", "kernel/nope.c"], "no such file"),
    ],
)
def test_bad_input_is_one_line_and_status_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("einval: error: ") and message in err
    assert err.count("\n") == 1


def test_module_entry_point_runs_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "einval.churn", "/nonexistent/tree"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("einval: error: ") and "Traceback" not in proc.stderr


def test_wired_into_the_main_cli(capsys):
    from einval.cli import main as einval_main

    status = einval_main(["churn", KTREE, "--errno", "EFAULT"])
    out, _ = capsys.readouterr()
    assert status == 0 and "errnos: EFAULT" in out


def test_site_definition_is_named_on_every_figure(capsys):
    status, out, _ = run(capsys, KTREE61, "--sites", "literal")
    assert status == 0
    assert "error sites (literal): only return -EINVAL; / -EPERM; / -EOPNOTSUPP;" in out
    assert "            3 of 4 error sites" in out
    assert "shortest path to each of 3 reachable sites (literal):" in out
    assert "every path to each of 3 reachable sites (literal):" in out
    _, out, _ = run(capsys, KTREE61)
    assert "error sites (all): every errno; return, ERR_PTR," in out
    assert "shortest path to each of 13 reachable sites (all):" in out


def test_parse_errors_are_named_in_the_summary(capsys):
    _, out, _ = run(capsys, KTREE61)
    assert "parse       1 region not parsed, 1 inside functions" in out
    assert "            cgroup.c:31 bpf_cgroup_pick_run" in out


def test_tied_routes_are_all_shown(capsys):
    _, out, _ = run(capsys, KTREE, "--function", "hierarchy_allows_attach")
    assert "2 routes tie at 5 calls deep, each shown: BPF_LINK_CREATE," in out
    assert "path from sys_bpf via BPF_LINK_CREATE (shortest, 5 calls deep):" in out
    assert "path from sys_bpf via BPF_PROG_ATTACH (shortest, 5 calls deep):" in out
    assert "every path (8 functions) from sys_bpf to hierarchy_allows_attach:" in out


def test_entry_callers_are_named(capsys):
    _, out, _ = run(capsys, KTREE61, "--function", "hierarchy_allows_attach")
    text = " ".join(out.split())
    assert "explicit, entry: __sys_bpf takes the log from the syscall's new" in text
    assert "pass it: bpf_sys_bpf (BPF_CALL_3), sys_bpf (SYSCALL_DEFINE3)" in text
    assert "explicit 6 7 8" in text


def test_json_summary_lists_every_site_with_its_path(capsys):
    _, out, _ = run(capsys, KTREE61, "--format", "json")
    data = json.loads(out)
    sites = data["error_sites"]["list"]
    assert len(sites) == data["error_sites"]["reachable"] == 13
    stack = [s for s in sites if s["file"] == "kernel/bpf/stackmap.c"]
    assert stack == [
        {
            "because_of": [],
            "errno": "ENOENT",
            "file": "kernel/bpf/stackmap.c",
            "function": "bpf_stackmap_copy",
            "kind": "return",
            "line": 11,
            "path": ["__sys_bpf", "map_lookup_elem", "bpf_map_copy_value", "bpf_stackmap_copy"],
        }
    ]
    assert data["site_definition"]["name"] == "all"
    assert data["parse_errors"]["list"] == [
        {"end_line": 31, "file": "kernel/bpf/cgroup.c", "function": "bpf_cgroup_pick_run",
         "line": 31}
    ]
