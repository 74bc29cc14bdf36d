"""Mutation testing, one module at a time: does the suite catch a bug?

    python benchmarks/mutation.py einval.explicit
    python benchmarks/mutation.py einval.symbolic.engine --jobs 2
    python benchmarks/mutation.py properties.completeness
    python benchmarks/mutation.py --score einval.verdict   # no run, figures only
    python benchmarks/mutation.py --show einval.search.core  # each survivor's diff
    python benchmarks/mutation.py einval.lang.x_fold    # one function's mutants

``mutmut`` (``pip install mutmut``; configured in ``[tool.mutmut]`` of
pyproject.toml) copies the sources to ``mutants/``, makes many small
deliberate bugs (a ``<`` for a ``<=``, a ``+ 1``, a dropped argument) and
runs the targeted tests against each, nicely (``nice -n 15``), because a
run is CPU-heavy.  A mutant the tests do not kill is a wrong verdict the
suite would let through: read it with ``mutmut show NAME``, then write a
test that states the semantics it breaks.

Each module is judged by the few test files that state its semantics
(``SELECTIONS``), so a mutant costs seconds: mutmut keeps one test
selection per directory, so every selection runs in a directory of its
own, ``build/mutation/GROUP/`` (links to the sources and the tests, and
a pyproject.toml whose ``[tool.mutmut]`` names that selection).  Results
are kept there; a second run only retests what changed.  Modules with no
entry use ``[tool.mutmut]`` as it is, in the checkout's ``mutants/``.

The score printed is killed / (killed + survived): mutants with no test
at all are listed apart, timeouts count as killed (the mutant made the
checker hang, which a user notices).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

KILLED = {"killed", "timeout"}
ROOT = Path(__file__).resolve().parent.parent
# Survivors judged to change no behaviour, each with why: read, not trusted
# blindly (a mutant's number changes when its function does).
EQUIVALENT = Path(__file__).resolve().parent / "equivalent_mutants.txt"

# Module prefix -> (files mutated, test files that judge them).  The
# longest prefix matching the module asked for wins.
SELECTIONS: dict[str, tuple[list[str], list[str]]] = {
    "einval.search": (["einval/search/*"], [
        "tests/test_mutants_search.py", "tests/test_search.py",
        "tests/test_search_reductions.py", "tests/test_explicit.py",
        "tests/test_settle.py", "tests/test_trust.py"]),
    "models": (["models/*"], [
        "tests/test_mutants_models.py", "tests/test_trust.py",
        "tests/test_catalogue_designs.py", "tests/test_catalogue_contexts.py",
        "tests/test_expectations.py"]),
    "einval.lang": (["einval/lang.py"], [
        "tests/test_mutants_search.py", "tests/test_lang.py", "tests/test_search.py"]),
    "einval.symbolic": (["einval/symbolic/*"], [
        "tests/test_mutants_symbolic.py", "tests/test_trust.py",
        "tests/test_symbolic_reached.py", "tests/test_symbolic_certify.py",
        *(f"tests/test_symbolic.py::{t}" for t in (
            "test_decoded_trace_replays_and_fails", "test_bounded_search_is_never_holds",
            "test_spacer_proves_what_k_induction_leaves",
            "test_update_leaving_its_domain_is_reported",
            "test_vacuous_property_is_unknown_in_both_engines",
            "test_disagreement_rules",
            "test_catalogue_same_verdicts_and_lengths[two-threads-task-struct]",
            "test_catalogue_same_verdicts_and_lengths[go-pinned-stateful-get]",
            "test_catalogue_same_verdicts_and_lengths[bpf-fentry-shared-storage]",
            # the paths the reached-states invariant makes rare: Houdini,
            # k-induction, the Int encoding
            "test_go_unpinned_proofs_need_few_induction_steps",
            "test_every_variant_of_the_engine_agrees[options0]",
            "test_every_variant_of_the_engine_agrees[options4]"))]),
}
# What a group directory links to, beside its own pyproject.toml.
LINKED = ["einval", "models", "properties", "scenarios", "tests", "README.md"]


def workdir(module: str) -> Path:
    """The directory mutmut runs in for ``module`` (made when missing)."""
    groups = [g for g in SELECTIONS if module == g or module.startswith(g + ".")]
    if not groups:
        return ROOT
    group = max(groups, key=len)
    mutate, tests = SELECTIONS[group]
    here = ROOT / "build" / "mutation" / group
    here.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = here / name
        if not link.exists():
            link.symlink_to(ROOT / name)
    text = (ROOT / "pyproject.toml").read_text()
    section = re.search(r"^\[tool\.mutmut\]\n(?:(?!\[).*\n)*", text, re.M)
    assert section is not None, "pyproject.toml has no [tool.mutmut]"
    mine = re.sub(r"only_mutate = \[[^\]]*\]", "only_mutate = " + _toml(mutate),
                  section.group(0))
    mine = re.sub(r"pytest_add_cli_args_test_selection = \[[^\]]*\]",
                  "pytest_add_cli_args_test_selection = " + _toml(tests), mine)
    target = here / "pyproject.toml"
    wanted = text.replace(section.group(0), mine)
    if not target.exists() or target.read_text() != wanted:
        target.write_text(wanted)
    return here


def _toml(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def _separator(pattern: str) -> str:
    """What follows ``pattern`` in a mutant's name: a module's functions
    (``einval.lang.x_fold...``), or a function's mutants
    (``einval.lang.x_fold__mutmut_3``)."""
    last = pattern.rsplit(".", 1)[-1]
    return "__mutmut_" if last.startswith(("x_", "x\u01c1")) else "."


def results(pattern: str, cwd: Path) -> dict[str, str]:
    """Mutant name -> status, for mutants of modules matching ``pattern``."""
    out = subprocess.run(["mutmut", "results", "--all", "true"], capture_output=True,
                         text=True, check=True, cwd=cwd).stdout
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m and m.group(1).startswith(pattern + _separator(pattern)):
            found[m.group(1)] = m.group(2).strip()
    return found


def equivalents() -> dict[str, str]:
    """Mutant name -> why it changes no behaviour (``EQUIVALENT``)."""
    out = {}
    for line in EQUIVALENT.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, why = line.partition(" ")
            out[name] = why.strip()
    return out


def sample(names: list[str], every: int) -> list[str]:
    """Every ``every``-th mutant of each function, by mutant number: a
    systematic sample that spreads over every function."""
    def number(name: str) -> int:
        return int(name.rsplit("_", 1)[1])
    return [n for n in names if (number(n) - 1) % every == 0]


def score(pattern: str, cwd: Path, show: bool = False, every: int = 1) -> int:
    """Print the figures of ``pattern``; the exit status: 0 when >= 90 %
    of the mutants that change behaviour are killed."""
    found = results(pattern, cwd)
    if every > 1:
        found = {n: found[n] for n in sample(sorted(found), every)}
        print(f"sample: every {every}th mutant of each function")
    same = equivalents()
    counts = Counter("killed" if s in KILLED else s for s in found.values())
    equal = sum(1 for n, s in found.items() if s == "survived" and n in same)
    judged = counts["killed"] + counts["survived"] - equal
    print(f"{pattern}: {len(found)} mutants: " +
          ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) +
          f" ({equal} of the survivors equivalent)")
    if judged:
        print(f"score: {counts['killed']}/{judged} = {100 * counts['killed'] / judged:.1f} %")
    for name, status in sorted(found.items()):
        if status == "survived":
            print(f"  survived: {name}" + (f"  (equivalent: {same[name]})"
                                           if name in same else ""))
            if show:
                print(subprocess.run(["mutmut", "show", name], capture_output=True,
                                     text=True, cwd=cwd).stdout)
    return 0 if judged and counts["killed"] >= 0.9 * judged else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="a dotted module, e.g. einval.explicit or "
                        "models.stateful_get_error")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once")
    parser.add_argument("--score", action="store_true", help="only print the figures")
    parser.add_argument("--show", action="store_true",
                        help="only print the figures and each survivor's diff")
    parser.add_argument("--fresh", action="store_true",
                        help="forget earlier results of this module's group")
    parser.add_argument("--sample", type=int, default=1, metavar="K",
                        help="run and score every K-th mutant of each function only")
    parser.add_argument("--survivors", action="store_true",
                        help="rerun the survivors not judged equivalent (after adding tests)")
    args = parser.parse_args(argv)
    if shutil.which("mutmut") is None:
        print("mutation.py: mutmut is not installed (pip install mutmut)", file=sys.stderr)
        return 2
    cwd = workdir(args.module)
    if args.fresh and cwd != ROOT:
        shutil.rmtree(cwd / "mutants", ignore_errors=True)
    if not (args.score or args.show):
        names = [f"{args.module}{_separator(args.module)}*"]
        if args.sample > 1 or args.survivors:
            if not (cwd / "mutants").exists():  # mutants made, nothing run
                subprocess.run(["mutmut", "run", "no.such.mutant"], cwd=cwd,
                               stdout=subprocess.DEVNULL, check=False)
            found = results(args.module, cwd)
            wanted = "survived" if args.survivors else "not checked"
            names = [n for n in sample(sorted(found), args.sample)
                     if found[n] == wanted and n not in equivalents()]
        if names:
            subprocess.run(["nice", "-n", "15", "mutmut", "run", "--max-children",
                            str(args.jobs), *names], check=False,
                           stdout=subprocess.DEVNULL, cwd=cwd)
    return score(args.module, cwd, args.show, args.sample)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `... | head`
        sys.exit(0)
