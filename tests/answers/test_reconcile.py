"""/reconcile: the W3C Reconciliation Service API 0.2, every answer checked against the 0.2 schemas.

The schemas (and the specification's own valid and invalid examples) are read from
../shared/reconciliation-api/0.2; the tests skip, saying why, when that folder is absent.
"""

from __future__ import annotations

import json

import needs
import pytest
from conftest import shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

jsonschema = needs.module("jsonschema")
referencing = needs.module("referencing")

DHCFT = "id/org/derbyshire-healthcare-nhs-foundation-trust"
SOUTHERN = "id/org/southern-derbyshire-mental-health-nhs-trust"
TRUST = "https://w3id.org/derbygraph/ontology#NHSTrust"


@pytest.fixture(scope="session")
def schemas():
    folder = shared_dir("reconciliation-api") / "0.2"
    loaded = {p.name: json.loads(p.read_text()) for p in folder.glob("*.json") if p.name != "openapi.json"}
    registry = referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema, referencing.jsonschema.DRAFT7))
        for schema in loaded.values())

    def validator(name: str):
        return jsonschema.Draft7Validator(loaded[name], registry=registry)
    return validator, folder


def valid(schemas, name: str, document) -> dict:
    """`document` checked against the named 0.2 schema (failing the test with the schema's words)."""
    validator, _ = schemas
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(document)]
    assert not errors, errors
    return document


def test_the_schema_check_can_fail(schemas):
    """A check that accepts the specification's invalid examples would prove nothing."""
    validator, folder = schemas
    for kind, schema in (("reconciliation-result-batch", "reconciliation-result-batch.json"),
                         ("data-extension-response", "data-extension-response.json")):
        for example in (folder / "examples" / kind / "invalid").glob("*.json"):
            assert not validator(schema).is_valid(json.loads(example.read_text())), example
        for example in (folder / "examples" / kind / "valid").glob("*.json"):
            assert validator(schema).is_valid(json.loads(example.read_text())), example


@pytest.fixture(scope="module")
def client(dataset):
    from derbygraph.web.app import create_app

    return create_app(dataset).test_client()


def reconcile(client, queries: dict, method: str = "post"):
    call = client.post if method == "post" else client.get
    key = "data" if method == "post" else "query_string"
    response = call("/reconcile", **{key: {"queries": json.dumps(queries)}})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def test_manifest(client, schemas):
    manifest = valid(schemas, "manifest.json", client.get("/reconcile").get_json())
    assert "0.2" in manifest["versions"]
    assert manifest["view"]["url"].endswith("/derbygraph/{{id}}")
    # the view URL of a candidate is the app's own page for it
    assert client.get(manifest["view"]["url"].replace("{{id}}", DHCFT).split("localhost", 1)[1]).status_code == 200


def test_batch_by_name_get_and_post_agree(client, schemas):
    queries = {"q0": {"query": "Derbyshire Healthcare NHS Foundation Trust"}, "q1": {"query": "DHCFT"},
               "q2": {"query": "no such body at all"}}
    posted = valid(schemas, "reconciliation-result-batch.json", reconcile(client, queries))
    assert posted == reconcile(client, queries, "get")
    assert set(posted) == set(queries)
    assert posted["q0"]["result"][0]["id"] == DHCFT and posted["q0"]["result"][0]["match"] is True
    assert posted["q1"]["result"][0]["id"] == DHCFT  # the acronym resolves...
    assert posted["q1"]["result"][0]["match"] is False  # ...but is not taken as certain
    assert posted["q2"]["result"] == []


@pytest.mark.parametrize("date", ["1995", "1999-06", "2001"])
def test_a_date_picks_the_name_in_force_then(client, schemas, date):
    """A former name with a date: the body that bore it then, named as it was then."""
    answer = valid(schemas, "reconciliation-result-batch.json", reconcile(client, {"q": {
        "query": "Southern Derbyshire Mental Health NHS Trust", "properties": [{"pid": "date", "v": date}]}}))
    best = answer["q"]["result"][0]
    assert (best["id"], best["name"], best["match"]) == (SOUTHERN, "Southern Derbyshire Mental Health NHS Trust", True)
    assert {"id": "name_in_force_on_date", "value": True} in best["features"]


def test_a_later_name_with_an_early_date_gives_the_body_of_then(client, schemas):  # the README's example
    """Today's name asked for 1999: the lineage's body of 1999, named as it was then, not certain."""
    answer = valid(schemas, "reconciliation-result-batch.json", reconcile(client, {"q": {
        "query": "Derbyshire Healthcare NHS Foundation Trust", "properties": [{"pid": "date", "v": "1999"}]}}))
    best = answer["q"]["result"][0]
    assert best["id"] == SOUTHERN and best["name"] == "Southern Derbyshire Mental Health NHS Trust"
    assert best["match"] is False
    undated = reconcile(client, {"q": {"query": "Derbyshire Healthcare NHS Foundation Trust"}})
    assert undated["q"]["result"][0]["id"] == DHCFT  # without the date, today's body


def test_the_same_name_on_different_dates_gives_the_names_of_then(client):
    names = {}
    for date in ("1995", "2005", "2015"):
        answer = reconcile(client, {"q": {"query": "Southern Derbyshire Mental Health", "properties": [
            {"pid": "date", "v": date}]}})
        names[date] = answer["q"]["result"][0]["name"]
    assert names["1995"] == "Southern Derbyshire Mental Health NHS Trust"
    assert names["2005"] == "Derbyshire Mental Health Services NHS Trust"
    assert names["2015"] == "Derbyshire Healthcare NHS Foundation Trust"


def test_types_filter_and_sites(client, schemas):
    trusts = valid(schemas, "reconciliation-result-batch.json", reconcile(client, {
        "q": {"query": "Derbyshire", "type": TRUST, "limit": 10}}))
    assert trusts["q"]["result"]
    for candidate in trusts["q"]["result"]:
        assert any(t["id"] == TRUST for t in candidate["type"]), candidate
    site = valid(schemas, "reconciliation-result-batch.json", reconcile(client, {
        "q": {"query": "Radbourne Unit", "type": "https://w3id.org/derbygraph/ontology#Site"}}))
    assert site["q"]["result"][0]["id"] == "id/site/radbourne-unit"


def test_the_specifications_own_query_batches_get_answers_or_reasons(client, schemas):
    _, folder = schemas
    for example in sorted((folder / "examples" / "reconciliation-query-batch" / "valid").glob("*.json")):
        response = client.post("/reconcile", data={"queries": example.read_text()})
        assert response.status_code in (200, 400), example
        if response.status_code == 200:
            valid(schemas, "reconciliation-result-batch.json", response.get_json())
        else:
            assert "unknown" in response.get_json()["error"], example  # a property or type of another service


def test_a_property_named_like_a_column_header_is_understood(client):
    answer = reconcile(client, {"q": {"query": "Southern Derbyshire Mental Health", "properties": [
        {"pid": "Date", "v": "2005"}]}})
    assert answer["q"]["result"][0]["name"] == "Derbyshire Mental Health Services NHS Trust"


@pytest.mark.parametrize("queries, words", [
    ('{"q": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}}', "unknown property"),
    ('{"q": {"query": "x", "type": "https://example.org/Nothing"}}', "unknown type"),
    ('{"q": {"query": "x", "limit": -1}}', "limit"),
    ('{"q": "x"}', "JSON object"),
    ('[1, 2]', "JSON object"),
    ("{not json", "not JSON"),
])
def test_bad_queries_get_a_400_that_says_why(client, queries, words):
    response = client.post("/reconcile", data={"queries": queries})
    assert response.status_code == 400
    assert words in response.get_json()["error"]


def test_suggest(client, schemas):
    entities = valid(schemas, "suggest-entities-response.json",
                     client.get("/reconcile/suggest/entity?prefix=Southern%20Derb").get_json())
    assert entities["result"][0]["id"] == SOUTHERN
    types = valid(schemas, "suggest-types-response.json", client.get("/reconcile/suggest/type?prefix=trust").get_json())
    assert TRUST in {t["id"] for t in types["result"]}
    properties = valid(schemas, "suggest-properties-response.json",
                       client.get("/reconcile/suggest/property?prefix=da").get_json())
    assert "date" in {p["id"] for p in properties["result"]} and "code" not in {p["id"] for p in properties["result"]}


def test_preview_is_a_small_page_that_frames_anywhere(client):
    response = client.get(f"/reconcile/preview?id={SOUTHERN}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Derbyshire Mental Health Services NHS Trust" in page
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert client.get("/reconcile/preview?id=id/org/nothing").status_code == 400


def test_data_extension(client, schemas):
    proposal = valid(schemas, "data-extension-property-proposal.json",
                     client.get(f"/reconcile/propose_properties?type={TRUST}").get_json())
    assert {p["id"] for p in proposal["properties"]} >= {"code", "kind", "name_on", "successor", "quote"}
    request = {"ids": [SOUTHERN, "id/org/nothing"], "properties": [
        {"id": "name_on", "settings": {"date": "2005"}}, {"id": "kind"}, {"id": "successor"},
        {"id": "quote", "settings": {"date": "1995"}}, {"id": "code"}]}
    answer = valid(schemas, "data-extension-response.json",
                   client.post("/reconcile", data={"extend": json.dumps(request)}).get_json())
    row = answer["rows"][SOUTHERN]
    assert row["name_on"] == [{"str": "Derbyshire Mental Health Services NHS Trust"}]
    assert row["kind"] == [{"id": TRUST, "name": "NHS trust"}]
    assert row["successor"] == [{"id": DHCFT, "name": "Derbyshire Healthcare NHS Foundation Trust"}]
    assert row["quote"] and all("Southern Derbyshire Mental Health NHS Trust" in q["str"] for q in row["quote"])
    assert answer["rows"]["id/org/nothing"] == {p["id"]: [] for p in request["properties"]}
    assert [m["id"] for m in answer["meta"]] == [p["id"] for p in request["properties"]]
    bad = client.post("/reconcile", data={"extend": json.dumps({"ids": [SOUTHERN], "properties": [{"id": "x"}]})})
    assert bad.status_code == 400 and "unknown property" in bad.get_json()["error"]


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40), date=st.text(max_size=12), identifier=st.text(max_size=30))
def test_any_input_gets_an_answer_or_a_400_never_a_500(client, text, date, identifier):
    queries = {"q": {"query": text, "properties": [{"pid": "date", "v": date}]}}
    answer = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert answer.status_code in (200, 400)
    assert client.get("/reconcile/suggest/entity", query_string={"prefix": text}).status_code == 200
    assert client.get("/reconcile/preview", query_string={"id": identifier}).status_code in (200, 400)
    extend = {"ids": [identifier], "properties": [{"id": "name_on", "settings": {"date": date}}]}
    assert client.post("/reconcile", data={"extend": json.dumps(extend)}).status_code in (200, 400)


# --- with the NHS registry loaded (../shared/ods/) -----------------------------------------------


@pytest.fixture(scope="module")
def registry_client(registry_dataset):
    """The app over the documents and the whole ODS registry (built once per session)."""
    from derbygraph.web.app import create_app

    return create_app(registry_dataset).test_client()


def test_with_the_registry_codes_dates_and_sites(registry_client, schemas):
    answer = valid(schemas, "reconciliation-result-batch.json", reconcile(registry_client, {
        "by_code": {"query": "Derbyshire Healthcare", "properties": [{"pid": "code", "v": "RXM"}]},
        "then": {"query": "Southern Derbyshire Mental Health NHS Trust", "properties": [{"pid": "date", "v": "1999"}]},
        "site": {"query": "RXM02", "type": "https://w3id.org/derbygraph/ontology#Site"}}))
    assert answer["by_code"]["result"][0]["match"] is True
    assert "RXM" in answer["by_code"]["result"][0]["description"]
    assert answer["then"]["result"][0]["id"] == SOUTHERN and answer["then"]["result"][0]["match"] is True
    assert answer["site"]["result"][0]["id"] == "id/ods/org/RXM02"
    for candidate in answer["then"]["result"] + answer["by_code"]["result"]:
        assert not candidate["name"].isupper()  # the registry's capitals are a variant, not the name shown
    extended = valid(schemas, "data-extension-response.json", registry_client.post("/reconcile", data={"extend": json.dumps(
        {"ids": [DHCFT], "properties": [{"id": "code"}, {"id": "successor"}]})}).get_json())
    assert {"str": "RXM"} in extended["rows"][DHCFT]["code"]


def test_with_the_registry_a_rough_name_offers_choices(registry_client):
    page = registry_client.get("/lineage?org=Sheffield").get_data(as_text=True)
    assert "Sheffield" in page and ('class="closest"' in page or "Which organisation do you mean?" in page)
    assert page.count('class="choice"') >= 1  # the registry names two Sheffield trusts: the other is offered
    assert "Sheffield Children's NHS Foundation Trust" in page.replace("&#39;", "'")  # not the registry's capitals


# --- a whole spreadsheet: one candidate per body, right at any date (issue 25) --------------------

FT = "https://w3id.org/derbygraph/ontology#NHSFoundationTrust"
DCHS = "id/org/derbyshire-community-health-services-nhs-foundation-trust"


@pytest.fixture(scope="module", params=["documents", "registry"])
def any_client(request):
    """The app without the registry and with it: what must hold on both."""
    return request.getfixturevalue("client" if request.param == "documents" else "registry_client")


def best_of(client, query: dict) -> list[dict]:
    return reconcile(client, {"q": query})["q"]["result"]


def test_the_readme_example_with_and_without_the_registry(any_client, schemas):
    """Today's name with 1999: the lineage's 1999 body first, named as it was in 1999, and the
    description says which name matched and when it held."""
    answer = valid(schemas, "reconciliation-result-batch.json", reconcile(any_client, {"q": {
        "query": "Derbyshire Healthcare NHS Foundation Trust", "properties": [{"pid": "date", "v": "1999"}]}}))
    found = answer["q"]["result"]
    assert (found[0]["id"], found[0]["name"]) == (SOUTHERN, "Southern Derbyshire Mental Health NHS Trust")
    assert "Derbyshire Healthcare NHS Foundation Trust” (2011-02-01–now)" in found[0]["description"]
    assert {"id": "lineage_body_in_force_on_date", "value": True} in found[0]["features"]
    assert not any(c["match"] for c in found)


def test_candidates_are_sorted_by_score_and_never_events(any_client):
    for date in ("1999", "2005", "2016", None):
        query = {"query": "Derbyshire Healthcare", "limit": 20}
        if date:
            query["properties"] = [{"pid": "date", "v": date}]
        found = best_of(any_client, query)
        scores = [c["score"] for c in found]
        assert scores == sorted(scores, reverse=True), date
        assert not any("tribunal" in c["id"] for c in found), date
        assert len({c["id"] for c in found}) == len(found)
    asked = best_of(any_client, {"query": "Employment tribunal", "type": "Tribunal"})
    assert asked and asked[0]["id"] == "id/org/employment-tribunal-2015-dhcft"  # found when its type is asked


def test_one_candidate_per_body_with_the_registry(registry_client, schemas):
    """RXM and the documents' foundation trust are one body: one candidate, with the code in its
    description, so the exact names of both trusts auto-match."""
    for name, body, code in (("Derbyshire Healthcare NHS Foundation Trust", DHCFT, "RXM"),
                             ("Derbyshire Community Health Services NHS Foundation Trust", DCHS, "RY8")):
        found = valid(schemas, "reconciliation-result-batch.json", reconcile(registry_client, {"q": {"query": name}}))["q"]["result"]
        assert (found[0]["id"], found[0]["match"]) == (body, True)
        assert f"ODS {code} (NHS trust or care trust" in found[0]["description"]
        assert not any(c["id"] == f"id/ods/org/{code}" for c in found)
    acronym = best_of(registry_client, {"query": "DHCFT"})
    assert acronym[0]["id"] == DHCFT and not any(c["id"] == "id/ods/org/RXM" for c in acronym)
    by_code = best_of(registry_client, {"query": "RXM", "properties": [{"pid": "date", "v": "2015"}]})
    assert (by_code[0]["id"], by_code[0]["match"]) == (DHCFT, True)


@pytest.mark.parametrize("date", ["1995-06-01T00:00:00Z", 1995, 1995.0, "1995", "c. 1995", "circa 1995", "1995?",
                                  "95", "'95", "1995-06", "01/06/1995", "1990s", "1994-96"])
def test_the_date_forms_spreadsheets_send(client, date):
    found = best_of(client, {"query": "Southern Derbyshire Mental Health NHS Trust", "properties": [{"pid": "date", "v": date}]})
    assert (found[0]["id"], found[0]["name"], found[0]["match"]) == (SOUTHERN, "Southern Derbyshire Mental Health NHS Trust", True)
    assert {"id": "name_in_force_on_date", "value": True} in found[0]["features"], date


def test_a_cell_that_cannot_be_read_affects_only_its_row(client, schemas):
    answer = valid(schemas, "reconciliation-result-batch.json", reconcile(client, {
        "good": {"query": "Derbyshire Mental Health Services NHS Trust", "properties": [{"pid": "date", "v": "2005"}]},
        "bad": {"query": "Derbyshire Mental Health Services NHS Trust", "properties": [{"pid": "date", "v": "1999-13"}]},
        "words": {"query": "Derbyshire Mental Health Services NHS Trust", "properties": [{"pid": "date", "v": "not known"}]}}))
    assert answer["good"]["result"][0]["match"] is True
    for key in ("bad", "words"):
        best = answer[key]["result"][0]
        assert best["id"] == SOUTHERN and "not read: answered as if undated" in best["description"]
        assert {"id": "date_read", "value": False} in best["features"]
        assert not any(f["id"] == "date_fit" for f in best["features"])


def test_a_json_body_is_read_as_the_queries(client, schemas):
    queries = {"q0": {"query": "Derbyshire Healthcare NHS Foundation Trust"}}
    form = reconcile(client, queries)
    for body in (queries, {"queries": queries}):
        response = client.post("/reconcile", json=body)
        assert response.status_code == 200
        assert valid(schemas, "reconciliation-result-batch.json", response.get_json()) == form
    for bad in ("[1, 2]", "{not json"):
        refused = client.post("/reconcile", data=bad, content_type="application/json")
        assert refused.status_code == 400
        assert "queries" in refused.get_json()["error"]


@pytest.mark.parametrize("kind", ["NHSTrust", "dg:NHSTrust", TRUST])
def test_short_type_ids(client, kind):
    found = best_of(client, {"query": "Southern Derbyshire Mental Health NHS Trust", "type": kind})
    assert found[0]["id"] == SOUTHERN


def test_every_type_of_the_manifest_finds_its_bodies(any_client):
    """Reconciling an instance's name with its type finds it, for every type offered."""
    from derbygraph.store.dataset import iri

    app = any_client.application
    dataset = app.config["DATASET"]
    kinds = any_client.get("/reconcile/suggest/type?prefix=&limit=50").get_json()["result"]
    assert kinds
    for kind in kinds:
        instance = next(iter(dataset.subjects(vocab_type(), iri(kind["id"]))))
        name = dataset.label(instance)
        found = best_of(any_client, {"query": name, "type": kind["id"], "limit": 20})
        assert any(instance.value.endswith(c["id"]) or kind["id"] in {t["id"] for t in c["type"]} for c in found), kind


def vocab_type() -> str:
    from derbygraph import vocab

    return vocab.RDF + "type"


@pytest.mark.parametrize("kind", ["NHSBody", "NHSFoundationTrust", FT])
def test_types_find_registry_bodies(registry_client, kind):
    found = best_of(registry_client, {"query": "Chesterfield Royal Hospital NHS Foundation Trust", "type": kind})
    assert found and (found[0]["id"], found[0]["match"]) == ("id/ods/org/RFS", True)


def test_code_and_postcode_properties(registry_client):
    coded = best_of(registry_client, {"query": "Derbyshire Healthcare", "properties": [{"pid": "code", "v": "rxm"}]})
    assert (coded[0]["id"], coded[0]["match"]) == (DHCFT, True) and {"id": "code", "value": True} in coded[0]["features"]
    wrong = best_of(registry_client, {"query": "Derbyshire Healthcare NHS Foundation Trust", "properties": [{"pid": "code", "v": "RFS"}]})
    assert not any(c["match"] for c in wrong)
    placed = best_of(registry_client, {"query": "Derbyshire Healthcare NHS Foundation Trust",
                                       "properties": [{"pid": "postcode", "v": "de22 3lz"}]})
    assert placed[0]["id"] == DHCFT and {"id": "postcode", "value": True} in placed[0]["features"]
    only_postcode = best_of(registry_client, {"query": "", "properties": [{"pid": "postcode", "v": "S44 5BL"}]})
    assert only_postcode[0]["id"] == "id/ods/org/RFS"


def extend(client, ids: list[str], properties: list[dict]) -> dict:
    response = client.post("/reconcile", data={"extend": json.dumps({"ids": ids, "properties": properties})})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_extend_gives_only_what_held_on_the_date(registry_client, schemas):
    """No RXM before it opened (2002-04-01): in 1995 the body's code is RW2 (linked by the third
    listing's name; succeeded by RXM in 2002); the quote for the period asked, not RXM's registry row."""
    for date, codes in (("1995", [{"str": "RW2"}]), ("2005", [{"str": "RXM"}])):
        answer = valid(schemas, "data-extension-response.json", extend(registry_client, [SOUTHERN], [
            {"id": "code", "settings": {"date": date}}, {"id": "quote", "settings": {"date": date}}]))
        assert answer["rows"][SOUTHERN]["code"] == codes, date
        quotes = answer["rows"][SOUTHERN]["quote"]
        assert quotes and not any("etr.csv" in q["str"] or "DERBYSHIRE HEALTHCARE" in q["str"] for q in quotes), date
    assert extend(registry_client, [DHCFT], [{"id": "code", "settings": {"date": "2015"}}])["rows"][DHCFT]["code"] == [{"str": "RXM"}]
    assert extend(registry_client, [DHCFT], [{"id": "code", "settings": {"date": "1999"}}])["rows"][DHCFT]["code"] == []


def test_suggest_gives_one_entry_per_body_with_its_dates(registry_client, schemas):
    found = valid(schemas, "suggest-entities-response.json",
                  registry_client.get("/reconcile/suggest/entity?prefix=Derbyshire%20Healthcare").get_json())["result"]
    assert found[0]["id"] == DHCFT and "2011-02-01–now" in found[0]["description"]
    assert len({e["id"] for e in found}) == len(found) and "id/ods/org/RXM" not in {e["id"] for e in found}


def test_the_preview_names_the_bodies_before_a_registry_body(registry_client):
    page = registry_client.get("/reconcile/preview?id=id/ods/org/RW1").get_data(as_text=True)
    assert "Solent NHS Trust" in page  # R1C, named by the registry, not "ODS NHS trust or care trust R1C"
    assert "NHS trust or care trust R1C" not in page


# --- the sheet against the live server, and the preview in a browser --------------------------------


@pytest.fixture(scope="module", params=["documents", "registry"])
def live(request):
    return request.getfixturevalue("server" if request.param == "documents" else "registry_server")


def test_the_sheet_against_the_live_server(live, schemas):
    """benchmarks/reconcile_sheet.csv: >= 95% right at the top, >= 80% auto-matched, none wrong
    with match: true, every answer valid."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import reconcile_eval

    report = reconcile_eval.evaluate(live.url, reconcile_eval.read_sheet())
    for answer in report["answers"]:
        valid(schemas, "reconciliation-result-batch.json", answer)
    assert report["rows"] >= 60
    misses = [(r["row"]["name"], r["row"]["date"], (r["top"] or {}).get("id")) for r in report["results"] if not r["right_at_top"]]
    assert report["right_at_top"] >= 0.95, misses
    assert report["right_matched"] >= 0.80
    assert report["wrong_matched"] == 0, [r["row"]["name"] for r in report["results"] if r["wrong_matched"]]


def test_the_preview_fits_its_declared_frame(server, browser):
    """Measured in headless Chromium at the manifest's width: the card is no taller than its height."""
    _, manifest = server.json("/reconcile")
    width, height = manifest["preview"]["width"], manifest["preview"]["height"]
    page = browser.new_page(viewport={"width": width, "height": height})
    for identifier, name in ((SOUTHERN, "Southern Derbyshire"), (DHCFT, "Derbyshire Healthcare"),
                             ("id/site/radbourne-unit", "Radbourne Unit")):
        page.goto(server.url + manifest["preview"]["url"].split("/reconcile", 1)[1].join(["/reconcile", ""])
                  .replace("{{id}}", identifier))
        size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight, "
                             "Math.max(...[...document.body.children].map(e => e.getBoundingClientRect().bottom))]")
        assert size[0] <= width and size[1] <= height and size[2] <= height, (identifier, size)
        assert name in page.inner_text("body"), identifier


@pytest.mark.parametrize("cell, at, years", [
    ("1995-06-01T00:00:00Z", "1995-06-01", ()), ("2001-02-01T10:30:00+01:00", "2001-02-01", ()), (1995, "1995", ()),
    ("1999-06", "1999-06", ()), ("01/02/2003", "2003-02-01", ()), ("2003/2/1", "2003-02-01", ()),
    ("48", "1948", ()), ("47", "2047", ()), ("'05", "2005", ()),
    ("c. 2005", "2005", ("2003", "2004", "2005", "2006", "2007")), ("2005?", "2005", ("2003", "2004", "2005", "2006", "2007")),
    ("1994-96", "1995", ("1994", "1995", "1996")), ("1990s", "1995", tuple(str(y) for y in range(1990, 2000))),
])
def test_cell_dates(cell, at, years):
    from derbygraph.answers.reconcile import celldates

    when = celldates.read(cell)
    assert (when.at, when.years) == (at, years)


@pytest.mark.parametrize("cell", ["1999-13", "soon", "2005-02-30", "1999-1990", True, "12/13/2005"])
def test_cell_dates_that_cannot_be_read_say_so(cell):
    from derbygraph.answers.reconcile import celldates

    when = celldates.read(cell)
    assert when.at is None and "not read: answered as if undated" in when.note
    assert celldates.read("") == celldates.read(None) == celldates.UNDATED  # an empty cell is undated, silently


def test_a_body_past_its_dissolution_is_never_a_match(client):
    """Community Health Care (North Derbyshire) was dissolved in 2002 or before (a bound, not a date)."""
    name = "Community Health Care (North Derbyshire) NHS Trust"
    before = best_of(client, {"query": name, "properties": [{"pid": "date", "v": "1998"}]})
    after = best_of(client, {"query": name, "properties": [{"pid": "date", "v": "2010"}]})
    assert before[0]["match"] is True
    assert after[0]["match"] is False and "not in force in 2010" in after[0]["description"]
