"""The fast request path: a plain GET /sparql answered below Flask (`sparql_endpoint.FastPath`)
gives the very bytes, headers and errors Flask's path gives; and an answer streamed past the
server's high watermark is sent whole."""

from __future__ import annotations

import socket
import time
import urllib.parse

import pytest
from conftest import serving_app

from derbygraph.config import DEFAULT
from derbygraph.web import sparql_endpoint
from derbygraph.web.app import create_app

POINT = "SELECT ?name WHERE { ?p a dg:NamePeriod ; dg:name ?name } ORDER BY ?name"
JSON = {"Accept": "application/sparql-results+json"}


def sparql(query: str, *extra: tuple[str, str], **params) -> str:
    return "/sparql?" + urllib.parse.urlencode([("query", query), *params.items(), *extra])


# Taken by the fast path and answered there.
ANSWERED = [
    (sparql(POINT), JSON),
    (sparql(POINT), {}),
    (sparql(POINT), {"Accept": "application/sparql-results+xml"}),
    (sparql(POINT), {"Accept": "text/csv"}),
    (sparql(POINT), {"Accept": "*/*", "Origin": "https://example.org"}),
    (sparql(POINT, format="tsv"), JSON),
    (sparql("SELECT * WHERE { ?s ?p ?o }"), JSON),  # cut at max_rows: the Derbygraph-Truncated header
    (sparql("ASK { ?s a dg:NHSTrust }"), JSON),
    (sparql("CONSTRUCT { ?p dg:name ?name } WHERE { ?p dg:name ?name }"), {}),
    (sparql("CONSTRUCT { ?p dg:name ?name } WHERE { ?p dg:name ?name }"), {"Accept": "application/ld+json"}),
    (sparql("CONSTRUCT { <x:a> <x:b> <x:c> } WHERE { FILTER(false) }"), {}),  # an empty body
    (sparql(POINT, ("default-graph-uri", "https://w3id.org/derbygraph/graph/none")), JSON),
    (sparql(POINT) + "&&x", JSON),
]
# Taken by the fast path, refused while running, and answered by the app's one table.
REFUSED = [
    (sparql("SELECT * WHERE { ?s ?p }"), JSON),
    (sparql("SELECT * WHERE { ?s ?p }"), {"Accept": "text/html"}),
    (sparql("SELECT * WHERE { ?s ?p }"), {"Accept": "text/csv"}),
    (sparql("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"), JSON),
    (sparql("INSERT DATA { <x:a> <x:b> <x:c> }"), JSON),
    (sparql(POINT), {"Accept": "image/png"}),
    (sparql(POINT, ("named-graph-uri", "not an IRI")), JSON),
]
# Not plain: left to Flask whole.
LEFT = [
    (sparql(POINT, update="INSERT DATA { <x:a> <x:b> <x:c> }"), JSON),
    (sparql(POINT, ("query", POINT)), JSON),
    (sparql("   "), JSON),
    ("/sparql?query=%ff", JSON),
    (sparql(POINT, format="x" * 600), JSON),
    ("/sparql", {"Accept": "text/turtle"}),
]


@pytest.fixture(scope="module")
def app(dataset):
    return create_app(dataset, DEFAULT.replace(max_rows=5))


def fast_path(app) -> sparql_endpoint.FastPath:
    layer = app.wsgi_app
    while not isinstance(layer, sparql_endpoint.FastPath):
        layer = layer.app
    return layer


@pytest.fixture
def flask_calls(app, monkeypatch) -> list[str]:
    """The paths the fast path passed to Flask."""
    layer, calls = fast_path(app), []
    flask = layer.app

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return flask(environ, start_response)
    monkeypatch.setattr(layer, "app", counted)
    return calls


def answer(app, path: str, headers: dict, **request) -> tuple[int, list, bytes]:
    response = app.test_client().get(path, headers=headers, **request)
    return response.status_code, list(response.headers.items()), response.get_data()


def by_flask(app, monkeypatch, path: str, headers: dict, **request) -> tuple[int, list, bytes]:
    """The answer with the fast path taking nothing: Flask's own."""
    with monkeypatch.context() as patched:
        patched.setattr(sparql_endpoint.FastPath, "_plain", lambda self, environ: None)
        return answer(app, path, headers, **request)


@pytest.mark.parametrize(("path", "headers"), ANSWERED)
def test_an_answer_is_the_same_bytes_and_headers_as_flasks(app, flask_calls, monkeypatch, path, headers):
    fast = answer(app, path, headers)
    assert flask_calls == []  # answered below Flask
    assert fast[0] == 200
    assert fast == by_flask(app, monkeypatch, path, headers)


def test_the_cases_include_a_cut_answer(app):
    status, headers, _ = answer(app, sparql("SELECT * WHERE { ?s ?p ?o }"), JSON)
    assert status == 200 and dict(headers)["Derbygraph-Truncated"] == "rows=5; limit=rows"


@pytest.mark.parametrize(("path", "headers"), REFUSED)
def test_an_error_met_running_is_answered_by_the_apps_table_as_before(app, flask_calls, monkeypatch, path, headers):
    fast = answer(app, path, headers)
    assert flask_calls == ["/sparql"]  # handed to the app once, with the error
    assert fast[0] >= 400
    assert fast == by_flask(app, monkeypatch, path, headers)


@pytest.mark.parametrize(("path", "headers"), LEFT)
def test_a_request_that_is_not_plain_is_left_to_flask(app, flask_calls, monkeypatch, path, headers):
    left = answer(app, path, headers)
    assert flask_calls == ["/sparql"]
    assert left == by_flask(app, monkeypatch, path, headers)


def test_a_conditional_get_is_left_to_flask_and_answered_304(app, flask_calls):
    path = sparql(POINT)
    _, headers, _ = answer(app, path, JSON)
    assert flask_calls == []
    status, again, body = answer(app, path, JSON | {"If-None-Match": dict(headers)["ETag"]})
    assert (status, body, dict(again)["ETag"]) == (304, b"", dict(headers)["ETag"])
    assert flask_calls == ["/sparql"]


def test_a_client_over_its_share_is_refused_as_before(app, flask_calls, monkeypatch):
    admission = app.config["EXECUTOR"].admission
    for _ in range(admission.share):
        admission.enter("127.0.0.1")
    try:
        fast = answer(app, sparql(POINT), JSON)
        assert fast[0] == 503 and dict(fast[1])["Retry-After"]
        assert flask_calls == ["/sparql"]
        assert fast == by_flask(app, monkeypatch, sparql(POINT), JSON)
    finally:
        for _ in range(admission.share):
            admission.leave("127.0.0.1")


def test_an_unexpected_failure_is_the_same_500(app, flask_calls, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr(app.config["EXECUTOR"], "run", broken)
    fast = answer(app, sparql(POINT), JSON)
    assert fast[0] == 500 and flask_calls == ["/sparql"]
    assert fast == by_flask(app, monkeypatch, sparql(POINT), JSON)


def test_the_fast_path_knows_every_hook_a_plain_get_would_run(app):
    """FastPath does by hand what these hooks do for a plain GET /sparql (no If-None-Match, the
    bounds, no area, the ETag and Last-Modified); a new hook there must be weighed in it too."""
    def names(hooks):
        return {key: [hook.__name__ for hook in funcs] for key, funcs in hooks.items() if key in (None, "sparql")}
    assert names(app.before_request_funcs) == {None: ["not_modified", "admitted"]}
    assert names(app.after_request_funcs) == {None: ["headers"]}
    assert names(app.teardown_request_funcs) == {None: ["leave"]}
    assert names(app.url_value_preprocessors) == {} and names(app.url_default_functions) == {}


def test_the_public_address_layer_still_applies(dataset):
    behind = create_app(dataset, DEFAULT.replace(base_url="https://example.org/dg"))
    status, headers, body = answer(behind, "/dg" + sparql(POINT), JSON)
    assert status == 200 and b"Southern Derbyshire" in body
    assert dict(headers)["Access-Control-Allow-Origin"] == "*" and "ETag" in dict(headers)


def test_an_answer_streamed_past_the_high_watermark_is_sent_while_its_thread_waits():
    """A thread that hands waitress more than its high watermark waits, in the next piece, for the
    loop to send what is buffered; the loop must send meanwhile (held back while a thread hands
    bytes over, both waited for the send deadline and the answer was cut)."""
    piece = b"x" * (2 << 20)  # 16 MiB in all: more than loopback's buffers hold

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(8 * len(piece)))])
        return iter([piece] * 8)
    config = DEFAULT.replace(max_answer_bytes=64 << 10, send_buffer=16 << 10, send_timeout=6)  # watermark 80 KiB
    with serving_app(app, config) as address, socket.create_connection(address, timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(1)  # the first piece buffered past the watermark: the thread waits with the second
        started, received = time.monotonic(), 0
        while received < 8 * len(piece):
            chunk = sock.recv(1 << 20)
            assert chunk, f"closed after {received} bytes"
            received += len(chunk)
        assert time.monotonic() - started < 5
