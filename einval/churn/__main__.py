"""``python -m einval.churn KERNEL_TREE [...]`` before the main CLI wires it in."""

from __future__ import annotations

import argparse
import sys

from einval.churn.cli import add_parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="einval")
    add_parser(parser.add_subparsers(dest="command_name"))
    args = parser.parse_args(["churn"] + list(sys.argv[1:] if argv is None else argv))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
