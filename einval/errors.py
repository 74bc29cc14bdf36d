"""Errors a user can fix: reported as one line, exit status 2, no traceback."""

from __future__ import annotations


class InputError(Exception):
    """Bad input (file, name, bound), located where possible.

    ``str(err)`` is the whole one-line message, e.g.
    ``scenarios/x.toml:7: goroutine 'G1': unknown key 'pined'``.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
