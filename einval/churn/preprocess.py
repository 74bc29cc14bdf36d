"""Make kernel C palatable to tree-sitter without moving a single byte.

tree-sitter does not run cpp. Kernel annotations (``__user``, ``notrace``,
``__always_inline``...) and function-defining macros (``SYSCALL_DEFINE3``,
``BPF_CALL_2``) otherwise turn into ERROR nodes or hide whole functions;
so do macro lines without a semicolon (``BTF_ID(func, f)``), types passed
to macros (``container_of(p, struct bpf_map, rcu)``) and iterator macros
followed by their loop body (``for_each_cgroup_storage_type(t) stmt;``).
Every rewrite here keeps the length of what it replaces, so byte offsets,
lines and columns still point into the original file, and the original
text can be sliced with the offsets tree-sitter reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Annotations that expand to nothing (or to attributes) for our purpose.
_ATTRIBUTES = (
    "__user __percpu __rcu __iomem __force __kernel __weak notrace __init "
    "__exit __initdata __ro_after_init __read_mostly __always_inline noinline "
    "__maybe_unused __always_unused __cold __must_check __visible __nocfi __ref "
    "__kprobes __noclone __flatten __latent_entropy __pure __used __bpf_kfunc "
    "__init_or_module __safe __nullable __sched __noreturn __randomize_layout "
    "__no_kcsan __no_sanitize_address __cacheline_aligned "
    "__cacheline_aligned_in_smp ____cacheline_aligned __packed "
    "____cacheline_aligned_in_smp __net_init __net_exit __net_initdata "
    "__annotate_jump_table"
).split()
_ATTR_RE = re.compile(rb"\b(?:" + "|".join(_ATTRIBUTES).encode() + rb")\b")
# Annotations with arguments, e.g. __printf(2, 3), __acquires(rcu).
_ATTR_ARGS_RE = re.compile(
    rb"\b(?:__printf|__scanf|__acquires|__releases|__must_hold|__aligned"
    rb"|__section|__alias|__diag_ignore)\s*\([^()]*\)"
)
# Macros that define a function: NAME + digit + '(' at the start of a line.
_MACRO_DEF_RE = re.compile(
    rb"^(COMPAT_SYSCALL_DEFINE|SYSCALL_DEFINE|NOTRACE_BPF_CALL_|BPF_CALL_)(\d)\(", re.M
)
# An all-caps macro invocation starting a line, arguments optional.
_TOP_MACRO_RE = re.compile(rb"^([A-Z][A-Z0-9_]*)[ \t]*(\()?", re.M)
# The first token after a position, skipping blanks and comments.
_NEXT_TOKEN_RE = re.compile(rb"(?:\s|/\*.*?\*/|//[^\n]*)*(\\|\S)", re.S)
_TYPE_ARG_RE = re.compile(
    rb"(?:\b(?!return\b|sizeof\b)\w+[ \t]*\(|,)\s*"
    rb"(?P<type>(?:struct|union|enum)[ \t]+\w+"
    rb"|(?:unsigned|signed)[ \t]+(?:long[ \t]+long|long|int|short|char))"
    rb"\s*(?=[,)])"
)
# tree-sitter's offsetof wants a plain field; the kernel writes a[i], a.b.
_OFFSETOF_RE = re.compile(rb"\boffsetof\(")
# An iterator macro opening a loop statement (indented, name has for_each).
_ITERATOR_RE = re.compile(rb"^[ \t]+(?P<name>\w*for_each\w*)[ \t]*\(", re.M)
_PREFIX = {b"SYSCALL_DEFINE": b"sys_", b"COMPAT_SYSCALL_DEFINE": b"compat_sys_"}


@dataclass(frozen=True)
class MacroFunction:
    """A function defined through a macro, keyed by its rewritten name."""

    name: str
    macro: str


def blank(match: re.Match[bytes]) -> bytes:
    """Spaces of the same length; newlines kept so lines do not move."""
    return blank_bytes(match.group(0))


def preprocess(src: bytes) -> tuple[bytes, list[MacroFunction]]:
    """Return (text for tree-sitter, macro-defined functions found)."""
    out = bytearray(_ATTR_ARGS_RE.sub(blank, _ATTR_RE.sub(blank, src)))
    macros: list[MacroFunction] = []
    for match in _MACRO_DEF_RE.finditer(bytes(out)):
        found = _rewrite_macro(out, match)
        if found:
            macros.append(found)
    _blank_macro_lines(out)
    out[:] = _OFFSETOF_RE.sub(b"_offsetf(", bytes(out))
    _join_type_arguments(out)
    _iterators_as_while(out)
    return bytes(out), macros


def _blank_macro_lines(out: bytearray) -> None:
    """Blank top-level macro invocations that end without ``;`` or body.

    ``BTF_ID(func, x)``, ``BTF_SET_START(s)``, ``BTF_ID_LIST_SINGLE(...)``
    and ``DEFINE_BPF_ITER_FUNC(...)`` expand to assembler directives or
    declarations that carry their own terminator, so the source has none.
    Left in place, tree-sitter reads the macro line and the next definition
    as one function named after the macro and the real function vanishes.
    Only an all-caps name at column 0 whose (possibly multi-line) argument
    list is followed by neither ``;`` nor ``{`` is blanked.
    """
    text = bytes(out)
    for match in _TOP_MACRO_RE.finditer(text):
        end = match.end()
        if match.group(2):
            close = _matching_paren(out, end - 1)
            if close < 0:
                continue
            end = close + 1
        rest = _NEXT_TOKEN_RE.match(text, end)
        if rest is None or rest.group(1) in (b";", b"{", b"\\", b"=", b","):
            continue
        if not text[end : rest.start(1)].count(b"\n"):
            continue
        out[match.start() : end] = blank_bytes(out[match.start() : end])


def _join_type_arguments(out: bytearray) -> None:
    """``container_of(p, struct bpf_map, map)`` -> ``struct_bpf_map``.

    A type is not an expression, so tree-sitter turns such a macro call
    into an ERROR and every call in the same statement is lost. Joining
    the keyword to the name (one byte, a space becomes ``_``) makes the
    argument an identifier. Only a bare ``struct/union/enum NAME`` or
    ``unsigned/signed TYPE`` that is a whole argument of a call (after
    ``NAME(`` or ``,``, before ``,`` or ``)``) is joined: casts
    (``(struct x *)p``) and compound literals keep their meaning.
    """
    for match in _TYPE_ARG_RE.finditer(bytes(out)):
        start, end = match.span("type")
        out[start:end] = re.sub(rb"[ \t]", b"_", bytes(out[start:end]))


def _iterators_as_while(out: bytearray) -> None:
    """``for_each_x(a, b) stmt`` -> ``while     (a, b) stmt``.

    Iterator macros such as ``for_each_cgroup_storage_type(stype)`` or
    ``list_for_each_entry(pos, head, member)`` open a loop; followed by a
    statement rather than ``;`` they are not a call, and tree-sitter loses
    the statement (and its calls) in an ERROR. ``while`` with the
    arguments as a comma expression has the same shape and the same
    length once padded.
    """
    text = bytes(out)
    for match in _ITERATOR_RE.finditer(text):
        open_at = match.end() - 1
        close = _matching_paren(out, open_at)
        if close < 0:
            continue
        rest = _NEXT_TOKEN_RE.match(text, close + 1)
        if rest is None or not re.match(rb"[\w{*(]", rest.group(1)):
            continue
        start = match.start("name")
        width = open_at - start
        out[start:open_at] = b"while" + b" " * (width - 5)


def blank_bytes(chunk: bytes | bytearray) -> bytes:
    """Spaces for every byte but newlines (which keep lines in place)."""
    return bytes(b if b == 0x0A else 0x20 for b in chunk)


def _rewrite_macro(out: bytearray, match: re.Match[bytes]) -> MacroFunction | None:
    """Turn ``BPF_CALL_2(f, T1, a, T2, b) {`` into ``long f(T1 a, T2 b) {``.

    In place: the macro name becomes ``long`` plus padding, the first comma
    becomes ``(``, and the comma between each type and its name a space.
    Returns None (text left alone) when no body follows: a declaration or a
    use inside another macro.
    """
    open_at = match.end() - 1
    close_at = _matching_paren(out, open_at)
    if close_at < 0 or not re.match(rb"\s*\{", bytes(out[close_at + 1 : close_at + 200])):
        return None
    commas = _top_level_commas(out, open_at + 1, close_at)
    kind = match.group(1)
    prefix = _PREFIX.get(kind, b"")
    name_end = commas[0] if commas else close_at
    raw = bytes(out[match.end() : name_end]).strip()
    if not re.fullmatch(rb"\w+", raw):
        return None
    if commas:
        width = match.end() - match.start()
        out[match.start() : match.end()] = (
            b"long" + b" " * (width - 4 - len(prefix)) + prefix
        )
        out[commas[0]] = ord("(")
        for i, pos in enumerate(commas[1:]):
            if i % 2 == 0:
                out[pos] = ord(" ")
    else:
        span = close_at + 1 - match.start()
        new = b"long " + prefix + raw + b"()"
        if b"\n" in out[match.start() : close_at] or len(new) > span:
            return None
        out[match.start() : close_at + 1] = new.ljust(span)
    macro = f"{kind.decode()}{match.group(2).decode()}"
    return MacroFunction(name=(prefix + raw).decode(), macro=macro)


def _matching_paren(text: bytearray, open_at: int) -> int:
    depth = 0
    for i in range(open_at, min(len(text), open_at + 4000)):
        ch = text[i]
        if ch == 0x28:
            depth += 1
        elif ch == 0x29:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _top_level_commas(text: bytearray, start: int, end: int) -> list[int]:
    depth = 0
    commas = []
    for i in range(start, end):
        ch = text[i]
        if ch in (0x28, 0x5B):
            depth += 1
        elif ch in (0x29, 0x5D):
            depth -= 1
        elif ch == 0x2C and depth == 0:
            commas.append(i)
    return commas
