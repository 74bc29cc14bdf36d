"""Shared test options: ``--runslow`` enables the long runs.

In-process runs stay in one process (``EINVAL_JOBS=1``): the test
workers are already one per core, and tests/test_parallel.py runs the
forked workers in a subprocess of their own.
"""

import os
import sys

import pytest

os.environ["EINVAL_JOBS"] = "1"


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="run the long tests (marked slow) too")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="long run: use --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def _catalogue_by_package() -> None:
    """Under mutmut, import the shipped designs and properties as the
    packages ``models`` and ``properties``.

    The catalogue loads its files by path under made-up module names;
    mutmut knows a function by ``module.name`` and would find no test for
    any mutant of ``models/`` or ``properties/``.  Only mutation runs
    change this (``benchmarks/mutation.py``); ``pytest`` itself never does.
    """
    import importlib
    from functools import cache
    from pathlib import Path

    from einval import catalog

    original = catalog._import_file

    @cache
    def by_package(path: Path, prefix: str = "einval_user"):
        try:
            relative = path.resolve().relative_to(catalog.root().resolve())
        except ValueError:
            return original(path, prefix)
        if len(relative.parts) == 2 and relative.parts[0] in ("models", "properties"):
            return importlib.import_module(f"{relative.parts[0]}.{relative.stem}")
        return original(path, prefix)

    catalog._import_file = by_package


if "mutmut" in sys.modules:
    _catalogue_by_package()
