"""The same input prints the same bytes, in separate processes and
whatever PYTHONHASHSEED is: set iteration order, object ids and hashes
must never leak into what einval prints."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# One process runs every command in turn and prints each output between
# markers, so two processes cover everything for the price of two starts.
SCRIPT = r"""
import contextlib, io, sys
from einval.cli import main
COMMANDS = [
    ["compare"] + sys.argv[1:],
    ["compare", "--scenario", "bpf-fentry", "--format", "markdown"],
    ["compare", "--scenario", "go-unpinned", "--format", "html"],
    ["compare", "--scenario", "bpf-fentry", "--format", "json"],
    ["test", "bpf-fentry", "go-pinned"],
    ["check", "--design", "per-cpu", "--scenario", "cpu-migration", "--all",
     "--trace", "lanes"],
    ["check", "--design", "stateful-get", "--scenario", "go-unpinned",
     "--property", "attribution", "--trace", "itf"],
    ["check", "--design", "shared-storage", "--scenario", "bpf-fentry",
     "--property", "attribution", "--trace", "dot"],
    ["check", "--design", "4th-arg", "--scenario", "two-threads", "--witness"],
    ["show", "fd-log", "shared-fd"],
]
for argv in COMMANDS:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv)
    sys.stdout.write(f"==== {' '.join(argv)} -> {status}\n{out.getvalue()}")
"""


def start(seed: str, compare: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    return subprocess.Popen([sys.executable, "-c", SCRIPT, *compare],
                            stdout=subprocess.PIPE, env=env)


@pytest.mark.parametrize("compare", [
    pytest.param(["--scenario", "go-unpinned", "--scenario", "cpu-migration"],
                 id="two-scenarios"),
    pytest.param([], id="whole-catalogue", marks=pytest.mark.slow),
])
def test_two_processes_print_the_same_bytes(compare):
    processes = [start("0", compare), start("4242", compare)]  # side by side
    first, second = (p.communicate(timeout=600)[0] for p in processes)
    assert [p.returncode for p in processes] == [0, 0]
    assert first.count(b"\n==== ") == 9
    assert b" -> 0\neinval compare: " in first
    assert first == second
