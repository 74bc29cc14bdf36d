"""Typed fields of a scenario table, and where each value sits in the file.

A piece of the world (an actor, an event, a section of the file) declares
its TOML table as a dict of ``Field``s: the key, its type, its default, its
limits, and what other table it names.  The scenario reader is generic: it
checks every table against the schema of the piece that owns it, so a new
piece brings its own keys and errors without an edit to the reader.

Every error is raised through a ``Where``: the file and the line of the
table or key, so that the user sees ``file:line: what is wrong``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InputError

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,11}")
NAME_RULE = "a letter then up to 11 letters, digits or _"
REQUIRED: Any = object()


def printable(value: object) -> str:
    """``repr`` of a value, cut short, safe to print on one line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Locator:
    """Line numbers of TOML tables and keys, found by scanning the text.

    ``tomllib`` gives values, not positions, and errors must name a line.
    Array-of-table entries are counted per table name; dotted and inline
    tables fall back to the line of the enclosing table.
    """

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?")
    PART = r'(?:"[^"\n]*"|[A-Za-z0-9_-]+)'
    KEY = re.compile(rf"^\s*({PART}(?:\s*\.\s*{PART})*)\s*=")

    def __init__(self, text: str):
        self.lines: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        table, index = "", 0
        for number, line in enumerate(text.splitlines(), start=1):
            header = self.HEADER.match(line)
            if header:
                table = header.group(2).strip("\"'")
                if header.group(1) == "[[":
                    index = counts.get(table, 0)
                    counts[table] = index + 1
                else:
                    index = 0
                self.lines.setdefault((table, index, ""), number)
                continue
            key = self.KEY.match(line)
            if key:
                parts = [p.strip().strip('"') for p in re.findall(self.PART, key.group(1))]
                for n in range(1, len(parts) + 1):
                    self.lines.setdefault((table, index, ".".join(parts[:n])), number)

    def line(self, table: str = "", index: int = 0, key: str = "") -> int | None:
        """The line of ``key`` (a dotted key falls back to its first part),
        else of the table."""
        found = self.lines.get((table, index, key))
        if found is None and "." in key:
            found = self.lines.get((table, index, key.split(".")[0]))
        return found or self.lines.get((table, index, ""))


@dataclass(frozen=True)
class Where:
    """A place in a scenario file: a table entry, optionally one key of it."""

    source: str
    locator: Locator
    table: str = ""
    index: int = 0
    key: str = ""
    what: str = "scenario"  # how messages name the place: "goroutine G1"

    def at(self, key: str) -> Where:
        return Where(self.source, self.locator, self.table, self.index, key, self.what)

    def named(self, what: str) -> Where:
        return Where(self.source, self.locator, self.table, self.index, self.key, what)

    @property
    def line(self) -> int | None:
        return self.locator.line(self.table, self.index, self.key)

    def fail(self, message: str) -> InputError:
        """The error to raise: ``raise where.fail("...")``."""
        prefix = f"{self.what}: " if self.what else ""
        return InputError(prefix + message, self.source, self.line)


class Field:
    """One key of a table: ``read`` checks a value and returns what to keep."""

    kind = "a value"

    def __init__(self, default: Any = REQUIRED, doc: str = ""):
        self.default = default
        self.doc = doc

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def read(self, value: Any, where: Where, scenario: Any) -> Any:
        raise NotImplementedError

    def wrong_type(self, value: Any, where: Where) -> InputError:
        return where.fail(f"'{where.key}' must be {self.kind}, not {printable(value)}")


class Int(Field):
    """An integer within limits; ``high`` may depend on the scenario read so
    far (e.g. a CPU number below the scenario's ``cpus``)."""

    kind = "an integer"

    def __init__(self, default: Any = REQUIRED, low: int | None = None,
                 high: int | Callable[[Any], int] | None = None, doc: str = ""):
        super().__init__(default, doc)
        self.low, self.high = low, high

    def read(self, value: Any, where: Where, scenario: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.wrong_type(value, where)
        if self.low is not None and value < self.low:
            raise where.fail(f"'{where.key}' = {value} is impossible (at least {self.low})")
        high = self.high(scenario) if callable(self.high) else self.high
        if high is not None and value > high:
            raise where.fail(f"'{where.key}' = {value} is beyond the limit of {high}")
        return value


class Bool(Field):
    kind = "true or false"

    def read(self, value: Any, where: Where, scenario: Any) -> bool:
        if not isinstance(value, bool):
            raise self.wrong_type(value, where)
        return value


class Str(Field):
    """A one-line string, optionally matching ``pattern`` (explained by ``rule``)."""

    kind = "a string"

    def __init__(self, default: Any = REQUIRED, pattern: str | None = None,
                 rule: str = "", doc: str = ""):
        super().__init__(default, doc)
        self.pattern = re.compile(pattern) if pattern else None
        self.rule = rule

    def read(self, value: Any, where: Where, scenario: Any) -> str:
        if not isinstance(value, str):
            raise self.wrong_type(value, where)
        if any(ord(c) < 32 or ord(c) == 127 for c in value if c != "\t"):
            raise where.fail(f"'{where.key}' = {printable(value)} has a control "
                             "character")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise where.fail(f"'{where.key}' = {printable(value)}: expected {self.rule}")
        return value


class Name(Str):
    """The name of an actor: unique in the scenario, short, printable."""

    def __init__(self, doc: str = "its name, used in traces"):
        super().__init__(REQUIRED, NAME.pattern, NAME_RULE, doc)

    def read(self, value: Any, where: Where, scenario: Any) -> str:
        if isinstance(value, str) and not NAME.fullmatch(value):
            raise where.fail(f"name {printable(value)} must be {NAME_RULE}")
        return super().read(value, where, scenario)


class Choice(Str):
    """One of a fixed set of words."""

    def __init__(self, options: Sequence[str], default: Any = REQUIRED, doc: str = ""):
        super().__init__(default, doc=doc)
        self.options = tuple(options)

    def read(self, value: Any, where: Where, scenario: Any) -> str:
        value = super().read(value, where, scenario)
        if value not in self.options:
            raise where.fail(f"'{where.key}' = {printable(value)}: expected one of "
                             f"{', '.join(self.options)}")
        return value


class Ref(Str):
    """The name of an entry of another table (``tables``), checked once all
    tables are read; ``accept`` may refuse some of them, with a reason."""

    def __init__(self, *tables: str, default: Any = REQUIRED, doc: str = "",
                 accept: Callable[[Any], str | None] | None = None):
        super().__init__(default, doc=doc)
        self.tables = tables
        self.accept = accept

    def resolve(self, value: str, where: Where, scenario: Any) -> Any:
        found = scenario.entry(value)
        if found is None or found.table not in self.tables:
            wanted = " or ".join(f"[[{t}]]" for t in self.tables)
            known = [e.name for t in self.tables for e in scenario.entries(t)]
            raise where.fail(f"'{where.key}' = {printable(value)} is not a {wanted} "
                             f"(declared: {', '.join(known) or 'none'})")
        if self.accept is not None:
            reason = self.accept(found)
            if reason:
                raise where.fail(f"'{where.key}' = {printable(value)}: {reason}")
        return found


class StrList(Field):
    """A list of one-line strings (e.g. the steps of a path)."""

    kind = "a list of strings"

    def __init__(self, default: Any = REQUIRED, most: int = 8, doc: str = ""):
        super().__init__(default, doc)
        self.most = most

    def read(self, value: Any, where: Where, scenario: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.wrong_type(value, where)
        if len(value) > self.most:
            raise where.fail(f"'{where.key}' has {len(value)} entries, beyond the "
                             f"limit of {self.most}")
        for v in value:
            if any(ord(c) < 32 or ord(c) == 127 for c in v):
                raise where.fail(f"'{where.key}': {printable(v)} has a control character")
        return list(value)


class Steps(StrList):
    """A path: a list of step words (``"emit"``, ``"sleep cgroup_mutex"``,
    a program's name, any of them ending in ``?``), resolved by the reader
    once every table is read, since a step may name a later table's entry."""

    def __init__(self, default: Any = REQUIRED, most: int = 8, doc: str = ""):
        super().__init__(default, most, doc)
