"""`derbygraph serve` on a loopback port, on each backend: the endpoint and the lineage API over real HTTP."""

from __future__ import annotations

import json
import urllib.parse

import pytest


@pytest.fixture(scope="module")
def server(backend):
    """Every test here runs on each backend (embedded, oxigraph, Virtuoso): the same answers."""
    return backend.server


Q = "SELECT ?name WHERE { ?p a dg:NamePeriod ; dg:name ?name } ORDER BY ?name"


def names(body: bytes) -> list[str]:
    return [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]]


def test_get_query_json(server):
    status, headers, body = server.get("/sparql?query=" + urllib.parse.quote(Q),
                                       {"Accept": "application/sparql-results+json"})
    assert status == 200 and headers.get_content_type() == "application/sparql-results+json"
    assert "Southern Derbyshire Mental Health NHS Trust" in names(body)


def test_post_form_and_direct(server):
    form = urllib.parse.urlencode({"query": Q}).encode()
    status, _, body = server.get("/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, form)
    assert status == 200 and len(names(body)) >= 6
    status, _, direct = server.get("/sparql", {"Content-Type": "application/sparql-query"}, Q.encode())
    assert status == 200 and names(direct) == names(body)


def test_malformed_query_is_400_with_a_message(server):
    status, _, body = server.get("/sparql?query=" + urllib.parse.quote("SELECT ?x WHERE {"))
    assert status == 400 and b"malformed query" in body


def test_update_refused_and_data_unchanged(server):
    before = server.get("/sparql?query=" + urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))[2]
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    status, _, _ = server.get("/sparql", {"Content-Type": "application/sparql-update"}, update.encode())
    assert 400 <= status < 500
    status, _, _ = server.get("/sparql", {"Content-Type": "application/x-www-form-urlencoded"},
                              urllib.parse.urlencode({"update": update}).encode())
    assert 400 <= status < 500
    after = server.get("/sparql?query=" + urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))[2]
    assert before == after


def test_lineage_api(server):
    status, answer = server.json("/api/lineage?org=" + urllib.parse.quote("Southern Derbyshire Trust"))
    assert status == 200
    assert list(answer) == ["organisation", "query", "at", "names", "events", "predecessors", "successors", "transfers"]
    assert answer["names"][0] == {**answer["names"][0], "label": "Southern Derbyshire Mental Health NHS Trust",
                                  "start": "1992", "end": "2001"}


@pytest.mark.parametrize("path, status", [
    ("/api/lineage", 400), ("/api/lineage?org=", 400), ("/api/lineage?org=Nowhere%20Authority", 404),
    ("/api/lineage?org=DCHS&at=soon", 400), ("/api/search", 400),
])
def test_lineage_api_errors(server, path, status):
    got, answer = server.json(path)
    assert got == status and answer["error"]


def test_search_api(server):
    status, found = server.json("/api/search?q=southern%20derbyshire")
    assert status == 200 and found[0]["iri"].endswith("/southern-derbyshire-mental-health-nhs-trust")
    assert {"iri", "label", "names", "score"} <= set(found[0])
    assert "Southern Derbyshire Community and Mental Health Services NHS Trust" in found[0]["names"]


def test_sparqlwrapper_select_and_construct(server):
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("PREFIX dg: <https://w3id.org/derbygraph/ontology#> " + Q)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    assert "Derbyshire Healthcare NHS Foundation Trust" in [b["name"]["value"] for b in result["results"]["bindings"]]
    client.setQuery("PREFIX org: <http://www.w3.org/ns/org#> CONSTRUCT { ?s org:hasSite ?o } WHERE { ?s org:hasSite ?o }")
    client.setReturnFormat(TURTLE)
    import rdflib

    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) >= 5
