"""One identity rule: the lineage service and the canned queries read the lineages the build derived
(`dg:inLineage`), so they agree with each other, with and without the NHS ODS registry loaded."""

from __future__ import annotations

import json

import pytest

from derbygraph.answers.canned import catalogue
from derbygraph.answers.lineage import LineageService
from derbygraph.store.executor import execute

QUERIES = ("Derbyshire Healthcare", "Southern Derbyshire Trust", "DCHS")


def run(dataset, name: str, **params: str) -> list[dict[str, str]]:
    answer = execute(dataset.store, catalogue()[name].render(dataset, params), format_name="json")
    return [{var: cell["value"] for var, cell in binding.items()}
            for binding in json.loads(answer.body)["results"]["bindings"]]


@pytest.fixture(scope="module", params=["documents", "documents and registry"])
def loaded(request, dataset):
    return dataset if request.param == "documents" else request.getfixturevalue("registry_dataset")


@pytest.mark.parametrize("query", QUERIES)
def test_canned_names_are_the_lineages_names(loaded, query):
    answer = LineageService(loaded).lineage(query)
    canned = [(r["name"], r.get("start"), r.get("end")) for r in run(loaded, "names-of-an-organisation", org=query)]
    assert sorted(canned, key=str) == sorted(((n["label"], n["start"], n["end"]) for n in answer["names"]), key=str)
    assert canned


@pytest.mark.parametrize("query", QUERIES)
def test_canned_events_are_the_lineages_own_events(loaded, query):
    service = LineageService(loaded)
    members = set(service.members(service.resolve(query)))
    own = {e["iri"] for e in service.lineage(query)["events"]
           if any(p["iri"] in members for p in e["participants"])}
    assert {r["event"] for r in run(loaded, "events-of-an-organisation", org=query)} == own


@pytest.mark.parametrize("query, names, events, services", [
    ("Derbyshire Healthcare", 4, 16, 25),
    ("DCHS", 1, 4, 9),
])
def test_the_registry_adds_to_a_lineage_and_takes_nothing_away(dataset, registry_dataset, query, names, events, services):
    """The issue's regression: with the registry loaded, names went 4 -> 1, event rows 17 -> 1, services 25 -> 0."""
    for loaded in (dataset, registry_dataset):
        assert len(run(loaded, "names-of-an-organisation", org=query)) == names
        assert len({r["event"] for r in run(loaded, "events-of-an-organisation", org=query)}) >= events
        assert len(run(loaded, "services-of-an-organisation", org=query)) == services


def test_a_registry_code_resolves_to_the_lineage_of_its_document_organisation(registry_dataset):
    by_code = LineageService(registry_dataset).lineage("RXM")
    by_name = LineageService(registry_dataset).lineage("Derbyshire Healthcare")
    assert by_code["names"] == by_name["names"]
    assert [r["name"] for r in run(registry_dataset, "names-of-an-organisation", org="Derbyshire Healthcare")][0] == \
        "Southern Derbyshire Mental Health NHS Trust"


def test_why_a_registry_statement_holds_names_its_rows(registry_dataset):
    from derbygraph.answers.why import WhyService

    rxm = "https://w3id.org/derbygraph/id/ods/org/RXM"
    answer = WhyService(registry_dataset).why(rxm, "skos:notation", '"RXM"')
    assert answer["asserted"] is True
    assert answer["sources"] and all(s["title"] and s["quote"] and s["line"] for s in answer["sources"])
    assert any("RXM" in s["quote"] for s in answer["sources"])
