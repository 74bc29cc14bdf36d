"""Extract functions, calls, error sites and ops tables from kernel C files.

One job: turn source text into plain records (no graph, no designs). All
node lookups go through tree-sitter queries, which run in C; Python only
walks a few parents per hit, which keeps the whole of kernel/bpf in the
order of a second or two.

What counts as an error site (``ErrorSite.kind``):

* ``return``: ``return -EXXX;``
* ``ERR_PTR``: ``return ERR_PTR(-EXXX);``
* ``assign+goto`` / ``assign+return``: ``v = -EXXX;`` directly followed by
  ``goto L;`` or ``return v;``
* ``assign+if``: ``v = -EXXX;`` followed by one or more
  ``if (...) goto L;`` / ``if (...) return v;`` (the kernel's preassigned
  error idiom); each such ``if`` is one site, as long as ``v`` is not
  reassigned in its branch
* ``assign+break``: ``v = -EXXX; break;`` in a switch directly followed by
  ``return v;`` (the "unknown command" default of the bpf() switch)

For the assign forms the function must also ``return v`` (or
``ERR_PTR(v)``) somewhere: the goto's label is assumed to reach it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tree_sitter as ts
import tree_sitter_c as tsc

from einval.churn.preprocess import preprocess

ERRNO_RE = re.compile(r"^E[A-Z0-9]+$")
ATTR_RE = re.compile(r"\bunion\s+bpf_attr\b")
LOG_RE = re.compile(r"\bstruct\s+(bpf_verifier_log|bpf_verifier_env|btf_verifier_env)\s*\*")
_CONDITIONAL = {"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"}
# likely()/unlikely() wrap a condition; they decide nothing themselves.
_BRANCH_HINTS = {"likely", "unlikely"}
_WRAPPERS = {"pointer_declarator", "parenthesized_declarator", "attributed_declarator"}

_QUERIES = {
    "functions": "(function_definition declarator: (_) @decl body: (compound_statement)) @func",
    "calls": """
        (call_expression function: (identifier) @name) @call
        (call_expression function: (field_expression field: (field_identifier) @field)) @call
    """,
    "errors": """
        (return_statement (unary_expression operator: "-" argument: (identifier) @errno)) @ret
        (return_statement (call_expression function: (identifier) @fn
            arguments: (argument_list . (unary_expression operator: "-"
            argument: (identifier) @errno) .))) @errptr
        (expression_statement (assignment_expression left: (identifier) @var operator: "="
            right: (unary_expression operator: "-" argument: (identifier) @errno))) @assign
    """,
    "returned": """
        (return_statement (identifier) @var)
        (return_statement (call_expression function: (identifier) @fn
            arguments: (argument_list . (identifier) @var .)))
    """,
    "declarations": "(declaration) @decl",
    "switches": "(switch_statement body: (compound_statement) @body) @switch",
    "ops": """
        (initializer_pair designator: (field_designator (field_identifier) @field)
            value: [(identifier) @fn (pointer_expression argument: (identifier) @fn)]) @pair
    """,
    "parse_errors": "(ERROR) @error",
}


@dataclass(frozen=True)
class Call:
    """One call expression: to a named function, or through a struct field."""

    callee: str
    indirect: bool
    file: str
    line: int
    col: int
    cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ErrorSite:
    """One place that hands an errno back towards user space."""

    file: str
    line: int
    first_line: int
    last_line: int
    errno: str
    kind: str
    because_of: tuple[str, ...] = ()


@dataclass
class Function:
    """A function definition (all #ifdef alternatives of one name merged)."""

    name: str
    file: str
    line: int
    end_line: int
    static: bool
    inline: bool
    macro: str
    returns: str
    params: tuple[str, ...]
    attr: str = ""
    log: str = ""
    calls: list[Call] = field(default_factory=list)
    errors: list[ErrorSite] = field(default_factory=list)
    definitions: int = 1
    conditional: bool = False
    weak: bool = False


@dataclass(frozen=True)
class OpsEntry:
    """``.field = function`` inside a struct initializer (an ops table)."""

    struct: str
    field: str
    function: str
    file: str
    line: int


@dataclass(frozen=True)
class ParseError:
    """A region tree-sitter could not parse (an ERROR node, nested merged).

    ``function`` names the definition it lies in: calls and error sites
    inside such a region may be missed; outside a function (a top-level
    macro, a table of ``#include``d entries) nothing is lost.
    """

    file: str
    line: int
    end_line: int
    function: str


@dataclass
class ParsedFile:
    path: str
    functions: dict[str, Function]
    ops: list[OpsEntry]
    errors: list[ParseError]
    lines: int
    bridges: tuple[str, ...] = ()  # non-empty: only these functions were kept

    @property
    def parse_errors(self) -> int:
        return len(self.errors)


@cache
def _language() -> ts.Language:
    return ts.Language(tsc.language())


@cache
def _query(name: str) -> ts.Query:
    return ts.Query(_language(), _QUERIES[name])


def _matches(name: str, node: ts.Node) -> list[tuple[int, dict[str, list[ts.Node]]]]:
    return ts.QueryCursor(_query(name)).matches(node)


def parse_file(root: Path, rel: str) -> ParsedFile:
    """Parse one file of the tree; ``rel`` is its path relative to ``root``."""
    original = (root / rel).read_bytes()
    text, macros = preprocess(original)
    roots, skipped = _parse_robustly(text)
    unit = _Unit(rel, original, text, roots, skipped, {m.name: m.macro for m in macros})
    return unit.run()


def _parse_robustly(text: bytes) -> tuple[list[ts.Node], list[tuple[int, int]]]:
    """Parse the file, then re-parse piecewise each region it got wrong.

    Macro soup (the interpreter's jump tables in core.c) can make
    tree-sitter's recovery swallow hundreds of following lines, functions
    included, or turn the whole file into one ERROR. Each broken region
    (then the whole file) is cut after every line that starts with a
    closing brace (the end of a top-level definition) and the pieces are
    parsed alone, positions kept through ``included_ranges``. Returns the
    trees' roots and the regions the first root must not answer for.
    """
    parser = ts.Parser(_language())
    main = parser.parse(text).root_node
    roots = [main]
    skipped = []
    line_starts = [0] + [m.end() for m in re.finditer(rb"\n", text)]
    for region in _broken_regions(main, text):
        skipped.append(region)
        for start, end in _pieces(text, *region):
            parser.included_ranges = [
                ts.Range(_point(line_starts, start), _point(line_starts, end), start, end)
            ]
            roots.append(parser.parse(text).root_node)
    return roots, skipped


def _broken_regions(main: ts.Node, text: bytes) -> list[tuple[int, int]]:
    """Top-level ERROR nodes, and functions that ran past a column-0 brace.

    The latter happens when an ``#ifdef`` splits an if/else: the function
    swallows the next definitions.
    """
    if main.type == "ERROR":
        return [(0, len(text))]
    regions = [(c.start_byte, c.end_byte) for c in main.children if c.type == "ERROR"]
    for caps in ts.QueryCursor(_query("functions")).captures(main).get("func", []):
        if caps.has_error and b"\n}" in text[caps.start_byte : caps.end_byte - 1]:
            regions.append((caps.start_byte, caps.end_byte))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(regions):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _pieces(text: bytes, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [m.end() for m in re.finditer(rb"^\}[^\n]*\n", text[start:end], re.M)]
    bounds = [start] + [start + c for c in cuts if start + c < end] + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _point(line_starts: list[int], byte: int) -> tuple[int, int]:
    row = bisect.bisect_right(line_starts, byte) - 1
    return (row, byte - line_starts[row])


class _Unit:
    """Extraction state for one file: its functions indexed by byte range."""

    def __init__(
        self,
        rel: str,
        original: bytes,
        text: bytes,
        roots: list[ts.Node],
        skipped: list[tuple[int, int]],
        macros: dict[str, str],
    ):
        self.rel = rel
        self.orig = original
        self.src = text
        self.roots = roots
        self.skipped = skipped
        self.macros = macros
        self.defs: list[tuple[int, int, Function]] = []
        self.starts: list[int] = []

    def run(self) -> ParsedFile:
        self._functions()
        self._locals()
        returned = self._returned_vars()
        cases = self._case_ranges()
        self._calls(cases)
        self._errors(returned)
        errors = self._error_regions()
        merged = self._merge()
        lines = self.src.count(b"\n")
        return ParsedFile(self.rel, merged, self._ops(), errors, lines)

    def _error_regions(self) -> list[ParseError]:
        """ERROR nodes, an enclosed one folded into the one around it."""
        spans = sorted(
            {(n.start_byte, n.end_byte, n.start_point.row, n.end_point.row)
             for caps in self.hits("parse_errors") for n in caps["error"]},
            key=lambda sp: (sp[0], -sp[1]),
        )
        out: list[ParseError] = []
        last_end = -1
        for start, end, row, end_row in spans:
            if start < last_end:
                continue
            last_end = end
            func = self.owner(start)
            out.append(ParseError(self.rel, row + 1, end_row + 1, func.name if func else ""))
        return out

    # -- helpers ---------------------------------------------------------
    def hits(self, query: str) -> Iterator[dict[str, list[ts.Node]]]:
        """Query captures over all trees; the first tree skips re-parsed regions."""
        for i, root in enumerate(self.roots):
            for _, caps in _matches(query, root):
                if i == 0 and self.skipped and self._in_skipped(caps):
                    continue
                yield caps

    def _in_skipped(self, caps: dict[str, list[ts.Node]]) -> bool:
        byte = min(nodes[0].start_byte for nodes in caps.values())
        return any(a <= byte < b for a, b in self.skipped)

    def text(self, node: ts.Node) -> str:
        """Source of a node as parsed (annotations blanked, macros rewritten)."""
        return self.src[node.start_byte : node.end_byte].decode(errors="replace")

    def original(self, node: ts.Node) -> str:
        """Source of a node as written, whitespace folded (keeps ``__user``)."""
        raw = self.orig[node.start_byte : node.end_byte].decode(errors="replace")
        return " ".join(raw.split())

    def owner(self, byte: int) -> Function | None:
        """The function whose definition spans ``byte``, if any."""
        i = bisect.bisect_right(self.starts, byte) - 1
        if i >= 0 and self.defs[i][0] <= byte < self.defs[i][1]:
            return self.defs[i][2]
        return None

    # -- functions -------------------------------------------------------
    def _functions(self) -> None:
        found = []
        for caps in self.hits("functions"):
            func = self._function(caps["func"][0], caps["decl"][0])
            if func is not None:
                found.append((caps["func"][0].start_byte, caps["func"][0].end_byte, func))
        found.sort(key=lambda item: item[0])
        self.defs = found
        self.starts = [start for start, _, _ in found]

    def _function(self, node: ts.Node, decl: ts.Node) -> Function | None:
        head = self.orig[node.start_byte : decl.start_byte].decode(errors="replace")
        pointer = ""
        while decl.type in _WRAPPERS:
            if decl.type == "pointer_declarator":
                pointer += "*"
            inner = decl.child_by_field_name("declarator")
            if inner is None:
                return None
            decl = inner
        if decl.type != "function_declarator":
            return None
        ident = decl.child_by_field_name("declarator")
        if ident is None or ident.type != "identifier":
            return None
        name = self.text(ident)
        weak = b"__weak" in self.orig[node.start_byte : ident.start_byte]
        plist = decl.child_by_field_name("parameters")
        children = plist.named_children if plist is not None else []
        decls = [p for p in children if p.type == "parameter_declaration"]
        params = tuple(" ".join(self.text(p).split()) for p in decls)
        written = [self.original(p) for p in decls]
        return Function(
            name=name,
            file=self.rel,
            line=node.start_point.row + 1,
            end_line=node.end_point.row + 1,
            static=bool(re.search(r"\bstatic\b", head)),
            inline=bool(re.search(r"\binline\b|__always_inline", head)),
            macro=self.macros.get(name, ""),
            returns=_return_type(head, pointer, self.macros.get(name, "")),
            params=params,
            attr="param" if any(_has_attr(p) for p in written) else "",
            log=next((f"{_log_kind(p)} (param)" for p in params if LOG_RE.search(p)), ""),
            conditional=_inside_conditional(node),
            weak=weak,
        )

    def _locals(self) -> None:
        """Mark functions with a local ``union bpf_attr`` or verifier log."""
        for caps in self.hits("declarations"):
            node = caps["decl"][0]
            func = self.owner(node.start_byte)
            if func is None:
                continue
            text = self.original(node)
            if not func.attr and _has_attr(text):
                func.attr = "local"
            if not func.log and LOG_RE.search(text):
                func.log = f"{_log_kind(text)} (local)"

    # -- calls -----------------------------------------------------------
    def _case_ranges(self) -> dict[int, list[tuple[int, int, tuple[str, ...]]]]:
        """Per function (by id), the case arms of its outermost switches."""
        ranges: dict[int, list[tuple[int, int, tuple[str, ...]]]] = {}
        for caps in self.hits("switches"):
            switch = caps["switch"][0]
            func = self.owner(switch.start_byte)
            if func is None or _nested_in_switch(switch):
                continue
            ranges.setdefault(id(func), []).extend(self._arms(caps["body"][0]))
        for arms in ranges.values():
            arms.sort()
        return ranges

    def _arms(self, body: ts.Node) -> list[tuple[int, int, tuple[str, ...]]]:
        arms = []
        pending: list[str] = []
        for case in _case_statements(body):
            value = case.child_by_field_name("value")
            label = " ".join(self.text(value).split()) if value is not None else "default"
            stmts = [c for c in case.named_children if c != value and c.type != "comment"]
            if not stmts:
                pending.append(label)
                continue
            arms.append((case.start_byte, case.end_byte, tuple(pending + [label])))
            pending = []
        return arms

    def _calls(self, cases: dict[int, list[tuple[int, int, tuple[str, ...]]]]) -> None:
        for caps in self.hits("calls"):
            node = caps["call"][0]
            func = self.owner(node.start_byte)
            if func is None:
                continue
            indirect = "field" in caps
            name = self.text(caps["field"][0] if indirect else caps["name"][0])
            arms = cases.get(id(func), [])
            call = Call(
                callee=name,
                indirect=indirect,
                file=self.rel,
                line=node.start_point.row + 1,
                col=node.start_point.column + 1,
                cases=_arm_labels(arms, node.start_byte),
            )
            func.calls.append(call)

    # -- error sites -----------------------------------------------------
    def _returned_vars(self) -> dict[int, set[str]]:
        """Per function (by id): variables returned as ``v`` or ``ERR_PTR(v)``."""
        out: dict[int, set[str]] = {}
        for caps in self.hits("returned"):
            if "fn" in caps and self.text(caps["fn"][0]) != "ERR_PTR":
                continue
            node = caps["var"][0]
            func = self.owner(node.start_byte)
            if func is not None:
                out.setdefault(id(func), set()).add(self.text(node))
        return out

    def _errors(self, returned: dict[int, set[str]]) -> None:
        for caps in self.hits("errors"):
            errno = self.text(caps["errno"][0])
            if not ERRNO_RE.match(errno):
                continue
            if "ret" in caps:
                ret = caps["ret"][0]
                self._add_site(ret, ret, errno, "return", ret)
            elif "errptr" in caps:
                ret = caps["errptr"][0]
                if self.text(caps["fn"][0]) == "ERR_PTR":
                    self._add_site(ret, ret, errno, "ERR_PTR", ret)
            else:
                self._assign_sites(caps["assign"][0], self.text(caps["var"][0]), errno, returned)

    def _add_site(
        self, first: ts.Node, last: ts.Node, errno: str, kind: str, decide: ts.Node
    ) -> None:
        """Record a site spanning first..last; ``decide`` is where to look up
        the guarding ``if`` whose condition decides the error."""
        func = self.owner(first.start_byte)
        if func is None:
            return
        func.errors.append(
            ErrorSite(
                file=self.rel,
                line=first.start_point.row + 1,
                first_line=first.start_point.row + 1,
                last_line=last.end_point.row + 1,
                errno=errno,
                kind=kind,
                because_of=self._deciding_calls(decide),
            )
        )

    def _assign_sites(
        self, assign: ts.Node, var: str, errno: str, returned: dict[int, set[str]]
    ) -> None:
        func = self.owner(assign.start_byte)
        if func is None or var not in returned.get(id(func), set()):
            return
        nxt = _next_statement(assign)
        if nxt is None:
            return
        if nxt.type == "goto_statement" or _returns_var(self, nxt, var):
            kind = "assign+goto" if nxt.type == "goto_statement" else "assign+return"
            self._add_site(assign, nxt, errno, kind, assign)
        elif nxt.type == "break_statement":
            if self._break_returns(assign, var):
                self._add_site(assign, nxt, errno, "assign+break", assign)
        else:
            while nxt is not None and self._guarded_exit(nxt, var):
                exit_stmt = nxt.child_by_field_name("consequence") or nxt
                self._add_site(nxt, nxt, errno, "assign+if", exit_stmt)
                nxt = _next_statement(nxt)

    def _guarded_exit(self, node: ts.Node, var: str) -> bool:
        """``if (...) goto L;`` or ``if (...) { ...; return v; }`` keeping v."""
        if node.type != "if_statement" or node.child_by_field_name("alternative"):
            return False
        body = node.child_by_field_name("consequence")
        if body is None:
            return False
        last = body
        if body.type == "compound_statement":
            stmts = [c for c in body.named_children if c.type != "comment"]
            if not stmts:
                return False
            last = stmts[-1]
            if re.search(rf"\b{re.escape(var)}\s*=[^=]", self.text(body)):
                return False
        return last.type == "goto_statement" or _returns_var(self, last, var)

    def _break_returns(self, assign: ts.Node, var: str) -> bool:
        """The break leaves a switch whose next statement is ``return v;``."""
        node = assign.parent
        while node is not None and node.type != "switch_statement":
            if node.type in ("for_statement", "while_statement", "do_statement"):
                return False
            node = node.parent
        if node is None:
            return False
        after = _next_statement(node)
        return after is not None and _returns_var(self, after, var)

    def _deciding_calls(self, node: ts.Node) -> tuple[str, ...]:
        """Functions called in the condition of the nearest enclosing ``if``."""
        child = node
        parent = node.parent
        while parent is not None and parent.type != "function_definition":
            if parent.type == "if_statement":
                cond = parent.child_by_field_name("condition")
                if cond is not None and cond != child:
                    called = set(self._called_names(cond)) - _BRANCH_HINTS
                    return tuple(sorted(called))
            child, parent = parent, parent.parent
        return ()

    def _called_names(self, node: ts.Node) -> list[str]:
        names = []
        stack = [node]
        while stack:
            cur = stack.pop()
            if cur.type == "call_expression":
                fn = cur.child_by_field_name("function")
                if fn is not None and fn.type == "identifier":
                    names.append(self.text(fn))
            stack.extend(cur.named_children)
        return names

    # -- ops tables ------------------------------------------------------
    def _ops(self) -> list[OpsEntry]:
        out = []
        for caps in self.hits("ops"):
            pair = caps["pair"][0]
            out.append(
                OpsEntry(
                    struct=self._initialised_struct(pair),
                    field=self.text(caps["field"][0]),
                    function=self.text(caps["fn"][0]),
                    file=self.rel,
                    line=pair.start_point.row + 1,
                )
            )
        return sorted(out, key=lambda e: (e.line, e.field, e.function))

    def _initialised_struct(self, pair: ts.Node) -> str:
        """``struct X`` of the declaration the pair initialises ('?' if nested)."""
        node = pair.parent
        depth = 0
        while node is not None and node.type in ("initializer_list", "initializer_pair"):
            depth += node.type == "initializer_list"
            node = node.parent
        if node is None or node.type != "init_declarator" or depth != 1:
            return "?"
        decl = node.parent
        kind = decl.child_by_field_name("type") if decl is not None else None
        name = kind.child_by_field_name("name") if kind is not None else None
        return self.text(name) if name is not None else "?"

    # -- merge -----------------------------------------------------------
    def _merge(self) -> dict[str, Function]:
        """One record per name: #ifdef branches may define a function twice."""
        merged: dict[str, Function] = {}
        for _, _, func in self.defs:
            first = merged.get(func.name)
            if first is None:
                merged[func.name] = func
                continue
            first.definitions += 1
            first.conditional = first.conditional or func.conditional
            first.weak = first.weak or func.weak
            first.calls.extend(func.calls)
            first.errors.extend(func.errors)
            first.attr = first.attr or func.attr
            first.log = first.log or func.log
        for func in merged.values():
            func.calls.sort(key=lambda c: (c.line, c.col, c.callee))
            func.errors = sorted(set(func.errors), key=lambda e: (e.line, e.errno, e.kind))
        return merged


# -- free helpers -----------------------------------------------------------
def _has_attr(decl_text: str) -> bool:
    """A kernel-side ``union bpf_attr`` (not the ``__user`` copy)."""
    return bool(ATTR_RE.search(decl_text)) and "__user" not in decl_text


def _log_kind(text: str) -> str:
    match = LOG_RE.search(text)
    return f"struct {match.group(1)} *" if match else ""


def _return_type(head: str, pointer: str, macro: str) -> str:
    if macro:
        return "long"
    words = [w for w in head.split() if w not in ("static", "inline", "extern")]
    words = [w for w in words if not w.startswith("__")]
    return " ".join(words + ([pointer] if pointer else []))


def _inside_conditional(node: ts.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in _CONDITIONAL:
            return True
        parent = parent.parent
    return False


def _nested_in_switch(switch: ts.Node) -> bool:
    parent = switch.parent
    while parent is not None and parent.type != "function_definition":
        if parent.type == "switch_statement":
            return True
        parent = parent.parent
    return False


def _case_statements(body: ts.Node) -> list[ts.Node]:
    """Case arms of a switch body, looking through #ifdef blocks."""
    out = []
    for child in body.named_children:
        if child.type == "case_statement":
            out.append(child)
        elif child.type in _CONDITIONAL:
            out.extend(_case_statements(child))
    return out


def _arm_labels(arms: list[tuple[int, int, tuple[str, ...]]], byte: int) -> tuple[str, ...]:
    for start, end, labels in arms:
        if start <= byte < end:
            return labels
    return ()


def _next_statement(node: ts.Node) -> ts.Node | None:
    nxt = node.next_named_sibling
    while nxt is not None and nxt.type == "comment":
        nxt = nxt.next_named_sibling
    return nxt


def _returns_var(unit: _Unit, node: ts.Node, var: str) -> bool:
    if node.type != "return_statement":
        return False
    value = [c for c in node.named_children if c.type != "comment"]
    return len(value) == 1 and value[0].type == "identifier" and unit.text(value[0]) == var
