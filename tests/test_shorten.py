"""One IRI shortener (`vocab.shorten`): the CLI's table, the query page and the build's check messages
write an IRI the same way, as its prefixed name under one of the common prefixes, else whole."""

from __future__ import annotations

import html
import urllib.parse

from derbygraph import vocab

QUERY = "SELECT ?p WHERE { VALUES ?p { dg:name xsd:gYear <https://w3id.org/derbygraph/ontology#> <urn:x:y> } }"
SHOWN = ["dg:name", "xsd:gYear", vocab.DG, "urn:x:y"]  # a namespace itself has no local name to show


def test_the_rule():
    assert [vocab.shorten(i) for i in (vocab.DG + "name", vocab.XSD + "gYear", vocab.DG, "urn:x:y")] == SHOWN


def test_the_cli_table_and_the_query_page_shorten_alike(cli, store, server):
    printed = cli("query", QUERY, "--store", store, check=True).stdout.splitlines()
    assert printed[2:6] == SHOWN
    _, _, body = server.get("/query?" + urllib.parse.urlencode({"query": QUERY}), {"Accept": "text/html"})
    page = html.unescape(body.decode())
    cells = [page.index(f">{text}<") for text in SHOWN]  # each shown as a cell's text, in order
    assert cells == sorted(cells)
