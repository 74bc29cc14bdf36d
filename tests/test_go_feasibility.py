"""Every shipped Go counterexample can really happen (issue 7's first rule).

An independent reading of the Go runtime, written against the trace text
only (not the model's own guards): an M that is blocked in a syscall
(``entersyscall`` hands its P to another M) runs nothing else until the
syscall returns, so no goroutine is moved onto it, enters the kernel on
it, or reads there; a goroutine runs on the M it is on, or on
another one the scheduler moved it to (a step on another M; an explicit
"G resumes on M" step in older traces), which happens only in user space
and never to a pinned goroutine (``LockOSThread``), whose M runs no other
goroutine.
"""

from __future__ import annotations

import re

import pytest

from einval import catalog, explicit, world

RUNS = re.compile(r"^(G\d+)@(M\d+)$")
MOVE = re.compile(r"^(G\d+) resumes on (M\d+)$")


def go_cases():
    for path in catalog.scenario_paths():
        scenario = catalog.scenario(str(path))
        if scenario.entries("goroutine"):
            for design in catalog.designs():
                yield pytest.param(scenario, design, id=f"{scenario.name}-{design.label}")


def infeasible(scenario, trace) -> list[str]:
    """What the Go runtime forbids in ``trace``, step by step."""
    on = {g.name: g.on.name for g in scenario.entries("goroutine")}
    pinned = {g.name for g in scenario.entries("goroutine") if g.pinned}
    in_kernel: set[str] = set()
    problems = []

    def blocked(m: str, but: str) -> str | None:
        return next((g for g in sorted(in_kernel) if g != but and on[g] == m), None)

    for number, step in enumerate(trace.steps, 1):
        move = MOVE.match(step.name)
        runs = RUNS.match(step.actor)
        if step.actor == "Go scheduler" and move:
            g, m = move.groups()
            if g in pinned:
                problems.append(f"{number}: pinned {g} moved")
            if g in in_kernel:
                problems.append(f"{number}: {g} moved while in a syscall")
            if (other := blocked(m, g)) is not None:
                problems.append(f"{number}: {g} moved onto {m}, blocked by {other}")
            if any(on[p] == m for p in pinned if p != g):
                problems.append(f"{number}: {g} moved onto a locked M")
            on[g] = m
        elif runs:
            g, m = runs.groups()
            if on[g] != m:
                # A step on another M is the scheduler moving g there first:
                # only from user space, only if g is not locked, only onto
                # an M no other goroutine has locked.
                if g in in_kernel:
                    problems.append(f"{number}: {g} moved while in a syscall")
                if g in pinned:
                    problems.append(f"{number}: pinned {g} moved")
                if any(on[p] == m for p in pinned if p != g):
                    problems.append(f"{number}: {g} moved onto a locked M")
                on[g] = m
            if (other := blocked(m, g)) is not None:
                problems.append(f"{number}: {g} runs on {m}, blocked by {other}")
            if "enters the kernel" in step.name:
                in_kernel.add(g)
            elif " returns " in step.name:
                in_kernel.discard(g)
    return problems


@pytest.mark.parametrize("scenario,design", list(go_cases()))
def test_every_go_counterexample_is_feasible(scenario, design):
    model, _ = world.build(scenario, design, catalog.properties())
    traces = [r.verdict.trace for r in explicit.check_model(model)
              if r.verdict.kind == "violated"]
    for trace in traces:
        assert not infeasible(scenario, trace), "\n".join(
            f"{s.actor}: {s.name}" for s in trace.steps)


def test_the_checker_catches_the_old_impossible_trace():
    """The README's old 7-step trace moved G1 onto M2 while G2 was in bpf()."""

    class Step:
        def __init__(self, actor, name):
            self.actor, self.name = actor, name

    class Trace:
        steps = [Step("G1@M1", "bpf() call G1#1 enters the kernel"),
                 Step("G1@M1", "bpf() call G1#1 returns -EINVAL"),
                 Step("G2@M2", "bpf() call G2#1 enters the kernel"),
                 Step("Go scheduler", "G1 resumes on M2"),
                 Step("G1@M2", "reads the explanation of G1#1")]

    problems = infeasible(catalog.scenario("go-unpinned"), Trace())
    assert problems == ["4: G1 moved onto M2, blocked by G2",
                        "5: G1 runs on M2, blocked by G2"]


@pytest.mark.parametrize("name", ["go-unpinned", "go-pinned", "go-runtime"])
def test_a_goroutine_is_on_an_m_exactly_while_it_needs_one(name):
    """In every reachable state: an unpinned goroutine is on an M ("-"
    otherwise) exactly while it is inside the kernel, and never on an M
    another goroutine holds; a pinned one is always on its own M."""
    scenario = catalog.scenario(name)
    model, _ = world.build(scenario, catalog.design("stateful-get"), catalog.properties())
    var = {v.name: v for v in model.variables}
    ex = explicit.explore(model, symmetry=False)
    assert ex.complete and len(ex.states) > 10
    for packed in ex.states:
        state = list(packed)
        held = {}
        for g in scenario.entries("goroutine"):
            task = var[f"task[{g.name}]"]
            pc = var[f"pc[{g.name}]"]
            where = task.domain.labels[state[task.index]]
            label = pc.domain.labels[state[pc.index]]
            inside = any(word in label for word in (" error site", " return")) \
                or "returns" in label
            if g.pinned:
                assert where == g.on.name
            elif inside:
                assert where != "-", (g.name, label)
            else:
                assert where == "-", (g.name, label)
            if where != "-" and (inside or g.pinned):
                assert where not in held, (g.name, held)
                held[where] = g.name
