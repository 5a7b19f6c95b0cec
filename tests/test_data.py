"""The data: every fact sourced with exact words, dated at the source's precision, nothing filled in."""

from __future__ import annotations

import hashlib

import pytest

from derbygraph import vocab
from derbygraph.validate import normalise_space

P = vocab.sparql_prologue()


def rows(dataset, query: str) -> list[dict]:
    return [{v.value: (row[v].value if row[v] is not None else None) for v in result.variables}
            for result in [dataset.query(P + query)] for row in result]


def test_every_quote_is_verbatim_in_its_document(dataset, seeds):
    found = rows(dataset, """SELECT ?file ?exact WHERE {
        ?q oa:hasSource ?doc ; oa:hasSelector/oa:exact ?exact . ?doc dct:identifier ?file }""")
    assert len(found) > 200
    texts = {}
    for row in found:
        if row["file"] not in texts:
            texts[row["file"]] = normalise_space((seeds / row["file"]).read_text(encoding="utf-8"))
        assert normalise_space(row["exact"]) in texts[row["file"]], row["exact"]


def test_source_documents_carry_title_kind_and_digest(dataset, seeds):
    found = rows(dataset, "SELECT ?doc ?title ?kind ?sha ?file WHERE { ?doc a dg:SourceDocument ; dct:title ?title ;"
                          " dct:type ?kind ; dg:sha256 ?sha ; dct:identifier ?file }")
    assert len(found) == 2
    for row in found:
        assert hashlib.sha256((seeds / row["file"]).read_bytes()).hexdigest() == row["sha"]


def test_every_fact_node_rests_on_a_quote(dataset):
    unsourced = rows(dataset, """SELECT DISTINCT ?node WHERE {
        VALUES ?kind { org:Organization dg:NamePeriod org:ChangeEvent org:Site dg:Service dg:ServiceProvision
                       org:Post org:Membership dg:Person dg:Rating dg:Award dg:Ranking dg:Measurement dg:Programme }
        ?node a ?kind . FILTER NOT EXISTS { ?node dg:evidence/oa:hasSelector/oa:exact ?quote } }""")
    assert unsourced == []


def test_blank_figures_are_recorded_as_not_stated(dataset):
    blanks = rows(dataset, """SELECT ?m ?who WHERE { ?m a dg:Measurement ; dg:valueStated false .
        OPTIONAL { ?m dg:measuredPopulation ?who } FILTER NOT EXISTS { ?m dg:value ?v } }""")
    assert len(blanks) == 5  # the five "Number ..." lines of the DCHS page
    assert not rows(dataset, "SELECT ?m WHERE { ?m dg:valueStated false ; dg:value ?v }")


@pytest.mark.parametrize("value, unit_word", [(4400, "approximately"), (3010, None), (200000000, None)])
def test_stated_figures_keep_value_and_qualifier(dataset, value, unit_word):
    found = rows(dataset, f"""SELECT ?m ?q WHERE {{ ?m a dg:Measurement ; dg:value ?v .
        FILTER (?v = {value}) OPTIONAL {{ ?m dg:qualifier/skos:prefLabel ?q }} }}""")
    assert found, value
    if unit_word:
        assert any(unit_word in (r["q"] or "") for r in found)


@pytest.mark.parametrize("event, date, datatype", [
    ("1992-establishment-southern-derbyshire-mental-health-nhs-trust", "1992", "gYear"),
    ("2011-foundation-trust-authorisation-derbyshire-healthcare", "2011-02-01", "date"),
    ("2016-merger-proposal-dhcft-dchs", "2016-11", "gYearMonth"),
    ("2017-merger-abandoned-dhcft-dchs", "2017-06", "gYearMonth"),
])
def test_events_are_dated_at_the_sources_precision(dataset, event, date, datatype):
    found = rows(dataset, f"SELECT (STR(?d) AS ?date) (DATATYPE(?d) AS ?type) WHERE {{ <{vocab.ID}event/{event}> dg:date ?d }}")
    assert found == [{"date": date, "type": vocab.XSD + datatype}]


def test_undated_event_says_so(dataset):
    found = rows(dataset, "SELECT ?e WHERE { ?e a org:ChangeEvent . FILTER NOT EXISTS { ?e dg:date ?d } }")
    stated = rows(dataset, "SELECT ?e WHERE { ?e dg:dateStated false }")
    assert found and sorted(r["e"] for r in found) == sorted(r["e"] for r in stated)


def test_facts_are_found_in_org_terms(dataset):
    """Queries in plain W3C ORG find what the data states with more specific terms."""
    sites = rows(dataset, "SELECT ?org ?site WHERE { ?org org:hasSite ?site }")
    assert any(r["site"].endswith("/radbourne-unit") for r in sites)
    events = rows(dataset, "SELECT ?e WHERE { ?e a org:ChangeEvent }")
    assert len(events) >= 15
    posts = rows(dataset, """SELECT ?name ?post WHERE { ?h org:member/foaf:name ?name ; dg:post ?p .
        ?p a org:Post ; rdfs:label ?post }""")
    names = {r["name"] for r in posts}
    assert {"Selina Ullah", "Mark Powell"} <= names


def test_cqc_ratings(dataset):
    found = rows(dataset, """SELECT ?org ?value ?date WHERE { ?r a dg:Rating ; dg:ratedOrganisation ?org ;
        dg:ratingValue ?value . OPTIONAL { ?r dg:date ?date } }""")
    values = {(r["org"].rsplit("/", 1)[1], r["value"], r["date"]) for r in found}
    assert ("derbyshire-community-health-services-nhs-foundation-trust", "Outstanding", "2019-09") in values
    assert any(v[0] == "derbyshire-healthcare-nhs-foundation-trust" and v[1].lower() == "good" for v in values)


def test_inferred_triples_live_in_their_own_graph(dataset):
    renaming = f"<{vocab.ID}event/2001-renaming-southern-derbyshire-community-and-mental-health-services>"
    inferred = dataset.query(P + f"ASK {{ GRAPH <{vocab.GRAPH_INFERRED}> {{ {renaming} a org:ChangeEvent }} }}")
    asserted = dataset.query(P + f"""ASK {{ GRAPH ?g {{ {renaming} a org:ChangeEvent }}
        FILTER (?g != <{vocab.GRAPH_INFERRED}>) }}""")
    assert bool(inferred) and not bool(asserted)
