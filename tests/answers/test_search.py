"""Search: organisations by name first, then by the registry's other columns (postcode and its
district, address words, national grouping and ICS codes), each hit saying which field matched.
Unit tests on a small index; then the real registry (../shared/ods/, built once per session) through
the service, `/api/search` and the home page's search box."""

from __future__ import annotations

import csv
import re

import pytest

from derbygraph import vocab
from derbygraph.answers.names import Match, NameIndex
from derbygraph.answers.search import (
    DISTRICT,
    SCORES,
    FieldIndex,
    compact,
    district,
    search,
)
from derbygraph.registry.read import ETR_GEOGRAPHY, ETR_GROUPING, ETR_POSTCODE
from derbygraph.store.dataset import iri

ORG = vocab.ID + "ods/org/"
NAMED = ("name", "code")

SMALL = FieldIndex([
    (ORG + "RXM", "postcode", "DE22 3LZ"), (ORG + "RXM", "address", "TRUST HEADQUARTERS, KINGSWAY HOSPITAL, KINGSWAY, DERBY"),
    (ORG + "RXM", "health geography (ICS)", "QJ2"), (ORG + "RXM", "national grouping", "Y60"),
    (ORG + "RTG", "postcode", "DE22 3NE"), (ORG + "RTG", "address", "ROYAL DERBY HOSPITAL, UTTOXETER ROAD, DERBY"),
    (ORG + "RTG", "health geography (ICS)", "QJ2"), (ORG + "RTG", "national grouping", "Y60"),
    (ORG + "R0A", "parent code", "QOP"), (ORG + "R0A", "postcode", "M13 9WL"), (ORG + "R0A", "address", "COBBETT HOUSE, OXFORD ROAD, MANCHESTER"),
])


def found(query: str, index: FieldIndex = SMALL) -> dict[str, tuple[str, str]]:
    return {hit.iri[len(ORG):]: (hit.field, hit.matched) for hit in index.search(query)}


@pytest.mark.parametrize("query", ["DE22 3LZ", "de223lz", " de22   3lz ", "De22 3Lz", "DE223LZ"])
def test_a_postcode_in_any_spacing_or_case(query):
    assert found(query) == {"RXM": ("postcode", "DE22 3LZ")}


def test_a_postcode_district_finds_every_organisation_in_it():
    assert found("DE22") == {"RXM": (DISTRICT, "DE22 3LZ"), "RTG": (DISTRICT, "DE22 3NE")}
    assert found("de 22") == found("DE22")
    assert found("DE2") == {} and found("M1") == {}  # a district is whole, not a prefix of another
    assert found("M13") == {"R0A": (DISTRICT, "M13 9WL")}


@pytest.mark.parametrize("postcode, outward", [("DE22 3LZ", "DE22"), ("M13 9WL", "M13"), ("SW1A 2AA", "SW1A"),
                                               ("B1 1AA", "B1"), ("x", None), ("ABCDE", None), ("", None)])
def test_district_is_the_outward_code(postcode, outward):
    assert district(postcode) == outward


def test_address_words_whole_or_begun():
    assert found("Kingsway Hospital") == {"RXM": ("address", "TRUST HEADQUARTERS, KINGSWAY HOSPITAL, KINGSWAY, DERBY")}
    assert set(found("derby")) == {"RXM", "RTG"}
    assert set(found("Uttox road")) == {"RTG"}  # every word must be found, "uttox" as the start of one
    assert found("Kingsway Manchester") == {}
    whole, begun = SMALL.search("Kingsway")[0], SMALL.search("Kings")[0]
    assert whole.score > begun.score


def test_region_and_ics_codes():
    assert found("QJ2") == {"RXM": ("health geography (ICS)", "QJ2"), "RTG": ("health geography (ICS)", "QJ2")}
    assert set(found("y60")) == {"RXM", "RTG"} and found("Y60")["RXM"][0] == "national grouping"
    assert found("qop") == {"R0A": ("parent code", "QOP")}


@pytest.mark.parametrize("query", ["", "   ", "E", "3LZ", "DE22 3LX", "zzzz", "'; DROP", "\u0000", "de22 3lz de22 3lz"])
def test_nothing_found_for_what_no_field_holds(query):
    assert SMALL.search(query) == []


def test_each_organisation_once_by_its_best_field():
    index = FieldIndex([(ORG + "X", "postcode", "DE1 2AB"), (ORG + "X", "address", "DE1 2AB HOUSE")])
    assert [(h.field, h.matched) for h in index.search("de1 2ab")] == [("postcode", "DE1 2AB")]


def test_compact():
    assert compact(" de22\t3lz ") == "DE223LZ"


class Names:
    """A name index standing in for the real one: fixed matches, whatever is asked."""

    def __init__(self, matches):
        self.matches = matches

    def search(self, query, limit, at=None):
        return self.matches[:limit]


class Dataset:
    """A dataset whose name index is `Names` and whose field index is SMALL."""

    def __init__(self, matches):
        self.indexes = {"NameIndex": Names(matches), "FieldIndex": SMALL}

    def memo(self, make):  # by the class the function makes, as annotated
        return self.indexes[make.__annotations__["return"]]


def test_each_organisation_once_ranked_by_how_well_its_best_field_matched():
    names = [Match(ORG + "RTG", 0.3, "Royal Derby Hospital"), Match(ORG + "XYZ", 0.26, "Derby Something", field="code")]
    hits = search(Dataset(names), "derby", limit=10)
    # "derby" is one of RXM's four address words and one of RTG's five: both before RTG's poor name
    assert [(h.iri, h.field) for h in hits] == [(ORG + "RXM", "address"), (ORG + "RTG", "address"), (ORG + "XYZ", "code")]
    assert [h.iri for h in search(Dataset(names), "derby", limit=2)] == [ORG + "RXM", ORG + "RTG"]
    placed = search(Dataset(names), "Kingsway Hospital", limit=10)
    assert placed[0].iri == ORG + "RXM"  # an address holding every word before a name holding one
    exact = [Match(ORG + "R0A", 1.0, "Kingsway Hospital Trust")]
    assert search(Dataset(exact), "Kingsway Hospital", limit=10)[0].iri == ORG + "R0A"  # the name itself first
    for hits in (hits, placed):
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)


# --- the real registry ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def etr_rows(registry_files):
    with (registry_files / "etr.csv").open(newline="") as stream:
        return list(csv.reader(stream))


@pytest.fixture(scope="module")
def client(registry_dataset):
    from derbygraph.web.app import create_app

    return create_app(registry_dataset).test_client()


def test_every_postcode_of_the_file_finds_its_trust(registry_dataset, etr_rows):
    for row in etr_rows:
        code, postcode = row[0], row[ETR_POSTCODE]
        for asked in (postcode, postcode.lower().replace(" ", "")):
            hits = {h.iri: h for h in FieldIndex.of(registry_dataset).search(asked)}
            assert (hits[ORG + code].field, hits[ORG + code].matched) == ("postcode", postcode), (code, asked)


def test_every_region_and_ics_code_finds_exactly_its_trusts(registry_dataset, etr_rows):
    for column, field in ((ETR_GROUPING, "national grouping"), (ETR_GEOGRAPHY, "health geography (ICS)")):
        for value in {row[column] for row in etr_rows}:
            expected = {ORG + row[0] for row in etr_rows if row[column] == value}
            got = {h.iri for h in FieldIndex.of(registry_dataset).search(value) if h.field == field}
            assert got == expected, value


@pytest.mark.parametrize("query", ["Derby", "Derbyshire Healthcare", "Kingsway", "Southern Derbyshire", "Manchester",
                                   "QJ2", "RXM", "DE22", "Sheffield", "London Road"])
def test_hits_are_the_best_of_names_and_fields_each_once(registry_dataset, query):
    hits = search(registry_dataset, query, 20)
    assert len({h.iri for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    names = {m.iri: m.score for m in NameIndex.of(registry_dataset).search(query, 20)}
    fields = {}
    for hit in FieldIndex.of(registry_dataset).search(query):
        fields[hit.iri] = max(fields.get(hit.iri, 0), hit.score)
    for hit in hits:
        assert hit.score == max(names.get(hit.iri, 0), fields.get(hit.iri, 0)), hit


@pytest.mark.parametrize("query", ["Hospital", "Road", "London Road", "hosp", "Street", "General"])
def test_the_best_few_fields_are_the_head_of_them_all(registry_dataset, query):
    """Asked for the few best (as the search box and `search` ask), the field index lists the head
    of its whole list: at 5M generated triples a common word holds 26,000 sites."""
    every = FieldIndex.of(registry_dataset).search(query)
    assert len(every) > 10, query  # more than the few asked for: the cut is tried
    for limit in (1, 3, 10):
        assert FieldIndex.of(registry_dataset).search(query, limit) == every[:limit], (query, limit)


@pytest.mark.parametrize("query", ["Kingsway Hospital", "kingsway hosp"])
def test_a_site_or_address_finds_its_trust(dataset, registry_dataset, query):
    """Kingsway Hospital is Derbyshire Healthcare's site (the documents) and address (the registry)."""
    for data in (dataset, registry_dataset):
        best = search(data, query, 10)[0]
        assert data.label(iri(best.iri)) \
            == "Derbyshire Healthcare NHS Foundation Trust", (query, best)
        assert best.field in ("site", "address")


def test_an_ics_code_is_first_the_area_of_that_code_then_its_trusts(registry_dataset, etr_rows):
    """QH8 is an area code of succ.csv and the ICS of some trusts in etr.csv; QJ2 (Derbyshire's) is only the latter."""
    hits = search(registry_dataset, "QH8", 50)
    assert (hits[0].iri, hits[0].field) == (ORG + "QH8", "code")
    assert [h.iri for h in hits[1:]] == sorted(ORG + row[0] for row in etr_rows if row[ETR_GEOGRAPHY] == "QH8")
    assert {h.field for h in hits[1:]} == {"health geography (ICS)"}
    derbyshire = search(registry_dataset, "qj2", 50)
    assert {ORG + "RXM", ORG + "RTG"} <= {h.iri for h in derbyshire} and {h.field for h in derbyshire} == {"health geography (ICS)"}


def test_api_search_says_which_field_matched(client):
    for query in ("DE22 3LZ", "de223lz"):
        answer = client.get("/api/search", query_string={"q": query}).get_json()
        assert answer[0]["iri"] == ORG + "RXM"
        assert (answer[0]["field"], answer[0]["matched"]) == ("postcode", "DE22 3LZ")
        assert answer[0]["label"] == "Derbyshire Healthcare NHS Foundation Trust" and answer[0]["names"]
    district_hits = client.get("/api/search?q=DE22&limit=50").get_json()
    assert {ORG + "RXM", ORG + "RTG"} <= {h["iri"] for h in district_hits if h["field"] == DISTRICT}
    named = client.get("/api/search?q=Derbyshire%20Healthcare").get_json()
    assert named[0]["field"] == "name" and named[0]["matched"]
    assert client.get("/api/search?q=%20").status_code == 400


def test_the_search_box_takes_a_postcode(client):
    """The home page's form asks /lineage?org=...: a postcode lists the organisations it belongs to."""
    page = client.get("/lineage", query_string={"org": "de22 3lz"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert re.search(r'href="/lineage\?org=[^"]*ods/org/RXM[^"]*">Derbyshire Healthcare NHS Foundation Trust</a>', text)
    assert "postcode “DE22 3LZ”" in text
    district_page = client.get("/lineage?org=DE22").get_data(as_text=True)
    assert "Derbyshire Healthcare NHS Foundation Trust" in district_page and "University Hospitals of Derby" in district_page
    assert client.get("/lineage?org=zzzqqq").status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert "postcode" in home


def test_the_name_itself_outranks_every_other_field():
    """A name as written (names.EXACT_AT and above) comes before any postcode, code, site or address."""
    from derbygraph.answers.search import WORDED_FROM, WORDED_SPAN
    from derbygraph.matching import EXACT_AT

    assert EXACT_AT > max(SCORES.values()) and EXACT_AT > WORDED_FROM + WORDED_SPAN
