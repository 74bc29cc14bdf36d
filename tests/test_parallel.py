"""Both cores for the cells of a run: the same bytes as one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from einval import parallel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["--scenario=go-unpinned", "--scenario=signal-handler", "--scenario=bpf-fentry"]


def einval(jobs: str, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "EINVAL_JOBS": jobs}
    return subprocess.run([sys.executable, "-m", "einval.cli", *argv], capture_output=True,
                          text=True, env=env, cwd=ROOT)


@pytest.mark.parametrize("form", ["text", "json"])
def test_two_workers_print_what_one_process_prints(form):
    one = einval("1", "compare", "--format", form, *SCENARIOS)
    two = einval("2", "compare", "--format", form, *SCENARIOS)
    assert one.returncode == two.returncode == 0, two.stderr
    assert two.stdout == one.stdout
    assert "violates attribution" in one.stdout or '"violated"' in one.stdout


def test_a_violation_found_by_a_worker_exits_1_with_its_trace():
    two = einval("2", "check", "--design", "stateful-get", "--design", "4th-arg",
                 "--scenario", "go-unpinned", "--property", "attribution")
    assert two.returncode == 1
    assert "G2@M1: reads the explanation of G2#1" in two.stdout


def test_worker_count(monkeypatch):
    monkeypatch.setenv("EINVAL_JOBS", "1")
    assert parallel.workers(10) == 1
    monkeypatch.setenv("EINVAL_JOBS", "3")
    assert parallel.workers(10) == 3 and parallel.workers(2) == 2
    monkeypatch.delenv("EINVAL_JOBS")
    assert parallel.workers(1) == 1
    assert parallel.workers(10) == min(2, os.cpu_count() or 1)


def test_a_trace_from_a_worker_is_replayed_only_when_read(monkeypatch):
    """The parent builds a job's model and replays a trace on first read:
    its length is known before, and what is read is the serial trace."""
    from einval import catalog, runner, world
    from einval.verdict import Trace

    design = catalog.design("stateful-get")
    scenario = catalog.scenario("go-unpinned")
    properties = [catalog.property_("attribution"), catalog.property_("completeness")]
    check = runner.engine_for("explicit", False)
    built: list[str] = []
    build = world.build

    def counting(*args, **kwargs):
        built.append("model")
        return build(*args, **kwargs)

    [[result, other]] = parallel.run([(design, scenario)], properties, check, 2,
                                     lambda n, name: None)
    serial = check(build(scenario, design, properties)[0])[0].verdict.trace
    monkeypatch.setattr(world, "build", counting)
    trace = result.verdict.trace
    assert trace.length == len(serial.steps) > 0
    assert built == []  # the length alone needs no model
    assert [s.action for s in trace.steps] == [s.action for s in serial.steps]
    assert [s.state for s in trace.steps] == [s.state for s in serial.steps]
    assert trace.failed is not None and trace.failed.label == serial.failed.label
    assert trace.initial == serial.initial and isinstance(trace, Trace)
    assert other.verdict.trace.length == len(other.verdict.trace.steps) > 0
    assert built == ["model"]  # once, for every trace of the job read
