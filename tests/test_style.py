"""The code stays ruff clean (ruff comes with the test extras)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="not a source tree")
def test_ruff_clean():
    proc = subprocess.run(["ruff", "check", "einval", "models", "properties", "tests",
                           "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_subpackage_is_installed():
    """A non-editable ``pip install .`` ships exactly what pyproject lists:
    a new folder under einval/ must be listed there too."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
        import tomli as tomllib
    root = Path(__file__).resolve().parents[1]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    found = {"einval." + p.parent.name for p in (root / "einval").glob("*/__init__.py")}
    assert found <= listed, sorted(found - listed)
