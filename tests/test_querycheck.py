"""The query check: what a read-only endpoint refuses before anything runs.

Beside the examples the audits found, one property is tested against the real engine: whatever
text the check lets through, pyoxigraph (running here, outside any sandbox) never opens a
connection to a listener the text points at.
"""

from __future__ import annotations


import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derbygraph import queries
from derbygraph.config import DEFAULT
from derbygraph.errors import QueryError
from derbygraph.querycheck import check


def refused(query: str) -> int | None:
    try:
        check(query, DEFAULT)
    except QueryError as error:
        return error.status
    return None


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:18999/x> SELECT * WHERE { SERVICE: { ?x ?y ?z } }",
    "PREFIX p: <http://127.0.0.1:18999/x> SELECT * WHERE { SERVICEp:y { ?x ?y ?z } }",
    "select * where { service silent <http://x/> {} }",
    "SELECT * WHERE { ?s ?p 1SERVICE <http://x/> {} }",
    "SELECT * WHERE { ?s ?p ?o.SERVICE<http://x/>{} }",
    "SELECT * WHERE { ?s ?p ?o }SERVICE",
    r"SELECT * WHERE { \u0053ERVICE <http://x/> {} }",
    r"SELECT * WHERE { \U00000053ERVICE <http://x/> {} }",
    "SELECT * WHERE { VALUES ?u { <http://x/> } FILTER EXISTS { SERVICE ?u { ?s ?p ?o } } }",
    "PREFIX service: <http://x/> SELECT * WHERE { service:a ?p ?o }",  # a prefix named service
])
def test_service_in_any_spelling_is_refused(query):
    assert refused(query) == 403


def test_a_quote_in_an_iri_cannot_hide_a_keyword():
    """The audit's desync: `<2&&'>` reads as an IRI, after which a string would swallow SERVICE."""
    assert refused("SELECT * WHERE { ?s ?p ?o FILTER(1<2&&'>'='>') SERVICE <http://x/> {} }") == 400


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER(1<2&&" + "(" * 5000 + "1" + ")" * 5000 + "&&3>2) }",  # the audit's bypass
    "SELECT * WHERE { FILTER(" + "(" * 101 + "1" + ")" * 101 + ") }",
    "SELECT * WHERE { " + "{" * 150 + "}" * 150 + " }",
    "SELECT * WHERE { FILTER(" + "!" * 500 + "true) }",
    "SELECT * WHERE { BIND(" + "- " * 500 + "1 AS ?x) }",
    "SELECT * WHERE { BIND(" + "-" * 500 + "1 AS ?x) }",
    "SELECT * WHERE { ?s " + "^" * 300 + "<http://p> ?o }",
    "SELECT * WHERE { ?s <http://x/" + "(" * 200 + "> ?o }",
])
def test_deep_nesting_is_refused_however_it_is_spelt(query):
    assert refused(query) == 400


@pytest.mark.parametrize("query", [
    "INSERT DATA { <a> <b> <c> }", "PREFIX x: <y> DELETE WHERE { ?s ?p ?o }", "LOAD <http://x/>",
    "CLEAR ALL", "DROP GRAPH <g>", r"\u0049NSERT DATA { <a> <b> <c> }",
])
def test_updates_are_refused(query):
    assert refused(query) == 403


def test_size_limit():
    assert refused("SELECT * WHERE { ?s ?p ?o } #" + "x" * DEFAULT.max_query_bytes) == 413


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service a dg:Service ; rdfs:label 'SERVICE <http://x/> {}' }",
    "SELECT * WHERE { ?s dg:providesService ?o } # SERVICE <http://x/>",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    "SELECT * WHERE { <http://en.wikipedia.org/wiki/Kingsway_(Derby)> ?p ?o }",
    "SELECT * WHERE { ?s ?p \"\"\"mental health SERVICE: \"quoted\" \"\"\" }",
    "SELECT * WHERE { FILTER(" + "(" * 90 + "1" + ")" * 90 + ") }",
])
def test_ordinary_queries_pass(query):
    assert refused(query) is None


def test_every_canned_query_passes():
    for canned in queries.catalogue().values():
        assert refused(canned.text) is None, canned.name


# --- the property: what passes the check never reaches the network --------------------------

KEYWORDS = ["SERVICE", "service", "SeRvIcE", r"\u0053ERVICE", "SERVICE SILENT", "SERVICE:", "SERVICEp:y", "1SERVICE"]
SEPARATORS = ["", " ", "\n", "\t", "#x\n", "."]
BEFORE = ["", "?s ?p ?o ", "?s ?p ?o . ", "FILTER(1<2&&'>'='>') ", "FILTER(1<2) ", "OPTIONAL { ?s ?p ?o } ",
          "?s ?p \"x\"@en", "?s ?p 1"]
TARGETS = ["<{iri}>", ":", "p:y", "?u", ":x", "<{iri}{{"]
WRAPPERS = ["{}", "FILTER EXISTS {{ {} }}", "OPTIONAL {{ {} }}", "{{ {} }} UNION {{ ?a ?b ?c }}", "MINUS {{ {} }}"]


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(KEYWORDS), st.sampled_from(SEPARATORS), st.sampled_from(SEPARATORS), st.sampled_from(BEFORE),
       st.sampled_from(TARGETS), st.sampled_from(WRAPPERS))
def test_what_passes_the_check_never_reaches_the_network(listener, keyword, gap, gap2, before, target, wrapper):
    port, hits = listener.port, listener.hits
    iri = f"http://127.0.0.1:{port}/x"
    target = target.replace("{iri}", iri).replace("{{", "{")
    pattern = f"{before}{keyword}{gap}{target}{gap2}{{ ?s ?p ?o }}"
    query = (f"PREFIX : <{iri}> PREFIX p: <{iri}> SELECT * WHERE {{ VALUES ?u {{ <{iri}> }} "
             + wrapper.format(pattern) + " }")
    if refused(query) is not None:
        return
    before_hits = len(hits)
    try:
        list(ox.Store().query(query))
    except (SyntaxError, OSError, ValueError, RuntimeError):
        pass
    assert len(hits) == before_hits, f"the check passed a query that reached the network: {query!r}"
