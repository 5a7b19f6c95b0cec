"""The one format registry and the one negotiation every blueprint and the CLI use."""

from __future__ import annotations

import pickle

import pytest

from derbygraph.errors import BadInput, NotAcceptable
from derbygraph.store import formats


def pick(offered, accept, name=None, others=None) -> str:
    return formats.negotiate(offered, accept, name, others).name


@pytest.mark.parametrize("accept, expected", [
    (None, "turtle"), ("", "turtle"), ("*/*", "turtle"),
    ("text/turtle; charset=utf-8", "turtle"),
    ("application/n-triples;charset=UTF-8", "nt"),
    ("text/plain", "nt"),
    ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', "jsonld"),
    ("application/rdf+xml;q=0.5, application/ld+json;q=0.9", "jsonld"),
    ("application/*", "nt"),                 # the first application/ type on offer
    ("text/*;q=0.2, application/rdf+xml;q=0.3", "xml"),
    ("TEXT/TURTLE", "turtle"),
    ("image/png, */*;q=0.1", "turtle"),
])
def test_graphs(accept, expected):
    assert pick(formats.GRAPHS, accept) == expected


@pytest.mark.parametrize("accept, expected", [
    ("application/sparql-results+json; charset=utf-8", "json"),
    ("application/json", "json"),
    ("text/*", "csv"),                        # text/xml is an alias: named exactly, never by wildcard
    ("text/xml", "xml"),
    ("text/tab-separated-values;q=0.9, text/csv;q=0.8", "tsv"),
    ("application/sparql-results+xml;q=0, */*;q=0.1", "json"),
])
def test_solutions(accept, expected):
    assert pick(formats.SOLUTIONS, accept) == expected


def test_the_other_forms_family_instead_of_406():
    assert pick(formats.GRAPHS, "application/sparql-results+xml", others=formats.SOLUTIONS) == "xml"
    assert pick(formats.GRAPHS, "application/sparql-results+json", others=formats.SOLUTIONS) == "jsonld"
    assert pick(formats.SOLUTIONS, "application/rdf+xml", others=formats.GRAPHS) == "xml"
    with pytest.raises(NotAcceptable):
        pick(formats.SOLUTIONS, "text/turtle", others=formats.GRAPHS)  # no table in Turtle


@pytest.mark.parametrize("accept", ["image/png", "application/sparql-results+json;q=0, text/csv;q=0"])
def test_nothing_acceptable_is_406(accept):
    with pytest.raises(NotAcceptable, match="application/sparql-results\\+json"):
        pick(formats.SOLUTIONS, accept)


@pytest.mark.parametrize("name, expected", [("ttl", "turtle"), ("Turtle", "turtle"), ("json", "jsonld"),
                                            ("rdf", "xml"), ("application/n-triples", "nt"), ("nq", "nq")])
def test_names_people_type(name, expected):
    assert formats.by_name(formats.EXPORTS, name).name == expected


def test_an_unknown_name_lists_the_choices():
    with pytest.raises(BadInput, match="unknown format 'bogus': use one of turtle, nt"):
        formats.by_name(formats.EXPORTS, "bogus")


def test_the_format_name_beats_the_accept_header():
    assert pick(formats.SOLUTIONS, "application/sparql-results+json", name="csv") == "csv"


@pytest.mark.parametrize("suffix, expected", [(".ttl", "turtle"), (".TTL", "turtle"), (".owl", "xml"),
                                              (".nq", "nq"), (".jsonld", "jsonld"), (".csv", None)])
def test_files_by_extension(suffix, expected):
    found = formats.by_extension(suffix)
    assert (found.name if found else None) == expected


def test_content_types_say_utf8_where_text():
    assert formats.N_TRIPLES.content_type == "application/n-triples; charset=utf-8"
    assert formats.TURTLE.content_type == "text/turtle; charset=utf-8"
    assert formats.JSON_LD.content_type == "application/ld+json"


def test_formats_travel_to_workers():
    for fmt in (*formats.SOLUTIONS, *formats.EXPORTS, formats.HTML):
        assert pickle.loads(pickle.dumps(fmt)) is fmt


def test_a_client_asking_for_another_json_gets_the_paths_json():
    assert pick(formats.CATALOGUE, "application/sparql-results+json") == "json"
    assert pick(formats.API, "application/ld+json") == "json"
    assert pick(formats.DOCUMENTS, "application/sparql-results+xml") == "xml"
    for offered, accept in ((formats.API, "text/turtle"), (formats.PAGE, "application/json"), (formats.API, "text/html")):
        with pytest.raises(NotAcceptable):
            pick(offered, accept)


def test_an_accept_header_asks_for_the_first_most():
    header = formats.accept_header([formats.N_TRIPLES, formats.TURTLE])
    assert header == "application/n-triples, text/turtle;q=0.9"
    assert pick(formats.GRAPHS, header) == "nt"
