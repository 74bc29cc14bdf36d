"""A trace in the ITF format (Informal Trace Format) that Apalache and
Quint write and read, so their tools (and anything built on itf-py) can
load an einval counterexample.

Written with itf-py, the reference Python library for the format,
rather than by hand.  Each ground variable becomes an ITF variable: a
boolean stays a boolean, a counter an integer (``{"#bigint": ...}``),
anything else (a message tag, a pointer, a program counter) its label
as a string.  The run's parameters (frozen variables such as "G1 is
pinned") are listed in ``params``.  Each state's ``#meta`` (free-form
in the format) says which step led to it: ``action``, ``actor``, ``lane``.
"""

from __future__ import annotations

import json

from ..errors import InputError
from ..lang import BOOL
from ..model import Model, Variable
from ..verdict import Trace


def _value(variable: Variable, raw: int) -> bool | int | str:
    if variable.sort == BOOL:
        return bool(raw)
    label = variable.domain.label(raw)
    if variable.domain.labels == tuple(str(i) for i in range(variable.domain.size)):
        return int(label)
    return label


def _values(model: Model, state: tuple[int, ...]) -> dict:
    return {v.name: _value(v, state[v.index]) for v in model.variables}


def document(trace: Trace, description: str = "") -> dict:
    """The ITF document of ``trace`` as JSON-ready data."""
    try:
        from itf_py import State, trace_to_json
        from itf_py import Trace as ItfTrace
    except ImportError:  # itf-py needs Python 3.11 or later
        raise InputError("--trace itf needs the itf-py package (Python 3.11 or "
                         "later): pip install itf-py") from None
    model = trace.model
    meta = {"format": "ITF", "format-description":
            "https://apalache-mc.org/docs/adr/015adr-trace.html",
            "source": model.name, "description": description}
    if trace.failed is not None:
        meta["violated"] = trace.failed.label
    states = [State({"index": 0, "action": "init"},
                    _values(model, trace.initial))]
    for n, step in enumerate(trace.steps, start=1):
        states.append(State({"index": n, "action": step.name,
                             "actor": step.actor, "lane": step.lane},
                            _values(model, step.state)))
    params = [v.name for v in model.variables if v.frozen]
    return trace_to_json(ItfTrace(meta, params, [v.name for v in model.variables],
                                  states, None))


def dumps(trace: Trace, description: str = "") -> str:
    """The ITF JSON text of ``trace``; keys in a fixed order."""
    return json.dumps(document(trace, description), indent=2) + "\n"
