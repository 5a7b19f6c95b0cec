"""/sparql end to end: the SPARQL 1.1 Protocol as clients use it, on a live `derbygraph serve`.

Query forms and their formats (each answer parsed), content negotiation, the errors (400, 403,
405, 406, 415), read-only-ness, the dataset parameters, the service description, the promise
of no outbound request (a listener on a loopback port must see no connection), and real
clients: rdflib's SPARQLStore and SPARQLWrapper.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import urllib.parse
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

DG = "https://w3id.org/derbygraph/ontology#"
GRAPH = "https://w3id.org/derbygraph/graph/"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")

NAMES = "SELECT ?name WHERE { ?p a dg:NamePeriod ; dg:name ?name } ORDER BY ?name"
TRUSTS = "CONSTRUCT { ?o a dg:NHSTrust ; rdfs:label ?l } WHERE { ?o a dg:NHSTrust ; rdfs:label ?l }"
ASK_TRUST = "ASK { ?o a dg:NHSTrust }"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

SOLUTION_TYPES = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                  "text/csv": "csv", "text/tab-separated-values": "tsv"}
GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}


@pytest.fixture(scope="module")
def server(backend):
    """Every test here runs on each backend (embedded, oxigraph, Virtuoso): the same answers."""
    return backend.server


# --- helpers ------------------------------------------------------------------------------

def q(query: str, **params) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params}, doseq=True)


def raw(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """A request sent exactly as given (urllib adds a form Content-Type to bodies and follows
    redirects; some tests need neither)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def solutions(media_type: str, body: bytes) -> list[dict[str, str]]:
    """Rows of a SELECT answer, parsed by rdflib (independently of the server's pyoxigraph)."""
    result = rdflib.query.Result.parse(io.BytesIO(body), format=SOLUTION_TYPES[media_type])
    return [{str(v): str(row[v]) for v in result.vars if row[v] is not None} for row in result]


def graph_of(media_type: str, body: bytes) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=GRAPH_TYPES[media_type])


def count_quads(server) -> int:
    status, _, body = server.get(q(COUNT_ALL), {"Accept": "application/sparql-results+json"})
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def expected_names(server) -> list[str]:
    status, _, body = server.get(q(NAMES), {"Accept": "application/sparql-results+json"})
    assert status == 200
    found = [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert "Southern Derbyshire Mental Health NHS Trust" in found
    return found


# --- the three ways of asking ---------------------------------------------------------------

def test_get_post_form_and_post_direct_agree(server, expected_names):
    json_type = {"Accept": "application/sparql-results+json"}
    form = urllib.parse.urlencode({"query": NAMES}).encode()
    answers = [
        server.get(q(NAMES), json_type),
        server.get("/sparql", {**json_type, "Content-Type": "application/x-www-form-urlencoded"}, form),
        server.get("/sparql", {**json_type, "Content-Type": "application/sparql-query"}, NAMES.encode()),
        server.get("/sparql", {**json_type, "Content-Type": "application/sparql-query; charset=utf-8"},
                   NAMES.encode()),
    ]
    for status, headers, body in answers:
        assert status == 200 and headers.get_content_type() == "application/sparql-results+json"
        assert [r["name"] for r in solutions("application/sparql-results+json", body)] == expected_names


def test_direct_post_is_read_as_utf8(server):
    query = 'SELECT ?word WHERE { BIND("Ünïcödé — Ynys Môn" AS ?word) }'
    status, headers, body = server.get("/sparql", {"Content-Type": "application/sparql-query",
                                                   "Accept": "application/sparql-results+json"},
                                       query.encode("utf-8"))
    assert status == 200 and solutions(headers.get_content_type(), body) == [{"word": "Ünïcödé — Ynys Môn"}]
    status, _, body = server.get(q('SELECT ?word WHERE { BIND("Môn" AS ?word) }'),
                                 {"Accept": "application/sparql-results+json"})
    assert status == 200 and solutions("application/sparql-results+json", body) == [{"word": "Môn"}]


# --- formats ---------------------------------------------------------------------------------

@pytest.mark.parametrize("media_type", list(SOLUTION_TYPES))
def test_select_in_every_format_by_accept(server, media_type, expected_names):
    status, headers, body = server.get(q(NAMES), {"Accept": media_type})
    assert status == 200 and headers.get_content_type() == media_type
    assert [r["name"] for r in solutions(media_type, body)] == expected_names
    if media_type != "text/csv":  # pyoxigraph does not read CSV results (they are lossy)
        parsed = ox.parse_query_results(body, ox.QueryResultsFormat.from_media_type(media_type))
        assert [row["name"].value for row in parsed] == expected_names


@pytest.mark.parametrize("name, media_type", [("json", "application/sparql-results+json"),
                                              ("xml", "application/sparql-results+xml"),
                                              ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_select_format_parameter_overrides_accept(server, name, media_type, expected_names):
    status, headers, body = server.get(q(NAMES, format=name), {"Accept": "text/turtle, application/json"})
    assert status == 200 and headers.get_content_type() == media_type
    assert [r["name"] for r in solutions(media_type, body)] == expected_names


@pytest.mark.parametrize("media_type", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask_as_json_and_xml(server, media_type):
    for query, expected in [(ASK_TRUST, True), ("ASK { ?o a dg:NoSuchClass }", False)]:
        status, headers, body = server.get(q(query), {"Accept": media_type})
        assert status == 200 and headers.get_content_type() == media_type
        if media_type.endswith("json"):
            assert json.loads(body)["boolean"] is expected
        else:
            found = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
            assert found.text == str(expected).lower()


@pytest.mark.parametrize("media_type", list(GRAPH_TYPES))
def test_construct_in_every_format(server, media_type):
    turtle = graph_of("text/turtle", server.get(q(TRUSTS), {"Accept": "text/turtle"})[2])
    assert len(turtle) >= 4
    status, headers, body = server.get(q(TRUSTS), {"Accept": media_type})
    assert status == 200 and headers.get_content_type() == media_type
    assert isomorphic(graph_of(media_type, body), turtle)
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    assert len(list(ox.parse(body, rdf_format))) == len(turtle)


@pytest.mark.parametrize("name, media_type", [("turtle", "text/turtle"), ("nt", "application/n-triples"),
                                              ("jsonld", "application/ld+json"), ("xml", "application/rdf+xml"),
                                              ("json", "application/ld+json"), ("ttl", "text/turtle")])
def test_construct_format_parameter(server, name, media_type):
    status, headers, body = server.get(q(TRUSTS, format=name), {"Accept": "application/sparql-results+json"})
    assert status == 200 and headers.get_content_type() == media_type
    assert len(graph_of(media_type, body)) >= 4


def test_describe_answers_rdf(server):
    iri = "https://w3id.org/derbygraph/id/org/southern-derbyshire-mental-health-nhs-trust"
    status, headers, body = server.get(q(f"DESCRIBE <{iri}>"), {"Accept": "application/n-triples"})
    assert status == 200 and headers.get_content_type() == "application/n-triples"
    graph = graph_of("application/n-triples", body)
    assert (rdflib.URIRef(iri), rdflib.RDF.type, rdflib.URIRef(DG + "NHSTrust")) in graph


def test_relative_iris_resolve(server):
    status, headers, body = server.get(q("CONSTRUCT { <s> <p> 1 } WHERE {}"), {"Accept": "application/n-triples"})
    assert status == 200 and len(graph_of(headers.get_content_type(), body)) == 1


# --- content negotiation -----------------------------------------------------------------------

@pytest.mark.parametrize("accept, select_type, construct_type", [
    ("application/sparql-results+json;q=0.9, text/turtle", "application/sparql-results+json", "text/turtle"),
    ("text/turtle, application/sparql-results+json;q=0.9", "application/sparql-results+json", "text/turtle"),
    ("*/*", "application/sparql-results+json", "text/turtle"),
    ("", "application/sparql-results+json", "text/turtle"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9, application/rdf+xml;q=0.2, text/turtle;q=0.1",
     "application/sparql-results+xml", "application/rdf+xml"),
    ("text/*;q=0.8, application/sparql-results+json;q=0.1, application/n-triples;q=0.1",
     "text/csv", "text/turtle"),
    ("application/sparql-results+json;q=0, application/ld+json;q=0, */*;q=0.1",
     "application/sparql-results+xml", "text/turtle"),
    ("text/tab-separated-values, application/n-triples;q=0.7, text/html;q=0.9",
     "text/tab-separated-values", "application/n-triples"),
])
def test_accept_with_q_values(server, accept, select_type, construct_type):
    """Every answer is labelled with the type it really is, and parses as that type."""
    headers = {"Accept": accept} if accept else {}
    status, got, body = server.get(q(NAMES), headers)
    assert status == 200 and got.get_content_type() == select_type
    assert solutions(select_type, body)
    status, got, body = server.get(q(TRUSTS), headers)
    assert status == 200 and got.get_content_type() == construct_type
    assert len(graph_of(construct_type, body)) >= 4


def test_vary_accept(server):
    assert "Accept" in server.get(q(NAMES))[1].get("Vary", "")


@pytest.mark.parametrize("query, accept, media_type", [
    (TRUSTS, "application/sparql-results+xml", "application/rdf+xml"),   # what roqet asks for
    (TRUSTS, "application/sparql-results+json", "application/ld+json"),
    (ASK_TRUST, "application/rdf+xml;q=1, text/html", "application/sparql-results+xml"),
    (NAMES, "application/ld+json; profile=\"http://www.w3.org/ns/json-ld#compacted\"",
     "application/sparql-results+json"),
])
def test_the_other_forms_format_of_the_same_family(server, query, accept, media_type):
    """A client that asks for the other form's XML or JSON gets this form's XML or JSON (the
    HTTP standard lets a server answer in a default rather than 406): Rasqal's roqet works."""
    status, got, body = server.get(q(query), {"Accept": accept})
    assert status == 200 and got.get_content_type() == media_type
    assert body


@pytest.mark.parametrize("accept, media_type", [
    ("text/turtle; charset=utf-8", "text/turtle"),
    ("application/n-triples;charset=UTF-8", "application/n-triples"),
    ("application/ld+json; profile=\"http://www.w3.org/ns/json-ld#expanded\"", "application/ld+json"),
    ("application/sparql-results+json; charset=utf-8, text/turtle;q=0.5", "text/turtle"),
])
def test_media_type_parameters_do_not_stop_a_match(server, accept, media_type):
    status, got, _ = server.get(q(TRUSTS), {"Accept": accept})
    assert status == 200 and got.get_content_type() == media_type


def test_results_json_with_a_charset(server):
    status, got, body = server.get(q(NAMES), {"Accept": "application/sparql-results+json; charset=utf-8"})
    assert status == 200 and got.get_content_type() == "application/sparql-results+json"
    assert json.loads(body)["results"]["bindings"]


@pytest.mark.parametrize("query, accept", [
    (NAMES, "image/png"), (NAMES, "text/turtle"), (TRUSTS, "text/csv"), (ASK_TRUST, "image/*"),
])
def test_406_when_nothing_acceptable(server, query, accept):
    status, headers, body = server.get(q(query), {"Accept": accept})
    assert status == 406 and b"accepted media types" in body


def test_unknown_format_name_is_400(server):
    status, _, body = server.get(q(NAMES, format="bogus"))
    assert status == 400 and b"unknown format" in body and b"json" in body


# --- errors ----------------------------------------------------------------------------------

def test_malformed_query_is_400_with_a_readable_message(server):
    status, headers, body = server.get(q("SELECT ?x WHERE { ?x ?y "))
    assert status == 400 and headers.get_content_type() == "text/plain"
    text = body.decode()
    assert text.startswith("malformed query") and "1:" in text and len(text) < 600


def test_undeclared_prefix_is_named(server):
    status, _, body = server.get(q("SELECT * WHERE { ?s ex:p ?o }"))
    assert status == 400 and b"ex:" in body and b"PREFIX" in body


def test_errors_in_json_for_json_clients(server):
    status, headers, body = server.get(q("SELECT ?x WHERE {"), {"Accept": "application/json"})
    assert status == 400 and headers.get_content_type() == "application/json"
    assert json.loads(body)["error"].startswith("malformed query")
    status, headers, body = server.get(q("SELECT ?x WHERE {"), {"Accept": "application/sparql-results+json"})
    assert status == 400 and json.loads(body)["error"]
    status, headers, body = server.get(q("SELECT ?x WHERE {"), {"Accept": "text/plain, application/json;q=0.5"})
    assert status == 400 and headers.get_content_type() == "text/plain"


def test_more_than_one_query_is_400(server):
    status, _, body = server.get(q(["ASK {}", "SELECT * {}"]))
    assert status == 400 and b"one query" in body
    form = urllib.parse.urlencode([("query", "ASK {}"), ("query", "ASK {}")]).encode()
    assert server.get("/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, form)[0] == 400
    both = server.get(q("ASK {}"), {"Content-Type": "application/sparql-query"}, b"ASK {}")
    assert both[0] == 400


def test_empty_query_is_400(server):
    assert server.get(q(""))[0] == 400
    assert server.get("/sparql", {"Content-Type": "application/sparql-query"}, b"  ")[0] == 400
    assert server.get("/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, b"format=json")[0] == 400


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(server, method):
    status, headers, body = raw(server, method, q(ASK_TRUST), b"ASK {}",
                                {"Content-Type": "application/sparql-query"})
    assert status == 405
    allowed = {m.strip() for m in headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed and method not in allowed


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data; boundary=x",
                                          None])
def test_unsupported_post_media_types_are_415(server, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    status, _, body = raw(server, "POST", "/sparql", b"query=ASK%20%7B%7D", headers)
    assert status == 415 and b"application/sparql-query" in body


def test_bodies_not_in_utf8(server):
    utf16 = {"Content-Type": "application/sparql-query; charset=UTF-16"}
    status, _, body = raw(server, "POST", "/sparql", "ASK {}".encode("utf-16"), utf16)
    assert status == 415 and b"UTF-8" in body
    status, _, _ = raw(server, "POST", "/sparql", b'ASK { FILTER("\xff\xfe" = "") }',
                       {"Content-Type": "application/sparql-query"})
    assert status == 400
    assert server.get("/sparql?query=ASK%20%7B%22%FF%22%7D")[0] == 400
    status, _, _ = raw(server, "POST", "/sparql", b"query=ASK%20%7B%22%FF%22%7D",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400


# --- read-only ---------------------------------------------------------------------------------

UPDATE = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> 1 } }"


@pytest.mark.parametrize("how", ["sparql-update", "form update", "form query", "get update", "get query",
                                 "direct query", "form both", "clear", "drop", "load", "prologue"])
def test_updates_refused_and_data_unchanged(server, how):
    before = count_quads(server)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    sent = {
        "sparql-update": ("/sparql", {"Content-Type": "application/sparql-update"}, UPDATE.encode()),
        "form update": ("/sparql", form, urllib.parse.urlencode({"update": UPDATE}).encode()),
        "form query": ("/sparql", form, urllib.parse.urlencode({"query": UPDATE}).encode()),
        "get update": ("/sparql?" + urllib.parse.urlencode({"update": UPDATE}), {}, None),
        "get query": (q(UPDATE), {}, None),
        "direct query": ("/sparql", {"Content-Type": "application/sparql-query"}, UPDATE.encode()),
        "form both": ("/sparql", form, urllib.parse.urlencode({"query": "ASK {}", "update": UPDATE}).encode()),
        "clear": (q("CLEAR ALL"), {}, None),
        "drop": ("/sparql", {"Content-Type": "application/sparql-update"}, b"DROP ALL"),
        "load": (q("LOAD <http://example.org/data.ttl>"), {}, None),
        "prologue": (q("PREFIX ex: <http://example.org/>\n# a comment\nDELETE WHERE { ?s ?p ?o }"), {}, None),
    }[how]
    status, _, body = server.get(sent[0], sent[1], sent[2])
    assert 400 <= status < 500 and b"read-only" in body
    assert count_quads(server) == before
    assert server.get(q("ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }"),
                      {"Accept": "application/sparql-results+json"})[2].find(b"false") > 0


# --- the dataset ---------------------------------------------------------------------------------

def _count(server, query: str, **params) -> int:
    status, _, body = server.get(q(query, **params), {"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_the_union(server):
    everything = _count(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    ontology = _count(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}ontology> {{ ?s ?p ?o }} }}")
    assert everything > ontology > 0


def test_default_graph_uri_selects_a_graph_in_the_store(server):
    ontology = _count(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}ontology> {{ ?s ?p ?o }} }}")
    assert _count(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                  **{"default-graph-uri": GRAPH + "ontology"}) == ontology
    assert _count(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s a dg:NamePeriod }",
                  **{"default-graph-uri": GRAPH + "ontology"}) == 0
    assert _count(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                  **{"default-graph-uri": "http://example.org/not-here"}) == 0


def test_named_graph_uri_limits_graph_patterns(server):
    status, _, body = server.get(q("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                   **{"named-graph-uri": GRAPH + "ontology"}),
                                 {"Accept": "application/sparql-results+json"})
    assert status == 200
    assert solutions("application/sparql-results+json", body) == [{"g": GRAPH + "ontology"}]


def test_from_and_from_named_in_the_query_are_honoured(server):
    ontology = _count(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}ontology> {{ ?s ?p ?o }} }}")
    assert _count(server, f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}ontology> WHERE {{ ?s ?p ?o }}") == ontology
    assert _count(server, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH}ontology> WHERE {{ ?s ?p ?o }}") == 0
    assert _count(server, f"SELECT (COUNT(DISTINCT ?g) AS ?n) FROM NAMED <{GRAPH}ontology> "
                          "WHERE { GRAPH ?g { ?s ?p ?o } }") == 1
    # The protocol's dataset wins over the query's.
    assert _count(server, f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}ontology> WHERE {{ ?s ?p ?o }}",
                  **{"default-graph-uri": "http://example.org/not-here"}) == 0


# --- no outbound request, ever -------------------------------------------------------------------

class Listener:
    """A TCP listener on a free loopback port that records every connection made to it."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections: list[bytes] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(1)
                try:
                    self.connections.append(connection.recv(4096) or b"(connected)")
                except OSError:
                    self.connections.append(b"(connected)")

    def close(self):
        self.running = False
        self.thread.join(2)
        self.socket.close()


@pytest.fixture
def listener():
    running = Listener()
    yield running
    running.close()


def test_no_outbound_connection(server, listener):
    here = f"http://127.0.0.1:{listener.port}"
    service = [
        f"SELECT * WHERE {{ SERVICE <{here}/sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{here}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{here}/sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o .SERVICE<{here}/sparql>{{ ?s ?p ?o }} }}",
        f"# a comment\nPREFIX x: <{here}/>\nSELECT * WHERE {{ OPTIONAL {{ SERVICE x:sparql {{ ?s ?p ?o }} }} }}",
    ]
    empty = [  # graphs that are not in the store: an empty answer, never a fetch
        (f"SELECT (COUNT(*) AS ?n) FROM <{here}/data.ttl> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT (COUNT(*) AS ?n) FROM NAMED <{here}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"default-graph-uri": f"{here}/data.ttl"}),
        ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": f"{here}/data.ttl"}),
        (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{here}/data.ttl> {{ ?s ?p ?o }} }}", {}),
    ]
    json_type = {"Accept": "application/sparql-results+json"}
    service_answers = [server.get(q(query)) for query in service]
    service_answers.append(server.get("/sparql", {"Content-Type": "application/sparql-query"}, service[0].encode()))
    empty_answers = [server.get(q(query, **params), json_type) for query, params in empty]
    describe = server.get(q(f"DESCRIBE <{here}/thing>"), {"Accept": "application/n-triples"})
    load = server.get(q(f"LOAD <{here}/data.ttl>"))

    assert listener.connections == [], "the server connected to a listener it was only told about"
    for status, _, body in service_answers:
        assert status == 403, body
        assert b"SERVICE is not allowed" in body and b"no outbound requests" in body
    for status, _, body in empty_answers:
        assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0", body
    assert describe[0] == 200 and len(graph_of("application/n-triples", describe[2])) == 0
    assert 400 <= load[0] < 500
    # The listener does see connections: a probe of our own is recorded.
    with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as probe:
        probe.sendall(b"probe")
    for _ in range(50):
        if listener.connections:
            break
        threading.Event().wait(0.05)
    assert listener.connections == [b"probe"]


def test_the_words_service_and_from_in_data_are_not_keywords(server):
    query = ('SELECT ?service ?from WHERE { BIND("SERVICE <http://127.0.0.1:1/> {}" AS ?service) '
             'BIND(<http://example.org/FROM> AS ?from) # SERVICE\n ?x a dg:Service }')
    status, _, body = server.get(q(query), {"Accept": "application/sparql-results+json"})
    assert status == 200, body


# --- the service description --------------------------------------------------------------------

def _description(server, accept: str | None = None, path: str = "/sparql"):
    status, headers, body = raw(server, "GET", path, headers={"Accept": accept} if accept else {})
    assert status == 200, body
    return headers.get_content_type(), body


def test_service_description_in_turtle_by_default(server):
    media_type, body = _description(server)
    assert media_type == "text/turtle"
    graph = rdflib.Graph().parse(data=body, format="turtle")
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == rdflib.URIRef(server.url + "/sparql")
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert set(graph.objects(service, SD.resultFormat)) == {
        FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML, FORMATS.SPARQL_Results_CSV,
        FORMATS.SPARQL_Results_TSV, FORMATS.Turtle, FORMATS["N-Triples"], FORMATS["JSON-LD"], FORMATS.RDF_XML}
    features = set(graph.objects(service, SD.feature))
    assert SD.UnionDefaultGraph in features
    assert not features & {SD.BasicFederatedQuery, SD.DereferencesURIs, SD.EmptyGraphs}


def test_service_description_lists_the_named_graphs_and_links_void(server):
    graph = rdflib.Graph().parse(data=_description(server, "text/turtle")[1], format="turtle")
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, rdflib.RDF.type, SD.Dataset) in graph
    assert graph.value(dataset, SD.defaultGraph) is not None
    named = {str(graph.value(n, SD.name)) for n in graph.objects(dataset, SD.namedGraph)}
    status, _, body = server.get(q("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"),
                                 {"Accept": "application/sparql-results+json"})
    in_store = {row["g"] for row in solutions("application/sparql-results+json", body)}
    assert named == in_store and GRAPH + "ontology" in named
    for node in graph.objects(dataset, SD.namedGraph):
        assert int(graph.value(graph.value(node, SD.graph), VOID.triples)) > 0
    see_also = {str(o) for o in graph.objects(dataset, rdflib.RDFS.seeAlso)}
    assert server.url + "/.well-known/void" in see_also


@pytest.mark.parametrize("accept, parser", [("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
                                            ("application/rdf+xml", "xml")])
def test_service_description_in_other_rdf_formats(server, accept, parser):
    turtle = rdflib.Graph().parse(data=_description(server)[1], format="turtle")
    media_type, body = _description(server, accept)
    assert media_type == accept
    assert isomorphic(rdflib.Graph().parse(data=body, format=parser), turtle)


def test_service_description_format_parameter_and_406(server):
    media_type, body = _description(server, "text/turtle", "/sparql?format=nt")
    assert media_type == "application/n-triples" and len(rdflib.Graph().parse(data=body, format="nt")) > 10
    assert raw(server, "GET", "/sparql", headers={"Accept": "image/png"})[0] == 406


def test_a_browser_is_sent_to_the_query_page(server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, _ = raw(server, "GET", "/sparql", headers={"Accept": browser})
    assert 300 <= status < 400, status
    location = urllib.parse.urlsplit(headers["Location"])
    assert location.path != "/sparql"
    status, page_headers, page = raw(server, "GET", location.path + ("?" + location.query if location.query else ""),
                                     headers={"Accept": browser})
    assert status == 200 and page_headers.get_content_type() == "text/html" and b"<textarea name=\"query\"" in page


def test_cors_is_open(server):
    headers = server.get(q(ASK_TRUST))[1]
    assert headers["Access-Control-Allow-Origin"] == "*"


# --- real clients --------------------------------------------------------------------------------

def test_rdflib_sparqlstore(server, expected_names):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server.url + "/sparql")
    graph = rdflib.Graph(store=store)
    names = [str(row[0]) for row in graph.query(f"PREFIX dg: <{DG}> " + NAMES)]
    assert names == expected_names
    assert graph.query(f"PREFIX dg: <{DG}> ASK {{ ?o a dg:NHSTrust }}").askAnswer is True
    trusts = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(DG + "NHSTrust")))
    assert rdflib.URIRef("https://w3id.org/derbygraph/id/org/"
                         "southern-derbyshire-mental-health-nhs-trust") in trusts
    constructed = graph.query(f"PREFIX dg: <{DG}> PREFIX rdfs: <{rdflib.RDFS}> " + TRUSTS)
    assert len(constructed.graph) >= 4


def test_sparqlwrapper(server, expected_names):
    from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

    prologue = f"PREFIX dg: <{DG}> PREFIX rdfs: <{rdflib.RDFS}> "
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(prologue + NAMES)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    assert [b["name"]["value"] for b in result["results"]["bindings"]] == expected_names

    client.setReturnFormat(XML)
    document = client.query().convert()  # an xml.dom.minidom Document
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == expected_names

    client.setReturnFormat(CSV)
    rows = client.query().convert().decode("utf-8").splitlines()
    assert rows[0] == "name" and [r.strip('"') for r in rows[1:]] == expected_names

    client.setQuery(prologue + TRUSTS)
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) >= 4

    client.setMethod(POST)
    client.setQuery(prologue + NAMES)
    client.setReturnFormat(JSON)
    assert [b["name"]["value"] for b in client.query().convert()["results"]["bindings"]] == expected_names
