"""The shipped designs' semantics, each stated against a mutant that the
rest of the suite let through (``benchmarks/mutation.py models``).

Each goes through the model a design builds (its steps, its verdicts in
a small scenario), never through a design's own methods, so a design
may change how it says a thing but not what it says.
"""

from __future__ import annotations

import pytest

from einval import catalog, world


def action_names(design: str, scenario: str = "one-thread") -> set[str]:
    model, _ = world.build(catalog.scenario(scenario), catalog.design(design),
                           catalog.properties())
    return {a.name for a in model.actions}


@pytest.mark.parametrize("design,step", [
    ("extack", "setsockopt(NETLINK_EXT_ACK) on its socket (before T1#1)"),
    ("exterrctl", "libc: exterrctl(EXTERRCTL_ENABLE) (before T1#1)"),
])
def test_a_design_names_its_set_up_step_as_the_kernel_interface_does(design, step):
    """The step a thread takes once before its first call, as traces show it."""
    assert step in action_names(design)


def model_of(design: str, text: str):
    from einval.scenario import parse

    model, _ = world.build(parse(text, "t.toml", "t"), catalog.design(design),
                           catalog.properties())
    return model


def values_of(model, name: str) -> set[str]:
    """The labels variable ``name`` takes over the reachable states."""
    from einval import explicit

    variable = next(v for v in model.variables if v.name == name)
    ex = explicit.explore(model, symmetry=False)
    return {variable.domain.labels[s[variable.index]] for s in ex.states}


def test_the_fd_log_is_a_ring_of_eight_per_thread():
    """fs_context's log: eight entries, named fd_log as in the kernel."""
    model = model_of("fd-log", '[[thread]]\nname = "T1"\n[syscall]\npath = ["emit"]\n')
    names = [v.name for v in model.variables if v.name.startswith("fd_log[")]
    assert names == [f"fd_log[T1][{i}]" for i in range(8)]


def test_a_full_fd_log_drops_its_oldest_entries():
    """Five messages a call, one read() a call: by the third call the ring
    has pushed out the first call's leftovers, so it reads the second's."""
    emits = ", ".join(['"emit"'] * 5)
    model = model_of("fd-log", f'[[thread]]\nname = "T1"\ncalls = 3\n[syscall]\n'
                               f'path = [{emits}]\n[bounds]\nbuffer_slots = 1\n')
    assert values_of(model, "got[T1#3][0]") == {"-", "T1#2"}


def test_reading_the_fd_log_stops_at_its_end():
    """One message, two slots to fill: the second read() never happens."""
    from einval import explicit

    model = model_of("fd-log", '[[thread]]\nname = "T1"\n[syscall]\npath = ["emit"]\n'
                               '[bounds]\nbuffer_slots = 2\n')
    names = {a.name for a in model.actions}
    assert {"read()s the fd log for T1#1 (1)", "read()s the fd log for T1#1 (2)"} <= names
    ex = explicit.explore(model, symmetry=False)
    taken = {model.actions[d["action"]].name for _, _, d in ex.graph.edges(data=True)}
    assert "read()s the fd log for T1#1 (1)" in taken
    assert "read()s the fd log for T1#1 (2)" not in taken


def test_the_per_cpu_buffer_is_named_as_in_the_thread():
    model = model_of("per-cpu", 'cpus = 2\n[[thread]]\nname = "T1"\n[syscall]\n'
                                'path = ["emit"]\n')
    assert any(v.name.startswith("percpu_log[CPU1][") for v in model.variables)


@pytest.mark.parametrize("design,names", [
    ("task-struct", {"log", "log_ptr", "saved_log_ptr"}),
    ("shared-storage", {"log", "task_storage", "saved_task_storage"}),
    ("stateful-reg", {"log", "registered", "saved_log"}),
    ("exterrctl", {"uexterr", "td_kexterr", "uexterr_on", "saved_uexterr"}),
    ("extack", {"extack", "ext_ack_on"}),
    ("stateful-get", {"last_error", "saved_error", "sigframe_error"}),
])
def test_designs_name_their_state_as_the_kernel_does(design, names):
    """Traces and ``einval show`` print these names: current's log
    pointer, a BPF task storage, FreeBSD's td_kexterr, netlink's extack."""
    model, _ = world.build(catalog.scenario("nested-call"), catalog.design(design),
                           catalog.properties())
    assert names <= {v.name.split("[")[0] for v in model.variables}


def kinds(design: str, text: str) -> dict[str, str]:
    from einval import explicit

    return {r.property: r.verdict.kind for r in explicit.check_model(model_of(design, text))}


SILENT_NESTED = """
[[thread]]
name = "T1"
[[bpf_program]]
name = "S1"
attach = "syscall"
path = []
[syscall]
path = ["emit", "S1"]
"""


def test_a_silent_nested_call_clears_only_where_the_design_says():
    """The outer call logs, then a nested bpf_sys_bpf() call that logs
    nothing.  stateful-reg's nested entry clears the registered buffer
    (the outer message is lost) unless outer_only; exterrctl's nested
    entry leaves td_kexterr alone."""
    got = kinds("stateful-reg", SILENT_NESTED)
    assert got["completeness"] == "violated" and got["attribution"] == "holds"
    assert set(kinds("stateful-reg:outer_only", SILENT_NESTED).values()) == {"holds"}
    assert set(kinds("exterrctl", SILENT_NESTED).values()) == {"holds"}


SILENT_HANDLER = """
[[thread]]
name = "T1"
calls = 2
[[signal]]
name = "H1"
to = "T1"
path = []
[syscall]
path = ["emit"]
"""


@pytest.mark.parametrize("design", ["exterrctl", "stateful-reg"])
def test_a_call_that_logs_nothing_reads_no_earlier_message(design):
    """A signal handler's call fails with no message: the entry reset of
    the per-thread record means it reads nothing of T1's calls."""
    assert kinds(design, SILENT_HANDLER)["attribution"] == "holds"


def test_outer_only_still_clears_at_each_outer_call():
    assert set(kinds("stateful-reg:outer_only",
                     '[[thread]]\nname = "T1"\ncalls = 2\n[syscall]\npath = ["emit"]\n'
                     '[bounds]\nbuffer_slots = 2\n').values()) == {"holds"}


def test_stateful_get_save_restore_keeps_the_outer_message_over_a_nested_call():
    """The outer call logs, then a nested call logs its own: with
    save_restore the nested entry saves the task's slot in its frame and
    its exit puts it back, so the caller reads its own message."""
    text = SILENT_NESTED.replace("path = []", 'path = ["emit"]')
    assert set(kinds("stateful-get:save_restore", text).values()) == {"holds"}
    assert kinds("stateful-get", text)["attribution"] == "violated"
