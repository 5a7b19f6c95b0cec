"""A few thousand quads held in Python dictionaries, read through the Dataset API.

An answer worked out over a small copy of its neighbourhood (the lineage) asks it thousands of
single-pattern questions. An in-memory pyoxigraph store answers each by crossing into Rust and
making a new Python object for every term, and costs a store to fill for each answer: at 100k
generated triples, filling it and reading from it took longer than fetching the neighbourhood.
Here the quads are the terms the query rows already hold, indexed once by the patterns an
answer asks (subject and predicate; predicate and object), and a pattern is a dictionary lookup.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, NamedTuple

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
DEFAULT = ox.DefaultGraph()


class Quad(NamedTuple):
    """The fields of `pyoxigraph.Quad` the Dataset API reads, without building one."""

    subject: Term
    predicate: ox.NamedNode
    object: Term
    graph_name: Graph


class QuadIndex:
    """Quads answering `quads_for_pattern` as `pyoxigraph.Store` does (None: any term, and for
    the graph any graph, the default one included), over `shared` quads indexed once and these."""

    def __init__(self, quads: Iterable[Quad] = (), shared: "QuadIndex | None" = None):
        self._by_subject: dict = defaultdict(list)    # (subject, predicate) -> quads
        self._by_object: dict = defaultdict(list)     # (predicate, object) -> quads
        self._all: list[Quad] = []
        self._shared = shared
        for quad in quads:
            self._by_subject[quad.subject, quad.predicate].append(quad)
            self._by_object[quad.predicate, quad.object].append(quad)
            self._all.append(quad)

    def quads_for_pattern(self, subject=None, predicate=None, obj=None, graph=None) -> list[Quad]:
        found = self._matching(subject, predicate, obj)
        if self._shared is not None:
            found = found + self._shared._matching(subject, predicate, obj)
        if graph is None:
            return found
        return [quad for quad in found if quad.graph_name == graph]

    def _matching(self, subject, predicate, obj) -> list[Quad]:
        if predicate is not None and subject is not None:
            found = self._by_subject.get((subject, predicate), ())
            return [quad for quad in found if quad.object == obj] if obj is not None else list(found)
        if predicate is not None and obj is not None:
            return list(self._by_object.get((predicate, obj), ()))
        return [quad for quad in self._all if (subject is None or quad.subject == subject)
                and (predicate is None or quad.predicate == predicate) and (obj is None or quad.object == obj)]
