"""The ``einval`` command: list, check, compare, churn.

Exit status: 0 when every checked property holds (``compare``: when it
ran), 1 when a violation was found, 2 on bad usage or input (one line on
stderr, no traceback), 3 when nothing was violated but some verdict is
unknown (a bound was reached, or the property was vacuous).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from . import __version__, catalog, report, runner
from .errors import InputError
from .scenario import Scenario

EXIT_HOLDS, EXIT_VIOLATED, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message: str):  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')")


def _add_run_options(p: argparse.ArgumentParser,
                     formats: tuple[str, ...] = ("text", "json"),
                     traces: tuple[str, ...] = ("text", "lanes", "itf", "dot", "svg")
                     ) -> None:
    p.add_argument("--format", choices=formats, default="text",
                   help="plain text for mail (72 columns) or " + ", ".join(formats[1:]))
    p.add_argument("--trace", choices=traces, default="text",
                   help="counterexamples as numbered steps (text) or one column per "
                        "actor (lanes)" + (", or one trace as ITF JSON, a DOT or "
                                           "SVG state graph" if "itf" in traces else ""))
    p.add_argument("--full", action="store_true",
                   help="show whole states after each step, not just changes")
    p.add_argument("--engine", default="explicit",
                   help="explicit (BFS), z3 (BMC + induction), or both, which "
                        "fails loudly if they disagree (default: explicit)")
    p.add_argument("--why", action="store_true",
                   help="with a z3 proof, name the assumptions it needed "
                        "(e.g. 'G1 is pinned')")
    p.add_argument("--max-states", type=int, metavar="N",
                   help="override the scenarios' state bound")
    p.add_argument("--max-depth", type=int, metavar="N",
                   help="override the scenarios' depth bound")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="time limit of the whole run; checks it cuts short "
                        "are unknown (exit 3)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="einval", description=(
        "Model-check kernel error-reporting designs: does the message a "
        "failed bpf() call leaves behind belong to that call?"))
    parser.add_argument("--version", action="version", version=f"einval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("list", help="the catalogue: designs, properties, scenarios")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("check", help="check designs against properties")
    p.add_argument("--design", action="append", metavar="D",
                   help="a design name or .py file (repeatable; default: all)")
    p.add_argument("--scenario", action="append", metavar="S",
                   help="a scenario name or .toml file (repeatable; default: all)")
    p.add_argument("--property", action="append", metavar="P",
                   help="a property name or .py file (repeatable; default: all)")
    _add_run_options(p)
    p.add_argument("--all", action="store_true",
                   help="every distinct way a property breaks, one trace each")
    p.add_argument("--witness", action="store_true",
                   help="for a property that holds, the shortest trace where a "
                        "call fails and its caller reads the explanation")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("test", help="judge the [expect] tables of scenario files")
    p.add_argument("paths", nargs="*", metavar="FILE|DIR",
                   help="scenario files or folders (default: the shipped scenarios)")
    p.add_argument("--engine", default="explicit",
                   help="explicit, z3, or both (default: explicit)")
    p.add_argument("--trace", choices=("text", "lanes"), default="text",
                   help="unexpected counterexamples as numbered steps or lanes")
    p.add_argument("--full", action="store_true",
                   help="show whole states after each step, not just changes")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("compare", help="every design x property over every scenario")
    p.add_argument("--scenario", action="append", metavar="S",
                   help="restrict to these scenarios (repeatable; default: all)")
    p.add_argument("--kernel", metavar="TREE",
                   help="add code-churn columns measured on this kernel tree")
    _add_run_options(p, ("text", "json", "markdown", "html"), ("text", "lanes"))
    p.set_defaults(func=cmd_compare)

    try:
        from .churn import cli as churn_cli
    except ImportError:  # pragma: no cover - churn needs tree-sitter
        churn_cli = None
    if churn_cli is not None and hasattr(churn_cli, "add_parser"):
        churn_cli.add_parser(sub)
    from . import commands

    for module in commands.modules():
        module.add_parser(sub)
    return parser


def cmd_list(args: argparse.Namespace) -> int:
    lines = ["designs:"]
    for d in catalog.design_classes():
        lines += report.wrap(f"{d.name:<15} {d.summary}", "  ", " " * 18)
        for name, switch in d.switches.items():
            lines += report.wrap(f":{name}  {switch.on}", " " * 18, " " * 20)
        for name, on in d.variants.items():
            lines += report.wrap(f"variant {name} = {d.name}:{','.join(on)}",
                                 " " * 18, " " * 20)
    lines += ["", "properties:"]
    for p in catalog.properties():
        lines += report.wrap(f"{p.name:<18} {p.summary}", "  ", " " * 21)
    lines += ["", "scenarios:"]
    for s in catalog.scenarios():
        lines += report.wrap(f"{s.name:<12} {s.description}", "  ", " " * 15)
    print("\n".join(lines))
    return EXIT_HOLDS


def _select(names: Sequence[str] | None, lookup, everything):
    if not names:
        return everything()
    return [lookup(n) for n in dict.fromkeys(names)]


def _scenarios(args: argparse.Namespace):
    runner.refuse_bounds(args.engine, args.max_states, args.max_depth)
    runner.check_timeout(args.timeout)
    found = _select(args.scenario, catalog.scenario, catalog.scenarios)
    return [runner.with_bounds(s, args.max_states, args.max_depth)
            for s in distinct(found)]


def distinct(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """Scenarios that share a name (two files ``x.toml`` in two folders)
    are told apart by their file in every report; one file given twice is
    refused."""
    sources: set[str] = set()
    for s in scenarios:
        where = os.path.abspath(s.source)
        if where in sources:
            raise InputError("the scenario file is given twice", s.source)
        sources.add(where)
    names = [s.name for s in scenarios]
    return [replace(s, name=s.source) if names.count(s.name) > 1 else s
            for s in scenarios]


def _emit(text: str) -> None:
    """Write the report; a reader gone (``| head``) does not change the exit
    status, which is the verdict's."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout is no real file
        pass
    finally:
        os.close(devnull)


def _status(results) -> int:
    kinds = {r.verdict.kind for r in results}
    if "violated" in kinds:
        return EXIT_VIOLATED
    if "unknown" in kinds:
        return EXIT_UNKNOWN
    return EXIT_HOLDS


def cmd_check(args: argparse.Namespace) -> int:
    designs = _select(args.design, catalog.design, catalog.designs)
    properties = _select(args.property, catalog.property_, catalog.properties)
    scenarios = _scenarios(args)
    results = runner.run(designs, scenarios, properties, args.engine, runner.Progress(),
                         args.why, args.timeout, clarify=True)
    from .render import choose, traces

    results = choose.clarify(results)
    show = traces.Show(args.trace, args.full, args.all, args.witness)
    models = (choose.models_for(designs, scenarios, properties) if args.witness
              else None)
    if args.trace in traces.FILE_STYLES:
        _emit(traces.document(traces.select(results, show, models), show))
    elif args.format == "json":
        shown = traces.select(results, show, models) if args.all or args.witness \
            else None
        _emit(report.to_json("check", results, shown, engine=args.engine))
    else:
        _emit(report.check_text(results, show, models))
    return _status(results)


def cmd_test(args: argparse.Namespace) -> int:
    from . import expect

    runner.engine_for(args.engine)  # refuse an unknown engine before any work
    from .render.traces import Show

    judged = expect.judge_files(args.paths, args.engine, runner.Progress())
    _emit(report.test_text(judged, Show(args.trace, args.full)))
    return EXIT_HOLDS if all(j.ok for j in judged) else EXIT_VIOLATED


def cmd_compare(args: argparse.Namespace) -> int:
    designs = catalog.designs()
    properties = catalog.properties()
    scenarios = _scenarios(args)
    results = runner.run(designs, scenarios, properties, args.engine, runner.Progress(),
                         args.why, args.timeout, clarify=True)
    names = [s.name for s in scenarios]
    churn = _churn_columns(args.kernel, designs) if args.kernel else None
    from .render import choose, traces

    results = choose.clarify(results)
    show = traces.Show(args.trace, args.full)
    if args.format == "json":
        extra = {"engine": args.engine, "scenarios": names}
        if churn is not None:
            extra["churn"] = churn
        _emit(report.to_json("compare", results, **extra))
    elif args.format in ("markdown", "html"):
        from .render import html, markdown

        writer = markdown if args.format == "markdown" else html
        _emit(writer.compare(results, names, show))
    else:
        _emit(report.compare_text(results, names, churn, show))
    return EXIT_HOLDS


def _churn_columns(tree: str, designs) -> dict:
    """Per design: the churn figures of the way its message reaches the site."""
    from . import churn

    totals = churn.design_totals(tree)
    return {d.name: totals.get(d.churn) for d in designs if d.churn}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        return args.func(args)
    except InputError as err:
        print(f"einval: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `einval list | head`: it had nothing to judge
        _silence_stdout()
        return EXIT_HOLDS
    except KeyboardInterrupt:
        print("einval: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        # Imported lazily (z3); matched by name so the import stays lazy.
        if type(err).__name__ != "EngineDisagreement":
            raise
        print(f"einval: ENGINES DISAGREE: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
