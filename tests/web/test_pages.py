"""Pages for people: the query page, canned queries at stable URLs, the home page."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse

import pytest


def test_home_page_links_the_way_in(server):
    status, headers, body = server.get("/", {"Accept": "text/html"})
    page = body.decode()
    assert status == 200 and headers.get_content_type() == "text/html"
    for link in ('href="/query"', 'href="/queries"', 'href="/sparql"'):
        assert link in page
    assert "Derbyshire Healthcare NHS Foundation Trust" in page


def test_query_page_runs_the_permalinked_query(server):
    query = "SELECT ?org ?name WHERE { ?org dg:hasNamePeriod/dg:name ?name } ORDER BY ?name"
    status, _, body = server.get("/query?" + urllib.parse.urlencode({"query": query}))
    page = body.decode()
    assert status == 200
    assert "Southern Derbyshire Mental Health NHS Trust" in page
    assert 'href="/derbygraph/id/org/southern-derbyshire-mental-health-nhs-trust"' in page  # IRIs link into the app
    for fmt in ("json", "xml", "csv", "tsv"):
        assert f"format={fmt}" in page
    assert "/static/style.css" in page and "https://cdn" not in page


def test_query_page_shows_errors_and_escapes_them(server):
    status, _, body = server.get("/query?" + urllib.parse.urlencode({"query": "SELECT <script>alert(1)</script>"}))
    page = body.decode()
    assert status == 200 and "This is not valid SPARQL: line 1" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_canned_query_urls(server):
    status, _, body = server.get("/queries/name-on-a-date.json?date=2001")
    names = [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert status == 200 and names == ["Southern Derbyshire Mental Health NHS Trust",
                                       "Southern Derbyshire Community and Mental Health Services NHS Trust"]
    status, headers, body = server.get("/queries/name-on-a-date.csv?date=2011-02-01&org=Southern%20Derbyshire")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert headers.get_content_type() == "text/csv" and rows[1][0] == "Derbyshire Healthcare NHS Foundation Trust"
    status, _, body = server.get("/queries/name-on-a-date?date=2001")
    page = body.decode()
    assert status == 200 and '<input name="date" value="2001"' in page and '<table class="results-table">' in page


def test_canned_query_errors(server):
    assert server.get("/queries/no-such-query")[0] == 404
    assert server.get("/queries/name-on-a-date.exe")[0] == 404
    status, _, body = server.get("/queries/name-on-a-date.csv?date=2011-13")
    assert status == 400 and b"not a real date" in body
    status, _, body = server.get("/queries/name-on-a-date.json?org=Nowhere%20Authority")
    assert status == 404 and b"no organisation matches" in body
    status, _, body = server.get("/queries/name-on-a-date.json?colour=blue")
    assert status == 400 and b"no parameter colour" in body


def test_canned_query_index(server):
    status, body = server.json("/queries", headers={"Accept": "application/json"})
    assert status == 200 and {"names-of-an-organisation", "name-on-a-date"} <= {q["name"] for q in body}
    assert all(q["title"] and q["url"] == f"/queries/{q['name']}" for q in body)


def test_source_page_shows_what_the_document_is_and_every_quotation(server):
    status, headers, body = server.get("/derbygraph/id/source/dhcft-encyclopedia", {"Accept": "text/html"})
    page = body.decode()
    assert status == 200 and headers.get_content_type() == "text/html"
    assert "Derbyshire Healthcare NHS Foundation Trust (encyclopedia article)" in page
    assert "a3d3dcb1741a89e1737b4a1a0e90f69aa64b4bc345f4703fe6b8bf0df80f7009" in page  # its SHA-256
    for heading in ("Address", "Publisher", "Licence"):
        assert f"<dt>{heading}</dt>" in page  # said, even where the data records nothing
    assert "The Southern Derbyshire Mental Health NHS Trust was established in 1992" in page
    assert 'href="/derbygraph/id/event/1992-establishment-southern-derbyshire-mental-health-nhs-trust"' in page
    status, headers, _ = server.get("/derbygraph/id/source/dhcft-encyclopedia", {"Accept": "text/turtle"})
    assert status == 200 and headers.get_content_type() == "text/turtle"  # still linked data


def test_quotations_have_iris_that_dereference(server):
    import re

    from derbygraph.answers import sources

    _, _, body = server.get("/derbygraph/id/source/dchs-about-us", {"Accept": "text/html"})
    links = re.findall(r'class="quote-link" href="(/derbygraph/id/source/dchs-about-us/quote/[0-9a-f]{16})"', body.decode())
    assert links and len(links) == len(set(links))
    status, _, page = server.get(links[0], {"Accept": "text/html"})
    assert status == 200 and "Statements resting on these words" in page.decode()
    status, headers, turtle = server.get(links[0], {"Accept": "text/turtle"})
    assert status == 200 and headers.get_content_type() == "text/turtle" and b"TextQuoteSelector" in turtle
    # the IRI is made from the document and the words, so it is the same in every build
    exact = "We became a standalone NHS organisation in 2011"
    assert sources.quote_iri("https://w3id.org/derbygraph/id/source/dchs-about-us", exact).endswith(sources.quote_key(exact))
    assert server.get("/derbygraph/id/source/dchs-about-us/quote/0000000000000000")[0] == 404
    _, _, lineage = server.get("/lineage?org=DCHS", {"Accept": "text/html"})
    assert 'class="quote" href="/derbygraph/id/source/dchs-about-us/quote/' in lineage.decode()


@pytest.mark.parametrize("query, words", [
    ("SELECT ?x WHERE { ?x ?y ?z }\nLIMT 5", "line 2, “LIMT 5”, could not be read (the parser expected GROUP, HAVING,"),
    ("SELEC ?x", "line 1, “SELEC ?x”, could not be read"),
])
def test_syntax_errors_are_one_sentence_without_token_lists_or_downloads(server, query, words):
    status, _, body = server.get("/query?" + urllib.parse.urlencode({"query": query}))
    page = body.decode()
    error = page.split('class="error" role="alert">', 1)[1].split("</p>", 1)[0]
    assert status == 200 and words in error.replace("&#34;", '"')
    assert "[_]" not in error and "download" not in page.lower().split('class="results"', 1)[1]


def test_query_results_carry_labels_and_timing(server):
    query = "SELECT ?org WHERE { ?org a dg:NHSTrust } ORDER BY ?org"
    _, _, body = server.get("/query?" + urllib.parse.urlencode({"query": query}))
    page = body.decode()
    assert 'class="labelled">Derbyshire Mental Health Services NHS Trust</a>' in page
    assert re.search(r'<span class="timing">\d+ ms</span>', page)
    assert '<script src="/static/editor.js"' in page
    terms = "SELECT ?term WHERE { ?term a owl:Class } ORDER BY ?term"
    _, _, body = server.get("/query?" + urllib.parse.urlencode({"query": terms}))
    assert "derbygraph ontology</a>" not in body.decode()  # a term is not labelled with its ontology's name


def test_resource_pages_credit_sources_by_title_and_kind_and_link_the_quotation(server):
    _, _, body = server.get("/derbygraph/id/event/1992-establishment-southern-derbyshire-mental-health-nhs-trust",
                            {"Accept": "text/html"})
    page = body.decode()
    assert 'class="source">Derbyshire Healthcare NHS Foundation Trust (encyclopedia article)</a>' in page
    assert 'class="quote" href="/derbygraph/id/source/dhcft-encyclopedia/quote/' in page


def test_a_source_page_shows_the_text_with_every_quote_marked_when_given_the_documents(dataset, seeds):
    """`serve --sources DIR`: the text the quotes were checked against, each quoted span linked."""
    import html
    import re

    from derbygraph.answers.sources import quotations
    from derbygraph.config import DEFAULT
    from derbygraph.web.app import create_app

    document = "https://w3id.org/derbygraph/id/source/dhcft-encyclopedia"
    page = create_app(dataset, DEFAULT.replace(sources_dir=str(seeds))).test_client().get(
        "/derbygraph/id/source/dhcft-encyclopedia", headers={"Accept": "text/html"}).get_data(as_text=True)
    marked = [(href, html.unescape(words)) for href, words in
              re.findall(r'<a class="quoted" href="([^"]+)"[^>]*><mark>(.*?)</mark></a>', page, re.S)]
    quotes = {q.iri.rsplit("/", 1)[1]: q for q in quotations(dataset, document)}
    linked = {href.rsplit("/", 1)[1] for href, _ in marked}
    assert linked <= set(quotes)
    # every quotation is marked, and linked wherever it is the innermost quotation of its words
    assert all(q.exact in "".join(words for _, words in marked) or
               any(q.exact in other.exact for other in quotes.values() if other is not q) for q in quotes.values())
    nested_in_none = [k for k, q in quotes.items() if not any(o.exact in q.exact for o in quotes.values() if o is not q)]
    assert set(nested_in_none) <= linked
    shown, total = map(int, re.search(r"(\d+) of its (\d+) sentences", page).groups())
    assert 0 < shown <= total
    text = (seeds / "001_26fc377b77897095.txt").read_text(encoding="utf-8")
    assert "Derbyshire Healthcare NHS Foundation Trust is a specialist NHS provider" in text
    assert "is a specialist NHS provider" in re.sub(r"<[^>]+>", "", page)


def test_a_source_text_whose_bytes_differ_is_not_shown(dataset, tmp_path, seeds):
    from derbygraph.config import DEFAULT
    from derbygraph.web.app import create_app

    (tmp_path / "001_26fc377b77897095.txt").write_text(
        (seeds / "001_26fc377b77897095.txt").read_text(encoding="utf-8") + "\nA sentence the data never saw.")
    page = create_app(dataset, DEFAULT.replace(sources_dir=str(tmp_path))).test_client().get(
        "/derbygraph/id/source/dhcft-encyclopedia", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "never saw" not in page and "serve --sources DIR" in page
