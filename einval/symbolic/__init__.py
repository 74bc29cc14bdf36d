"""The Z3 engine: the same ``Model`` as the explicit engine, compiled to Z3."""

from .engine import DEFAULT_DEPTH, DomainError, check_model

__all__ = ["DEFAULT_DEPTH", "DomainError", "check_model"]
