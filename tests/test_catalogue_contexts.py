"""The contexts of issue 8: each is a piece or step of its own, changes
nothing in the world core, and gives traces the real system can make."""

import pytest
from helpers import scenario_from, verdict

from einval import catalog, explicit, world
from einval.errors import InputError


def run(design, scenario, prop):
    model, w = world.build(scenario, catalog.design(design), [catalog.property_(prop)])
    return explicit.check_model(model)[0], w


def test_kernel_caller_is_a_writer_nobody_reads():
    scenario = catalog.scenario("kernel-caller")
    r, w = run("per-cpu", scenario, "attribution")
    assert [c.label for c in w.writers.calls()] == ["T1#1"]
    assert r.verdict.kind == "violated"
    assert any(step.actor.startswith("K ") for step in r.verdict.trace.steps)
    assert r.verdict.trace.steps[-1].name.startswith("reads")


def test_task_work_clobbers_a_per_task_slot_after_the_return():
    r = verdict("stateful-get", "task-work", "attribution")
    assert r.verdict.kind == "violated"
    steps = [s.name for s in r.verdict.trace.steps]
    returned = next(i for i, a in enumerate(steps) if "returns -EINVAL" in a)
    work = next(i for i, a in enumerate(steps) if a.startswith("task_work"))
    assert returned < work < len(steps) - 1
    assert verdict("task-struct", "task-work", "attribution").verdict.kind == "holds"


@pytest.mark.parametrize("design", ["task-struct", "stateful-get", "exterrctl"])
def test_io_wq_worker_loses_a_per_task_message(design):
    r = verdict(design, "io-wq", "completeness")
    assert r.verdict.kind == "violated"
    assert any(s.actor == "iou-wrk-T1" for s in r.verdict.trace.steps)


def test_io_wq_keeps_explicit_logs():
    assert verdict("4th-arg", "io-wq", "completeness").verdict.kind == "holds"


@pytest.mark.parametrize("design", ["stateful-reg", "stateful-get", "exterrctl"])
def test_pinning_does_not_stop_the_runtime_own_syscalls(design):
    r = verdict(design, "go-runtime", "attribution")
    assert r.verdict.kind == "violated"
    actors = [s.actor for s in r.verdict.trace.steps]
    assert "Go runtime@M1" in actors and "Go scheduler" not in actors


def test_the_runtime_syscall_holds_its_m():
    # While the raw futex() is in the kernel, G1 cannot run on M1: no
    # G1 step sits between the runtime's entry and its return.
    r = verdict("stateful-reg", "go-runtime", "attribution")
    steps = [(s.actor, s.name) for s in r.verdict.trace.steps]
    enter = next(i for i, (_, a) in enumerate(steps) if "enters the kernel" in a
                 and "futex" in a)
    leave = next(i for i, (_, a) in enumerate(steps) if "returns -EAGAIN" in a)
    assert all(actor.startswith("Go runtime") for actor, _ in steps[enter:leave + 1])


def test_per_cpu_breaks_on_one_cpu_without_migration():
    # Andrii's "CPU migration precludes that" is not the only reason:
    # another task on the same CPU overwrites the slot (shared-fd has
    # one CPU and two threads).
    r = verdict("per-cpu", "shared-fd", "attribution")
    assert r.verdict.kind == "violated"
    assert not any("migrates" in s.name or "resumes on" in s.name
                   for s in r.verdict.trace.steps)


BAD = [
    ('path = ["emit", "unknown_cmd"]', "the command switch comes first"),
    ('path = ["unknown_cmd", "emit"]', "no step can follow it"),
]


@pytest.mark.parametrize("path, message", BAD)
def test_unknown_cmd_must_be_the_whole_path(path, message):
    text = f'[[thread]]\nname = "T1"\n[syscall]\n{path}\n'
    with pytest.raises(InputError) as err:
        scenario_from(text)
    assert message in str(err.value)
    assert err.value.line == 4


def test_task_work_names_a_thread():
    text = ('[[thread]]\nname = "T1"\n[[task_work]]\nname = "TW"\nthread = "T9"\n'
            '[syscall]\npath = ["emit"]\n')
    with pytest.raises(InputError) as err:
        scenario_from(text)
    assert "T9" in str(err.value) and err.value.line == 5


def test_go_runtime_runs_on_an_os_thread():
    text = ('[[thread]]\nname = "T1"\n[[go_runtime]]\nname = "RT"\non = "T1"\n'
            '[syscall]\npath = ["emit"]\n')
    with pytest.raises(InputError) as err:
        scenario_from(text)
    assert "os_thread" in str(err.value)
