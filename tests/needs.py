"""What a test needs from outside the package: a Python package of the test extra, or a program.

On a user's clone a missing one skips the test, saying how to install it. In CI (`CI=true`, which
the CI sets and `.ci/run` exports) it fails the test instead: a skip there would let a change pass
green without the test having run. The source documents of ../shared/ are another matter: a clone
without them skips the tests that read them (`conftest.shared_dir`).
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"true", "1", "yes"}
TEST_EXTRA = "pip install -e '.[test]'"


def absent(what: str, install: str) -> NoReturn:
    message = f"needs {what} ({install})"
    if IN_CI:
        pytest.fail(f"{message}: CI must have every test dependency", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def module(name: str, install: str = TEST_EXTRA) -> ModuleType:
    """The imported module `name`, or `absent`."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        absent(f"the Python package {name} ({error})", install)


def program(*names: str, install: str) -> str:
    """The path of the first of `names` on PATH, or `absent`."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    absent(" or ".join(names), install)
