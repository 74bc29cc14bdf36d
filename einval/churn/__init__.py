"""``einval churn``: code churn of each error-reporting design on a kernel tree.

``design_totals`` is loaded lazily so that importing ``einval.churn.cli``
(to register the subcommand) does not load tree-sitter.
"""

from __future__ import annotations

from typing import Any

__all__ = ["design_totals"]


def __getattr__(name: str) -> Any:
    if name == "design_totals":
        from einval.churn.api import design_totals

        return design_totals
    raise AttributeError(f"module 'einval.churn' has no attribute {name!r}")
