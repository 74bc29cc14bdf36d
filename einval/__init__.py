"""einval: a model checker for kernel error-reporting designs."""

__version__ = "0.1.0"
