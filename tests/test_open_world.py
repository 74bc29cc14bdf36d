"""The vocabulary is open: a new step, table, design or scenario is one
new file, and the checker's errors about a user's design are one line.

The step and table here are defined in this test file, as a newcomer
would in a new module, and removed from the registries afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import scenario_from

from einval import catalog, explicit, world
from einval.actors.irq import Irq
from einval.errors import InputError
from einval.pieces import PIECES
from einval.steps import STEPS, Step

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def twice_step():
    """A path word ``twice``: two error sites in a row, one step each."""

    class Twice(Step):
        keyword = "twice"
        summary = "two error sites, one after the other"
        emits = 2

        def instructions(self, world, program, call, number):
            for which in ("first", "second"):
                def act(site, which=which):
                    site.action(f"{which} error site for {call}",
                                world.hook("emit", site.ctx, call.writer.tag),
                                world.count_emit(call.writer))

                self.one(program, call, f"{which} site", act)

    yield Twice
    del STEPS["twice"]


@pytest.fixture
def softirq_table():
    """A table ``[[tasklet]]``: a softirq on a CPU, written as a new piece."""

    class Tasklet(Irq):
        table = "tasklet"
        summary = "a tasklet (softirq context) reaching an error site"

        def __init__(self, values, where):
            super().__init__({**values, "context": "softirq"}, where)

    yield Tasklet
    del PIECES["tasklet"]


def violated_trace(design: str, scenario, prop: str):
    model, _ = world.build(scenario, catalog.design(design), [catalog.property_(prop)])
    [r] = explicit.check_model(model)
    return r


def test_a_step_defined_elsewhere_is_a_path_word(twice_step):
    s = scenario_from('[[thread]]\nname = "T1"\n[[thread]]\nname = "T2"\n'
                      '[syscall]\npath = ["twice"]\n[bounds]\nbuffer_slots = 2\n')
    assert s.path_text == ["twice"]
    r = violated_trace("stateful-get", s, "completeness")
    assert r.verdict.kind == "holds"
    r = violated_trace("stateful-get", scenario_from(
        '[[thread]]\nname = "T1"\n[syscall]\npath = ["twice"]\n'
        '[bounds]\nbuffer_slots = 1\n'), "completeness")
    assert r.verdict.kind == "holds"  # capacity permitting: one slot holds one
    r = violated_trace("fd-log", s, "attribution")
    names = [step.name for step in r.verdict.trace.steps]
    assert r.verdict.kind == "violated"
    assert any(n.startswith("first error site") for n in names)


def test_an_unknown_word_lists_the_new_step(twice_step):
    with pytest.raises(InputError) as info:
        scenario_from('[[thread]]\nname = "T1"\n[syscall]\npath = ["thrice"]\n')
    assert "twice" in info.value.message


def test_a_table_defined_elsewhere_is_read_and_built(softirq_table):
    s = scenario_from('[[thread]]\nname = "T1"\n[[tasklet]]\nname = "TL1"\n'
                      '[syscall]\npath = ["emit"]\n')
    assert [p.table for p in s.pieces] == ["thread", "tasklet"]
    r = violated_trace("task-struct", s, "attribution")
    assert r.verdict.kind == "violated"
    assert any("softirq on CPU0 interrupts T1" in step.name
               for step in r.verdict.trace.steps)
    assert violated_trace("task-struct:in_task", s, "attribution").verdict.kind == "holds"
    with pytest.raises(InputError) as info:
        scenario_from('[[thread]]\nname = "T1"\n[[tasklet]]\nname = "TL1"\nbogus = 1\n')
    assert str(info.value).startswith("test.toml:5: tasklet TL1: unknown key 'bogus'")


BROKEN_HOOKS = [
    ("raise RuntimeError('boom')", "boom"),
    ("return None", "None"),
    ("return [1]", "list"),
    ("return 'x'", "str"),
    ("return {'not a variable': 1}", "not a variable"),
]


@pytest.mark.parametrize("body,words", BROKEN_HOOKS)
def test_a_broken_design_hook_is_one_line_naming_file_and_hook(tmp_path, body, words):
    design = tmp_path / "broken.py"
    design.write_text(
        "from einval.design import Design\n\n\n"
        "class Broken(Design):\n"
        "    name = 'broken'\n"
        "    summary = 'a design whose emit hook is wrong'\n\n"
        "    def declare(self):\n"
        "        self.log = self.world.buffers('log', owner='thread')\n\n"
        "    def emit(self, ctx, tag):\n"
        f"        {body}\n\n"
        "    def retrieve(self, ctx):\n"
        "        return self.log.contents(self.log.ref(ctx.thread))\n")
    out = subprocess.run([sys.executable, "-m", "einval.cli", "check", "--design",
                          str(design), "--scenario", "one-thread"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    [line] = out.stderr.splitlines()
    assert line.startswith(f"einval: error: {design}:")
    assert "emit" in line and words in line, line


def test_a_copied_catalogue_with_a_new_design_and_scenario(tmp_path):
    """Adding a design and a scenario (one file each) breaks nothing: the
    shipped expectations still judge, and the new ones are judged too."""
    for folder in ("models", "properties", "scenarios"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "models" / "per_cpu_twin.py").write_text(
        (ROOT / "models" / "per_cpu.py").read_text()
        .replace('name = "per-cpu"', 'name = "per-cpu-twin"')
        .replace("class PerCpuBuffer", "class PerCpuTwin"))
    (tmp_path / "scenarios" / "twin.toml").write_text(
        'description = "the twin in one thread"\n[[thread]]\nname = "T1"\n'
        '[syscall]\npath = ["emit"]\n[expect]\nper-cpu-twin = "holds"\n'
        '4th-arg = "holds"\ntask-struct = "holds"\nstateful-reg = "holds"\n'
        'stateful-get = "holds"\nshared-storage = "holds"\n')
    env = {**os.environ, "EINVAL_CATALOGUE": str(tmp_path)}
    listed = subprocess.run([sys.executable, "-m", "einval.cli", "list"],
                            capture_output=True, text=True, env=env)
    assert "per-cpu-twin" in listed.stdout and "twin " in listed.stdout
    judged = subprocess.run([sys.executable, "-m", "einval.cli", "test",
                             str(tmp_path / "scenarios" / "twin.toml"),
                             str(tmp_path / "scenarios" / "two-threads.toml")],
                            capture_output=True, text=True, env=env)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert "per-cpu-twin" in judged.stdout
    assert "MISMATCH" not in judged.stdout
