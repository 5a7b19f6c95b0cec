"""Hostile and random input against the live server: never a 5xx, never a traceback, no file leaks."""

from __future__ import annotations

import http.client
import os
import socket
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

SEEDS = [
    "SELECT ?name WHERE { ?p dg:name ?name } ORDER BY ?name",
    "ASK { ?s a dg:NHSTrust }",
    "CONSTRUCT { ?o org:hasSite ?s } WHERE { ?o org:hasSite ?s }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?e a org:ChangeEvent ; dg:date ?d FILTER (STR(?d) >= \"2002\") }",
    'SELECT ?x WHERE { ?x rdfs:label ?l FILTER CONTAINS(LCASE(?l), "derby") } LIMIT 5',
]
# Derandomised: CI runs the same examples every time (set DERBYGRAPH_FUZZ_RANDOM=1 to explore).
FUZZ = settings(max_examples=int(os.environ.get("DERBYGRAPH_FUZZ_EXAMPLES", 60)), deadline=None,
                derandomize=not os.environ.get("DERBYGRAPH_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def request(server, path: str, headers: dict | None = None, method: str = "GET", body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def assert_sane(status: int, body: bytes) -> None:
    assert status < 500, body[:300]
    assert b"Traceback" not in body and b'File "/' not in body


@st.composite
def mutated_queries(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if action == "insert":
            text = text[:at] + draw(st.text(min_size=1, max_size=8)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 6)):]
        else:
            text = text[:at] + text[at:at + 12] * 2 + text[at:]
    return text


@FUZZ
@given(query=mutated_queries(), accept=st.sampled_from(
    ["application/sparql-results+json", "text/csv", "text/turtle", "*/*", "application/json;q=0.5, text/html",
     "nonsense", ""]))
def test_mutated_queries(server, query, accept):
    status, headers, body = request(server, "/sparql?query=" + urllib.parse.quote(query, safe=""),
                                    {"Accept": accept} if accept else {})
    assert_sane(status, body)
    if status >= 400:
        assert body.strip(), "an error says what went wrong"


@FUZZ
@given(name=st.text(max_size=60), at=st.one_of(st.none(), st.text(max_size=12)))
def test_lineage_names(server, name, at):
    args = {"org": name, **({"at": at} if at is not None else {})}
    query = urllib.parse.urlencode(args, encoding="utf-8", errors="surrogatepass")
    for path in ("/api/lineage?", "/lineage?", "/lineage.csv?"):
        status, _, body = request(server, path + query, {"Accept": "text/html"})
        assert_sane(status, body)
        assert status in (200, 400, 404)


@FUZZ
@given(text=st.text(max_size=80))
def test_search(server, text):
    status, _, body = request(server, "/api/search?" + urllib.parse.urlencode({"q": text}, errors="surrogatepass"))
    assert_sane(status, body)
    assert status in (200, 400)


TRAVERSALS = ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
              "/static/..%2f..%2f..%2fetc%2fpasswd", "/derbygraph/../../etc/passwd", "/dumps/../../etc/passwd",
              "/dumps/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "//etc/passwd", "/static//etc/passwd"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal(server, path):
    status, _, body = request(server, path)
    assert_sane(status, body)
    assert b"root:" not in body


@FUZZ
@example(segments=["derbygraph", "%00"])  # once a 500: a NUL in an IRI path
@given(segments=st.lists(st.sampled_from(["..", "%2e%2e", "static", "derbygraph", "id", "org", "etc", "passwd",
                                          "dumps", "queries", "%00", "~", "."]), min_size=1, max_size=6))
def test_random_paths(server, segments):
    status, _, body = request(server, "/" + "/".join(segments))
    assert_sane(status, body)
    assert b"root:" not in body


@FUZZ
@given(accept=st.text(max_size=40), content_type=st.text(max_size=40))
def test_random_headers(server, accept, content_type):
    headers = {k: v.encode("latin-1", "ignore").decode("latin-1").replace("\r", "").replace("\n", "")
               for k, v in (("Accept", accept), ("Content-Type", content_type))}
    status, _, body = request(server, "/sparql", headers, "POST", b"query=ASK%7B%7D")
    assert_sane(status, body)


def test_giant_queries_and_bodies_are_limited(server):
    values = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { " + " ".join(f'"{i}"' for i in range(30000)) + " } }"
    status, _, body = request(server, "/sparql", {"Content-Type": "application/sparql-query"}, "POST", values.encode())
    assert status == 200 and b"30000" in body  # 250 kB: an analyst's pasted list
    form = urllib.parse.urlencode({"query": values + "#" + "'" * 650_000}).encode()  # 0.9 MB of text, 2.4 MB as a form
    status, _, body = request(server, "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, "POST", form)
    assert status == 200 and b"30000" in body
    values = "SELECT * WHERE { VALUES ?x { " + " ".join(f'"{i}"' for i in range(150_000)) + " } }"
    status, _, body = request(server, "/sparql", {"Content-Type": "application/sparql-query"}, "POST", values.encode())
    assert status == 413 and b"longer than" in body
    deep = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
    status, _, body = request(server, "/sparql", {"Content-Type": "application/sparql-query"}, "POST", deep.encode())
    assert status == 400 and b"deep" in body
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:  # a huge body, announced
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 50000000\r\n\r\n" + b"#" * 65536)
        assert sock.recv(200).startswith(b"HTTP/1.1 413")
    assert request(server, "/sparql?query=ASK%7B%7D")[0] == 200  # still answering


def test_slow_clients_do_not_tie_up_the_server(server):
    """Thirty clients that send half a request and stall; a normal request is still answered."""
    stalled = []
    try:
        for _ in range(30):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")  # headers never finish
            stalled.append(sock)
        started = time.monotonic()
        status, _, _ = request(server, "/api/search?q=derbyshire")
        assert status == 200 and time.monotonic() - started < 5
    finally:
        for sock in stalled:
            sock.close()


def test_pages_send_a_content_security_policy(server):
    status, headers, _ = request(server, "/lineage?org=DCHS")
    assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
