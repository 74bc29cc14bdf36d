"""Scenario files: what is accepted, and one-line errors for what is not."""

import pytest
from helpers import scenario_from

from einval import catalog
from einval.errors import InputError

GOOD = """\
description = "two goroutines"

[[os_thread]]
name = "M1"

[[os_thread]]
name = "M2"

[[goroutine]]
name = "G1"
on = "M1"
pinned = true
calls = 2

[[goroutine]]
name = "G2"
on = "M2"
"""


def test_a_good_scenario_parses():
    s = scenario_from(GOOD)
    assert [t.name for t in s.threads] == ["G1", "G2"]
    assert s.threads[0].pinned and s.threads[0].calls == 2
    assert s.tasks == ["M1", "M2"]
    assert s.path == ["emit"] and s.buffer_slots == 2


def test_every_shipped_scenario_parses():
    for s in catalog.scenarios():
        assert s.threads


BAD = [
    # (text, line, words in the message)
    ('[[thread]]\nname = "T1"\ncals = 2\n', 3, "unknown key 'cals'"),
    ('[[thread]]\nname = "T1"\ncalls = 0\n', 3, "impossible"),
    ('[[thread]]\nname = "T1"\ncalls = "two"\n', 3, "must be an integer"),
    ('[[thread]]\nname = "T1"\ncalls = 99\n', 3, "beyond the limit"),
    ('[[thread]]\nname = "T1"\n[[thread]]\nname = "T1"\n', 4, "used twice"),
    ('[[thread]]\nname = "T1"\n[bounds]\nmax_states = 0\n', 4, "impossible"),
    ('[[thread]]\nname = "T1"\n[bounds]\nbuffer_slots = 0\n', 4, "impossible"),
    ('[[thread]]\nname = "T1"\n[syscall]\npath = ["emit", "jump"]\n', 4, "'jump'"),
    ('[[thread]]\nname = "T1"\n[syscall]\npath = ["sleep"]\n', 4, "never emits"),
    ('[[os_thread]]\nname = "M1"\n[[goroutine]]\nname = "G1"\non = "M9"\n', 5,
     "not an [[os_thread]]"),
    ('[[os_thread]]\nname = "M1"\n[[goroutine]]\nname = "G1"\non = "M1"\n'
     'pinned = true\n[[goroutine]]\nname = "G2"\non = "M1"\n', 9, "locked to G1"),
    ('[[thread]]\nname = "T1"\n[[bpf_program]]\nname = "P1"\nattach = "kprobe/x"\n',
     5, "fentry/FUNCTION"),
    ('[[thread]]\nname = "T1"\n[[bpf_program]]\nname = "P1"\n'
     'attach = "fentry/f"\n[syscall]\npath = ["emit"]\n', 7, "not on syscall.path"),
    ('description = "nobody"\n', None, "nobody makes a bpf() call"),
    ('[[thread]]\nname = "T1"\nbogus = 1\n', 3, "unknown key 'bogus'"),
    ('colour = "red"\n[[thread]]\nname = "T1"\n', 1, "unknown key 'colour'"),
    ('[[thread]\nname = "T1"\n', 1, "not valid TOML"),
    ('[[thread]]\nname = "T 1"\n', 2, "must be a letter"),
    ('cpus = 2\n[[thread]]\nname = "T1"\ncpu = 2\n', 4, "beyond the limit of 1"),
]


@pytest.mark.parametrize("text,line,words", BAD)
def test_bad_scenarios_name_file_line_and_problem(text, line, words):
    with pytest.raises(InputError) as info:
        scenario_from(text, "bad")
    err = info.value
    assert words in err.message
    assert err.path == "bad.toml"
    assert err.line == line
    assert "\n" not in str(err)
    prefix = f"bad.toml:{line}: " if line else "bad.toml: "
    assert str(err).startswith(prefix)
