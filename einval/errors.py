"""Errors a user can fix: reported as one line, exit status 2, no traceback."""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` with every control character shown as an escape.

    A message quotes what the user wrote (a name, a path, an exception's
    text); a newline in it would split the promised single line, and an
    escape sequence could rewrite the terminal.
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InputError(Exception):
    """Bad input (file, name, bound), located where possible.

    ``str(err)`` is the whole one-line message, e.g.
    ``scenarios/x.toml:7: goroutine 'G1': unknown key 'pined'``; whatever
    it quotes, it holds no newline or other control character.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.message = one_line(message)
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(one_line(where) + self.message)
