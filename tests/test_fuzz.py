"""Bad input of every kind: one line naming the file, exit 2, no traceback.

Hypothesis throws arbitrary bytes and arbitrary TOML (built from the
scenario vocabulary, so that it reaches past the parser into every
table's checks) at the scenario reader, and arbitrary command lines at
the CLI.  The malformed inputs the issue listed are each a test with the
exact message.
"""

from __future__ import annotations

import json
import os
import string
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from einval import catalog, cli, world
from einval.errors import InputError, one_line

# A few dozen examples each in the default run (derandomized: the same
# inputs every run); EINVAL_FUZZ_EXAMPLES=2000 for a long hunt.
FUZZ = settings(max_examples=int(os.environ.get("EINVAL_FUZZ_EXAMPLES", "25")),
                deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def run(capsys, *argv):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def error_line(err: str) -> str:
    """The one line of an input error, without its prefix."""
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("\n"), repr(err)
    assert err.startswith("einval: error: "), err
    assert err.isprintable() or err[:-1].isprintable(), repr(err)
    return err[len("einval: error: "):-1]


def check_file(capsys, path: Path, *extra) -> tuple[int, str]:
    status, out, err = run(capsys, "check", "--design", "4th-arg", "--property",
                           "attribution", "--scenario", str(path), *extra)
    return status, err


# -- arbitrary bytes ---------------------------------------------------------

def read_scenario(data: bytes, tmp: Path) -> InputError | None:
    """Load ``data`` as a scenario file; the one error allowed is InputError."""
    path = tmp / "fuzz.toml"
    path.write_bytes(data)
    try:
        catalog.scenario(str(path))
    except InputError as err:
        text = str(err)
        assert text.startswith(f"{path}:"), text
        assert "\n" not in text and text.isprintable(), repr(text)
        return err
    return None


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_are_a_scenario_or_one_line(tmp_path, data):
    read_scenario(data, tmp_path)


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_in_any_encoding_is_a_scenario_or_one_line(tmp_path, text):
    for encoding in ("utf-8", "utf-16", "latin-1"):
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        read_scenario(data, tmp_path)


# -- arbitrary TOML from the scenario vocabulary -----------------------------

TABLES = ["thread", "goroutine", "os_thread", "bpf_program", "irq", "signal",
          "migrate", "syscall", "bounds", "expect", "nested"]
KEYS = ["name", "calls", "cpu", "on", "pinned", "attach", "path", "buffer_slots",
        "max_states", "max_depth", "description", "cpus", "handler", "at", "to",
        "4th-arg", "attribution", "program", "thread"]
WORDS = ["T1", "T2", "G1", "M1", "M2", "P1", "emit", "sleep", "emit?", "P1?",
         "sleep cgroup_mutex", "unlock", "fentry/hierarchy_allows_attach", "holds",
         "violated", "T1\n", "", " ", "\u00e9", "a" * 20]


def toml_value(value) -> str:
    """``value`` as a TOML inline value (JSON's string escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}"
                           for k, v in value.items()) + "}"


scalars = st.one_of(st.integers(-3, 300), st.booleans(), st.sampled_from(WORDS),
                    st.text(string.printable, max_size=6))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)), max_leaves=12)
entries = st.dictionaries(st.sampled_from(KEYS), values, max_size=5)
documents = st.dictionaries(
    st.sampled_from(TABLES + KEYS),
    st.one_of(st.lists(entries, max_size=3), entries, scalars), min_size=1, max_size=6)


@FUZZ
@given(doc=documents)
def test_any_toml_is_a_scenario_or_one_line(tmp_path, doc):
    text = "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items())
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    try:
        scenario = catalog.scenario(str(path))
    except InputError as err:
        assert "\n" not in str(err) and str(err).startswith(f"{path}:")
        return
    # what the reader accepts, every design can be built on
    for design in catalog.designs():
        world.build(scenario, design, catalog.properties())


# -- arbitrary command lines -------------------------------------------------

OPTIONS = ["--design", "--scenario", "--property", "--engine", "--format",
           "--max-states", "--max-depth", "--timeout", "--why", "--kernel", "-x", "--"]
ARGS = ["4th-arg", "task-struct:in_task", "task-struct:", "nope", "one-thread",
        "x.toml", "x.py", "/dev/null", "/", "z3", "both", "json", "text", "0", "-1",
        "1e9", "nan", "attribution", "", "\n", "\x1b[2J"]


@FUZZ
@given(command=st.sampled_from(["check", "compare", "list", "bogus", ""]),
       words=st.lists(st.sampled_from(OPTIONS + ARGS), max_size=6))
def test_any_command_line_is_a_run_or_one_line(capsys, command, words):
    argv = [command, *words] if command else words
    if command in ("check", "compare") and "--" not in words:
        argv += ["--timeout", "1e-9", "--scenario", "one-thread"]
    try:
        status = cli.main(argv)
    except SystemExit as end:  # argparse's --help and --version
        assert end.code == 0
        return
    out, err = capsys.readouterr()
    assert status in (0, 1, 2, 3)
    if status == 2 and err:
        line = err.splitlines()[-1]
        assert "Traceback" not in err and line.startswith("einval: error: ")


# -- the malformed scenario files of the issue, each with its message --------

def write(tmp_path: Path, data: bytes | str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("data,message", [
    (b"\x8f\x00\xff random", ":1: not UTF-8 text (byte 0x8f); TOML files are UTF-8"),
    ('description = "caf\u00e9"\n'.encode("latin-1"),
     ":1: not UTF-8 text (byte 0xe9); TOML files are UTF-8"),
    ('description = "x"\n'.encode("utf-16"),
     ":1: not UTF-8 text (byte 0xff); TOML files are UTF-8"),
    (b'[[thread]]\nname = "T1"\ncalls = 1\x00\n', ":3: a NUL byte: this is not a text file"),
    ("a = " + "[" * 5000 + "]" * 5000, ": not valid TOML: nested too deeply"),
    ('[[thread]]\nname = "T1\\n"\n',
     r":2: thread T1\n: name 'T1\n' must be a letter then up to 11 letters, digits or _"),
    ('[[thread]]\nname = "T1"\n[[bpf_program]]\nname = "emit"\n'
     'attach = "fentry/x"\n',
     ":4: bpf_program emit: the name 'emit' is a path step's keyword: choose another"),
    ('[[thread]]\nname = "T1"\n[[bpf_program]]\nname = "sleep"\n'
     'attach = "fentry/x"\n',
     ":4: bpf_program sleep: the name 'sleep' is a path step's keyword: choose another"),
    ('[[thread]]\nname = "T1"\n[bounds]\nmax_states = 0\n',
     ":4: bounds: 'max_states' = 0 is impossible (at least 1)"),
    ('[[thread]]\nname = "T1"\n[bounds]\nmax_depth = "deep"\n',
     ":4: bounds: 'max_depth' must be an integer, not 'deep'"),
    ('[[thread]]\nname = "T1"\n[syscall]\npath = ["emit", "jump"]\n',
     ":4: syscall: path step 'jump' is not a step"),
])
def test_each_malformed_scenario_has_its_one_line(capsys, tmp_path, data, message):
    path = write(tmp_path, data)
    status, err = check_file(capsys, path)
    assert status == 2
    line = error_line(err)
    assert line.startswith(f"{path}{message}"), line


def test_an_unknown_scenario_design_or_property_name_is_one_line(capsys):
    for flag, kind in (("--scenario", "scenario"), ("--design", "design"),
                       ("--property", "property")):
        status, _, err = run(capsys, "check", flag, "no-such-thing")
        assert status == 2
        assert error_line(err).startswith(f"unknown {kind} 'no-such-thing' (known: ")


def test_a_missing_scenario_file_is_one_line(capsys, tmp_path):
    status, err = check_file(capsys, tmp_path / "absent.toml")
    assert status == 2
    assert error_line(err) == f"{tmp_path / 'absent.toml'}: cannot read scenario: No " \
        "such file or directory"


def test_one_line_escapes_control_characters():
    assert one_line("a\nb\x1b[2Jc\td") == "a\\nb\\x1b[2Jc\\td"
    assert str(InputError("bad\nname", "x\n.toml", 3)) == "x\\n.toml:3: bad\\nname"


# -- broken design files -----------------------------------------------------

DESIGN = '''\
from einval.design import Design


class Broken(Design):
    name = "broken"
    summary = "a design that gets something wrong"

    def declare(self):
        self.log = self.world.buffers("log", owner="thread")

    def syscall_entry(self, ctx):
        return self.log.clear(self.log.ref(ctx.thread))

    def emit(self, ctx, tag):
        return self.log.append(self.log.ref(ctx.thread), tag)

    def retrieve(self, ctx):
        return self.log.contents(self.log.ref(ctx.thread))
'''
ENTRY = "        return self.log.clear(self.log.ref(ctx.thread))"
RETRIEVE = "        return self.log.contents(self.log.ref(ctx.thread))"


@pytest.mark.parametrize("old,new,message", [
    (ENTRY, "        raise RuntimeError('oops')",
     ":12: design broken: syscall_entry(): raised RuntimeError: oops"),
    (ENTRY, "        return None",
     ":11: design broken: syscall_entry(): returned None, not updates (a dict from "
     "variables to values)"),
    (ENTRY, "        return [1]",
     ":11: design broken: syscall_entry(): returned a list ([1]), not updates"),
    (ENTRY, "        return 'x'",
     ":11: design broken: syscall_entry(): returned a str ('x'), not updates"),
    (ENTRY, "        return {'log': 1}",
     ":11: design broken: syscall_entry(): key 'log' is not a variable of the model"),
    (RETRIEVE, "        return [1.5]",
     ":17: design broken: retrieve(): slot 0 gets a float (1.5), not an int or an "
     "einval expression"),
    (RETRIEVE, "        return [True]",
     ":17: design broken: retrieve(): slot 0 gets True, a bool where a tag or number "
     "belongs"),
    (RETRIEVE, "        return 'T1#1'",
     ":17: design broken: retrieve(): returned a str ('T1#1'), not a list of message "
     "slots"),
    ("from einval.design import Design",
     "import sys\nsys.exit(0)\nfrom einval.design import Design",
     ":2: the file calls sys.exit(0) when loaded"),
    (ENTRY, "        import sys; sys.exit(0)",
     ":12: design broken: syscall_entry(): raised SystemExit: 0"),
    ('    name = "broken"', "    name = 3", ": Broken has no 'name'"),
    ("    def declare(self):", "    def declare(self:",
     ":8: syntax error: "),
])
def test_a_broken_design_names_file_hook_and_fault(capsys, tmp_path, old, new, message):
    path = tmp_path / "broken.py"
    assert old in DESIGN
    path.write_text(DESIGN.replace(old, new))
    status, out, err = run(capsys, "check", "--design", str(path), "--scenario",
                           "one-thread")
    assert (status, out) == (2, "")
    line = error_line(err)
    assert line.startswith(f"{path}{message}"), line


def test_the_unbroken_design_of_these_tests_runs(capsys, tmp_path):
    path = tmp_path / "fine.py"
    path.write_text(DESIGN)
    status, out, _ = run(capsys, "check", "--design", str(path), "--scenario",
                         "one-thread")
    assert status == 0, out


def test_a_design_file_that_is_no_python_is_one_line(capsys, tmp_path):
    path = tmp_path / "d.py"
    path.write_bytes(b"\xff\xfe\x00garbage")
    status, _, err = run(capsys, "check", "--design", str(path))
    assert status == 2
    assert error_line(err).startswith(f"{path}")
    path.write_text(textwrap.dedent("x = 1\n"))
    status, _, err = run(capsys, "check", "--design", str(path))
    assert error_line(err) == f"{path}: expected exactly one Design subclass, found 0"
