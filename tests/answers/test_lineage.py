"""Lineage: forgiving names, the whole chain in order, events with sources, --at."""

from __future__ import annotations

import pytest
from iris import CHCND, DCHS, DHCFT
from iris import DERBY_CITY_PCT as DERBY_CITY

from derbygraph.answers.lineage import LineageService, UnknownOrganisation

CHAIN = ["Southern Derbyshire Mental Health NHS Trust",
         "Southern Derbyshire Community and Mental Health Services NHS Trust",
         "Derbyshire Mental Health Services NHS Trust",
         "Derbyshire Healthcare NHS Foundation Trust"]


@pytest.fixture(scope="module")
def service(backend):
    """On each backend: the embedded store and each remote engine give the same lineages."""
    return LineageService(backend.dataset)


@pytest.mark.parametrize("query", [
    "Southern Derbyshire Trust", "southern derbyshire mental health nhs trust", "SOUTHERN DERBYSHIRE",
    "Derbyshire Mental Health Services National Health Service Trust", "derbyshire healthcare",
    "Derbyshire Healthcare NHS Foundation Trust", "Southern Derbyshire Community & Mental Health Services",
    "derbyshire mental-health services trust", "Southen Derbyshre",
])
def test_names_of_one_lineage_resolve_to_it(service, query):
    assert service.lineage(query)["organisation"]["iri"] == DHCFT


@pytest.mark.parametrize("query", ["DCHS", "dchs", "Derbyshire Community Health Services"])
def test_acronyms_resolve(service, query):
    assert service.lineage(query)["organisation"]["iri"] == DCHS


def test_the_chain_of_names_in_order(service):
    answer = service.lineage("Southern Derbyshire Trust")
    assert [n["label"] for n in answer["names"]] == CHAIN
    assert [(n["start"], n["end"]) for n in answer["names"]] == [
        ("1992", "2001"), ("2001", "2002"), ("2002", "2011-02-01"), ("2011-02-01", None)]
    assert answer["organisation"]["label"] == CHAIN[-1]
    assert all(n["sources"] and n["sources"][0]["quote"] for n in answer["names"])
    assert len({n["organisation"] for n in answer["names"]}) == 2  # an NHS trust, then a foundation trust


def test_events_include_dissolution_transfer_authorisation_and_proposal(service):
    events = service.lineage("Southern Derbyshire Trust")["events"]
    kinds = [(e["date"], e["type"]) for e in events]
    # the dissolution is undated: the article gives only a bound, "which was dissolved" by 2002 (issue 13)
    for expected in [("1992", "Establishment"), ("2001", "Renaming"), ("2002", "Renaming"),
                     (None, "Dissolution"), ("2002", "ServiceTransfer"),
                     ("2011-02-01", "FoundationTrustAuthorisation"),
                     ("2016-11", "MergerProposal"), ("2017-06", "ProposalAbandonment")]:
        assert expected in kinds
    dated = [e["date"] for e in events if e["date"]]
    assert dated == sorted(dated)
    assert all(e["sources"] for e in events)
    dissolution = next(e for e in events if e["type"] == "Dissolution")
    assert dissolution["participants"][0]["iri"] == CHCND
    assert dissolution["bounds"] == {"notBefore": None, "notAfter": "2002"}


def test_abandoned_merger_links_no_lineages(service):
    for query in ("Derbyshire Healthcare", "DCHS"):
        answer = service.lineage(query)
        linked = {p["iri"] for p in answer["predecessors"] + answer["successors"]}
        assert DCHS not in linked and DHCFT not in linked


def test_a_transfer_of_services_is_no_predecessor(service):
    """"providing some services previously provided by Community Health Care (North Derbyshire) NHS
    Trust"; "Services from NHS Derby City were transferred into the organisation": each body passed
    services on and is listed under transfers, neither as a predecessor nor as a successor (issue 26)."""
    answer = service.lineage("Derbyshire Healthcare")
    assert {p["iri"] for p in answer["predecessors"] + answer["successors"]} & {CHCND, DERBY_CITY} == set()
    assert {(t["iri"], t["direction"], t["date"]) for t in answer["transfers"]} == {
        (CHCND, "from", "2002"), (DERBY_CITY, "from", None)}
    assert {t["label"] for t in answer["transfers"]} == {
        "Community Health Care (North Derbyshire) NHS Trust", "NHS Derby City"}
    chcnd = service.lineage("Community Health Care (North Derbyshire)")
    assert chcnd["successors"] == [] and chcnd["predecessors"] == []
    assert [(t["iri"], t["direction"], t["label"]) for t in chcnd["transfers"]] == [
        ("https://w3id.org/derbygraph/id/org/southern-derbyshire-mental-health-nhs-trust", "to",
         "Derbyshire Mental Health Services NHS Trust")]


@pytest.mark.parametrize("at, names", [
    ("1995", [CHAIN[0]]),
    ("2001", CHAIN[:2]),            # renamed during 2001: both names were borne that year
    ("2005-06-30", [CHAIN[2]]),
    ("2011-01", [CHAIN[2]]),
    ("2011-02-01", [CHAIN[3]]),      # the day the foundation trust began
    ("2020", [CHAIN[3]]),
])
def test_what_was_it_called_then(service, at, names):
    answer = service.lineage("Derbyshire Healthcare", at=at)
    assert [n["label"] for n in answer["names"]] == names
    assert answer["at"] == at
    assert answer["organisation"]["label"] == names[-1]
    # on or before `at`, compared on the part both dates state ("2011" is not after "2011-02-01")
    assert all(e["date"][:len(at)] <= at[:len(e["date"])] for e in answer["events"])


def test_unknown_names_raise_with_suggestions(service):
    with pytest.raises(UnknownOrganisation) as error:
        service.lineage("Nowhere Hospital Authority")
    assert error.value.suggestions == []
    with pytest.raises(UnknownOrganisation) as error:
        service.lineage("Derbyshire Nowhere")  # half the words match: suggested, not resolved
    assert "Derbyshire Healthcare NHS Foundation Trust" in error.value.suggestions
