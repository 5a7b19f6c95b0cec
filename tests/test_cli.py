"""The `derbygraph` command, run as a subprocess the way a user runs it."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
import rdflib


def test_lineage_text(cli):
    result = cli("lineage", "Southern Derbyshire Trust", check=True)
    assert "1992 – 2001        Southern Derbyshire Mental Health NHS Trust" in result.stdout
    assert "Derbyshire Healthcare NHS Foundation Trust" in result.stdout.splitlines()[0]


def test_lineage_json_is_what_the_api_returns(cli, server, store):
    printed = json.loads(cli("lineage", "DCHS", "--json", "--store", store, check=True).stdout)
    status, served = server.json("/api/lineage?org=DCHS")
    assert status == 200 and printed == served


def test_lineage_at(cli, store):
    answer = json.loads(cli("lineage", "Derbyshire Healthcare", "--at", "2001-06", "--json", "--store", store,
                            check=True).stdout)
    assert answer["at"] == "2001-06"
    assert "Southern Derbyshire Community and Mental Health Services NHS Trust" in [n["label"] for n in answer["names"]]


@pytest.mark.parametrize("args, message", [
    (["lineage", "Nowhere Hospital Authority"], "no organisation matches"),
    (["lineage", "DCHS", "--at", "2011-13"], "not a real date"),
    (["lineage", "DCHS", "--at", "last year"], "not a date"),
    (["query", "SELECT ?s WHERE { ?s ?p }"], "malformed query"),
    (["query", "INSERT DATA { <a:b> <a:c> <a:d> }"], "read-only"),
    (["query", "missing-file.rq"], "missing-file.rq"),
    (["export", "-o", "/nonexistent-dir/out.ttl"], "/nonexistent-dir/out.ttl"),
    (["serve", "--store", "/nonexistent-store"], "not a derbygraph store"),
    (["check", "--sources", "/nonexistent-sources"], "no such folder"),
])
def test_bad_input_is_one_clear_line(cli, store, args, message):
    reads_the_graph = args[0] in ("lineage", "query", "export")  # from the session's store: no build each time
    result = cli(*args, *(["--store", store] if reads_the_graph else []))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_query_formats(cli, store, fmt):
    result = cli("query", "SELECT ?n WHERE { ?p dg:name ?n } ORDER BY ?n", "--format", fmt, "--store", store, check=True)
    if fmt == "csv":  # CSV results are lossy by design: read them as plain CSV
        values = [row[0] for row in csv.reader(io.StringIO(result.stdout))][1:]
    else:
        parsed = ox.parse_query_results(result.stdout.encode(), getattr(ox.QueryResultsFormat, fmt.upper()))
        values = [row["n"].value for row in parsed]
    assert "Southern Derbyshire Mental Health NHS Trust" in values


def test_query_table_and_construct(cli, store):
    table = cli("query", "SELECT ?l WHERE { ?o a dg:NHSFoundationTrust ; rdfs:label ?l } ORDER BY ?l",
                "--store", store, check=True).stdout
    assert "Derbyshire Healthcare NHS Foundation Trust" in table and "(2 rows)" in table
    turtle = cli("query", "CONSTRUCT { ?o a org:Organization } WHERE { ?o a dg:NHSTrust }", "--store", store,
                 check=True).stdout
    assert len(rdflib.Graph().parse(data=turtle, format="turtle")) == 2


def test_query_from_file(cli, store, tmp_path):
    path = tmp_path / "count.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?e a prov:Activity ; time:hasTime [] }")  # every dated event
    result = cli("query", str(path), "--format", "csv", "--store", store, check=True)
    assert int(result.stdout.splitlines()[1]) >= 15


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("nt", "nt"), ("nq", "nquads"), ("trig", "trig"),
                                         ("jsonld", "json-ld"), ("xml", "xml")])
def test_export_parses_with_rdflib(cli, store, tmp_path, fmt, parser):
    path = tmp_path / f"dump.{fmt}"
    cli("export", "--format", fmt, "-o", str(path), "--store", store, check=True)
    graph = rdflib.Dataset() if fmt in ("nq", "trig") else rdflib.Graph()
    graph.parse(path, format=parser)
    count = sum(1 for _ in graph.quads()) if fmt in ("nq", "trig") else len(graph)
    assert count > 4000


def test_export_asserted_leaves_out_inferences(cli, store):
    everything = cli("export", "--format", "nt", "--store", store, check=True).stdout.splitlines()
    asserted = cli("export", "--format", "nt", "--asserted", "--store", store, check=True).stdout.splitlines()
    assert len(asserted) < len(everything)
    renaming = "<https://w3id.org/derbygraph/id/event/2001-renaming-southern-derbyshire-community-and-mental-health-services>"
    change_event = f"{renaming} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/org#ChangeEvent> ."
    assert change_event in everything and change_event not in asserted


def test_build_writes_a_store_that_serves_the_same_answers(cli, store):
    from_store = json.loads(cli("lineage", "Southern Derbyshire Trust", "--json", "--store", store, check=True).stdout)
    in_memory = json.loads(cli("lineage", "Southern Derbyshire Trust", "--json", check=True).stdout)
    assert from_store == in_memory
