"""Scenario files: the actors and bounds of a run, in a small TOML file.

A scenario says who runs (1:1 threads, goroutines on OS threads, BPF
programs), what one failing ``bpf()`` call does on its way to the error
return, and the bounds.  It says nothing about designs or properties (the
TLA+ split: spec apart from config).  Every mistake is reported as
``file:line: what is wrong``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,11}$")
PATH_STEPS = ("emit", "sleep")
DEFAULT_MAX_STATES = 200_000

LIMITS = {  # the largest bounds a scenario may ask for; beyond is a typo
    "calls": 4,
    "cpus": 4,
    "buffer_slots": 4,
    "path": 8,
    "actors": 6,
}


@dataclass(frozen=True)
class Thread:
    """A user thread making bpf() calls: a 1:1 OS thread or a goroutine."""

    name: str
    calls: int
    goroutine: bool = False
    on: str = ""  # the OS thread (task) it starts on; itself for 1:1
    pinned: bool = False  # runtime.LockOSThread
    cpu: int = 0


@dataclass(frozen=True)
class OsThread:
    """An M of the Go runtime: a task goroutines run on."""

    name: str
    cpu: int = 0


@dataclass(frozen=True)
class Program:
    """A BPF tracing program attached on the syscall path."""

    name: str
    attach: str


@dataclass
class Scenario:
    name: str
    source: str
    description: str = ""
    threads: list[Thread] = field(default_factory=list)
    os_threads: list[OsThread] = field(default_factory=list)
    programs: list[Program] = field(default_factory=list)
    path: list[str] = field(default_factory=lambda: ["emit"])
    cpus: int = 1
    buffer_slots: int = 2
    max_states: int = DEFAULT_MAX_STATES
    max_depth: int | None = None

    @property
    def tasks(self) -> list[str]:
        """Kernel tasks: each 1:1 thread, then each OS thread of the runtime."""
        return [t.name for t in self.threads if not t.goroutine] + [
            m.name for m in self.os_threads
        ]

    def task_cpu(self, task: str) -> int:
        for t in self.threads:
            if t.name == task and not t.goroutine:
                return t.cpu
        for m in self.os_threads:
            if m.name == task:
                return m.cpu
        raise KeyError(task)


class _Locator:
    """Line numbers of TOML tables and keys, found by scanning the text.

    ``tomllib`` gives values, not positions; errors must name a line.
    """

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")
    KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str):
        self.lines: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        table, index = "", 0
        for number, line in enumerate(text.splitlines(), start=1):
            header = self.HEADER.match(line)
            if header:
                table = header.group(2)
                if header.group(1) == "[[":
                    index = counts.get(table, 0)
                    counts[table] = index + 1
                else:
                    index = 0
                self.lines.setdefault((table, index, ""), number)
                continue
            key = self.KEY.match(line)
            if key:
                self.lines.setdefault((table, index, key.group(1)), number)

    def line(self, table: str = "", index: int = 0, key: str = "") -> int | None:
        return self.lines.get((table, index, key)) or self.lines.get((table, index, ""))


def load(path: str | Path, name: str | None = None) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot read scenario: {err.strerror}", str(path)) from None
    return parse(text, str(path), name or path.stem)


def parse(text: str, source: str, name: str) -> Scenario:
    """Validate the text of a scenario file named ``source``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        col = f" (column {m.group(2)})" if m else ""
        raise InputError(f"not valid TOML: {msg}{col}", source, line) from None
    return _Reader(data, _Locator(text), source, name).scenario()


class _Reader:
    """Turns parsed TOML into a checked ``Scenario``, one section at a time."""

    TOP = {"description", "cpus", "thread", "goroutine", "os_thread",
           "bpf_program", "syscall", "bounds"}

    def __init__(self, data: dict, where: _Locator, source: str, name: str):
        self.data, self.where, self.source, self.name = data, where, source, name

    def fail(self, message: str, table: str = "", index: int = 0, key: str = ""):
        raise InputError(message, self.source, self.where.line(table, index, key))

    # -- typed field access --------------------------------------------------
    def get(self, entry: dict, key: str, kind: type, default, table: str, index: int,
            what: str, low: int | None = None, high: int | None = None):
        if key not in entry:
            if default is _REQUIRED:
                self.fail(f"{what}: missing key '{key}'", table, index)
            return default
        value = entry[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            self.fail(f"{what}: '{key}' must be {_KIND_NAMES[kind]}, "
                      f"not {value!r}", table, index, key)
        if kind is int and low is not None and value < low:
            self.fail(f"{what}: '{key}' = {value} is impossible (at least {low})",
                      table, index, key)
        if kind is int and high is not None and value > high:
            self.fail(f"{what}: '{key}' = {value} is beyond the limit of {high}",
                      table, index, key)
        return value

    def entries(self, table: str, keys: set[str]) -> list[dict]:
        raw = self.data.get(table, [])
        if not isinstance(raw, list):
            self.fail(f"'{table}' must be an array of tables: write [[{table}]]", table)
        for i, entry in enumerate(raw):
            if not isinstance(entry, dict):
                self.fail(f"'{table}' entries must be tables", table, i)
            for key in entry:
                if key not in keys:
                    self.fail(f"{table} #{i + 1}: unknown key '{key}' "
                              f"(expected one of: {', '.join(sorted(keys))})",
                              table, i, key)
        return raw

    def actor_name(self, entry: dict, table: str, i: int, seen: set[str]) -> str:
        name = self.get(entry, "name", str, _REQUIRED, table, i, f"{table} #{i + 1}")
        if not NAME.match(name):
            self.fail(f"{table} #{i + 1}: name {name!r} must be a letter then up "
                      "to 11 letters, digits or _", table, i, "name")
        if name in seen:
            self.fail(f"{table}: the name '{name}' is used twice", table, i, "name")
        seen.add(name)
        return name

    # -- the whole file ------------------------------------------------------
    def scenario(self) -> Scenario:
        for key in self.data:
            if key not in self.TOP:
                self.fail(f"unknown key '{key}' (expected one of: "
                          f"{', '.join(sorted(self.TOP))})", key if isinstance(
                              self.data[key], (dict, list)) else "", 0,
                          "" if isinstance(self.data[key], (dict, list)) else key)
        s = Scenario(self.name, self.source)
        s.description = self.get(self.data, "description", str, "", "", 0, "scenario")
        s.cpus = self.get(self.data, "cpus", int, 1, "", 0, "scenario", 1, LIMITS["cpus"])
        seen: set[str] = set()
        s.os_threads = self.os_threads(s.cpus, seen)
        s.threads = self.threads(s, seen)
        s.programs = self.programs(seen)
        s.path = self.path(s.programs)
        self.bounds(s)
        if len(s.threads) + len(s.programs) + len(s.os_threads) > LIMITS["actors"] + 2:
            self.fail(f"too many actors (at most {LIMITS['actors']} threads and "
                      "programs): the state space would explode")
        return s

    def os_threads(self, cpus: int, seen: set[str]) -> list[OsThread]:
        result = []
        for i, e in enumerate(self.entries("os_thread", {"name", "cpu"})):
            name = self.actor_name(e, "os_thread", i, seen)
            cpu = self.get(e, "cpu", int, i % cpus, "os_thread", i, f"os_thread {name}",
                           0, cpus - 1)
            result.append(OsThread(name, cpu))
        return result

    def threads(self, s: Scenario, seen: set[str]) -> list[Thread]:
        result = []
        plain = self.entries("thread", {"name", "calls", "cpu"})
        for i, e in enumerate(plain):
            name = self.actor_name(e, "thread", i, seen)
            what = f"thread {name}"
            calls = self.get(e, "calls", int, 1, "thread", i, what, 1, LIMITS["calls"])
            cpu = self.get(e, "cpu", int, i % s.cpus, "thread", i, what, 0, s.cpus - 1)
            result.append(Thread(name, calls, False, name, False, cpu))
        ms = {m.name for m in s.os_threads}
        locked: dict[str, str] = {}
        gs = self.entries("goroutine", {"name", "calls", "on", "pinned"})
        for i, e in enumerate(gs):
            name = self.actor_name(e, "goroutine", i, seen)
            what = f"goroutine {name}"
            calls = self.get(e, "calls", int, 1, "goroutine", i, what, 1, LIMITS["calls"])
            on = self.get(e, "on", str, _REQUIRED, "goroutine", i, what)
            if on not in ms:
                self.fail(f"{what}: 'on' = {on!r} is not an [[os_thread]] "
                          f"(declared: {', '.join(sorted(ms)) or 'none'})",
                          "goroutine", i, "on")
            pinned = self.get(e, "pinned", bool, False, "goroutine", i, what)
            result.append(Thread(name, calls, True, on, pinned))
        for i, g in enumerate(t for t in result if t.goroutine):
            if g.pinned:
                if g.on in locked:
                    self.fail(f"goroutine {g.name}: {g.on} is already locked to "
                              f"{locked[g.on]} (LockOSThread keeps one goroutine "
                              "per thread)", "goroutine", i, "on")
                locked[g.on] = g.name
        for i, g in enumerate(t for t in result if t.goroutine):
            if not g.pinned and g.on in locked:
                self.fail(f"goroutine {g.name}: cannot start on {g.on}, which is "
                          f"locked to {locked[g.on]}", "goroutine", i, "on")
        if not result:
            self.fail("no [[thread]] or [[goroutine]]: nobody makes a bpf() call")
        if s.os_threads and not gs:
            self.fail("[[os_thread]] declared but no [[goroutine]] runs on it",
                      "os_thread")
        return result

    def programs(self, seen: set[str]) -> list[Program]:
        result = []
        for i, e in enumerate(self.entries("bpf_program", {"name", "attach"})):
            name = self.actor_name(e, "bpf_program", i, seen)
            attach = self.get(e, "attach", str, _REQUIRED, "bpf_program", i,
                              f"bpf_program {name}")
            if not re.match(r"^fentry/[A-Za-z_][A-Za-z0-9_]*$", attach):
                self.fail(f"bpf_program {name}: attach = {attach!r}: expected "
                          "'fentry/FUNCTION' (a function on the bpf() path)",
                          "bpf_program", i, "attach")
            result.append(Program(name, attach))
        return result

    def path(self, programs: list[Program]) -> list[str]:
        section = self.data.get("syscall", {})
        if not isinstance(section, dict):
            self.fail("'syscall' must be a table: write [syscall]", "syscall")
        for key in section:
            if key != "path":
                self.fail(f"syscall: unknown key '{key}' (expected: path)",
                          "syscall", 0, key)
        names = [p.name for p in programs]
        default = names + ["emit"]
        path = section.get("path", default)
        if not isinstance(path, list) or not all(isinstance(p, str) for p in path):
            self.fail("syscall: 'path' must be a list of steps", "syscall", 0, "path")
        if not 1 <= len(path) <= LIMITS["path"]:
            self.fail(f"syscall: 'path' must have 1 to {LIMITS['path']} steps",
                      "syscall", 0, "path")
        for step in path:
            if step not in PATH_STEPS and step not in names:
                self.fail(f"syscall: path step {step!r} is not 'emit', 'sleep' or a "
                          "[[bpf_program]] name", "syscall", 0, "path")
        if "emit" not in path:
            self.fail("syscall: the path never emits a message ('emit')",
                      "syscall", 0, "path")
        for name in names:
            if name not in path:
                self.fail(f"bpf_program {name} is attached but not on syscall.path",
                          "syscall", 0, "path")
        return path

    def bounds(self, s: Scenario) -> None:
        section = self.data.get("bounds", {})
        if not isinstance(section, dict):
            self.fail("'bounds' must be a table: write [bounds]", "bounds")
        known = {"buffer_slots", "max_states", "max_depth"}
        for key in section:
            if key not in known:
                self.fail(f"bounds: unknown key '{key}' (expected one of: "
                          f"{', '.join(sorted(known))})", "bounds", 0, key)
        s.buffer_slots = self.get(section, "buffer_slots", int, 2, "bounds", 0,
                                  "bounds", 1, LIMITS["buffer_slots"])
        s.max_states = self.get(section, "max_states", int, DEFAULT_MAX_STATES,
                                "bounds", 0, "bounds", 1)
        s.max_depth = self.get(section, "max_depth", int, None, "bounds", 0,
                               "bounds", 1)


_REQUIRED = object()
_KIND_NAMES = {int: "an integer", str: "a string", bool: "true or false"}
