"""``einval claims [NAME...] [--kernel TREE]``: the thread's claims, decided.

Per claim: who said it and when, the quote, the question it is checked
against, each check with what the claim implies and what was computed,
then the verdict and its evidence (a short counterexample, or a churn
figure).  Verdicts come from ``einval.claims``, never from the files.
Exit 0 when the ledger was computed, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter


def add_parser(sub) -> None:
    p = sub.add_parser("claims", help="the thread's claims, each decided by "
                       "model checks or churn figures")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="only these claims (file names without .toml, or "
                        "claim files); default: every shipped claim")
    p.add_argument("--kernel", metavar="TREE",
                   help="a kernel tree, for the claims decided by churn figures")
    p.add_argument("--engine", default="explicit",
                   help="explicit (default), z3, or both")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="plain text for mail (72 columns) or JSON")
    p.add_argument("--full", action="store_true",
                   help="show every check's counterexample, not only the evidence")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .. import claims, runner
    from ..errors import InputError

    runner.engine_for(args.engine)
    shipped = {p.stem: p for p in claims.paths()}
    chosen = []
    for name in dict.fromkeys(args.names):
        if name.endswith(".toml") or "/" in name:
            chosen.append(Path(name))
        elif name in shipped:
            chosen.append(shipped[name])
        else:
            raise InputError(f"unknown claim '{name}' (known: {', '.join(shipped)}; "
                             "or give a file path)")
    loaded = [claims.load(p) for p in (chosen or list(shipped.values()))]
    decisions = claims.decide_all(loaded, args.kernel, args.engine)
    if args.format == "json":
        sys.stdout.write(as_json(decisions, args.kernel, args.engine))
    else:
        sys.stdout.write(text(decisions, args.kernel, args.engine, args.full))
    return 0


def text(decisions, kernel: str | None, engine: str, full: bool = False) -> str:
    """The ledger, 72 columns, the same bytes for the same input."""
    from ..report import footnote_trace, wrap

    tree = f"kernel tree {kernel}" if kernel else \
        "no kernel tree (churn figures not computed; --kernel TREE)"
    count = f"{len(decisions)} claim" + ("" if len(decisions) == 1 else "s")
    lines = wrap(f"einval claims: {count} of the bpf logging thread "
                 f"of July 2020; engine {engine}; {tree}", "", "  ")
    for d in decisions:
        c = d.claim
        lines.append("")
        lines += wrap(f"[{c.name}] {c.author}, {c.date}", "", "  ")
        lines += wrap(f'"{c.quote}"', "  ", "   ")
        if c.question:
            lines += wrap(f"question: {c.question}", "  ", "    ")
        outcomes = {id(o.check): o for o in d.outcomes}
        for title, entries in (("checks", c.checks), ("caveats", c.caveats)):
            if not entries:
                continue
            lines.append(f"  {title}:")
            for check in entries:
                lines += wrap(f"- {check.label()}: expect {check.wanted()}", "    ",
                              "      ")
                o = outcomes.get(id(check))
                if o is not None:
                    mark = "as expected" if o.met else "NOT as expected"
                    lines += wrap(f"got {o.got}: {mark}", "      ", "        ")
                if check.note:
                    lines += wrap(f"({check.note})", "      ", "       ")
                if full and o is not None and o is not d.evidence and o.result \
                        is not None and o.result.verdict.trace is not None:
                    lines += footnote_trace(o.result.verdict.trace, indent="        ")
        lines += wrap(f"verdict: {d.verdict}", "  ", "    ")
        e = d.evidence
        if e is None or d.verdict.startswith("undecided"):
            continue
        lines += wrap(f"evidence: {e.check.label()}: {e.got}", "  ", "    ")
        if e.result is not None and e.result.verdict.trace is not None:
            lines += footnote_trace(e.result.verdict.trace, indent="    ")
        elif e.listed:
            lines += wrap("functions: " + ", ".join(e.listed), "    ", "      ")
    tally = Counter(d.verdict.split(":")[0] for d in decisions)
    lines.append("")
    lines += wrap(f"{count}: " + ", ".join(
        f"{tally[k]} {k}" for k in ("confirmed", "confirmed with a caveat", "refuted",
                                     "undecided")), "", "  ")
    return "\n".join(lines) + "\n"


def as_json(decisions, kernel: str | None, engine: str) -> str:
    """The ledger for tools: per claim its checks as computed, the verdict
    and the evidence (a model check's result as ``check --format json``)."""
    import json

    from .. import __version__
    from ..report import result_json

    def outcome(check, o) -> dict:
        item = {"role": check.role, "check": check.label(), "expect": check.wanted(),
                "note": check.note}
        if o is not None:
            item.update(got=o.got, met=o.met)
            if o.listed:
                item["functions"] = list(o.listed)
        return item

    out = []
    for d in decisions:
        c = d.claim
        done = {id(o.check): o for o in d.outcomes}
        item = {"name": c.name, "author": c.author, "date": c.date, "quote": c.quote,
                "question": c.question, "verdict": d.verdict,
                "checks": [outcome(k, done.get(id(k))) for k in c.checks + c.caveats]}
        e = d.evidence
        if e is not None and not d.verdict.startswith("undecided"):
            item["evidence"] = outcome(e.check, e)
            if e.result is not None:
                item["evidence"]["result"] = result_json(e.result)
        out.append(item)
    doc = {"einval": __version__, "command": "claims", "engine": engine,
           "kernel": kernel, "claims": out}
    return json.dumps(doc, indent=2) + "\n"
