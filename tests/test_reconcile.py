"""/reconcile: the W3C Reconciliation Service API 0.2, every answer checked against the 0.2 schemas.

The schemas (and the specification's own valid and invalid examples) are read from
../shared/reconciliation-api/0.2; the tests skip, saying why, when that folder is absent.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import shared_dir

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

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
    from derbygraph.webapp import create_app

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


def test_a_later_name_with_an_early_date_gives_the_body_of_then(client, schemas):
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
    ('{"q": {"query": "x", "properties": [{"pid": "date", "v": "1999-13"}]}}', "not a real date"),
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
    from derbygraph.webapp import create_app

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
