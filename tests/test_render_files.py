"""Traces for tools: ITF JSON that itf-py (the Apalache/Quint library)
loads back, and the state graph as DOT, and SVG when Graphviz is here."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil

import pytest

from einval import catalog, world
from einval.cli import main
from einval.render import choose, dot, itf
from einval.render import space as spaces
from einval.verdict import Trace

needs_itf = pytest.mark.skipif(importlib.util.find_spec("itf_py") is None,
                               reason="itf-py not installed (it needs Python 3.11+)")

SHARED_BPF = ["--design", "shared-storage", "--scenario", "bpf-fentry",
              "--property", "no-foreign-output"]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@needs_itf
def test_an_itf_trace_loads_with_itf_py_and_replays(capsys):
    from itf_py import trace_from_json

    status, out, err = run(capsys, "check", *SHARED_BPF, "--trace", "itf")
    assert status == 1 and err == ""
    loaded = trace_from_json(json.loads(out))
    model, _ = world.build(catalog.scenario("bpf-fentry"),
                           catalog.design("shared-storage"), catalog.properties())
    assert loaded.vars == [v.name for v in model.variables]
    assert loaded.params == [v.name for v in model.variables if v.frozen]
    assert loaded.meta["format"] == "ITF"
    assert loaded.meta["violated"] == "no BPF program output in the explanation of T1#1"
    assert len(loaded.states) == 6
    assert [s.meta["index"] for s in loaded.states] == list(range(6))
    # Decode each ITF state back to the model's numbers and replay the steps.
    actions = []
    for after in loaded.states[1:]:
        [number] = [i for i, a in enumerate(model.actions)
                    if a.name == after.meta["action"] and a.actor == after.meta["actor"]]
        actions.append(number)
    replayed = Trace.replay(model, actions)
    for state, itf_state in zip([replayed.initial] + [s.state for s in replayed.steps],
                                loaded.states):
        for v in model.variables:
            value = itf_state.values[v.name]
            if isinstance(value, bool):
                assert value == bool(state[v.index])
            elif isinstance(value, int):
                assert str(value) == v.domain.label(state[v.index])
            else:
                assert value == v.domain.label(state[v.index])
    assert loaded.states[-1].values["got[T1#1][0]"] == "P1"


@needs_itf
def test_itf_uses_the_formats_value_encodings():
    model, _ = world.build(catalog.scenario("go-unpinned"), catalog.design("stateful-get"),
                           catalog.properties())
    doc = itf.document(choose.counterexample(model, model.check("attribution")))
    first = doc["states"][0]
    assert first["emitted[G1#1]"] == {"#bigint": "0"}
    assert first["pinned[G1]"] is False
    assert first["task[G1]"] == "-"  # an unpinned goroutine starts on no M
    assert set(doc) >= {"#meta", "vars", "states"}


@needs_itf
def test_itf_writes_one_trace_or_says_why_not(capsys):
    status, out, err = run(capsys, "check", "--design", "shared-storage",
                           "--scenario", "bpf-fentry", "--trace", "itf",
                           "--property", "attribution", "--property", "no-foreign-output")
    assert status == 2 and out == ""
    assert err == ("einval: error: --trace itf writes one trace, and this run has 2 "
                   "traces; narrow the run with --design, --scenario and --property\n")
    status, _, err = run(capsys, "check", "--design", "4th-arg", "--scenario",
                         "one-thread", "--property", "attribution", "--trace", "itf")
    assert status == 2 and "no trace: nothing was violated" in err


def test_the_state_graph_highlights_the_path(capsys):
    status, out, _ = run(capsys, "check", *SHARED_BPF, "--trace", "dot")
    assert status == 1
    assert out.startswith('digraph "shared-storage in bpf-fentry" {')
    red_edges = [line for line in out.splitlines() if "->" in line and "color=red" in line]
    assert [re.match(r"\s*(s\d+) -> (s\d+)", e).groups() for e in red_edges] == [
        ("s0", "s1"), ("s1", "s2"), ("s2", "s3"), ("s3", "s4"), ("s4", "s5")]
    assert 's5 [label="s5\\lgot[T1#1] = [P1, T1#1]\\l' in out
    assert "fillcolor" in [line for line in out.splitlines() if line.strip()
                           .startswith("s5 ")][0]


def test_the_graph_has_every_state_and_step():
    model, _ = world.build(catalog.scenario("cpu-migration"), catalog.design("per-cpu"),
                           catalog.properties())
    check = model.check("attribution")
    text = dot.graph(choose.counterexample(model, check), check)
    space = spaces.of(model)
    assert text.count(" -> ") == sum(len(out) for out in space.edges)
    assert len(re.findall(r"^  s\d+ \[", text, re.M)) == len(space.states)
    assert text.count("color=red, fontcolor=red") == 7


def test_a_large_graph_is_refused(monkeypatch):
    model, _ = world.build(catalog.scenario("cpu-migration"), catalog.design("per-cpu"),
                           catalog.properties())
    check = model.check("attribution")
    monkeypatch.setattr(dot, "MAX_STATES", 10)
    with pytest.raises(Exception, match="116 states are too many to draw"):
        dot.graph(choose.counterexample(model, check), check)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")
def test_svg_through_graphviz(capsys):
    status, out, _ = run(capsys, "check", *SHARED_BPF, "--trace", "svg")
    assert status == 1
    assert "<svg" in out and out.rstrip().endswith("</svg>")
    assert "reads the explanation of T1#1" in out
