"""Statement provenance: the quotes behind one triple, from the why service, the CLI and /api/why."""

from __future__ import annotations

import itertools
import json
import urllib.parse

import pyoxigraph as ox
import pytest

from derbygraph import vocab
from derbygraph.answers.why import BadStatement, UnknownStatement, WhyService

ID, DG = vocab.ID, vocab.DG
DHCFT = ID + "org/derbyshire-healthcare-nhs-foundation-trust"
PROVIDES = DG + "provides"
HEALTH_VISITING = ID + "service/health-visiting"
FIRST_NAME = ID + "name/southern-derbyshire-mental-health-nhs-trust"
GYEAR_1992 = '"1992"^^<http://www.w3.org/2001/XMLSchema#gYear>'


@pytest.fixture(scope="module")
def why(dataset):
    return WhyService(dataset)


def test_an_asserted_date_rests_on_the_words_that_state_it(why):
    answer = why.why(FIRST_NAME, DG + "start", GYEAR_1992)
    assert answer["asserted"] is True and "derivedFrom" not in answer
    assert answer["statement"] == {"s": FIRST_NAME, "p": DG + "start", "o": GYEAR_1992}
    assert [s["quote"] for s in answer["sources"]] == [
        "The Southern Derbyshire Mental Health NHS Trust was established in 1992, before renaming as "
        "Southern Derbyshire Community and Mental Health Services NHS Trust in 2001"]
    assert answer["sources"][0]["title"] == "Derbyshire Healthcare NHS Foundation Trust"


def test_a_quote_supports_only_the_statements_whose_words_it_holds(why):
    """The trust's page holds a quote per value: each value rests on its own quote, not on all of them."""
    dchs = ID + "org/derbyshire-community-health-services-nhs-foundation-trust"
    answer = why.why(dchs, DG + "statedValue", '"To make a positive difference – For each other, local people and communities"')
    assert [s["quote"] for s in answer["sources"]] == [
        "To make a positive difference – For each other, local people and communities"]


def test_a_shortcut_is_derived_from_the_provision_that_carries_the_quote(why):
    answer = why.why(DHCFT, PROVIDES, HEALTH_VISITING)
    assert answer["asserted"] is False and answer["sources"] == []
    premises = {(p["statement"]["p"], p["statement"]["o"]) for p in answer["derivedFrom"]}
    assert premises == {(DG + "provider", DHCFT), (DG + "service", HEALTH_VISITING)}
    by = {p["statement"]["p"]: p for p in answer["derivedFrom"]}
    assert by[DG + "service"]["asserted"] and by[DG + "service"]["basis"] == "words" and by[DG + "service"]["sources"]
    # "the trust's health visiting service": the provider is the page's subject, by a stated rule
    provider = by[DG + "provider"]
    assert (provider["basis"], provider["rule"], provider["definedIn"]) == (
        "dataset", ID + "rule/the-page-is-about-its-trust", "data/rules.ttl")


def test_a_site_within_a_site_is_the_trusts_through_both(why):
    ward = ID + "site/radbourne-unit-enhanced-care-ward"
    answer = why.why(DHCFT, vocab.ORG + "hasSite", ward)
    premises = {(p["statement"]["s"], p["statement"]["p"]) for p in answer["derivedFrom"]}
    assert premises == {(ward, DG + "partOfSite"), (DHCFT, vocab.ORG + "hasSite")}


def test_an_owl_entailment_names_what_it_follows_from(why):
    event = ID + "event/2002-renaming-derbyshire-mental-health-services"
    answer = why.why(event, vocab.RDF + "type", vocab.ORG + "ChangeEvent")
    assert answer["asserted"] is False
    assert {"s": event, "p": vocab.RDF + "type", "o": DG + "Renaming"} in [p["statement"] for p in answer["derivedFrom"]]


def _grounded(answer: dict) -> bool:
    """The answer reaches words or rows, or names the file (or rule) of this dataset that writes it."""
    if answer["basis"] in ("words", "registry"):
        return bool(answer["sources"])
    if answer["basis"] == "dataset":
        return bool(answer.get("definedIn"))
    assert answer["basis"] == "derived", answer["basis"]
    if answer["derivedFrom"]:
        return all(_grounded(premise) for premise in answer["derivedFrom"])
    return bool(answer.get("definedIn")) and bool(answer.get("rule"))


def _walk(dataset, why, triples) -> list:
    return [t for t in triples if not _grounded(why.explain(t))]


def test_every_triple_of_the_dataset_has_a_basis(dataset, why):
    """Every triple of the built dataset (documents only), asserted, inferred or derived, answers
    "why" with words, rows, a chain down to them, or the file that writes it (issue 26)."""
    triples = {(q.subject, q.predicate, q.object) for q in dataset.store.quads_for_pattern(None, None, None, None)
               if not isinstance(q.graph_name, ox.DefaultGraph)
               and not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}
    assert len(triples) > 5000
    assert _walk(dataset, why, triples) == []


def test_every_triple_of_a_registry_sample_has_a_basis(registry_dataset):
    why = WhyService(registry_dataset)
    quads = registry_dataset.store.quads_for_pattern(None, None, None, None)
    # the first 400 of every 997th quad, read no further: reading the whole store took most of the test
    triples = ((q.subject, q.predicate, q.object) for q in itertools.islice(quads, 0, None, 997)
               if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode))
    sample = list(itertools.islice(triples, 400))
    assert len(sample) > 100
    assert _walk(registry_dataset, why, sample) == []


def test_holds_reaches_the_words_two_levels_down(why):
    """org:holds follows from org:heldBy, which the build derived from the post holding's quoted statements."""
    answer = why.why(ID + "person/mark-powell", vocab.ORG + "holds", ID + "post/dhcft-chief-executive")
    assert answer["basis"] == "derived" and answer["sources"] == []
    [held_by] = answer["derivedFrom"]
    assert held_by["basis"] == "derived" and held_by["statement"]["p"] == vocab.ORG + "heldBy"
    assert {p["basis"] for p in held_by["derivedFrom"]} == {"words"}
    assert all("Chief Exec: Mark Powell" in [s["quote"] for s in p["sources"]] for p in held_by["derivedFrom"])


@pytest.mark.parametrize("s, p, o, file", [
    (ID + "unit/gbp", vocab.SKOS + "prefLabel", '"pounds sterling (GBP)"@en', "data/schemes.ttl"),
    (ID + "event/2002-renaming-derbyshire-mental-health-services", vocab.RDFS + "label",
     '"Renamed Derbyshire Mental Health Services NHS Trust"@en', "data/lineage.ttl"),
    (DG + "Renaming", vocab.RDFS + "subClassOf", DG + "ChangeEvent", "ontology/derbygraph.ttl"),
])
def test_what_the_dataset_writes_names_its_file(why, s, p, o, file):
    answer = why.why(s, p, o)
    assert (answer["basis"], answer["sources"], answer["definedIn"]) == ("dataset", [], file)


def test_a_window_is_derived_from_the_dates_the_words_give(why):
    answer = why.why(FIRST_NAME, DG + "possiblyInForceUntil", '"2001-12-31"^^<http://www.w3.org/2001/XMLSchema#date>')
    assert answer["basis"] == "derived"
    assert {(p["statement"]["p"], p["basis"]) for p in answer["derivedFrom"]} == {
        (DG + "start", "words"), (DG + "end", "words")}


def test_a_lineage_node_rests_on_its_first_body(why, dataset):
    """Any body of a lineage would do as its premise; the first by IRI is named, so every store
    (however its rows come out) gives the same answer."""
    lineages = {}
    for row in dataset.query(vocab.sparql_prologue() + "SELECT ?body ?lineage WHERE { ?body dg:inLineage ?lineage }"):
        lineages.setdefault(row["lineage"].value, []).append(row["body"].value)
    lineage, bodies = max(lineages.items(), key=lambda item: len(item[1]))
    assert len(bodies) >= 2
    answer = why.why(lineage, vocab.RDF + "type", DG + "Lineage")
    assert [p["statement"]["s"] for p in answer["derivedFrom"]] == [min(bodies)]


def test_prefixed_names_and_bracketed_iris_are_accepted(why):
    assert why.why(f"<{DHCFT}>", "dg:provides", HEALTH_VISITING)["statement"]["p"] == PROVIDES


@pytest.mark.parametrize("s, p, o, error", [
    (DHCFT, PROVIDES, ID + "service/no-such-service", UnknownStatement),
    (DHCFT, PROVIDES, '"health visiting"', UnknownStatement),
    ("not an iri", PROVIDES, HEALTH_VISITING, BadStatement),
    (DHCFT, PROVIDES, '"unterminated', BadStatement),
    (DHCFT, '"a literal"', HEALTH_VISITING, BadStatement),
    (DHCFT, PROVIDES, "<x:a> } DROP ALL {", BadStatement),
])
def test_bad_or_unknown_statements(why, s, p, o, error):
    with pytest.raises(error):
        why.why(s, p, o)


def test_the_cli_prints_exactly_what_the_api_returns(cli, server, store):
    printed = json.loads(cli("why", DHCFT, "dg:provides", HEALTH_VISITING, "--json", "--store", store,
                             check=True).stdout)
    query = urllib.parse.urlencode({"s": DHCFT, "p": PROVIDES, "o": HEALTH_VISITING})
    status, served = server.json(f"/api/why?{query}")
    assert status == 200 and printed == served


def test_the_cli_reads_a_literal_and_prints_the_quote(cli, store):
    result = cli("why", FIRST_NAME, "dg:start", GYEAR_1992, "--store", store, check=True)
    assert "asserted" in result.stdout and "was established in 1992" in result.stdout


def test_cli_errors_are_one_line(cli, store):
    result = cli("why", DHCFT, "dg:provides", ID + "service/nothing", "--store", store)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "does not hold" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("params, status", [
    ({"s": DHCFT, "p": PROVIDES}, 400),
    ({"s": DHCFT, "p": PROVIDES, "o": '"unterminated'}, 400),
    ({"s": DHCFT, "p": PROVIDES, "o": ID + "service/nothing"}, 404),
])
def test_api_errors(server, params, status):
    got, body = server.json("/api/why?" + urllib.parse.urlencode(params))
    assert got == status and isinstance(body["error"], str)


def test_the_readme_pattern_finds_the_quotes(dataset):
    """The one SPARQL pattern the README documents, run as any SPARQL 1.1 client would run it."""
    rows = dataset.query(vocab.sparql_prologue() + f"""
        SELECT ?quote ?document WHERE {{
          ?statement rdf:subject <{FIRST_NAME}> ; rdf:predicate dg:start ; rdf:object {GYEAR_1992} ;
                     dg:restsOn ?quotation .
          ?quotation oa:hasSource ?document ; oa:hasSelector/oa:exact ?quote .
        }}""")
    assert [r["quote"].value for r in rows][0].startswith("The Southern Derbyshire Mental Health NHS Trust was established")
