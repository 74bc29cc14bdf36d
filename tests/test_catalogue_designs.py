"""The designs of issue 8: each keeps what its source says and breaks
what the facts say it breaks, with a trace that shows why."""

import pytest
from helpers import moved_goroutines, verdict


def actions(result):
    return [step.name for step in result.verdict.trace.steps]


@pytest.mark.parametrize("design", ["attr-log", "common-attrs"])
def test_a_log_inside_the_command_cannot_explain_an_unknown_command(design):
    # Alexei: "For 'Unknown BPF command 123' to work log_buf needs to
    # passed outside of 'union bpf_attr'."
    r = verdict(design, "unknown-command", "completeness")
    assert r.verdict.kind == "violated"
    assert any("command switch" in a for a in actions(r))
    assert verdict(design, "unknown-command", "attribution").verdict.kind == "holds"


@pytest.mark.parametrize("design", ["4th-arg", "task-struct"])
def test_a_log_outside_the_attr_explains_an_unknown_command(design):
    assert verdict(design, "unknown-command", "completeness").verdict.kind == "holds"


@pytest.mark.parametrize("design", ["extack", "exterrctl"])
def test_one_slot_keeps_only_the_last_message(design):
    r = verdict(design, "two-sites", "completeness")
    assert r.verdict.kind == "violated"
    assert sum("error site" in a for a in actions(r)) == 2
    assert verdict(design, "two-sites", "attribution").verdict.kind == "holds"


def test_extack_opts_in_before_the_first_call():
    r = verdict("extack", "two-sites", "completeness")
    assert actions(r)[0].startswith("setsockopt(NETLINK_EXT_ACK)")


def test_exterrctl_is_clobbered_by_a_signal_handler_unless_it_saves():
    r = verdict("exterrctl", "signal-handler", "attribution")
    assert r.verdict.kind == "violated"
    assert any("H1 returns" in a for a in actions(r))
    fixed = verdict("exterrctl:save_restore", "signal-handler", "attribution")
    assert fixed.verdict.kind == "holds"


def test_exterrctl_ignores_interrupts_and_nested_calls():
    # FreeBSD forbids EXTERROR in interrupt context; a nested call does
    # not return to user space, so only the outer call copies out.
    for scenario in ("irq-during-bpf", "nested-call"):
        for prop in ("attribution", "completeness"):
            assert verdict("exterrctl", scenario, prop).verdict.kind == "holds"


def test_exterrctl_per_os_thread_buffer_breaks_under_go_unpinned():
    r = verdict("exterrctl", "go-unpinned", "attribution")
    assert r.verdict.kind == "violated"
    assert moved_goroutines(r.verdict.trace)
    assert verdict("exterrctl", "go-pinned", "attribution").verdict.kind == "holds"


@pytest.mark.parametrize("design", ["attr-log", "extack", "common-attrs"])
@pytest.mark.parametrize("scenario", ["irq-during-bpf", "nested-call", "bpf-fentry",
                                      "go-unpinned", "signal-handler"])
def test_explicit_designs_keep_attribution(design, scenario):
    assert verdict(design, scenario, "attribution").verdict.kind == "holds"
