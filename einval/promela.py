"""A ground ``Model`` as a Promela program, so SPIN can ask the same question.

Why: the explicit engine's figures (states, verdicts, shortest depths)
mean something only next to an established checker's on the same model.
The translation is mechanical, from the same ``Expr`` trees both einval
engines read, so no design gets a second, hand-written encoding.

The shape, chosen so that SPIN's state graph is einval's, state for state:

- one global per model variable, with its initial value (the state
  vector is einval's tuple; frozen parameters stay variables);
- one process, ``system``, whose loop offers every action as
  ``d_step { guard -> updates; assert(INVARIANT) }``: a ``d_step`` is one
  indivisible transition, like an einval action, and the updates are
  parallel (in a swap, one value goes through a temporary, a local of
  ``system`` set back to 0 in the same step, so that every stored state
  has it 0: pan refuses ``hidden`` variables under ``-DBFS``);
- the property as ``assert(INVARIANT)`` once before the loop (the initial
  state) and at the end of every step (every other reachable state).

With ``pan -DBFS`` the depth pan reports for a failed assertion is the
length of einval's shortest counterexample: the first ``assert`` is one
extra transition, and pan counts a ``d_step``'s assertion at the depth of
the state it leaves.  pan stores one state more than einval (the state
before that first ``assert``) when ``spin -o2`` turns off SPIN's dead
variable elimination; with it, SPIN merges states that differ only in a
variable no later step reads before writing, and stores fewer.

What ``INVARIANT`` is depends on macros given to ``spin -D``:
``CHECK_<p>`` checks property ``p`` (its conditions, all of them);
``WITNESS_<p>`` asserts that ``p``'s witness never holds, so a failed
assertion there means the witness is reachable; with neither, every
exported property's conditions are checked together.  einval's verdict
is then: violated if the ``CHECK`` run fails an assertion; holds if not
and the ``WITNESS`` run does; unknown (vacuous) if neither fails.

Each variable gets the smallest Promela type of its domain: a value
outside the domain is already a bug of the einval model (``Trace.replay``
refuses it).  einval's bounds (``max_states``, ``max_depth``) are not
given to pan; the comparison is meaningful where einval's search is
complete.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .lang import Const, Expr, Op, Var, variables_of
from .model import Action, Check, Model, Variable

KEYWORDS = frozenset("""
    active assert atomic bit bool break byte c_code c_decl c_expr c_state
    c_track chan d_proctype d_step do else empty enabled eval false fi full
    goto hidden if init inline int len local ltl mtype nempty never nfull
    np_ od of pc_value pid printf printm priority proctype provided run
    select short skip timeout true typedef unless unsigned xr xs
    system INVARIANT
""".split())

_BINARY = {
    "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
    "add": "+", "sub": "-",
}


def identifier(text: str) -> str:
    """A Promela identifier for an einval name (``got[G1#1][0]`` ->
    ``got_G1_1_0``); a keyword gets a trailing underscore."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "v"
    if name[0].isdigit():
        name = "v_" + name
    return name + "_" if name in KEYWORDS else name


def variable_identifier(text: str) -> str:
    """``identifier``, kept clear of the names the program itself uses:
    the property macros (``prop_...``) and the temporaries (``tmpN``)."""
    name = identifier(text)
    if name.startswith("prop_") or re.fullmatch(r"tmp\d+", name):
        name = "v_" + name
    return name


def variable_names(variables: Sequence[Variable]) -> list[str]:
    """One distinct identifier per variable, in index order; a clash
    (``a[b]`` and ``a_b``) is resolved by appending the index."""
    names: list[str] = []
    taken: set[str] = set()
    for variable in variables:
        name = variable_identifier(variable.name)
        if name in taken:
            name = f"{name}_{variable.index}"
        taken.add(name)
        names.append(name)
    return names


def expression(expr: Expr, names: Sequence[str]) -> str:
    """Promela source for an einval expression over globals ``names``.

    Integers stay integers and booleans Promela booleans (0 and 1 in
    arithmetic, as in einval); ``If`` is Promela's ``(c -> a : b)``.
    """
    if isinstance(expr, Const):
        if expr.sort == "bool":
            return "true" if expr.value else "false"
        return str(expr.value) if expr.value >= 0 else f"({expr.value})"
    if isinstance(expr, Var):
        return names[expr.index]
    assert isinstance(expr, Op), expr
    args = [expression(a, names) for a in expr.args]
    if expr.op == "and":
        return "(" + " && ".join(args) + ")"
    if expr.op == "or":
        return "(" + " || ".join(args) + ")"
    if expr.op == "not":
        # every compound form above and below is fully parenthesised
        return f"!{args[0]}" if args[0].startswith("(") or args[0].isidentifier() \
            else f"!({args[0]})"
    if expr.op == "ite":
        return f"({args[0]} -> {args[1]} : {args[2]})"
    return f"({args[0]} {_BINARY[expr.op]} {args[1]})"


def type_of(variable: Variable) -> str:
    """The smallest Promela type holding the variable's domain."""
    if variable.sort == "bool":
        return "bool"
    size = variable.domain.size
    if size <= 256:
        return "byte"
    if size <= 32768:
        return "short"
    return "int"


def initial(variable: Variable) -> str:
    if variable.sort == "bool":
        return "true" if variable.init else "false"
    return str(variable.init)


Plan = list[tuple[str, int, Expr]]


def update_plan(action: Action) -> Plan:
    """A parallel update as sequential steps, in Promela's order.

    Each step is ``("tmp", k, expr)`` (compute temporary ``k``),
    ``("set", index, expr)`` (assign a variable) or ``("copy", index, k)``
    (assign temporary ``k``).  An update whose target another pending
    update still reads waits; when every pending target is read by another
    (a swap), one of them is computed into a temporary before any
    assignment and assigned after all the others, so every expression
    reads the old state.
    """
    pending = list(action.updates)
    reads = {index: set(variables_of(expr)) for index, expr in pending}
    first: Plan = []
    ordered: Plan = []
    last: Plan = []
    while pending:
        free = [(i, e) for i, e in pending
                if not any(i in reads[j] for j, _ in pending if j != i)]
        if free:
            index, expr = free[0]
            ordered.append(("set", index, expr))
        else:  # its value now, into a temporary; its assignment after all others
            index, expr = pending[0]
            first.append(("tmp", len(first), expr))
            last.append(("copy", index, Const(len(first) - 1)))
        pending.remove((index, expr))
    return first + ordered + last


def statements(plan: Plan, names: Sequence[str]) -> list[str]:
    """The Promela statements of an update plan."""
    out = []
    for kind, target, expr in plan:
        if kind == "tmp":
            out.append(f"tmp{target} = {expression(expr, names)}")
        elif kind == "copy":
            assert isinstance(expr, Const)
            out.append(f"{names[target]} = tmp{expr.value}")
        else:
            out.append(f"{names[target]} = {expression(expr, names)}")
    return out


def _comment(text: str) -> str:
    return text.replace("*/", "* /")


def _macro(check: Check) -> str:
    """The name in ``-DCHECK_<name>``: the property's, '-' as '_'."""
    return identifier(check.name)


def _conjunction(parts: Sequence[str]) -> str:
    return "(" + " && ".join(parts) + ")" if parts else "true"


def to_promela(model: Model, checks: Sequence[Check] | None = None) -> str:
    """The Promela program of ``model`` checking ``checks`` (default: all
    of the model's checks).  The same model gives the same bytes."""
    checks = list(model.checks if checks is None else checks)
    names = variable_names(model.variables)
    out = _header(model) + _globals(model, names) + _properties(checks, names)
    return "\n".join(out + _system(model, names))


def _header(model: Model) -> list[str]:
    out = [
        f"/* einval model: {_comment(model.name)}",
        " * Written by `einval export --format promela` (einval/promela.py).",
        " *   spin -a -DCHECK_<property> FILE",
        " *   gcc -DBFS -DSAFETY -o pan pan.c && ./pan",
        " * A failed assertion: the property is violated (with -DBFS, at the",
        " * depth of einval's shortest counterexample).  Otherwise run again",
        " * with -DWITNESS_<property>: a failed assertion there means the",
        " * witness is reachable, so the property holds; none, it held",
        " * vacuously.  <property>: its name with '_' for '-'.",
    ]
    if model.max_states is not None or model.max_depth is not None:
        out.append(f" * einval's bounds, not given to pan: max_states {model.max_states},")
        out.append(f" * max_depth {model.max_depth}.")
    return out + [" */", ""]


def _globals(model: Model, names: Sequence[str]) -> list[str]:
    """One global per variable, its einval name and labels in a comment."""
    out = []
    for variable, name in zip(model.variables, names):
        notes = [variable.name] + [w for w, on in (("frozen", variable.frozen),
                                                   ("hidden", variable.hidden)) if on]
        labels = ""
        if variable.sort != "bool" and variable.domain.labels != tuple(
                str(i) for i in range(variable.domain.size)):
            labels = ": " + " ".join(f"{i}={label}"
                                     for i, label in enumerate(variable.domain.labels))
        out.append(f"{type_of(variable)} {name} = {initial(variable)};"
                   f"  /* {_comment(', '.join(notes) + labels)} */")
    return out + [""]


def _properties(checks: Sequence[Check], names: Sequence[str]) -> list[str]:
    """A macro per condition and witness, and ``INVARIANT`` chosen by
    ``-DCHECK_<p>`` / ``-DWITNESS_<p>``."""
    out = []
    for check in checks:
        macro = _macro(check)
        out.append(f"/* property {_comment(check.name)}: {_comment(check.summary)} */")
        parts = []
        for number, condition in enumerate(check.always):
            out.append(f"/* {_comment(condition.label)} */")
            out.append(f"#define prop_{macro}_{number} "
                       f"{expression(condition.expr, names)}")
            parts.append(f"prop_{macro}_{number}")
        out.append(f"#define prop_{macro} {_conjunction(parts)}")
        out.append(f"/* witness: {_comment(check.witness.label)} */")
        out.append(f"#define prop_{macro}_witness {expression(check.witness.expr, names)}")
        out.append("")
    everything = _conjunction([f"prop_{_macro(c)}" for c in checks])
    if not checks:
        return out + [f"#define INVARIANT {everything}", ""]
    for number, check in enumerate(checks):
        macro = _macro(check)
        out.append(f"#{'if' if number == 0 else 'elif'} defined(CHECK_{macro})")
        out.append(f"#define INVARIANT prop_{macro}")
        out.append(f"#elif defined(WITNESS_{macro})")
        out.append(f"#define INVARIANT !(prop_{macro}_witness)")
    return out + ["#else", f"#define INVARIANT {everything}", "#endif", ""]


def _system(model: Model, names: Sequence[str]) -> list[str]:
    """The one process: the initial check, then every action as a
    ``d_step`` in one loop."""
    plans = [update_plan(action) for action in model.actions]
    out = ["active proctype system() {"]
    for number, kind in sorted(_temporaries(model, plans).items()):
        out.append(f"    {kind} tmp{number} = 0;  /* 0 between steps */")
    out += ["    assert(INVARIANT);  /* the initial state */", "end:", "    do"]
    for number, (action, plan) in enumerate(zip(model.actions, plans)):
        out.append(f"    /* [{number}] {_comment(action.actor)}: {_comment(action.name)} */")
        body = [s + ";" for s in statements(plan, names)]
        body += [f"tmp{target} = 0;" for kind, target, _ in plan if kind == "tmp"]
        body.append("assert(INVARIANT)")
        out.append(f"    :: d_step {{ {expression(action.guard, names)} ->")
        out += [f"            {line}" for line in body]
        out.append("       }")
    return out + ["    od", "}", ""]


def _temporaries(model: Model, plans: Sequence[Plan]) -> dict[int, str]:
    """Temporary number -> the widest type of the variables it carries."""
    widths = ("bool", "byte", "short", "int")
    temps: dict[int, str] = {}
    for plan in plans:
        for kind, target, value in plan:
            if kind == "copy":
                assert isinstance(value, Const)
                carried = type_of(model.variables[target])
                known = temps.get(value.value, "bool")
                temps[value.value] = max(known, carried, key=widths.index)
    return temps


# -- running SPIN ----------------------------------------------------------
# Used by the cross-check tests and the benchmark: spin -a, gcc, pan, and
# what pan's report says.  Nothing here is needed to export.

@dataclass
class Pan:
    """What one pan run reported."""

    violated: bool  # an assertion failed
    depth: int | None  # pan's depth of the failure (BFS: shortest)
    states: int  # "states, stored"
    transitions: int
    complete: bool  # the search was not cut short by a bound
    output: str


def run_pan(source: str, workdir: Path, defines: Sequence[str] = (), *,
            bfs: bool = True, reduce: bool = True, dead_variables: bool = True,
            hash_bits: int | None = None, optimize: str = "-O2",
            timeout: float | None = None) -> Pan:
    """Generate, compile and run pan for ``source`` in ``workdir``.

    ``dead_variables=False`` passes ``spin -o2`` (no dead variable
    elimination), so pan stores exactly einval's states plus one;
    ``reduce=False`` compiles with ``-DNOREDUCE`` (no partial order
    reduction; with one process it has nothing to reduce anyway);
    ``hash_bits`` is pan's ``-w`` (its default table is 2**24 slots,
    128 MiB); ``optimize`` is gcc's (``-O0`` compiles pan.c 4x faster,
    for small models).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "model.pml").write_text(source)
    spin = ["spin", *(f"-D{d}" for d in defines)]
    if not dead_variables:
        spin.append("-o2")
    _run([*spin, "-a", "model.pml"], workdir, timeout)
    flags = [optimize, "-DSAFETY"]
    if bfs:
        flags.append("-DBFS")
    if not reduce:
        flags.append("-DNOREDUCE")
    _run(["gcc", *flags, "-o", "pan", "pan.c"], workdir, timeout)
    command = ["./pan", "-m1000000"]
    if hash_bits is not None:
        command.append(f"-w{hash_bits}")
    output = _run(command, workdir, timeout, check=False)
    return parse_pan(output)


def _run(command: list[str], workdir: Path, timeout: float | None,
         check: bool = True) -> str:
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True,
                          timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: exit {done.returncode}: "
                           f"{(done.stderr or done.stdout).strip()[:500]}")
    return done.stdout + done.stderr


def parse_pan(output: str) -> Pan:
    """The figures of a pan report."""
    failure = re.search(r"assertion violated.*\(at depth (\d+)\)", output)
    states = re.search(r"(\d+) states, stored", output)
    transitions = re.search(r"(\d+) transitions \(= stored\+matched\)", output)
    if states is None or transitions is None:
        raise RuntimeError(f"pan printed no statistics:\n{output[-1000:]}")
    truncated = "max search depth too small" in output or "exceeds -m" in output
    return Pan(failure is not None, int(failure.group(1)) if failure else None,
               int(states.group(1)), int(transitions.group(1)), not truncated, output)


@dataclass
class SpinVerdict:
    """einval's verdict on one property, as SPIN answered it."""

    kind: str  # holds, violated, unknown
    depth: int  # when violated: pan's depth (BFS: the shortest length)
    states: int  # states pan stored checking the property
    detail: str = ""


def spin_verdict(model: Model, check: Check, workdir: Path, **options) -> SpinVerdict:
    """Ask SPIN einval's question about ``check``: violated (at which
    depth), holds (not violated and the witness is reachable), or unknown
    (a bound cut pan's search short, or the witness is unreachable).

    Two pan runs at most: the property, then, if it was not violated, its
    witness.  ``options`` go to ``run_pan``.
    """
    source = to_promela(model, [check])
    macro = _macro(check)
    pan = run_pan(source, workdir, [f"CHECK_{macro}"], **options)
    if pan.violated:
        return SpinVerdict("violated", pan.depth or 0, pan.states)
    if not pan.complete:
        return SpinVerdict("unknown", 0, pan.states, "pan's depth bound reached")
    witness = run_pan(source, workdir, [f"WITNESS_{macro}"], **options)
    if witness.violated:
        return SpinVerdict("holds", 0, pan.states)
    return SpinVerdict("unknown", 0, pan.states, "vacuous: the witness is unreachable")
