"""``einval show DESIGN SCENARIO``: the ground model in plain sight."""

from __future__ import annotations

from einval.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_show_prints_variables_actions_and_checks(capsys):
    status, out, err = run(capsys, "show", "task-struct", "one-thread")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("task-struct in one-thread: ")
    assert "variables (domain; initial value):" in lines
    assert '  log_ptr[T1]           {NULL, "&log[T1]"}; initially NULL' in lines
    start = lines.index("  1. T1: bpf() call T1#1 enters the kernel")
    assert lines[start + 1:start + 5] == [
        '     when: pc[T1] = "0:T1#1 entry"',
        "     then: log[T1][0]' = \"-\"",
        "           log[T1][1]' = \"-\"",
        "           log_ptr[T1]' = \"&log[T1]\"",
    ]
    assert "  attribution: every message retrieved for call C was emitted by C" in lines
    assert all(len(line) <= 72 for line in lines)


def test_show_names_the_assumptions_of_frozen_variables(capsys):
    _, out, _ = run(capsys, "show", "stateful-get", "go-pinned")
    lines = out.splitlines()
    [i] = [n for n, line in enumerate(lines)
           if line.split() == ["pinned[G1]", "frozen", "BOOLEAN;", "initially", "TRUE"]]
    assert "runtime.LockOSThread" in lines[i + 1]


def test_show_marks_actions_that_never_fire(capsys):
    _, out, _ = run(capsys, "show", "4th-arg", "go-pinned")
    lines = out.splitlines()
    i = lines.index("   5. G1@M2: bpf() call G1#1 enters the kernel")
    assert lines[i + 1] == "      never fires in this scenario"
    j = lines.index("   1. G1@M1: bpf() call G1#1 enters the kernel")
    assert lines[j + 1].strip().startswith("when:")


def test_show_with_one_property(capsys):
    _, out, _ = run(capsys, "show", "4th-arg", "one-thread", "--property",
                    "completeness")
    assert "  completeness: " in out and "attribution" not in out


def test_show_bad_input_is_one_line(capsys):
    status, out, err = run(capsys, "show", "nope", "one-thread")
    assert status == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("einval: error: unknown design 'nope'")
    status, _, err = run(capsys, "show", "4th-arg")
    assert status == 2 and "SCENARIO" in err
