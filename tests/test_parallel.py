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
