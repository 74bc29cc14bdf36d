"""Counterexamples as a reader sees them in a mail: numbered steps and
lanes, pinned to the byte, 72 columns wide."""

from __future__ import annotations

import re

import pytest

from einval import catalog, report, runner, world
from einval.cli import main
from einval.render import choose, lanes, traces
from einval.verdict import Step, Trace

STATEFUL_GO = """\
stateful-get in go-unpinned (20 states, 32 transitions, explicit)
  attribution  violated (depth 7)

  attribution: shortest counterexample, 7 steps
    given: G1 is not pinned; G2 is not pinned
    initially: task[G1] = -, task[G2] = -
    1. G1@M1: bpf() call G1#1 enters the kernel
           task[G1] = M1
    2. G1@M1: error site: syscall_string() for G1#1
           last_error[M1] = [G1#1]
    3. G1@M1: bpf() call G1#1 returns -EINVAL
           task[G1] = -
    4. G2@M2: bpf() call G2#1 enters the kernel
           task[G2] = M2
    5. G2@M2: error site: syscall_string() for G2#1
           last_error[M2] = [G2#1]
    6. G2@M2: bpf() call G2#1 returns -EINVAL
           task[G2] = -
    7. G2@M1: reads the explanation of G2#1
           got[G2#1] = [G1#1]
    fails: every message retrieved for G2#1 was emitted by G2#1
        got[G2#1] = [G1#1]

1 checks: 0 hold, 1 violated, 0 unknown
"""

STATEFUL_GO_LANES = """\
stateful-get in go-unpinned (20 states, 32 transitions, explicit)
  attribution  violated (depth 7)

  attribution: shortest counterexample, 7 steps
    given: G1 is not pinned; G2 is not pinned
    initially: task[G1] = -, task[G2] = -
       G1                               G2
       -------------------------------  -------------------------------
    1. G1@M1:                           |
       bpf() call G1#1 enters the       |
       kernel                           |
       > task[G1] = M1                  |
    2. error site: syscall_string()     |
       for G1#1                         |
       > last_error[M1] = [G1#1]        |
    3. bpf() call G1#1 returns -EINVAL  |
       > task[G1] = -                   |
    4. |                                G2@M2:
       |                                bpf() call G2#1 enters the
       |                                kernel
       |                                > task[G2] = M2
    5. |                                error site: syscall_string()
       |                                for G2#1
       |                                > last_error[M2] = [G2#1]
    6. |                                bpf() call G2#1 returns -EINVAL
       |                                > task[G2] = -
    7. |                                G2@M1:
       |                                reads the explanation of G2#1
       |                                > got[G2#1] = [G1#1]
    fails: every message retrieved for G2#1 was emitted by G2#1
        got[G2#1] = [G1#1]

1 checks: 0 hold, 1 violated, 0 unknown
"""

SHARED_BPF = """\
shared-storage in bpf-fentry (6 states, 5 transitions, explicit)
  no-foreign-output  violated (depth 5)

  no-foreign-output: shortest counterexample, 5 steps
    given: BPF programs write through the same task pointer
    1. T1: bpf() call T1#1 enters the kernel
           task_storage[T1] = &log[T1]
    2. P1 in T1: fentry/hierarchy_allows_attach runs inside T1#1, writes
         output
           log[T1] = [P1]
    3. T1: error site: syscall_string() for T1#1
           log[T1] = [P1, T1#1]
    4. T1: bpf() call T1#1 returns -EINVAL
           task_storage[T1] = NULL
    5. T1: reads the explanation of T1#1
           got[T1#1] = [P1, T1#1]
    fails: no BPF program output in the explanation of T1#1
        got[T1#1] = [P1, T1#1]

1 checks: 0 hold, 1 violated, 0 unknown
"""

SHARED_BPF_LANES = """\
shared-storage in bpf-fentry (6 states, 5 transitions, explicit)
  no-foreign-output  violated (depth 5)

  no-foreign-output: shortest counterexample, 5 steps
    given: BPF programs write through the same task pointer
       T1                               P1
       -------------------------------  -------------------------------
    1. bpf() call T1#1 enters the       |
       kernel                           |
       > task_storage[T1] = &log[T1]    |
    2. |                                P1 in T1:
       |                                fentry/hierarchy_allows_attach
       |                                runs inside T1#1, writes output
       |                                > log[T1] = [P1]
    3. error site: syscall_string()     |
       for T1#1                         |
       > log[T1] = [P1, T1#1]           |
    4. bpf() call T1#1 returns -EINVAL  |
       > task_storage[T1] = NULL        |
    5. reads the explanation of T1#1    |
       > got[T1#1] = [P1, T1#1]         |
    fails: no BPF program output in the explanation of T1#1
        got[T1#1] = [P1, T1#1]

1 checks: 0 hold, 1 violated, 0 unknown
"""

CASES = {
    "stateful-go": (["--design", "stateful-get", "--scenario", "go-unpinned",
                     "--property", "attribution"], STATEFUL_GO, STATEFUL_GO_LANES),
    "shared-bpf": (["--design", "shared-storage", "--scenario", "bpf-fentry",
                    "--property", "no-foreign-output"], SHARED_BPF, SHARED_BPF_LANES),
}


def check(capsys, *argv):
    status = main(["check", *argv])
    out, err = capsys.readouterr()
    assert err == ""
    return status, out


def same_but_the_engines_figures(out: str, expected: str) -> None:
    """Byte for byte, except the first line's state and transition counts:
    they are the engine's (symmetry reduction and early stops change
    them), while the trace is chosen on the full graph."""
    head, rest = out.split("\n", 1)
    want_head, want_rest = expected.split("\n", 1)
    name = re.escape(want_head.split(" (")[0])
    assert re.fullmatch(name + r" \(\d+ states, \d+ transitions, explicit\)", head), head
    assert rest == want_rest


@pytest.mark.parametrize("case", CASES)
def test_the_counterexample_as_text(capsys, case):
    argv, text, _ = CASES[case]
    status, out = check(capsys, *argv)
    assert status == 1
    same_but_the_engines_figures(out, text)


@pytest.mark.parametrize("case", CASES)
def test_the_counterexample_as_lanes(capsys, case):
    argv, _, chart = CASES[case]
    status, out = check(capsys, *argv, "--trace", "lanes")
    assert status == 1
    same_but_the_engines_figures(out, chart)


def test_every_counterexample_of_the_catalogue_fits_72_columns():
    results = choose.clarify(runner.run(catalog.designs(), catalog.scenarios(),
                                        catalog.properties()))
    for style in ("text", "lanes"):
        out = report.check_text(results, traces.Show(style))
        assert out.count("shortest counterexample") >= 10
        for line in out.splitlines():
            assert len(line) <= 72, (style, line)


def test_full_shows_whole_states_and_marks_changes(capsys):
    argv, _, _ = CASES["stateful-go"]
    _, out = check(capsys, *argv, "--full")
    lines = out.splitlines()
    step7 = lines.index("    7. G2@M1: reads the explanation of G2#1")
    block = lines[step7 + 1:step7 + 7]
    assert block == [
        "           got[G1#1] = []",
        "         * got[G2#1] = [G1#1]",
        "           task[G1] = -",
        "           task[G2] = -",
        "           last_error[M1] = [G1#1]",
        "           last_error[M2] = [G2#1]",
    ]


def _five_lane_trace() -> Trace:
    model, _ = world.build(catalog.scenario("one-thread"), catalog.design("4th-arg"),
                           catalog.properties())
    init = model.initial_state()
    steps = [Step(0, f"A{i}", "does something rather long to describe", init, [],
                  f"A{i}") for i in range(5)]
    return Trace(model, init, steps)


def test_more_than_four_lanes_say_they_do_not_fit():
    chart = lanes.chart(_five_lane_trace())
    assert chart[0] == "  (5 lanes: this chart is wider than 72 columns)"
    assert max(len(line) for line in chart) > 72
    header = chart[1].split()
    assert header == ["A0", "A1", "A2", "A3", "A4"]


def test_four_lanes_fit():
    trace = _five_lane_trace()
    trace.steps = trace.steps[:4]
    chart = lanes.chart(trace)
    assert all(len(line) <= 72 for line in chart)
    assert not any("wider than" in line for line in chart)


def test_the_lane_chart_keeps_each_step_in_its_lane():
    model, _ = world.build(catalog.scenario("go-unpinned"), catalog.design("stateful-get"),
                           catalog.properties())
    trace = choose.counterexample(model, model.check("attribution"))
    chart = lanes.chart(trace, "")
    starts = {}
    for line in chart:
        if line[:1].isdigit():
            number = int(line.split(".")[0])
            text = line[len(f"{number}. "):]
            starts[number] = len(text) - len(text.lstrip("| "))
    columns = sorted(set(starts.values()))
    lanes_used = [columns.index(starts[n]) for n in sorted(starts)]
    order = lanes.lanes_of(trace)
    assert lanes_used == [order.index(s.lane) for s in trace.steps]
