"""The data: every fact sourced with exact words, dated at the source's precision, nothing filled in."""

from __future__ import annotations

import hashlib

import pytest

from derbygraph import vocab
from derbygraph.build.checks import normalise_space

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
        VALUES ?kind { org:Organization dg:NamePeriod dg:Event org:Site dg:Service dg:ServiceProvision
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
    found = rows(dataset, "SELECT ?e WHERE { ?e a dg:Event . FILTER NOT EXISTS { ?e dg:date ?d } }")
    stated = rows(dataset, "SELECT ?e WHERE { ?e dg:dateStated false }")
    assert found and sorted(r["e"] for r in found) == sorted(r["e"] for r in stated)


def test_facts_are_found_in_org_terms(dataset):
    """Queries in plain W3C ORG find what the data states with more specific terms."""
    sites = rows(dataset, "SELECT ?org ?site WHERE { ?org org:hasSite ?site }")
    assert any(r["site"].endswith("/radbourne-unit") for r in sites)
    events = rows(dataset, "SELECT ?e WHERE { ?e a prov:Activity ; time:hasTime [] }")  # every dated event
    assert len(events) >= 15
    assert len(rows(dataset, "SELECT ?e WHERE { ?e a org:ChangeEvent }")) == 7  # the changes of an organisation
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


# --- Nothing beyond the words (issue 13): each defect the audit found, and its kind --------------

E, O = vocab.ID + "event/", vocab.ID + "org/"


def one(dataset, query: str):
    found = rows(dataset, query)
    return found[0] if found else None


@pytest.mark.parametrize("event, bound", [
    ("2002-dissolution-community-health-care-north-derbyshire", {"before": None, "after": "2002"}),
    ("2011-service-transfer-from-nhs-derby-city", None),
    ("relocation-older-peoples-mental-health-london-road-to-tissington-house", None),
])
def test_undated_events_have_no_date_and_bounds_only_where_the_words_give_them(dataset, event, bound):
    found = one(dataset, f"""SELECT ?date ?before ?after WHERE {{ <{E}{event}> dg:dateStated false .
        OPTIONAL {{ <{E}{event}> dg:date ?date }} OPTIONAL {{ <{E}{event}> dg:notBefore ?before }}
        OPTIONAL {{ <{E}{event}> dg:notAfter ?after }} }}""")
    assert found is not None and found["date"] is None
    assert ({"before": found["before"], "after": found["after"]} if found["before"] or found["after"] else None) == bound


def test_no_quote_about_another_event_dates_an_event(dataset):
    """The April 2011 tender is not the NHS Derby City transfer's source."""
    quotes = {r["q"] for r in rows(dataset, f"""SELECT ?q WHERE {{
        <{E}2011-service-transfer-from-nhs-derby-city> dg:evidence/oa:hasSelector/oa:exact ?q }}""")}
    assert not any("April 2011" in q for q in quotes)


def test_the_dissolved_trusts_name_has_no_invented_dates(dataset):
    found = one(dataset, f"""SELECT ?start ?end WHERE {{ <{O}community-health-care-north-derbyshire-nhs-trust>
        dg:hasNamePeriod ?p OPTIONAL {{ ?p dg:start ?start }} OPTIONAL {{ ?p dg:end ?end }} }}""")
    assert found == {"start": None, "end": None}


@pytest.mark.parametrize("org", ["nhs-derby-city", "unicef"])
def test_no_kind_of_body_the_documents_do_not_state(dataset, org):
    kinds = {r["k"] for r in rows(dataset, f"""SELECT ?k WHERE {{ GRAPH ?g {{ <{O}{org}> a ?k }}
        FILTER (STRSTARTS(STR(?g), "{vocab.GRAPH_DATA}")) }}""")}
    assert kinds == {vocab.ORG + "Organization"}


def test_dchs_was_a_standalone_body_from_2011_and_a_foundation_trust_only_from_2014(dataset):
    established = one(dataset, f"""SELECT ?body WHERE {{ <{E}2011-establishment-dchs> org:resultingOrganization ?body }}""")
    assert established["body"] == O + "derbyshire-community-health-services-standalone-nhs-organisation"
    assert not rows(dataset, f"SELECT ?x WHERE {{ <{established['body']}> a dg:NHSFoundationTrust }}")
    authorised = one(dataset, f"""SELECT ?before ?after WHERE {{ <{E}2014-foundation-trust-authorisation-dchs>
        org:originalOrganization ?before ; org:resultingOrganization ?after }}""")
    assert authorised == {"before": established["body"], "after": O + "derbyshire-community-health-services-nhs-foundation-trust"}


def test_a_change_of_status_is_not_also_a_renaming(dataset):
    """dg:Renaming says the body stays the same; a foundation-trust authorisation makes a new one."""
    assert not rows(dataset, "SELECT ?e WHERE { ?e a dg:Renaming , dg:StatusChange }")
    assert not rows(dataset, """SELECT ?e WHERE { ?e a dg:Renaming ; org:originalOrganization ?a ;
        org:resultingOrganization ?b FILTER (?a != ?b) }""")


def test_figures_of_the_area_and_qualifiers(dataset):
    languages = one(dataset, f"""SELECT ?for WHERE {{ <{vocab.ID}figure/dhcft-languages-spoken> a dg:Measurement
        OPTIONAL {{ <{vocab.ID}figure/dhcft-languages-spoken> dg:measuredFor ?for }} }}""")
    assert languages == {"for": None}
    # "cover a range of services over 66 sites": "over" is "across" there, not "more than" (issue 26)
    assert not rows(dataset, f"SELECT ?q WHERE {{ <{vocab.ID}figure/dhcft-sites> dg:qualifier ?q }}")
    staff = one(dataset, f"SELECT ?q WHERE {{ <{vocab.ID}figure/dhcft-staff> dg:qualifier ?q }}")
    assert staff == {"q": vocab.ID + "qualifier/more-than"}  # "over 3,000 staff" is more than 3,000
    qualifiers = {r["q"] for r in rows(dataset, "SELECT DISTINCT ?q WHERE { ?f dg:qualifier ?q }")}
    assert vocab.ID + "qualifier/over" not in qualifiers  # "over" and "more than" are one concept


def test_the_two_staff_figures_say_how_they_relate(dataset):
    related = rows(dataset, "SELECT ?a ?b WHERE { ?a dg:relatedFigure ?b ; dg:measures ?q . ?b dg:measures ?q }")
    assert {(r["a"].rsplit("/", 1)[1], r["b"].rsplit("/", 1)[1]) for r in related} >= {
        ("dhcft-staff", "dhcft-staff-infobox"), ("dhcft-staff-infobox", "dhcft-staff")}


def test_every_organisation_is_in_exactly_one_lineage(dataset):
    assert not rows(dataset, "SELECT ?o WHERE { ?o a org:Organization FILTER NOT EXISTS { ?o dg:inLineage [] } }")
    assert not rows(dataset, "SELECT ?o WHERE { ?o dg:inLineage ?a , ?b FILTER (?a != ?b) }")
    same = one(dataset, f"""SELECT ?l WHERE {{ <{O}southern-derbyshire-mental-health-nhs-trust> dg:inLineage ?l .
        <{O}derbyshire-healthcare-nhs-foundation-trust> dg:inLineage ?l }}""")
    assert same is not None
    assert not rows(dataset, f"""SELECT ?l WHERE {{ <{O}derbyshire-healthcare-nhs-foundation-trust> dg:inLineage ?l .
        <{O}derbyshire-community-health-services-nhs-foundation-trust> dg:inLineage ?l }}""")  # the abandoned merger


def test_shortcuts_are_derived_not_asserted(dataset):
    """dg:provides and org:hasSite are only ever derived from the provision nodes that carry the quotes."""
    asserted = rows(dataset, f"""SELECT ?s WHERE {{ GRAPH ?g {{ ?s dg:provides|org:hasSite ?o }}
        FILTER (STRSTARTS(STR(?g), "{vocab.GRAPH_DATA}")) }}""")
    assert asserted == []
