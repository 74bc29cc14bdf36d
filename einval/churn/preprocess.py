"""Make kernel C palatable to tree-sitter without moving a single byte.

tree-sitter does not run cpp. Kernel annotations (``__user``, ``notrace``,
``__always_inline``...) and function-defining macros (``SYSCALL_DEFINE3``,
``BPF_CALL_2``) otherwise turn into ERROR nodes or hide whole functions.
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
    "__cacheline_aligned_in_smp ____cacheline_aligned __packed"
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
_PREFIX = {b"SYSCALL_DEFINE": b"sys_", b"COMPAT_SYSCALL_DEFINE": b"compat_sys_"}


@dataclass(frozen=True)
class MacroFunction:
    """A function defined through a macro, keyed by its rewritten name."""

    name: str
    macro: str


def blank(match: re.Match[bytes]) -> bytes:
    """Spaces of the same length; newlines kept so lines do not move."""
    return bytes(b if b == 0x0A else 0x20 for b in match.group(0))


def preprocess(src: bytes) -> tuple[bytes, list[MacroFunction]]:
    """Return (text for tree-sitter, macro-defined functions found)."""
    out = bytearray(_ATTR_ARGS_RE.sub(blank, _ATTR_RE.sub(blank, src)))
    macros: list[MacroFunction] = []
    for match in _MACRO_DEF_RE.finditer(bytes(out)):
        found = _rewrite_macro(out, match)
        if found:
            macros.append(found)
    return bytes(out), macros


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
