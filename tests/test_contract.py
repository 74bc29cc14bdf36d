"""The verdict contract, one test per promise of the README.

Each bound applies to an engine or is refused for it; ``both`` reports a
replayed violation from either engine; ``--timeout`` gives unknown, exit
3; the exit status survives a reader that goes away; a property that is
not boolean is refused when it is built; progress says what it counts and
is gone before an error is printed; two scenarios of one name are told
apart.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from einval import catalog, cli, crosscheck, runner
from einval.deadline import Deadline, TimeLimit
from einval.errors import InputError
from einval.verdict import Verdict

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = """
[[thread]]
name = "T1"
calls = 2
[syscall]
path = ["emit"]
"""
GO = """
[[os_thread]]
name = "M1"
[[os_thread]]
name = "M2"
[[goroutine]]
name = "G1"
on = "M1"
[[goroutine]]
name = "G2"
on = "M2"
[syscall]
path = ["emit"]
"""


def run(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_error_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert err.startswith("einval: error: ")
    return err[len("einval: error: "):-1]


@pytest.fixture
def go(tmp_path):
    path = tmp_path / "go.toml"
    path.write_text(GO)
    return str(path)


# -- bounds per engine -------------------------------------------------------

def test_z3_refuses_a_state_bound_it_cannot_honour(capsys):
    status, out, err = run(capsys, "check", "--engine", "z3", "--max-states", "1",
                           "--design", "4th-arg", "--scenario", "one-thread")
    assert (status, out) == (2, "")
    assert one_error_line(err) == ("--max-states does not apply to --engine z3 (bound "
                                   "it with --max-depth or --timeout)")


@pytest.mark.parametrize("flag", ["--max-states", "--max-depth"])
def test_a_bound_below_one_is_refused(capsys, flag):
    status, _, err = run(capsys, "check", flag, "0", "--design", "4th-arg")
    assert status == 2
    assert one_error_line(err) == f"{flag} 0 is impossible: it must be at least 1"


def test_both_keeps_a_violation_z3_found_beyond_the_state_bound(capsys, go):
    """Two states are too few for the explicit search to meet the
    violation; Z3 finds it, replays it, and the verdict is violated."""
    status, out, _ = run(capsys, "check", "--engine", "both", "--max-states", "2",
                         "--design", "stateful-get", "--scenario", go,
                         "--property", "attribution")
    assert status == 1, out
    assert "attribution  violated (depth " in out
    flat = " ".join(out.split())
    assert "found by z3 beyond the explicit search's bound" in flat
    assert "shortest counterexample" in out
    status, alone, _ = run(capsys, "check", "--design", "stateful-get", "--scenario",
                           go, "--property", "attribution")
    assert status == 1  # the explicit search unbounded: the same shortest length
    depth = alone.split("violated (depth ")[1].split(")")[0]
    assert f"violated (depth {depth}, found by z3" in flat


def test_both_holds_only_when_the_explicit_search_is_complete():
    holds, unknown = Verdict("holds", "all 9 states"), Verdict("unknown", "bound")
    proved = Verdict("holds", "proved by 2-induction")
    assert crosscheck.combine(holds, proved) is holds
    assert crosscheck.combine(unknown, proved, complete=False) is unknown
    late = Verdict("unknown", "time limit of 1 s reached")
    assert crosscheck.combine(holds, late, timed_out=True).kind == "unknown"
    # a violation without a replayed trace is no evidence
    assert crosscheck.combine(unknown, Verdict("violated", "depth 9", depth=9),
                              complete=False) is unknown


def test_disagreement_is_still_an_error_within_the_explicit_bound():
    unknown = Verdict("unknown", "state bound")
    early = Verdict("violated", "depth 3", depth=3)
    assert crosscheck.disagreement(unknown, early, explored=4, complete=False)
    assert crosscheck.disagreement(unknown, early, explored=2, complete=False) is None
    assert crosscheck.disagreement(unknown, early, explored=3, complete=False)


# -- time limit --------------------------------------------------------------

def test_a_time_limit_gives_unknown_and_exit_3(capsys):
    status, out, _ = run(capsys, "check", "--timeout", "1e-9", "--design", "4th-arg",
                         "--scenario", "one-thread")
    assert status == 3
    assert out.count("unknown (time limit of 1e-09 s reached)") == len(
        catalog.properties())


def test_z3_stops_at_the_time_limit(capsys, tmp_path):
    """Z3 on a model it needs minutes for (three unpinned goroutines; two
    take it a fifth of a second now), given a fraction of a second."""
    path = tmp_path / "go3.toml"
    path.write_text(GO + '[[os_thread]]\nname = "M3"\n[[goroutine]]\nname = "G3"\n'
                    'on = "M3"\n')
    status, out, _ = run(capsys, "check", "--engine", "z3", "--timeout", "0.3",
                         "--design", "stateful-reg", "--scenario", str(path))
    assert status in (1, 3)
    assert "unknown (time limit of 0.3 s reached)" in out


def test_a_deadline_stops_a_z3_query_in_progress():
    from einval import symbolic

    model = runner.world.build(catalog.scenario("two-threads"),
                               catalog.design("fd-log"), catalog.properties())[0]
    deadline = Deadline(0.05)
    results = symbolic.check_model(model, deadline=deadline)
    assert {r.verdict.detail for r in results
            if r.verdict.kind != "violated"} == {"time limit of 0.05 s reached"}


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_a_time_limit_must_be_positive(capsys, value):
    status, _, err = run(capsys, "check", "--timeout", value)
    assert status == 2
    assert "--timeout" in one_error_line(err) and "impossible" in err


def test_an_infinite_time_limit_is_no_limit():
    assert runner.check_timeout(float("inf")).remaining() is None
    deadline = Deadline(10)
    assert 9 < deadline.remaining() <= 10 and not deadline.expired()
    assert deadline.milliseconds(cap=5) == 5
    with pytest.raises(TimeLimit):
        Deadline(0).check()


# -- exit status under a broken pipe -----------------------------------------

def test_exit_status_survives_a_reader_that_went_away():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "einval.cli", "check", "--design", "stateful-get",
         "--scenario", "go-unpinned"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=env, cwd=ROOT)
    proc.stdout.close()  # like `| head -0`: nobody reads
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 1
    assert b"Traceback" not in err and b"Exception ignored" not in err


# -- a property that is not boolean ------------------------------------------

INT_PROPERTY = '''\
from einval.model import Condition
from einval.property import Property


class CountsMessages(Property):
    name = "counts"
    summary = "an integer where a condition belongs"

    def conditions(self, world):
        for call in world.writers.calls():
            yield Condition("how many", world.emitted(call))
'''


def test_an_integer_condition_is_refused_when_the_property_is_built(capsys, tmp_path):
    path = tmp_path / "counts.py"
    path.write_text(INT_PROPERTY)
    for engine in ("explicit", "z3"):
        status, out, err = run(capsys, "check", "--engine", engine, "--property",
                               str(path), "--design", "4th-arg", "--scenario",
                               "one-thread")
        assert (status, out) == (2, "")
        assert one_error_line(err) == (
            f"{path}:11: property counts: conditions(): condition 1 ('how many') is an "
            "integer expression, not a boolean one (compare it: x == 1, x > 0)")


@pytest.mark.parametrize("body,words", [
    ("yield 3", "condition 1 is a int (3), not a Condition"),
    ("yield Condition(1, world.emitted(call) > 0)", "has the label a int (1)"),
    ("yield Condition('x', 'yes')", "('x') is a str ('yes'), not a boolean"),
    ("raise KeyError('boom')", "raised KeyError: 'boom'"),
    ("import sys; sys.exit(0)", "raised SystemExit: 0"),
])
def test_a_broken_property_is_one_line_naming_file_and_line(capsys, tmp_path, body,
                                                             words):
    path = tmp_path / "broken.py"
    path.write_text(INT_PROPERTY.replace(
        'yield Condition("how many", world.emitted(call))', body))
    status, _, err = run(capsys, "check", "--property", str(path), "--design",
                         "4th-arg", "--scenario", "one-thread")
    assert status == 2
    line = one_error_line(err)
    assert line.startswith(f"{path}:11: property counts: conditions(): ")
    assert words in line


def test_a_property_may_state_a_condition_as_a_python_bool():
    from einval.model import Condition
    from einval.property import Property

    class AlwaysTrue(Property):
        name = "always-true"

        def conditions(self, world):
            yield Condition("true", True)

    model, _ = runner.world.build(catalog.scenario("one-thread"),
                                  catalog.design("4th-arg"), [AlwaysTrue])
    [result] = runner.engine_for("explicit")(model)
    assert result.verdict.kind == "holds"


# -- progress ----------------------------------------------------------------

class Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_counts_states_for_explicit_and_properties_for_z3():
    progress = Tty()
    runner.run([catalog.design("4th-arg")], [catalog.scenario("one-thread")],
               catalog.properties(), "z3", runner.Progress(progress))
    text = progress.getvalue()
    assert (f"[1/1] 4th-arg in one-thread: z3, {len(catalog.properties())} open "
            "properties, depth 0") in text
    assert " states" not in text
    assert text.endswith("\r\033[K")
    progress = Tty()
    runner.run([catalog.design("4th-arg")], [catalog.scenario("one-thread")],
               catalog.properties(), "explicit", runner.Progress(progress))
    assert "[1/1] 4th-arg in one-thread: 1 states, depth 0" in progress.getvalue()
    shown = Tty()
    runner.Progress(shown).open_properties(1, 4)
    assert shown.getvalue().endswith("z3, 1 open property, depth 4")


def test_progress_is_cleared_before_an_error(tmp_path):
    design = tmp_path / "raising.py"
    design.write_text(textwrap.dedent('''\
        from einval.design import Design


        class Raising(Design):
            name = "raising"

            def declare(self):
                raise ValueError("no")
    '''))
    progress = Tty()
    with pytest.raises(InputError, match="raising.py:8: design raising: declare"):
        runner.run([catalog.design(str(design))], [catalog.scenario("one-thread")],
                   catalog.properties(), progress=runner.Progress(progress))
    assert progress.getvalue().endswith("\r\033[K")


# -- scenarios of one name ---------------------------------------------------

def test_two_scenarios_of_one_name_are_told_apart(capsys, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.toml").write_text(SCENARIO)
    a, b = str(tmp_path / "a" / "x.toml"), str(tmp_path / "b" / "x.toml")
    status, out, _ = run(capsys, "check", "--design", "4th-arg", "--scenario", a,
                         "--scenario", b)
    assert status == 0
    assert f"4th-arg in {a} (" in out and f"4th-arg in {b} (" in out
    status, out, _ = run(capsys, "compare", "--scenario", a, "--scenario", b,
                         "--format", "json")
    assert status == 0 and json.loads(out)["scenarios"] == [a, b]


def test_one_scenario_file_given_twice_is_refused(capsys, tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(SCENARIO)
    status, _, err = run(capsys, "check", "--scenario", str(path), "--scenario",
                         f"{tmp_path}/./x.toml")
    assert status == 2
    assert one_error_line(err).endswith("x.toml: the scenario file is given twice")


# -- determinism across processes --------------------------------------------

RUNS = [
    ["compare", "--scenario", "one-thread", "--scenario", "bpf-fentry"],
    ["compare", "--scenario", "one-thread", "--scenario", "bpf-fentry", "--format",
     "json"],
    ["check", "--scenario", "go-unpinned", "--design", "stateful-get"],
    ["check", "--scenario", "go-unpinned", "--design", "stateful-get", "--format",
     "json"],
    ["check", "--engine", "z3", "--scenario", "one-thread", "--design", "4th-arg",
     "--property", "attribution"],
    ["test", "scenarios/one-thread.toml", "scenarios/bpf-fentry.toml"],
    ["list"],
]
EVERY_RUN = f'''
import contextlib, io, json, sys
from einval import cli
out = []
for argv in {RUNS!r}:
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        status = cli.main(argv)
    out.append([status, text.getvalue()])
json.dump(out, sys.stdout)
'''


def test_output_is_the_same_bytes_in_processes_of_different_hash_seeds():
    """Set and dict order must never leak into a report: two interpreters
    with different ``PYTHONHASHSEED`` print the same bytes, every format."""
    procs = [subprocess.Popen([sys.executable, "-c", EVERY_RUN], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT),
                                   "PYTHONHASHSEED": seed})
             for seed in ("1", "4242")]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err.decode()
    first, second = (json.loads(out) for out, _ in outputs)
    assert [status for status, _ in first] == [0, 0, 1, 1, 0, 0, 0]
    assert all(text for _, text in first)
    for argv, a, b in zip(RUNS, first, second):
        assert a == b, argv


def test_progress_of_a_long_search_shows_rate_and_memory(monkeypatch):
    progress = Tty()
    shown = runner.Progress(progress)
    clock = iter([100.0, 103.0])
    monkeypatch.setattr(runner.time, "monotonic", lambda: next(clock))
    shown.job(1, 1, "stateful-reg in go-3x1")
    shown.states(30000, 12)
    text = progress.getvalue()
    assert "[1/1] stateful-reg in go-3x1: 30000 states, depth 12, 10,000 states/s, " in text
    assert text.rstrip().endswith("MiB")
