"""The pieces a scenario is made of: one module per table.

Each module defines a ``Piece`` subclass (``einval.pieces``) with its
table name and schema: ``[[thread]]`` (1:1 threads), ``[[os_thread]]`` and
``[[goroutine]]`` (Go's M:N runtime), ``[[bpf_program]]``, ``[[signal]]``,
``[[irq]]``, ``[[migrate]]``...  The module docstring says what real
mechanism each of its actions stands for.  A new kind of actor or event is
a new module here; the scenario reader and the world find it by itself.
"""
