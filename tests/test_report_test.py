"""``einval test``: a run that can be pasted into a mail and re-run.

A scenario file is written here by hand from the README, as a new user
would; its judgement, hashes, Observation lines and command line are
checked, and so is a file with a mistake (one line, its line number,
exit 2).
"""

from __future__ import annotations

import re

import pytest

from einval import catalog, world
from einval.cli import main
from einval.lang import evaluate, to_python

# Written from the README's "Adding a scenario" section, plus an [expect]
# table as the scenario files in scenarios/ have.
BY_HAND = """\
description = "Go M:N, two unpinned goroutines on two OS threads"

[[os_thread]]
name = "M1"

[[os_thread]]
name = "M2"

[[goroutine]]
name = "G1"
on = "M1"
calls = 1

[[goroutine]]
name = "G2"
on = "M2"

[syscall]
path = ["emit"]

[bounds]
buffer_slots = 2

[expect]
task-struct = "holds"
stateful-get.attribution = "violated"
"""

OBSERVATION = re.compile(
    r"^Observation (\S+) (\S+) (\S+) (Never|Sometimes|Always) (\d+) (\d+) "
    r"expect (holds|violated|unknown) (Ok|MISMATCH.*)$")


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def observations(out: str) -> list[tuple[str, ...]]:
    return [m.groups() for m in map(OBSERVATION.match, out.splitlines()) if m]


@pytest.fixture
def by_hand(tmp_path):
    path = tmp_path / "from-readme.toml"
    path.write_text(BY_HAND)
    return path


def test_a_file_written_from_the_readme_is_judged(capsys, by_hand):
    status, out, err = run(capsys, "test", str(by_hand))
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Test from-readme: Go M:N, two unpinned goroutines on two OS threads"
    assert lines[1] == f"File {by_hand}"
    assert f"Command einval test {by_hand}" in lines
    rows = observations(out)
    assert {r[0] for r in rows} == {"from-readme"}
    assert [(r[1], r[2], r[3], r[6], r[7]) for r in rows] == [
        ("task-struct", p.name, "Never", "holds", "Ok") for p in catalog.properties()
    ] + [("stateful-get", "attribution", "Sometimes", "violated", "Ok")]
    n = len(rows)
    assert f"Ok from-readme: {n} of {n} as expected" in lines
    assert lines[-1] == f"einval test: {n} expectations in 1 files: {n} ok, 0 mismatched"


def reachable(model) -> list[tuple[int, ...]]:
    """Every reachable state, by a plain depth-first search on the model's
    own expressions (``to_python``), independent of both engines."""
    def fn(expr):
        return eval(f"lambda s: {to_python(expr)}")  # noqa: S307 - our own source

    actions = [(fn(a.guard), [(i, fn(e)) for i, e in a.updates]) for a in model.actions]
    init = model.initial_state()
    seen, todo = {init}, [init]
    while todo:
        state = todo.pop()
        for guard, updates in actions:
            if guard(state):
                nxt = list(state)
                for index, update in updates:
                    nxt[index] = int(update(state))
                if tuple(nxt) not in seen:
                    seen.add(tuple(nxt))
                    todo.append(tuple(nxt))
    return list(seen)


def test_the_counts_are_reachable_states(capsys, by_hand):
    """violating/total: states breaking the property / reachable states
    (every one, no symmetry reduction), counted here independently."""
    _, out, _ = run(capsys, "test", str(by_hand))
    rows = {(r[1], r[2]): (int(r[4]), int(r[5])) for r in observations(out)}
    scenario = catalog.scenario(str(by_hand))
    prop = catalog.property_("attribution")
    model, _ = world.build(scenario, catalog.design("stateful-get"), [prop])
    states = reachable(model)
    [check] = model.checks
    bad = sum(not all(evaluate(c.expr, s) for c in check.always) for s in states)
    assert rows["stateful-get", "attribution"] == (bad, len(states))
    assert 0 < bad < len(states)


def test_a_wrong_expectation_is_a_mismatch(capsys, tmp_path):
    path = tmp_path / "wrong.toml"
    path.write_text(BY_HAND.replace('task-struct = "holds"',
                                    'task-struct.attribution = "violated"'))
    status, out, _ = run(capsys, "test", str(path))
    assert status == 1
    [row] = [r for r in observations(out) if r[1] == "task-struct"]
    assert row[3] == "Never" and row[6] == "violated"
    assert row[7].startswith("MISMATCH: holds (all ")
    assert "MISMATCH wrong: 1 of 2 as expected" in out


def test_a_mistake_is_one_line_with_its_line_number(capsys, tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(BY_HAND.replace('stateful-get.attribution = "violated"',
                                    'stateful-get.attribution = "violates"'))
    status, out, err = run(capsys, "test", str(path))
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    line = BY_HAND.splitlines().index('stateful-get.attribution = "violated"') + 1
    assert err.startswith(f"einval: error: {path}:{line}: ")
    assert "'violates' is not a verdict" in err


def test_hashes_follow_meaning_not_spelling(capsys, tmp_path, by_hand):
    def hashes(path):
        _, out, _ = run(capsys, "test", str(path))
        return [line for line in out.splitlines() if line.startswith("Hash ")]

    first = hashes(by_hand)
    assert first[0].startswith("Hash scenario ")
    assert "Hash design task-struct " in first[1] and " model " in first[1]
    assert any(h.startswith("Hash property attribution ") for h in first)
    respelled = tmp_path / "from-readme2.toml"
    respelled.write_text("# a comment\n" + BY_HAND.replace("[bounds]\nbuffer_slots = 2",
                                                           "[bounds]\nbuffer_slots=2  "))
    assert hashes(respelled) == first
    changed = tmp_path / "from-readme3.toml"
    changed.write_text(BY_HAND.replace("buffer_slots = 2", "buffer_slots = 3"))
    other = hashes(changed)
    assert other[0] != first[0]
    assert other[1].split(" model ")[1] != first[1].split(" model ")[1]


def test_the_printed_command_reruns_the_same_thing(capsys, monkeypatch, by_hand):
    monkeypatch.chdir(by_hand.parent)
    _, out, _ = run(capsys, "test", by_hand.name)
    [command] = [line for line in out.splitlines() if line.startswith("Command ")]
    argv = command.split()[2:]  # after "Command einval"
    assert argv == ["test", "from-readme.toml"]
    assert run(capsys, *argv)[1] == out


def test_shipped_scenarios_are_named_by_name(capsys):
    status, out, _ = run(capsys, "test", "bpf-fentry")
    assert status == 0
    assert "Command einval test bpf-fentry" in out.splitlines()
    rows = {(r[1], r[2]): r for r in observations(out)}
    assert rows["shared-storage", "no-foreign-output"][3:7] == (
        "Sometimes", "1", "6", "violated")


@pytest.mark.parametrize("names", [
    pytest.param(["bpf-fentry", "go-unpinned", "cpu-migration"], id="three"),
    pytest.param([], id="all", marks=pytest.mark.slow),
])
def test_the_shipped_suite_passes(capsys, names):
    """Shipped scenario files judged (all of them with --runslow)."""
    status, out, _ = run(capsys, "test", *names)
    assert status == 0, [line for line in out.splitlines() if "MISMATCH" in line]
    files = len(names) or len(catalog.scenario_paths())
    assert out.count("\nTest ") + out.startswith("Test ") == files
    rows = observations(out)
    assert len(rows) >= 3 * files and all(row[7] == "Ok" for row in rows)


def test_coverage_names_what_never_fired(capsys):
    _, out, _ = run(capsys, "test", "go-pinned")
    text = " ".join(out.split())
    assert ("Coverage go-pinned (every design): never fired: G1@M2 never acts; "
            "G2@M1 never acts") in text


def test_text_lines_fit_72_columns_except_whole_lines(capsys, by_hand):
    """Observation, File, Command and Hash lines are kept whole, for grep
    and for copy and paste; everything else fits a mail."""
    _, out, _ = run(capsys, "test", str(by_hand), "bpf-fentry")
    for line in out.splitlines():
        assert line.startswith(("Observation ", "Command ", "File ", "Hash ")) \
            or len(line) <= 72, line


def test_a_bound_marks_the_total(capsys, tmp_path):
    path = tmp_path / "bounded.toml"
    path.write_text(BY_HAND.replace("buffer_slots = 2", "buffer_slots = 2\nmax_states = 10")
                    .replace('stateful-get.attribution = "violated"',
                             'stateful-get.attribution = "unknown"')
                    .replace('task-struct = "holds"', 'task-struct = "unknown"'))
    status, out, _ = run(capsys, "test", str(path))
    assert status == 0
    rows = [line.split() for line in out.splitlines() if line.startswith("Observation")]
    assert rows and all(row[5:7] == ["0", "10+"] for row in rows)


def test_an_unexpected_violation_shows_its_counterexample(capsys, tmp_path):
    path = tmp_path / "surprise.toml"
    path.write_text(BY_HAND.replace('stateful-get.attribution = "violated"',
                                    'stateful-get.attribution = "holds"'))
    status, out, _ = run(capsys, "test", str(path), "--trace", "lanes")
    assert status == 1
    lines = out.splitlines()
    i = lines.index("Counterexample surprise stateful-get attribution: 7 steps")
    assert lines[i + 3].split() == ["G1", "G2"]
    assert lines[i + 1:].index("  fails: every message retrieved for G2#1 was emitted "
                               "by G2#1") > 0
    assert all(len(line) <= 72 for line in lines[i:i + 40])


def test_the_command_line_names_a_non_default_engine_and_quotes_paths():
    from einval import expect

    shipped = catalog.scenario("go-pinned")
    assert expect.command_line(shipped, "explicit") == "einval test go-pinned"
    assert expect.command_line(shipped, "both") == "einval test go-pinned --engine both"
    odd = catalog.scenario("go-pinned")
    odd.source = "my scenarios/it's.toml"
    assert expect.command_line(odd, "z3") == \
        "einval test 'my scenarios/it'\\''s.toml' --engine z3"
