"""Linked data on the live app: IRIs dereference in five formats, the ontology, VoID, dumps."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import urllib.parse

import pyoxigraph as ox
import needs
import pytest
import rdflib

from derbygraph import vocab

FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
           "application/rdf+xml": "xml"}


def path_of(iri: str) -> str:
    return urllib.parse.urlsplit(iri).path


@pytest.fixture(scope="module")
def every_iri(dataset) -> list[str]:
    """Every IRI minted under our namespace that the dataset describes."""
    found = {q.subject.value for q in dataset.store if isinstance(q.subject, ox.NamedNode)
             and q.subject.value.startswith(vocab.ID)}
    return sorted(found)


def test_every_iri_dereferences_in_every_format(dataset, every_iri):
    """Thousands of requests: to the app in this process (the tests below and test_sparql_protocol
    negotiate with the live server over HTTP)."""
    from derbygraph.web.app import create_app

    client = create_app(dataset).test_client()
    assert len(every_iri) > 200
    failures = []
    for number, value in enumerate(every_iri):
        # HTML for all; each RDF format for a rotating share, all four for every 10th
        wanted = ["text/html"] + (list(FORMATS) if number % 10 == 0 else [list(FORMATS)[number % 4]])
        for accept in wanted:
            response = client.get(path_of(value), headers={"Accept": accept})
            status, body = response.status_code, response.data
            if status != 200 or response.mimetype != accept:
                failures.append((value, accept, status))
                continue
            if accept in FORMATS:
                graph = rdflib.Graph().parse(data=body, format=FORMATS[accept])
                if not any(str(s) == value for s in graph.subjects()):
                    failures.append((value, accept, "not described"))
    assert failures == []


def test_format_in_the_url_and_vary(server):
    path = "/derbygraph/id/org/derbyshire-healthcare-nhs-foundation-trust"
    status, headers, body = server.get(path + "?format=jsonld", {"Accept": "text/html"})
    assert status == 200 and headers.get_content_type() == "application/ld+json"
    json.loads(body)
    assert "Accept" in server.get(path)[1]["Vary"]


def test_resource_page_shows_facts_sources_and_links(server):
    status, _, body = server.get("/derbygraph/id/event/2002-dissolution-community-health-care-north-derbyshire",
                                 {"Accept": "text/html"})
    page = body.decode()
    assert status == 200
    assert "Community Health Care (North Derbyshire) NHS Trust dissolved" in page
    assert "which was dissolved" in page  # the quote
    assert 'href="/derbygraph/id/source/dhcft-encyclopedia"' in page
    assert 'href="/derbygraph/id/org/community-health-care-north-derbyshire-nhs-trust"' in page


def test_unknown_iri_is_404(server):
    assert server.get("/derbygraph/id/org/no-such-trust", {"Accept": "text/turtle"})[0] == 404


def test_ontology_iri(server):
    status, headers, body = server.get("/derbygraph/ontology", {"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert status == 200 and (rdflib.URIRef(vocab.ONTOLOGY), rdflib.RDF.type, rdflib.OWL.Ontology) in graph
    status, _, body = server.get("/derbygraph/ontology", {"Accept": "text/html"})
    page = body.decode()
    assert status == 200 and 'id="MergerProposal"' in page and "org:ChangeEvent" in page


def test_ontology_is_in_the_sparql_dataset(server):
    status, _, body = server.get("/sparql?query=" + urllib.parse.quote("SELECT ?o WHERE { ?o a owl:Ontology }"),
                                 {"Accept": "application/sparql-results+json"})
    found = [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert vocab.ONTOLOGY in found


def test_void_and_dumps(server):
    status, _, body = server.get("/.well-known/void")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    void = rdflib.Namespace(vocab.VOID)
    node = rdflib.URIRef(vocab.DATASET)
    assert status == 200 and (node, rdflib.RDF.type, void.Dataset) in graph
    assert int(graph.value(node, void.triples)) > 4000
    assert any(True for _ in graph.objects(node, void.classPartition))
    dumps = sorted(str(u) for u in graph.objects(node, void.dataDump))
    assert [d.rsplit("/", 1)[1] for d in dumps] == ["derbygraph.nq", "derbygraph.ttl"]
    construct = urllib.parse.quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    everything = server.get(f"/sparql?query={construct}", {"Accept": "application/n-triples"})[2]
    served = {(t.subject, t.predicate, t.object) for t in ox.parse(everything, ox.RdfFormat.N_TRIPLES)}
    for url in dumps:
        status, headers, content = server.get(path_of(url))
        assert status == 200 and headers["ETag"]
        digest = server.get(path_of(url) + ".sha256")[2].decode().split()[0]
        assert digest == hashlib.sha256(content).hexdigest()
        assert server.get(path_of(url), {"If-None-Match": headers["ETag"]})[0] == 304
        fmt = ox.RdfFormat.N_QUADS if url.endswith(".nq") else ox.RdfFormat.TURTLE
        parsed = {(q.subject, q.predicate, q.object) for q in ox.parse(content, fmt)}
        blank_free = {t for t in served if not any(isinstance(x, ox.BlankNode) for x in t)}
        assert blank_free <= parsed  # every triple the endpoint serves (blank nodes aside) is in the dump
        assert len(parsed) >= len(served) - 1


@pytest.mark.parametrize("name, syntax", [("derbygraph.ttl", "turtle"), ("derbygraph.nq", "nquads")])
def test_dumps_parse_with_an_independent_parser(server, tmp_path, name, syntax):
    """Raptor, a C parser with no code in common with ours, reads every dump and counts every triple."""
    rapper = needs.program("rapper", install="apt-get install raptor2-utils")
    status, _, content = server.get(f"/dumps/{name}")
    path = tmp_path / name
    path.write_bytes(content)
    result = subprocess.run([rapper, "-i", syntax, "-c", str(path)], capture_output=True, text=True, timeout=120)
    assert status == 200 and result.returncode == 0, result.stderr
    counted = int(re.search(r"returned (\d+) (triples|statements)", result.stderr).group(1))
    expected = len({tuple(q)[:3] if syntax == "turtle" else tuple(q) for q in ox.parse(content, {
        "turtle": ox.RdfFormat.TURTLE, "nquads": ox.RdfFormat.N_QUADS}[syntax])})
    assert counted == expected > 4000


def test_a_resource_page_shows_each_fact_with_its_words(dataset):
    """Statement-level provenance on the page: the quote beside the value it supports."""
    import re

    from derbygraph.web.app import create_app

    client = create_app(dataset).test_client()
    page = client.get("/derbygraph/id/name/southern-derbyshire-mental-health-nhs-trust",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    facts = page.split("<h2>Facts</h2>", 1)[1].split("<h2>", 1)[0]
    start = re.search(r"<dd>1992.*?</dd>", facts, re.S)
    assert start and "established in 1992" in start.group(0)
    trust = client.get("/derbygraph/id/org/derbyshire-healthcare-nhs-foundation-trust",
                       headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<h2>Derived from these facts</h2>" in trust  # the shortcuts, apart from what the words state


@pytest.mark.parametrize("name", ["turtle", "nt", "nq", "trig", "jsonld", "xml"])
def test_every_dump_states_the_licence_and_each_sources_terms(dataset, name):
    """Formats with comments open with the licence in words; in every format the terms travel as data
    (the `dct:rights` of each source document), and the header changes nothing the dump holds."""
    from derbygraph.store import formats
    from derbygraph.store.dumps import dump, notice

    content = dump(dataset, name)
    fmt = formats.by_name(formats.EXPORTS, name)
    header = notice(dataset)
    if name in ("turtle", "nt", "nq", "trig"):
        assert content.decode().splitlines()[:len(header)] == [f"# {line}" for line in header]
        assert "CC BY 4.0" in header[0] and "creativecommons.org/licenses/by/4.0" in header[1]
        assert any("About us" in line and "publisher's own terms" in line for line in header)
    parsed = {(q.subject.value, q.predicate.value, q.object.value) for q in ox.parse(content, fmt.oxigraph)}
    for document in dataset.subjects(vocab.RDF + "type", ox.NamedNode(vocab.DG + "SourceDocument")):
        rights = dataset.value(document, vocab.DCT + "rights")
        assert rights is not None and (document.value, vocab.DCT + "rights", rights.value) in parsed
    streamed = __import__("io").BytesIO()
    dump(dataset, name, output=streamed)
    assert streamed.getvalue() == content
