"""``einval mitigate DESIGN``: the minimal sets of switches that repair it.

Prints one row per set of mitigations tried (what still fails, or
``holds``), then the minimal sufficing sets with each switch's sentence,
or, when none suffices, the shortest counterexample that survives with
every mitigation on.  Exit 0 when some set suffices, 1 when none does,
2 on bad input, 3 when none is shown to suffice but with every switch on
nothing is violated either (a bound was reached: unknown).
"""

from __future__ import annotations

import argparse
import sys

EXIT_SOME, EXIT_NONE, EXIT_UNKNOWN = 0, 1, 3


def add_parser(sub) -> None:
    p = sub.add_parser("mitigate", help="the minimal sets of switches under which "
                       "a design satisfies every property")
    p.add_argument("design", metavar="DESIGN", help="a design name, variant or .py file")
    p.add_argument("--scenario", action="append", metavar="S",
                   help="only these scenarios (repeatable; default: all shipped)")
    p.add_argument("--property", action="append", metavar="P",
                   help="only these properties (repeatable; default: all shipped)")
    p.add_argument("--engine", default="explicit",
                   help="explicit, z3, or both (fails loudly if they disagree)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="plain text for mail (72 columns) or JSON")
    p.add_argument("--max-states", type=int, metavar="N",
                   help="override the scenarios' state bound")
    p.add_argument("--max-depth", type=int, metavar="N",
                   help="override the scenarios' depth bound")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import catalog, runner
    from ..mitigate import mitigate

    runner.engine_for(args.engine)  # refuse an unknown engine before any work
    choice = catalog.design(args.design)
    scenarios = ([catalog.scenario(s) for s in dict.fromkeys(args.scenario)]
                 if args.scenario else catalog.scenarios())
    scenarios = [runner.with_bounds(s, args.max_states, args.max_depth)
                 for s in scenarios]
    props = ([catalog.property_(p) for p in dict.fromkeys(args.property)]
             if args.property else catalog.properties())
    answer = mitigate(choice, scenarios, props, args.engine, runner.Progress())
    names = [s.name for s in scenarios], [p.name for p in props]
    render = as_json if args.format == "json" else text
    sys.stdout.write(render(answer, *names, args.engine))
    if answer.minimal:
        return EXIT_SOME
    return EXIT_NONE if answer.survivor() is not None else EXIT_UNKNOWN


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def set_name(switches) -> str:
    return " + ".join(sorted(switches)) if switches else "(none)"


def text(answer, scenarios: list[str], props: list[str], engine: str) -> str:
    """The report, 72 columns."""
    from ..mitigate import fails_in_every_set
    from ..report import footnote_trace, wrap

    design = answer.choice.design
    checks = len(scenarios) * len(props)
    lines = wrap(f"einval mitigate {answer.choice.name}: "
                 f"{plural(2 ** len(answer.mitigations), 'set')} of "
                 f"{plural(len(answer.mitigations), 'mitigation')} ("
                 f"{', '.join(answer.mitigations) or 'none'}) x {checks} checks "
                 f"({len(props)} properties over {len(scenarios)} scenarios: "
                 f"{', '.join(scenarios)}); engine {engine}", "", "  ")
    if answer.fixed:
        state = ["on" if n in answer.choice.switches else "off" for n in answer.fixed]
        lines += wrap("not a mitigation, left as the design has it: "
                      + ", ".join(f"{n} ({s})" for n, s in zip(answer.fixed, state)),
                      "  ", "    ")
    lines.append("")
    width = max(len("switches on"), *(len(set_name(t.switches)) for t in answer.trials))
    stacked = width > 34  # too wide for a result beside it: one below the other
    lines.append(f"{'switches on':<{width}}  result" if not stacked
                 else "switches on, then the result")
    lines.append(f"{'-' * width}  {'-' * (70 - width)}" if not stacked else "-" * 72)
    for trial in answer.trials:
        name = set_name(trial.switches)
        if trial.suffices:
            verdict = "holds" + (" (minimal)" if trial.switches in answer.minimal
                                 else "")
        else:
            bad = trial.failing
            first = bad[0]
            kind = "" if first.verdict.kind == "violated" else ", unknown"
            verdict = (f"{len(bad)}/{len(trial.results)} fail ({first.scenario} "
                       f"{first.property}{kind})")
        if stacked:
            lines += wrap(name, "", "  ") + wrap(verdict, "    ", "      ")
        else:
            lines += wrap(f"{name:<{width}}  {verdict}", "", " " * (width + 4))
    if answer.skipped:
        lines += wrap(f"(not tried: {plural(answer.skipped, 'set')} containing a "
                      "sufficing set)", "", "  ")
    lines.append("")
    minimal = answer.minimal
    if minimal:
        lines.append(f"minimal sets: {len(minimal)}")
        for number, switches in enumerate(minimal, 1):
            lines += wrap(f"{number}. {set_name(switches)}", "  ", "     ")
            for name in sorted(switches):
                lines += wrap(f"{name}: {design.switches[name].on}", "     ", "       ")
            if not switches:
                lines += wrap("the design holds as it is", "     ")
        return "\n".join(lines) + "\n"
    everything = answer.everything
    on = (f"with {set_name(everything.switches)} on" if everything.switches
          else "with no switch to turn on")
    survivor = answer.survivor()
    lines += wrap(f"no set of switches {'suffices' if survivor else 'is shown to suffice'}"
                  f": {on}, {len(everything.failing)} of {len(everything.results)} "
                  f"checks {'still fail' if survivor else 'are unknown'}", "", "  ")
    if survivor is not None:
        trace = survivor.verdict.trace
        lines.append("")
        when = ("whatever is switched on" if fails_in_every_set(answer, survivor)
                else "with every switch on")
        lines += wrap(f"{answer.choice.name} violates {survivor.property} in "
                      f"{survivor.scenario} {when}; shortest counterexample, "
                      f"{len(trace.steps)} steps:", "", "  ")
        lines += footnote_trace(trace)
    else:
        for r in everything.failing:
            lines += wrap(f"{r.property} in {r.scenario}: {r.verdict}", "  ", "    ")
    return "\n".join(lines) + "\n"


def as_json(answer, scenarios: list[str], props: list[str], engine: str) -> str:
    """The same answer for tools: every set tried, what failed, the minimal
    sets, and the surviving counterexample (as ``check --format json``)."""
    import json

    from .. import __version__
    from ..report import result_json

    survivor = None if answer.minimal else answer.survivor()
    doc = {
        "einval": __version__, "command": "mitigate", "design": answer.choice.name,
        "engine": engine, "scenarios": scenarios, "properties": props,
        "mitigations": answer.mitigations,
        "fixed": {n: n in answer.choice.switches for n in answer.fixed},
        "trials": [{"switches": sorted(t.switches), "suffices": t.suffices,
                    "failing": [{"scenario": r.scenario, "property": r.property,
                                 "verdict": r.verdict.kind} for r in t.failing]}
                   for t in answer.trials],
        "minimal": [sorted(m) for m in answer.minimal],
        "survivor": result_json(survivor) if survivor is not None else None,
    }
    return json.dumps(doc, indent=2) + "\n"
