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
    goroutines = s.entries("goroutine")
    assert [g.name for g in goroutines] == ["G1", "G2"]
    assert goroutines[0].pinned and goroutines[0].calls == 2
    assert not goroutines[1].pinned and goroutines[1].calls == 1
    assert goroutines[1].on is s.entry("M2")
    assert [m.name for m in s.entries("os_thread")] == ["M1", "M2"]
    assert s.path_text == ["emit"] and s.buffer_slots == 2


def test_every_shipped_scenario_parses_and_has_callers():
    for s in catalog.scenarios():
        assert any(getattr(p, "caller", False) for p in s.pieces), s.name
        assert s.expectations, s.name


def test_optional_steps_and_new_tables_parse():
    s = scenario_from(
        'cpus = 2\n[[thread]]\nname = "T1"\n[[thread]]\nname = "T2"\n'
        '[[irq]]\nname = "IRQ0"\ncpu = 1\n[[signal]]\nname = "S1"\nto = "T2"\n'
        '[[migrate]]\nthread = "T1"\n[syscall]\npath = ["sleep cgroup_mutex", "emit", '
        '"unlock cgroup_mutex?"]\n')
    assert s.path_text == ["sleep cgroup_mutex", "emit", "unlock cgroup_mutex?"]
    assert [optional for _, optional in s.path] == [False, False, True]
    assert s.entry("IRQ0").cpu == 1
    assert s.entry("S1").to is s.entry("T2")


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
    ('[[thread]]\nname = "T1"\n[syscall]\npath = ["sleep m"]\n', 4, "never emits"),
    ('[[thread]]\nname = "T1"\n[syscall]\npath = ["emit", "unlock m"]\n', 4, "m"),
    ('[[thread]]\nname = "T1"\n[syscall]\npath = ["emit", "sleep m", "sleep m"]\n', 4,
     "already held"),
    ('[[thread]]\nname = "T1"\n[[migrate]]\nthread = "T1"\n', 3, "2 CPUs"),
    ('[[thread]]\nname = "T1"\n[[signal]]\nname = "S1"\nto = "T9"\n', 5, "T9"),
    ('[[thread]]\nname = "T1"\n[expect]\n4th-arg = "maybe"\n', 4, "maybe"),
    ('[[os_thread]]\nname = "M1"\n[[goroutine]]\nname = "G1"\non = "M9"\n', 5,
     "not a [[os_thread]]"),
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


def test_an_unknown_design_in_expect_is_named_with_its_line_when_judged(tmp_path):
    from einval import expect

    s = scenario_from('[[thread]]\nname = "T1"\n[expect]\nno-such-design = "holds"\n',
                      "bad")
    with pytest.raises(InputError) as info:
        expect.judge(s)
    assert str(info.value).startswith("bad.toml:4: ")
    assert "no-such-design" in info.value.message


def test_a_mutex_taken_again_after_its_unlock_is_released_once_at_exit():
    from einval import catalog, explicit, world

    s = scenario_from('[[thread]]\nname = "T1"\n[[thread]]\nname = "T2"\n[syscall]\n'
                      'path = ["sleep m", "unlock m", "emit", "sleep m"]\n')
    model, _ = world.build(s, catalog.design("4th-arg"), catalog.properties())
    assert {r.verdict.kind for r in explicit.check_model(model)} == {"holds"}
