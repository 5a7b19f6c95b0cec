"""A missing test package or program: a skip on a user's clone, a failure in CI (tests/needs.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NEEDS_ABSENT = """
import needs

def test_a_package():
    needs.module("derbygraph_no_such_package")

def test_a_program():
    needs.program("derbygraph-no-such-program", install="apt-get install nothing")
"""


@pytest.mark.parametrize("ci, outcome", [("", "2 skipped"), ("true", "2 failed")])
def test_a_missing_dependency_fails_only_in_ci(tmp_path, ci, outcome):
    (tmp_path / "test_absent.py").write_text(NEEDS_ABSENT)
    environment = {**os.environ, "CI": ci, "PYTHONPATH": str(Path(__file__).parent)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rs",
                             str(tmp_path)], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    assert outcome in result.stdout, result.stdout[-2000:]
    assert "needs the Python package derbygraph_no_such_package" in result.stdout
    assert "needs derbygraph-no-such-program (apt-get install nothing)" in result.stdout


def test_the_suite_runs_without_pytest_xdist():
    """`-p no:xdist`, or a clone without the package: the suite's hook for pytest-xdist
    (`tests/conftest.py`) is optional, not an error that stops every test."""
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
                             "--collect-only", "-q", "tests/test_shorten.py"],
                            cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "2 tests collected" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]
