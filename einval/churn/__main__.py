"""``python -m einval.churn KERNEL_TREE [...]``, the same as ``einval churn``."""

from __future__ import annotations

import argparse
import sys

from einval.churn.cli import add_parser
from einval.errors import InputError


class _Parser(argparse.ArgumentParser):
    """A usage error is one line and exit status 2, as in the main CLI."""

    def error(self, message: str):  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="einval")
    add_parser(parser.add_subparsers(dest="command_name"))
    try:
        args = parser.parse_args(["churn"] + list(sys.argv[1:] if argv is None else argv))
    except InputError as err:
        print(f"einval: error: {err}", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
