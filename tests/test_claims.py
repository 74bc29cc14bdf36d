"""``einval claims``: the thread's claims, decided by computation.

Shipped claims are pinned only where every name they use is in this
catalogue; the verdict rules are tested on claim files written here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from einval import catalog, claims
from einval.cli import main

KTREE61 = str(Path(__file__).parent / "data" / "ktree61")
VERDICT = re.compile(r"^(confirmed|confirmed with a caveat|refuted|undecided: .+)$")


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, body: str, name: str = "mine") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text('author = "A. Person"\ndate = "2020-07-20"\n'
                    'quote = "it works"\n' + body)
    return path


def decide(path: Path, kernel: str | None = None) -> claims.Decision:
    return claims.decide_all([claims.load(path)], kernel)[0]


MODEL = '''
[[{role}]]
design = "{design}"
scenario = "{scenario}"
property = "{prop}"
expect = "{expect}"
'''


def model(role="check", design="task-struct", scenario="irq-during-bpf",
          prop="attribution", expect="violated") -> str:
    return MODEL.format(role=role, design=design, scenario=scenario, prop=prop,
                        expect=expect)


def test_shipped_claims_cover_every_claim_of_domain_md():
    names = [p.stem for p in claims.paths()]
    numbers = {int(re.match(r"\d+", n).group()) for n in names}
    assert numbers == set(range(1, 12))
    assert catalog.claims_folder() == Path(catalog.root()) / "claims"
    for c in claims.load_all():
        assert c.author in ("Alexei Starovoitov", "Andrii Nakryiko")
        assert c.quote and c.checks


def test_shipped_claims_decided_with_this_catalogue():
    decisions = {d.claim.name: d for d in claims.decide_all(claims.load_all())}
    assert all(VERDICT.match(d.verdict) for d in decisions.values())
    assert decisions["04-process-context"].verdict == "refuted"
    evidence = decisions["04-process-context"].evidence
    assert (evidence.check.design, evidence.check.scenario) == ("task-struct",
                                                                "irq-during-bpf")
    assert len(evidence.result.verdict.trace.steps) == 5
    assert decisions["05-per-cpu-migration"].verdict == "confirmed with a caveat"
    # the shortest of the qualifying counterexamples is the evidence
    assert decisions["05-per-cpu-migration"].evidence.check.scenario == "irq-during-bpf"
    assert decisions["07-bpf-interleave"].verdict == "confirmed"
    assert decisions["08a-go-runtime"].verdict == "confirmed"
    # the shortest of the two Go counterexamples is the evidence
    assert decisions["08a-go-runtime"].evidence.check.design == "stateful-get"
    for name in ("02-attach-chain", "03-current-no-churn", "06b-no-attr-pointer"):
        assert decisions[name].verdict == "undecided: needs a kernel tree (--kernel TREE)"


def test_churn_claims_on_a_small_tree():
    picked = [claims.load(p) for p in claims.paths()
              if p.stem in ("02-attach-chain", "03-current-no-churn",
                            "06a-attr-in-proto", "06b-no-attr-pointer")]
    got = {d.claim.name: d for d in claims.decide_all(picked, KTREE61)}
    assert got["02-attach-chain"].verdict == "confirmed"
    assert got["02-attach-chain"].evidence.got == (
        "__cgroup_bpf_attach, cgroup_bpf_attach, cgroup_bpf_link_attach, link_create")
    assert got["03-current-no-churn"].verdict == "confirmed with a caveat"
    assert got["06a-attr-in-proto"].verdict == "confirmed with a caveat"
    assert got["06a-attr-in-proto"].evidence.got == "3"
    assert got["06b-no-attr-pointer"].verdict == "confirmed"
    assert got["06b-no-attr-pointer"].evidence.got == "8"


def test_a_check_that_does_not_come_out_refutes(tmp_path):
    d = decide(write(tmp_path, model(expect="holds")))
    assert d.verdict == "refuted"
    assert d.evidence.got == "violated (5 steps)" and not d.evidence.met


def test_a_caveat_that_comes_out_qualifies(tmp_path):
    body = model(scenario="one-thread", expect="holds") + model(role="caveat")
    d = decide(write(tmp_path, body))
    assert d.verdict == "confirmed with a caveat"
    assert d.evidence.check.role == "caveat"
    assert decide(write(tmp_path, body.replace('"violated"', '"holds"'), "b")
                  ).verdict == "confirmed"


def test_unknown_names_leave_a_claim_undecided(tmp_path):
    body = (model(design="no-such-design") + model(role="caveat", scenario="nowhere")
            + model(prop="no-such-property"))
    d = decide(write(tmp_path, body))
    # checks first, then caveats, each named once
    assert d.verdict == ("undecided: unknown design no-such-design; unknown "
                         "property no-such-property; unknown scenario nowhere")
    d = decide(write(tmp_path, model(design="task-struct:nope"), "switch"))
    assert d.verdict.startswith("undecided: design task-struct has no switch 'nope'")


def test_a_verdict_cannot_be_written_in_a_claim_file(tmp_path):
    path = write(tmp_path, 'verdict = "confirmed"\n' + model())
    with pytest.raises(claims.InputError, match=r"mine.toml:4: unknown key 'verdict'"):
        claims.load(path)


@pytest.mark.parametrize("body, message", [
    (model(expect="maybe"), r":5: \[\[check\]\]: expect 'maybe'"),
    ('[[check]]\nfigure = "path"\ndesign = "explicit"\nexpect = "== 0"\n',
     r"'target' must be a non-empty string"),
    ('[[check]]\nfigure = "totals"\ndesign = "explicit"\nexpect = "about 3"\n',
     r"expect 'about 3': expected a comparison"),
    ('[[check]]\nfigure = "totals"\ndesign = "4th-arg"\nexpect = "> 0"\n',
     r"a churn figure is of explicit, attr, current"),
    ("", r"at least one \[\[check\]\]"),
    ("[[check\n", r"not TOML"),
])
def test_bad_claim_files_name_file_and_problem(tmp_path, body, message):
    with pytest.raises(claims.InputError, match=message):
        claims.load(write(tmp_path, body))


def test_command_fits_72_columns_and_is_deterministic(capsys):
    status, first, err = run(capsys, "claims")
    assert status == 0 and err == ""
    assert all(len(line) <= 72 for line in first.splitlines())
    assert run(capsys, "claims")[1] == first
    assert "[04-process-context] Andrii Nakryiko, 2020-07-20" in first
    assert "  verdict: refuted" in first
    assert "got violated (5 steps): NOT as expected" in first
    assert re.search(r"^13 claims: \d+ confirmed, ", first, re.M)


def test_command_takes_a_claim_file_and_a_kernel_tree(capsys, tmp_path):
    path = write(tmp_path, '[[check]]\nfigure = "totals"\ndesign = "current"\n'
                 'expect = "== 0"\n')
    status, out, _ = run(capsys, "claims", str(path), "--kernel", KTREE61)
    assert status == 0
    assert "churn current, whole subsystem: prototypes: expect == 0" in out
    assert "  verdict: confirmed" in out


@pytest.mark.parametrize("argv", [
    ["claims", "no-such-claim"],
    ["claims", "--engine", "quantum"],
    ["claims", "02-attach-chain", "--kernel", "/nonexistent/tree"],
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1


def test_json_carries_verdict_checks_and_evidence(capsys):
    import json

    status, out, _ = run(capsys, "claims", "04-process-context", "07-bpf-interleave",
                         "--format", "json")
    doc = json.loads(out)
    assert status == 0 and doc["command"] == "claims" and doc["kernel"] is None
    first, second = doc["claims"]
    assert (first["name"], first["verdict"]) == ("04-process-context", "refuted")
    assert [c["met"] for c in first["checks"]] == [True, False]
    assert first["evidence"]["result"]["depth"] == 5
    assert second["verdict"] == "confirmed"


def test_a_function_the_tree_lacks_leaves_the_claim_undecided(tmp_path):
    path = write(tmp_path, '[[check]]\nfigure = "path"\ndesign = "attr"\n'
                 'target = "no_such_function_here"\nexpect = "> 0"\n')
    d = decide(path, KTREE61)
    assert d.verdict.startswith("undecided: ") and "no_such_function_here" in d.verdict


def test_a_new_claim_is_a_file_in_the_catalogue(capsys, tmp_path, monkeypatch):
    top = Path(catalog.root())
    for kind in ("models", "properties", "scenarios"):
        (tmp_path / kind).symlink_to(top / kind)
    (tmp_path / "claims").mkdir()
    write(tmp_path / "claims", model(scenario="one-thread", expect="holds"), "99-new")
    monkeypatch.setenv("EINVAL_CATALOGUE", str(tmp_path))
    status, out, _ = run(capsys, "claims")
    assert status == 0
    assert "[99-new] A. Person, 2020-07-20" in out
    assert out.rstrip().endswith("1 claim: 1 confirmed, 0 confirmed with a caveat, "
                                 "0 refuted, 0 undecided")
