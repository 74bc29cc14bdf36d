"""Scenario files: who runs, what a failing call does, bounds, expectations.

A scenario is a small TOML file, like a litmus test: the actors of a run
(tables such as ``[[thread]]``, ``[[goroutine]]``, ``[[irq]]``, each
declared by a piece of the world in ``einval.actors``), what one failing
``bpf()`` call does on its way to ``-EINVAL`` (``[syscall] path``, words
that name steps of ``einval.steps`` or BPF programs), the bounds of the
search (``[bounds]``), and optionally the verdicts it expects
(``[expect]``, read by ``einval test``).  It says nothing about how a
design works (the TLA+ split: the spec apart from the config).

The reader is generic: each table is checked against the schema its piece
declares, so a new piece needs no edit here.  Every mistake is reported as
``file:line: what is wrong``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pieces
from .errors import InputError
from .pieces import Piece
from .schema import Field, Int, Locator, Ref, Steps, Str, Where, printable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib

DEFAULT_MAX_STATES = 200_000
VERDICTS = ("holds", "violated", "unknown")
LIMITS = {"cpus": 4, "buffer_slots": 4, "path": 8, "actors": 8}
HEADER = {
    "description": Str("", doc="one line saying what the scenario shows"),
    "cpus": Int(1, 1, LIMITS["cpus"], doc="how many CPUs"),
}
BOUNDS = {
    "buffer_slots": Int(2, 1, LIMITS["buffer_slots"], doc="messages a buffer holds"),
    "max_states": Int(DEFAULT_MAX_STATES, 1, doc="stop the search after this many"),
    "max_depth": Int(None, 1, doc="stop the search at this depth"),
    "kernel_messages": Int(None, 0, 64, doc="messages kernel memory may hold at "
                           "once (the bounded property)"),
}
SECTIONS = ("syscall", "bounds", "expect")


@dataclass(frozen=True)
class Expectation:
    """``design`` (or ``design:switches``) is expected to give ``verdict`` on
    ``property`` (every property when None), in this scenario."""

    design: str
    property: str | None
    verdict: str
    where: Where


@dataclass
class Scenario:
    name: str
    source: str
    description: str = ""
    cpus: int = 1
    buffer_slots: int = 2
    max_states: int = DEFAULT_MAX_STATES
    max_depth: int | None = None
    kernel_messages: int | None = None
    pieces: list[Piece] = field(default_factory=list)
    path: list[tuple[Any, bool]] = field(default_factory=list)  # (Step, optional)
    expectations: list[Expectation] = field(default_factory=list)
    text: str = ""

    def entries(self, table: str) -> list[Piece]:
        return [p for p in self.pieces if p.table == table]

    def entry(self, name: str) -> Piece | None:
        for p in self.pieces:
            if p.name and p.name == name:
                return p
        return None

    @property
    def path_text(self) -> list[str]:
        return [step.text + ("?" if optional else "") for step, optional in self.path]


def load(path: str | Path, name: str | None = None) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read scenario: {err.strerror}", str(path)) from None
    return parse(decode(data, str(path)), str(path), name or path.stem)


def decode(data: bytes, source: str) -> str:
    """The text of a scenario file: UTF-8, as TOML requires."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[err.start]:02x}); TOML "
                         "files are UTF-8", source, line) from None
    return text[1:] if text.startswith("\ufeff") else text


def parse(text: str, source: str, name: str) -> Scenario:
    """Validate the text of a scenario file named ``source``."""
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise InputError("a NUL byte: this is not a text file", source, line)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        col = f" (column {m.group(2)})" if m else ""
        raise InputError(f"not valid TOML: {msg}{col}", source, line) from None
    except RecursionError:
        raise InputError("not valid TOML: nested too deeply", source) from None
    reader = _Reader(data, Locator(text), source, name)
    scenario = reader.scenario()
    scenario.text = text
    return scenario


class _Reader:
    """Turns parsed TOML into a checked ``Scenario``."""

    def __init__(self, data: dict, locator: Locator, source: str, name: str):
        self.data, self.locator, self.source, self.name = data, locator, source, name
        self.registry = pieces.load()

    def where(self, table: str = "", index: int = 0, key: str = "",
              what: str = "") -> Where:
        return Where(self.source, self.locator, table, index, key, what)

    # -- the whole file ------------------------------------------------------
    def scenario(self) -> Scenario:
        known = set(HEADER) | set(SECTIONS) | set(self.registry)
        for key, value in self.data.items():
            if key not in known:
                table = key if isinstance(value, (dict, list)) else ""
                raise self.where(table, 0, "" if table else key, "").fail(
                    f"unknown key {printable(key)} (expected one of: "
                    f"{', '.join(sorted(known))})")
        s = Scenario(self.name, self.source)
        header = self.values(self.data, HEADER, self.where(what="scenario"), s,
                             scalars_only=True)
        s.description, s.cpus = header["description"], header["cpus"]
        self.tables(s)
        self.bounds(s)
        s.path = self.path(s)
        for piece in s.pieces:
            self.resolve(piece, s)
        for cls in sorted({type(p) for p in s.pieces}, key=lambda c: (c.order, c.table)):
            cls.check_all(s.entries(cls.table), s)
        for piece in s.pieces:
            piece.check(s)
        callers = [p for p in s.pieces if getattr(p, "caller", False)]
        if not callers:
            raise self.where(what="").fail("no [[thread]] or [[goroutine]]: nobody "
                                           "makes a bpf() call")
        if len(s.pieces) > LIMITS["actors"]:
            raise self.where(what="").fail(
                f"too many actors ({len(s.pieces)}; at most {LIMITS['actors']}): the "
                "state space would explode")
        s.expectations = self.expectations()
        return s

    def values(self, entry: dict, schema: dict[str, Field], where: Where, s: Scenario,
               scalars_only: bool = False) -> dict[str, Any]:
        """The values of ``entry`` checked against ``schema`` (defaults filled)."""
        if not scalars_only:
            for key in entry:
                if key not in schema:
                    raise where.at(key).fail(
                        f"unknown key {printable(key)} (expected one of: "
                        f"{', '.join(sorted(schema))})")
        out: dict[str, Any] = {}
        for key, spec in schema.items():
            if key not in entry:
                if spec.required:
                    raise where.fail(f"missing key '{key}'")
                out[key] = spec.default
                continue
            out[key] = spec.read(entry[key], where.at(key), s)
        return out

    def tables(self, s: Scenario) -> None:
        seen: dict[str, str] = {}
        for cls in sorted(self.registry.values(), key=lambda c: (c.order, c.table)):
            raw = self.data.get(cls.table, [])
            where = self.where(cls.table, 0, "", cls.table)
            if not isinstance(raw, list):
                raise where.fail(f"'{cls.table}' must be an array of tables: write "
                                 f"[[{cls.table}]]")
            if len(raw) > cls.most:
                raise self.where(cls.table, cls.most, "", cls.table).fail(
                    f"more than {cls.most} entries")
            for i, entry in enumerate(raw):
                here = self.where(cls.table, i, "", f"{cls.table} #{i + 1}")
                if not isinstance(entry, dict):
                    raise here.fail(f"'{cls.table}' entries must be tables")
                name = entry.get("name")
                if isinstance(name, str) and "name" in cls.fields:
                    here = here.named(f"{cls.table} {name}")
                values = self.values(entry, dict(cls.fields), here, s)
                piece = cls(values, here)
                if piece.name:
                    self.unique(piece, here, seen)
                s.pieces.append(piece)

    def unique(self, piece: Piece, where: Where, seen: dict[str, str]) -> None:
        from .steps import STEPS

        if piece.name in seen:
            raise where.at("name").named(piece.table).fail(
                f"the name '{piece.name}' is used twice")
        if piece.provides_step and piece.name in STEPS:
            raise where.at("name").fail(
                f"the name '{piece.name}' is a path step's keyword: choose another")
        seen[piece.name] = piece.table

    def resolve(self, piece: Piece, s: Scenario) -> None:
        """References to other tables, and paths, once every table is read."""
        for key, spec in type(piece).fields.items():
            value = getattr(piece, key, None)
            if value is None:
                continue
            where = piece.where.at(key)
            if isinstance(spec, Ref):
                setattr(piece, key, spec.resolve(value, where, s))
            elif isinstance(spec, Steps):
                setattr(piece, key, self.steps(value, where, s, inside=piece))

    # -- paths ---------------------------------------------------------------
    def path(self, s: Scenario) -> list[tuple[Any, bool]]:
        section = self.section("syscall", {"path": Steps(None)}, s)
        where = self.where("syscall", 0, "path", "syscall")
        words = section["path"]
        if words is None:
            words = [p.name for p in s.pieces if getattr(p, "on_default_path", False)]
            words.append("emit")
        if not words:
            raise where.fail("'path' must have at least one step")
        steps = self.steps(words, where, s)
        if not any(step.emits for step, _ in steps):
            raise where.fail("the path never emits a message ('emit')")
        return steps

    def steps(self, words: list[str], where: Where, s: Scenario,
              inside: Piece | None = None) -> list[tuple[Any, bool]]:
        from .steps import STEPS

        out = []
        for text in words:
            optional = text.rstrip().endswith("?")
            parts = text.rstrip().rstrip("?").split()
            if not parts:
                raise where.fail(f"path step {printable(text)} is empty")
            keyword, args = parts[0], parts[1:]
            entry = s.entry(keyword)
            if entry is not None and entry.provides_step:
                if entry is inside:
                    raise where.fail(f"path step {printable(keyword)}: a program "
                                     "cannot run inside itself")
                step = entry.step(args, where)
                entry.used = True
            elif keyword in STEPS:
                step = STEPS[keyword](args, where)
            else:
                providers = sorted({p.table for p in self.registry.values()
                                    if p.provides_step})
                raise where.fail(
                    f"path step {printable(keyword)} is not a step ("
                    f"{', '.join(sorted(STEPS))}) or the name of a "
                    f"{' or '.join(f'[[{t}]]' for t in providers)}")
            out.append((step, optional))
        for i, (step, _) in enumerate(out):
            step.check([st for st, _ in out], i)
        return out

    # -- sections ------------------------------------------------------------
    def section(self, table: str, schema: dict[str, Field], s: Scenario) -> dict:
        raw = self.data.get(table, {})
        where = self.where(table, 0, "", table)
        if not isinstance(raw, dict):
            raise where.fail(f"'{table}' must be a table: write [{table}]")
        return self.values(raw, schema, where, s)

    def bounds(self, s: Scenario) -> None:
        values = self.section("bounds", BOUNDS, s)
        s.buffer_slots = values["buffer_slots"]
        s.max_states = values["max_states"]
        s.max_depth = values["max_depth"]
        s.kernel_messages = values["kernel_messages"]

    def expectations(self) -> list[Expectation]:
        raw = self.data.get("expect", {})
        top = self.where("expect", 0, "", "expect")
        if not isinstance(raw, dict):
            raise top.fail("'expect' must be a table: write [expect]")
        out = []
        for design, value in raw.items():
            where = top.at(design)
            if not re.fullmatch(r"[A-Za-z0-9_.:,/-]{1,80}", design):
                raise where.fail(f"{printable(design)} is not a design name")
            if isinstance(value, str):
                out.append(Expectation(design, None, self.verdict(value, where), where))
            elif isinstance(value, dict):
                if not value:
                    raise where.fail(f"'{design}' expects nothing")
                for prop, verdict in value.items():
                    here = top.at(f"{design}.{prop}")
                    if not isinstance(verdict, str):
                        raise here.fail(f"{design}.{prop} must be one of "
                                        f"{', '.join(VERDICTS)}")
                    out.append(Expectation(design, prop, self.verdict(verdict, here),
                                           here))
            else:
                raise where.fail(f"'{design}' must be a verdict ({', '.join(VERDICTS)})"
                                 " or a table of property = verdict")
        return out

    @staticmethod
    def verdict(value: str, where: Where) -> str:
        if value not in VERDICTS:
            raise where.fail(f"{printable(value)} is not a verdict (expected one of: "
                             f"{', '.join(VERDICTS)})")
        return value

