"""The W3C SPARQL 1.1 Protocol test suite against `derbygraph serve`.

Each mf:ProtocolTest of ../shared/w3c-sparql-protocol/manifest.ttl is one case: its ht:Requests
are sent in order, exactly as written (method, path with /sparql/ rewritten to /sparql, headers,
body in its declared encoding), and each answer is checked for the expected status class, the
expected kind of result (boolean, tabular or RDF: parsed, and labelled with a proper media type)
and the expected boolean. The data the tests expect (ut:graphData) is loaded as named graphs of an
N-Quads file served with --data. The positive update tests are skipped: the endpoint is read-only
(the bad_update_* tests still run: they expect a 4xx).
"""

from __future__ import annotations

import http.client
import io
import json
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import Server, shared_dir
from rdflib import RDF, RDFS, Namespace, URIRef
from rdflib.collection import Collection

try:
    SUITE = shared_dir("w3c-sparql-protocol")
except pytest.skip.Exception as absent:
    pytest.skip(absent.msg, allow_module_level=True)

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

STATUS_CLASSES = {HTS.StatusCode2xx: 2, HTS.StatusCode3xx: 3, HTS.StatusCode4xx: 4, HTS.StatusCode5xx: 5}
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                 "text/csv": "csv", "text/tab-separated-values": "tsv"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}
SRX = "{http://www.w3.org/2005/sparql-results#}"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]
    format: str | None = None
    boolean: bool | None = None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[Request]
    graphs: dict[str, Path] = field(default_factory=dict)  # graph IRI -> data file

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def file_path(iri: URIRef) -> Path:
    return Path(urllib.request.url2pathname(urllib.parse.urlsplit(str(iri)).path))


def _items(graph: rdflib.Graph, head) -> list:
    return list(Collection(graph, head)) if head is not None else []


def read_manifest(folder: Path) -> list[ProtocolTest]:
    graph = rdflib.Graph().parse(folder / "manifest.ttl", format="turtle",
                                 publicID=(folder / "manifest.ttl").as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _items(graph, graph.value(manifest, MF.entries)):
        assert (entry, RDF.type, MF.ProtocolTest) in graph, entry
        requests = []
        action = graph.value(entry, MF.action)
        for node in _items(graph, graph.value(action, HT.requests)):
            headers = {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
                       for h in _items(graph, graph.value(node, HT.headers))}
            body = graph.value(node, HT.body)
            data = None
            if body is not None:
                encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
                data = str(graph.value(body, CNT.chars)).encode(encoding)
            response = graph.value(node, HT.resp)
            path = str(graph.value(node, HT.absolutePath))
            assert path.startswith("/sparql/"), path
            expected_format = graph.value(response, MF.expectedFormat)
            expected_boolean = graph.value(response, MF.expectedBoolean)
            requests.append(Request(
                method=str(graph.value(node, HT.methodName)),
                path="/sparql" + path[len("/sparql/"):],
                headers=headers, body=data,
                statuses={STATUS_CLASSES[s] for s in graph.objects(response, MF.expectedStatus)},
                format=str(expected_format) if expected_format is not None else None,
                boolean=expected_boolean.toPython() if expected_boolean is not None else None))
        graphs = {str(graph.value(g, RDFS.label)): file_path(graph.value(g, UT.graph))
                  for g in graph.objects(entry, UT.graphData)}
        tests.append(ProtocolTest(str(entry).rsplit("#", 1)[-1], str(graph.value(entry, MF.name)),
                                  requests, graphs))
    return tests


TESTS = read_manifest(SUITE)


def test_manifest_read_whole():
    """The runner sees the suite as the README describes it: 34 tests, 7 positive updates."""
    assert len(TESTS) == 34
    assert sum(t.is_update for t in TESTS) == 7
    assert all(t.requests and all(r.statuses for r in t.requests) for t in TESTS)
    assert {iri for t in TESTS for iri in t.graphs} == {
        f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3)}


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory):
    """`derbygraph serve` with every graph the suite expects, as named graphs of an N-Quads file."""
    quads = []
    graphs = {iri: path for t in TESTS for iri, path in t.graphs.items()}
    for iri, path in sorted(graphs.items()):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(iri)))
    data = tmp_path_factory.mktemp("w3c") / "w3c-protocol.nq"
    ox.serialize(quads, str(data), ox.RdfFormat.N_QUADS)
    running = Server("--data", str(data))
    yield running
    running.stop()


def send(server: Server, request: Request) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request exactly as the manifest writes it: no header added (urllib would add a
    form Content-Type to every body, and the suite tests bodies sent without one)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def parse_boolean(media_type: str, body: bytes) -> bool:
    if media_type == "application/sparql-results+json":
        answer = json.loads(body)
        assert isinstance(answer.get("boolean"), bool), answer
        return answer["boolean"]
    found = ET.fromstring(body).find(SRX + "boolean")
    assert found is not None and found.text in ("true", "false"), body
    return found.text == "true"


def check_answer(request: Request, status: int, headers, body: bytes) -> None:
    said = f"{request.method} {request.path} -> {status} {headers.get('Content-Type')}: {body[:300]!r}"
    assert status // 100 in request.statuses, said
    media_type = headers.get_content_type() if headers.get("Content-Type") else None
    if request.format == "boolean":
        assert media_type in BOOLEAN_TYPES, said
        value = parse_boolean(media_type, body)
        if request.boolean is not None:
            assert value is request.boolean, said
    elif request.format == "tabular":
        assert media_type in TABULAR_TYPES, said
        result = rdflib.query.Result.parse(io.BytesIO(body), format=TABULAR_TYPES[media_type])
        assert result.type == "SELECT" and [str(v) for v in result.vars] == ["value"], said
        assert [str(row[0]) for row in result] == ["1"], said
    elif request.format == "RDF":
        assert media_type in RDF_TYPES, said
        rdflib.Graph().parse(data=body, format=RDF_TYPES[media_type], publicID="http://example.org/")
    else:
        assert request.format is None, f"unknown mf:expectedFormat {request.format}"
    if request.boolean is not None:
        assert request.format == "boolean", said


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol(w3c_server, test):
    if test.is_update:
        pytest.skip(f"{test.name}: a positive SPARQL Update test, and this endpoint is read-only "
                    "(updates are refused with a 4xx; the bad_update_* tests check that)")
    for request in test.requests:
        check_answer(request, *send(w3c_server, request))
