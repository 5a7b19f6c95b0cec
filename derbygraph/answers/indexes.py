"""Indexes made of the whole store (names, search fields, reconciliation bodies), made once per
Dataset (`Dataset.memo`) and, in a store folder, made by the build and kept whole there: a start-up
reads each as one JSON document instead of making it from its rows again (at 5M triples, 27 s of a
36 s start-up).

An index is kept under the digest of what it is made from: the queries it reads and the source of
the modules whose code makes it. A store built before that code changed keeps an index under
another digest, which is not read: the index is made from its rows, as without a folder.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@functools.cache
def made_from(name: str, queries: tuple[str, ...], modules: tuple[str, ...]) -> str:
    """The text naming what the index `name` is made from: its queries and its modules' source."""
    sources = [Path(sys.modules[module].__file__).read_text(encoding="utf-8") for module in modules]
    return "\n".join((name, *queries, *sources))


def kept_or_made(dataset, made: str, load: Callable[[object], T], make: Callable[[object], T]) -> T:
    """The index kept under `made` (`made_from`) read by `load`, or, where none is kept, `make(dataset)`."""
    state = dataset.kept_index(made)
    return load(state) if state is not None else make(dataset)
