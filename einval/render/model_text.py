"""The ground model as text, the way a TLA+ reader reads ``Init`` and
``Next``: every variable with its domain and initial value, then every
action with its actor, guard and updates, then the checks.  A reviewer
can check what was modelled before believing a verdict about it.

Constants compared with or assigned to a variable are shown as that
variable's labels (``pc[G1] = "1:G1#1 error site"``), not as numbers.
"""

from __future__ import annotations

import re

from ..lang import BOOL, Const, Expr, Op, Var
from ..model import Domain, Model, Variable
from . import space as spaces

WIDTH = 72
_PLAIN = re.compile(r"[A-Za-z0-9_]+")
_SYMBOL = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
           "add": "+", "sub": "-"}


def _label(domain: Domain | None, value: int, sort: str) -> str:
    if sort == BOOL:
        return "TRUE" if value else "FALSE"
    if domain is None or not 0 <= value < domain.size:
        return str(value)
    label = domain.label(value)
    return label if _PLAIN.fullmatch(label) else f'"{label}"'


class Printer:
    """Expressions of one model as text, constants in their variables' labels."""

    def __init__(self, model: Model):
        self.variables = model.variables

    def domain_of(self, expr: Expr) -> Domain | None:
        if isinstance(expr, Var):
            return self.variables[expr.index].domain
        if isinstance(expr, Op) and expr.op == "ite":
            return self.domain_of(expr.args[1]) or self.domain_of(expr.args[2])
        return None

    def text(self, expr: Expr, hint: Domain | None = None, top: bool = True) -> str:
        if isinstance(expr, Const):
            return _label(hint, expr.value, expr.sort)
        if isinstance(expr, Var):
            return expr.name
        assert isinstance(expr, Op)
        op, args = expr.op, expr.args
        if op in ("and", "or"):
            word = " /\\ " if op == "and" else " \\/ "
            body = word.join(self.text(a, None, False) for a in args)
            return body if top else f"({body})"
        if op == "not":
            return f"~{self.text(args[0], None, False)}"
        if op == "ite":
            c, a, b = args
            body = (f"IF {self.text(c)} THEN {self.text(a, hint)} "
                    f"ELSE {self.text(b, hint)}")
            return body if top else f"({body})"
        left, right = args
        if op in ("eq", "ne", "lt", "le", "gt", "ge"):
            ld, rd = self.domain_of(left), self.domain_of(right)
            body = (f"{self.text(left, rd, False)} {_SYMBOL[op]} "
                    f"{self.text(right, ld, False)}")
        else:
            body = f"{self.text(left, None, False)} {_SYMBOL[op]} {self.text(right, None, False)}"
        return body if top else f"({body})"

    def conjuncts(self, expr: Expr) -> list[str]:
        """A guard as its conjuncts, nested conjunctions flattened."""
        if isinstance(expr, Op) and expr.op == "and":
            return [c for a in expr.args for c in self.conjuncts(a)]
        if isinstance(expr, Const) and expr.sort == BOOL and expr.value:
            return []
        return [self.text(expr)]


def _wrap(text: str, first: str, rest: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=True) or [first]


def _domain_text(variable: Variable) -> str:
    labels = variable.domain.labels
    if variable.sort == BOOL:
        return "BOOLEAN"
    if labels == tuple(str(i) for i in range(len(labels))):
        return f"0..{len(labels) - 1}"
    return "{" + ", ".join(_label(variable.domain, i, variable.sort)
                           for i in range(len(labels))) + "}"


def lines(model: Model) -> list[str]:
    """The whole ground model, 72 columns wide."""
    space = spaces.of(model)
    out = _wrap(f"{model.name}: {len(model.variables)} variables, "
                f"{len(model.actions)} actions, {len(space.states)} reachable "
                "states", "", "  ")
    return out + [""] + body(model, space.fired())


def body(model: Model, fired: set[int] | None = None) -> list[str]:
    """Variables, actions and checks, without the header.  ``fired``: the
    actions that fired, to mark the others (None: no marks)."""
    printer = Printer(model)
    out = ["variables (domain; initial value):"]
    width = min(22, max((len(v.name) for v in model.variables), default=0))
    for v in model.variables:
        kind = "frozen " if v.frozen else "hidden " if v.hidden else ""
        init = _label(v.domain, v.init, v.sort)
        out += _wrap(f"{v.name:<{width}}  {kind}{_domain_text(v)}; initially {init}",
                     "  ", "      ")
        if v.assumption:
            out += _wrap(f"({v.assumption})", "      ", "       ")
    out += ["", "actions (when: guard, then: updates; x' is x after the step):"]
    width = len(str(len(model.actions)))
    for number, action in enumerate(model.actions, start=1):
        head = f"  {number:>{width}}. "
        pad = " " * len(head)
        out += _wrap(f"{action.actor}: {action.name}", head, pad + "  ")
        if fired is not None and number - 1 not in fired:
            out += [f"{pad}never fires in this scenario"]
        guard = printer.conjuncts(action.guard) or ["TRUE"]
        for i, part in enumerate(guard):
            lead = "when: " if i == 0 else "  /\\ "
            out += _wrap(lead + part, pad, pad + "        ")
        for i, (index, expr) in enumerate(action.updates):
            var = model.variables[index]
            lead = "then: " if i == 0 else "      "
            out += _wrap(f"{lead}{var.name}' = {printer.text(expr, var.domain)}", pad,
                         pad + "        ")
    out += ["", "checks (every reachable state; witness: some reachable state):"]
    for check in model.checks:
        out += _wrap(f"{check.name}: {check.summary}", "  ", "    ")
        for condition in check.always:
            out += _wrap(f"always {condition.label}:", "    ", "      ")
            out += _wrap(printer.text(condition.expr), "      ", "        ")
        out += _wrap(f"witness {check.witness.label}:", "    ", "      ")
        out += _wrap(printer.text(check.witness.expr), "      ", "        ")
    return out


def text(model: Model) -> str:
    return "\n".join(lines(model)) + "\n"
