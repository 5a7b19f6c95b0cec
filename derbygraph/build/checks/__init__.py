"""Checks that guard the data, one room each: `shapes` (SHACL), `quotes` (every quotation in its
document, every statement resting on one) and `report` (where each problem is, `file:line`)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from derbygraph.build.coverage import Coverage
from derbygraph.build.reasoning import to_rdflib
from derbygraph.build.sources import Source

from .quotes import check_coverage, check_markers, check_quotes, quoted
from .report import Locator, Problem, normalise_space, summary
from .shapes import Unsupported, check_shapes, check_shapes_fast

__all__ = ["Problem", "Locator", "check", "summary", "check_shapes", "check_shapes_fast", "normalise_space"]


def check(store: ox.Store, found: list[Source], sources_dir: Path | None = None,
          coverage: Coverage | None = None, provenance: ox.Store | None = None) -> list[Problem]:
    """All checks on a built store; an empty list means the data is sound. `coverage`: the
    store's statement coverage, when the caller has read it already; `provenance`: where the
    build put the statement provenance, when not in `store` (no shape reads it)."""
    locator = Locator(store, found)
    try:
        problems = check_shapes_fast(store, locator)
    except Unsupported:
        problems = check_shapes(to_rdflib(store), locator)
    problems += check_coverage(coverage or Coverage.of(store, provenance), locator)
    problems += check_markers(store, locator, provenance)
    if sources_dir is not None:
        problems += check_quotes(quoted(store), Path(sources_dir), locator)
    return problems
