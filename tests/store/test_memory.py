"""The lineage's neighbourhood is read from a QuadIndex: it must answer every pattern as the engine's
own store does, or a lineage would differ from the whole graph's in ways no single lineage shows."""

from __future__ import annotations

import random

import pyoxigraph as ox

from derbygraph.store.memory import DEFAULT, Quad, QuadIndex


def _sample(dataset, count=3000):
    quads = [q for q in dataset.store.quads_for_pattern(None, None, None, None)]
    return random.Random(29).sample(quads, min(count, len(quads)))


def _key(quads):
    return sorted((str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in quads)


def test_every_pattern_is_answered_as_pyoxigraph_answers_it(dataset):
    quads = _sample(dataset)
    shared, own = quads[:500], quads[500:]
    engine = ox.Store()
    engine.extend(quads)
    index = QuadIndex((Quad(q.subject, q.predicate, q.object, q.graph_name) for q in own),
                      QuadIndex(Quad(q.subject, q.predicate, q.object, q.graph_name) for q in shared))
    asked = 0
    for quad in quads[::15]:
        for graph in (None, DEFAULT, quad.graph_name):
            for pattern in ((quad.subject, quad.predicate, None), (None, quad.predicate, quad.object),
                            (quad.subject, quad.predicate, quad.object), (quad.subject, None, None),
                            (None, None, quad.object), (None, quad.predicate, None)):
                expected = _key(engine.quads_for_pattern(*pattern, graph))
                assert _key(index.quads_for_pattern(*pattern, graph)) == expected, (pattern, graph)
                asked += bool(expected)
    assert asked > 500  # most patterns match something: the comparison is not of empty lists
