"""One negotiation: the same Accept header sent to every path of the live server gets the answer
its format table says (`formats.negotiate` over that table), and 406 only where the path has
nothing the client accepts. A path that chose its format some other way (Werkzeug's
`best_match`, a fixed media type) answers differently from what its table says, and fails here."""

from __future__ import annotations

import urllib.parse

import pytest
from conftest import Server

from derbygraph.errors import NotAcceptable
from derbygraph.store import formats

DHCFT = "https://w3id.org/derbygraph/id/org/derbyshire-healthcare-nhs-foundation-trust"
WHY = urllib.parse.urlencode({"s": DHCFT, "p": "https://w3id.org/derbygraph/ontology#provides",
                              "o": "https://w3id.org/derbygraph/id/service/health-visiting"})
SELECT = urllib.parse.quote("SELECT ?s WHERE { ?s a dg:NHSTrust } LIMIT 2")
CONSTRUCT = urllib.parse.quote("CONSTRUCT WHERE { ?s a dg:NHSTrust } LIMIT 2")

# path: (the formats it answers in, the format its suffix names or None)
PATHS = {
    "/": (formats.PAGE, None),
    "/query": (formats.PAGE, None),
    "/lineage?org=DCHS": (formats.PAGE, None),
    "/lineage.svg?org=DCHS": ([formats.SVG], "svg"),
    "/lineage.csv?org=DCHS": ([formats.CSV], "csv"),
    "/api/lineage?org=DCHS": (formats.API, None),
    "/api/search?q=derby": (formats.API, None),
    f"/api/why?{WHY}": (formats.API, None),
    f"/sparql?query={SELECT}": (formats.SOLUTIONS, None),
    f"/sparql?query={CONSTRUCT}": (formats.GRAPHS, None),
    "/sparql": ([*formats.GRAPHS, formats.HTML], None),  # the service description, or the query page
    "/queries": (formats.CATALOGUE, None),
    "/queries/name-on-a-date?date=2001": (formats.PAGE, None),
    "/queries/name-on-a-date.csv?date=2001": (formats.SOLUTIONS, "csv"),
    "/derbygraph/id/org/derbyshire-healthcare-nhs-foundation-trust": (formats.DOCUMENTS, None),
    "/derbygraph/ontology": (formats.DOCUMENTS, None),
    "/derbygraph/id/source/dchs-about-us": (formats.DOCUMENTS, None),
    "/.well-known/void": (formats.GRAPHS, None),
    "/context.jsonld": ([formats.JSON_LD], "jsonld"),
    "/dumps/derbygraph.ttl": (formats.EXPORTS, "turtle"),
    "/reconcile": (formats.API, None),
    "/reconcile/suggest/entity?prefix=derby": (formats.API, None),
    "/reconcile/preview?id=id/org/derbyshire-healthcare-nhs-foundation-trust": (formats.PAGE, None),
    "/crosswalk": (formats.PAGE, None),
}
# The crosswalk's paths answer only with the registry loaded.
REGISTRY_PATHS = {
    "/api/crosswalk?to=2013-04-01&code=5K9": (formats.RECORDS, None),
    "/api/crosswalk.csv?to=2013-04-01&code=5K9": (formats.RECORDS, "csv"),
    "/api/crosswalk.csv-metadata.json?to=2013-04-01&code=5K9": ([formats.CSVW], "csvw"),
    "/api/crosswalk/edges.csv": ([formats.CSV], "csv"),
    "/crosswalk?to=2013-04-01&kind=pct": (formats.PAGE, None),
}
ACCEPTS = ["text/html", "application/json", "text/csv", "text/turtle", "application/sparql-results+json", "*/*",
           "application/x-nonsense"]


def expected(offered: list[formats.Format], named: str | None, accept: str) -> str | None:
    """The media type the path's table gives this client, or None where it gives nothing (406)."""
    try:
        return formats.negotiate(offered, accept, named).media_type
    except NotAcceptable:
        return None


def check_every_accept(server: Server, path: str, offered: list[formats.Format], named: str | None) -> None:
    answers = {}
    for accept in ACCEPTS:
        status, headers, _ = server.get(path, headers={"Accept": accept})
        answers[accept] = (status, headers.get_content_type())
    wanted = {accept: (406, None) if expected(offered, named, accept) is None else (200, expected(offered, named, accept))
              for accept in ACCEPTS}
    got = {accept: (status, None if status == 406 else media_type) for accept, (status, media_type) in answers.items()}
    assert got == wanted, path


@pytest.mark.parametrize("path", PATHS)
def test_every_path_answers_as_its_format_table_says(server, path):
    check_every_accept(server, path, *PATHS[path])


@pytest.mark.parametrize("path", REGISTRY_PATHS)
def test_the_crosswalk_answers_as_its_format_table_says(registry_server, path):
    check_every_accept(registry_server, path, *REGISTRY_PATHS[path])


def test_the_tables_are_not_all_alike():
    """The check above means something: the same headers get different answers on different paths."""
    assert expected(formats.CATALOGUE, None, "application/sparql-results+json") == "application/json"
    assert expected(formats.PAGE, None, "application/json") is None
    assert expected(formats.API, None, "text/html") is None
    assert expected([formats.CSV], "csv", "application/json") == "text/csv"
