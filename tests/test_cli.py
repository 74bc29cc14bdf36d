"""The einval command as a user runs it: output, formats, exit statuses."""

import json
import subprocess
import sys

import pytest

from einval import catalog
from einval.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


THREAD = ["one-thread", "two-threads", "go-unpinned", "go-pinned", "bpf-fentry"]


def test_compare_prints_the_matrix_with_the_expected_verdicts(capsys):
    """Over the thread's five scenarios, the matrix the thread argued about."""
    status, out, err = run(capsys, "compare", *(f"--scenario={s}" for s in THREAD))
    assert status == 0 and err == ""
    assert "stateful-reg violates attribution in go-unpinned" in out
    _, out, _ = run(capsys, "compare", "--format", "json",
                    *(f"--scenario={s}" for s in THREAD))
    worst: dict[tuple[str, str], str] = {}
    for r in json.loads(out)["results"]:
        key = r["design"], r["property"]
        if worst.get(key) != "violated":
            worst[key] = r["verdict"]
    old = ["attribution", "no-foreign-output", "completeness"]

    def row(design):
        return [worst[design, p] for p in old]

    assert row("4th-arg") == ["holds", "holds", "holds"]
    assert row("task-struct") == ["holds", "holds", "holds"]
    assert row("stateful-reg")[0] == row("stateful-get")[0] == "violated"
    assert row("shared-storage")[1] == "violated"


def test_compare_over_everything_names_every_shipped_scenario(capsys):
    status, out, _ = run(capsys, "compare")
    assert status == 0
    header = " ".join(out.split("\n\n")[0].split())
    for path in catalog.scenario_paths():
        assert path.stem in header


def test_text_output_fits_72_columns(capsys):
    _, out, _ = run(capsys, "compare")
    _, out2, _ = run(capsys, "check", "--design", "stateful-get")
    _, out3, _ = run(capsys, "list")
    for line in (out + out2 + out3).splitlines():
        assert len(line) <= 72, line


def test_check_exit_statuses(capsys):
    # 4th-arg keeps every property in every scenario but old-kernel.
    assert run(capsys, "check", "--design", "4th-arg", "--scenario", "one-thread")[0] == 0
    assert run(capsys, "check", "--design", "4th-arg")[0] == 1
    assert run(capsys, "check", "--design", "stateful-get",
               "--scenario", "go-unpinned")[0] == 1
    assert run(capsys, "check", "--design", "4th-arg", "--scenario", "go-unpinned",
               "--max-states", "5")[0] == 3


def test_check_json_results(capsys):
    status, out, _ = run(capsys, "check", "--design", "stateful-get", "--scenario",
                         "go-unpinned", "--property", "attribution", "--format", "json")
    assert status == 1
    doc = json.loads(out)
    [r] = doc["results"]
    assert (r["design"], r["scenario"], r["property"], r["verdict"]) == (
        "stateful-get", "go-unpinned", "attribution", "violated")
    assert r["states"] > 0 and len(r["trace"]) == r["depth"] == 7
    assert {"actor", "action"} <= set(r["trace"][0])
    assert r["failed"]["values"] == {"got[G2#1]": "[G1#1]"}


def test_compare_json_has_every_combination(capsys):
    _, out, _ = run(capsys, "compare", "--format", "json")
    doc = json.loads(out)
    expected = len(catalog.designs()) * len(catalog.properties()) * len(
        catalog.scenario_paths())
    assert len(doc["results"]) == expected
    assert len({(r["design"], r["scenario"], r["property"])
                for r in doc["results"]}) == expected
    assert {r["verdict"] for r in doc["results"]} == {"holds", "violated"}


@pytest.mark.parametrize("argv,words", [
    (["check", "--design", "nope"], "unknown design 'nope'"),
    (["check", "--scenario", "nope"], "unknown scenario 'nope'"),
    (["check", "--property", "nope"], "unknown property 'nope'"),
    (["check", "--scenario", "missing.toml"], "missing.toml: cannot read scenario"),
    (["check", "--max-states", "0"], "--max-states 0 is impossible"),
    (["check", "--engine", "magic"], "unknown engine 'magic'"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, words):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and words in err and err.startswith("einval: error: ")


def test_a_scenario_file_from_a_mail_is_checked(capsys, tmp_path):
    path = tmp_path / "from-lkml.toml"
    path.write_text('[[os_thread]]\nname = "M1"\n[[os_thread]]\nname = "M2"\n'
                    '[[goroutine]]\nname = "G1"\non = "M1"\ncalls = 2\n')
    status, out, _ = run(capsys, "check", "--design", "stateful-get",
                         "--scenario", str(path), "--property", "attribution")
    assert status == 1
    assert "stateful-get in from-lkml" in out


def test_a_bad_scenario_file_names_its_line(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[thread]]\nname = "T1"\ncals = 2\n')
    status, out, err = run(capsys, "check", "--scenario", str(path))
    assert status == 2
    assert err == (f"einval: error: {path}:3: thread T1: unknown key 'cals' "
                   "(expected one of: calls, cpu, name)\n")


DESIGN = '''
"""A design that forgets everything: every message is lost."""
from einval.design import Design


class Forgetful(Design):
    name = "forgetful"
    summary = "drops every message"

    def declare(self):
        self.log = self.world.buffers("log", owner="thread")

    def emit(self, ctx, tag):
        return {}

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.thread))
'''


def test_a_design_in_one_short_file(capsys, tmp_path):
    path = tmp_path / "forgetful.py"
    path.write_text(DESIGN)
    status, out, _ = run(capsys, "check", "--design", str(path), "--scenario",
                         "one-thread")
    assert status == 1
    assert "completeness       violated (depth 4)" in out
    assert "attribution        holds" in out


def test_a_broken_design_file_is_a_one_line_error(capsys, tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("x = (\n")
    status, _, err = run(capsys, "check", "--design", str(path))
    assert status == 2 and f"{path}:1: syntax error" in err


def test_the_installed_command_runs_from_anywhere(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "einval.cli", "list"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "stateful-get" in proc.stdout and "go-pinned" in proc.stdout


def test_no_progress_noise_when_piped(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "einval.cli", "compare"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == ""


def test_progress_shows_on_a_terminal_only():
    import io

    from einval import catalog, runner

    class Tty(io.StringIO):
        def isatty(self):
            return True

    shown, piped = Tty(), io.StringIO()
    for stream in (shown, piped):
        runner.run([catalog.design("4th-arg")], [catalog.scenario("one-thread")],
                   catalog.properties(), progress=runner.Progress(stream))
    assert "[1/1] 4th-arg in one-thread" in shown.getvalue()
    assert piped.getvalue() == ""


def test_compare_with_a_kernel_tree_adds_churn_columns(capsys):
    from pathlib import Path

    from einval.churn import design_totals

    tree = str(Path(__file__).parent / "data" / "ktree")
    totals = design_totals(tree)
    status, out, _ = run(capsys, "compare", "--kernel", tree)
    assert status == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()}
    explicit = totals["explicit"]
    assert rows["4th-arg"][-2:] == [str(explicit["prototypes"]), str(explicit["call_sites"])]
    assert explicit["prototypes"] > 0
    assert rows["task-struct"][-2:] == ["0", "0"]
    status, out, _ = run(capsys, "compare", "--kernel", tree, "--format", "json")
    assert json.loads(out)["churn"]["4th-arg"]["prototypes"] == explicit["prototypes"]


def test_engine_z3_and_both_on_the_command_line(capsys):
    status, out, _ = run(capsys, "check", "--engine", "z3", "--design", "stateful-get",
                         "--scenario", "go-unpinned", "--property", "attribution")
    assert status == 1 and "violated (depth 7)" in out
    status, out, _ = run(capsys, "check", "--engine", "both", "--design", "4th-arg",
                         "--scenario", "one-thread")
    assert status == 0 and "; z3: holds (proved" in out


@pytest.mark.slow  # explain mode over stateful-get's switches; tests/test_symbolic covers it
def test_why_names_the_pinning_assumption(capsys):
    status, out, _ = run(capsys, "check", "--engine", "z3", "--why", "--design",
                         "stateful-get", "--scenario", "go-pinned", "--property",
                         "attribution")
    assert status == 0
    assert "attribution needs: G2 is pinned to M2 (runtime.LockOSThread)" in out
    assert run(capsys, "check", "--why")[0] == 2


def test_engines_disagreeing_is_loud_and_exit_2(capsys, monkeypatch):
    from einval import crosscheck
    from einval.verdict import Verdict

    def lying_z3(model, progress=None, explain=False):
        results = crosscheck.explicit.check_model(model)
        for r in results:
            r.verdict = Verdict("holds", "proved (a lie)")
        return results

    monkeypatch.setattr(crosscheck.symbolic, "check_model", lying_z3)
    status, out, err = run(capsys, "check", "--engine", "both", "--design",
                           "stateful-get", "--scenario", "go-unpinned")
    assert status == 2 and out == ""
    assert err.startswith("einval: ENGINES DISAGREE: ") and "stateful-get" in err
