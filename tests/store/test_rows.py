"""Solutions read whole (`store.rows`) are the solutions pyoxigraph hands over row by row."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from derbygraph.store import rows

EX = "http://example.org/"
VALUES = """SELECT ?a ?b WHERE { VALUES (?a ?b) {
  (<http://example.org/x> "plain")
  ("chez"@fr "2020-01"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>)
  (UNDEF 42)
  ("line\\nbreak \\"quoted\\" \\u00e9" "right"@ar--rtl)
  (<<( <http://example.org/s> <http://example.org/p> "o" )>> UNDEF)
} }"""


@pytest.fixture(scope="module")
def store():
    store = ox.Store()
    store.add(ox.Quad(ox.BlankNode("b1"), ox.NamedNode(EX + "p"), ox.Literal("x", language="en-GB"), ox.DefaultGraph()))
    return store


@pytest.mark.parametrize("query", [VALUES, "SELECT * WHERE { ?s ?p ?o }", "SELECT ?nothing WHERE { }"])
def test_rows_are_the_solutions_pyoxigraph_iterates(store, query):
    expected = [list(solution) for solution in store.query(query)]
    read = rows.read(store.query(query))
    assert [list(row) for row in read] == expected
    variables = store.query(query).variables
    assert read.variables == variables
    names = [v.value for v in variables]
    for row, solution in zip(read, store.query(query)):
        assert [row[name] for name in names] == [solution[name] for name in names]
        assert [row[v] for v in variables] == [solution[v] for v in variables]
        assert [row[i] for i in range(len(names))] == [solution[i] for i in range(len(names))]
        assert row["not_a_variable"] is None


def test_the_other_forms(store):
    assert rows.read(store.query("ASK { ?s ?p ?o }")) is True
    assert rows.read(store.query("ASK { ?s <http://example.org/q> ?o }")) is False
    triples = rows.read(store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    assert [t.object for t in triples] == [ox.Literal("x", language="en-GB")]
