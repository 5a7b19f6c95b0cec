"""The tables analysts built by hand, from the real CLI and the live server: the edge table, a CSV
mapped row by row, the reverse lookup, and the W3C CSVW metadata every CSV comes with (validated
by the `csvw` package, offline)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

import csvw
import pytest
from conftest import run_cli
from test_crosswalk import simple_crosswalk, succ_rows  # noqa: F401 - succ_rows is a fixture

OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
INPUT = "practice,month,admissions\nRKX,2001-06,10\nRW6,2020-01,8\n12J,2015-06-01,7\nNOPE1,2010,1\n,2010,2\nrw6,junk,4\n"


@pytest.fixture(scope="module")
def sources(registry_files):
    return [{"file": name, "sha256": hashlib.sha256((registry_files / name).read_bytes()).hexdigest()}
            for name in ("etr.csv", "succ.csv", "trust-listing.csv")]  # the store imports all three


def check_metadata(metadata_file, csv_text: str, csv_name: str, sources: list[dict], to: str | None = None) -> dict:
    """The CSVW metadata describes this CSV: JSON-LD with the CSVW context, `url` naming it, its
    columns the CSV's header, every cell of the declared datatype (the csvw validator), and what a
    citation needs: licence, attribution, version, sources with their SHA-256."""
    metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    assert metadata["@context"][0] == "http://www.w3.org/ns/csvw"
    assert metadata["url"] == csv_name
    header = next(csv.reader(io.StringIO(csv_text)))
    assert [c["name"] for c in metadata["tableSchema"]["columns"]] == header
    assert metadata["dc:license"] == {"@id": OGL} and "Open Government Licence v3.0" in metadata["dc:rights"]
    assert re.fullmatch(r"[0-9a-f]{16}", metadata["dc:hasVersion"])
    assert [{"file": s["dc:identifier"], "sha256": s["schema:sha256"]} for s in metadata["dc:source"]] == sources
    if to is not None:
        assert metadata["dc:temporal"] == to
    described = csvw.CSVW(str(metadata_file), validate=True)
    assert described.is_valid, described.warnings
    assert len(list(described.tables[0].iterdicts(strict=True))) == len(csv_text.splitlines()) - 1
    return metadata


# --- the command line -------------------------------------------------------------------------------


def test_the_edge_table_has_every_succession_once(registry_store, succ_rows, sources, tmp_path):
    out = tmp_path / "edges.csv"
    run_cli("crosswalk", "--edges", "-o", str(out), "--store", registry_store, check=True)
    table = list(csv.DictReader(out.open(newline="")))
    expected = {(p, s, f"{d[:4]}-{d[4:6]}-{d[6:]}") for p, s, _, d, _ in succ_rows}
    assert {(r["predecessor"], r["successor"], r["effective_date"]) for r in table} == expected
    assert len(table) == len(expected)
    lines = {(p, s, d): n for n, (p, s, _, d, _) in enumerate(succ_rows, start=1)}
    for row in table:
        line = lines[(row["predecessor"], row["successor"], row["effective_date"].replace("-", ""))]
        assert f"succ.csv line {line}" in row["evidence"]
        assert row["change"] in ("succession", "merger", "site succession")
    assert {r["change"] for r in table if r["successor"] == "RXM"} == {"merger"}
    check_metadata(tmp_path / "edges.csv-metadata.json", out.read_text(encoding="utf-8"), "edges.csv", sources)


def test_a_csv_is_mapped_row_by_row(registry_store, sources, tmp_path):
    given, out = tmp_path / "admissions.csv", tmp_path / "mapped.csv"
    given.write_text(INPUT, encoding="utf-8")
    run_cli("crosswalk", "--to", "2024-04-01", "--input", str(given), "--code-column", "practice", "--date-column",
            "month", "--splits", "equal", "-o", str(out), "--store", registry_store, check=True)
    rows = list(csv.DictReader(out.open(newline="")))
    assert [r["practice"] for r in rows] == ["RKX", "RW6", "RW6", "12J", "NOPE1", "", "rw6", "rw6"]  # order kept
    rkx, *rw6 = rows[:3]
    assert (rkx["target_code"], rkx["target_name"], rkx["share"], rkx["split"]) == (
        "RXM", "Derbyshire Healthcare NHS Foundation Trust", "1.0", "false")
    assert {r["target_code"]: float(r["share"]) for r in rw6} == {"R0A": 0.5, "RM3": 0.5}
    assert all(r["split"] == "true" for r in rw6)
    assert sum(float(r["admissions"]) * float(r["share"]) for r in rows if r["share"]) == 10 + 8 + 7 + 4
    twelve_j = rows[3]  # dated after its first succession: only the later one is followed
    assert "13W (succ.csv line 242): those successions are not followed" in twelve_j["note"]
    assert rows[4]["target_code"] == "" and "no registry code 'NOPE1'" in rows[4]["note"]
    assert rows[5]["note"] == "no code in this row"
    assert "'junk' is not a date" in rows[6]["note"]
    metadata = check_metadata(tmp_path / "mapped.csv-metadata.json", out.read_text(encoding="utf-8"), "mapped.csv",
                              sources, "2024-04-01")
    assert metadata["https://w3id.org/derbygraph/ontology#splitPolicy"].startswith("equal")


def test_a_row_longer_than_its_header_says_what_it_leaves_out(registry_store, tmp_path):
    """A spreadsheet's stray cell is not kept (no column holds it) and the row says so; the empty
    cell of a trailing comma is no loss. RKX became RXM on 2002-04-01 (succ.csv)."""
    given = tmp_path / "messy.csv"
    given.write_text("\ufeffcode,n\r\n rkx ,1,stray\r\nRKX,2,\r\n", encoding="utf-8")
    result = run_cli("crosswalk", "--to", "2013-04-01", "--input", str(given), "--code-column", "code",
                     "--store", registry_store, check=True)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["code"], r["n"], r["target_code"]) for r in rows] == [(" rkx ", "1", "RXM"), ("RKX", "2", "RXM")]
    assert rows[0]["note"].startswith("the row has 3 cells and the header 2 columns: 'stray' past the header not kept")
    assert "past the header" not in rows[1]["note"]


def test_weights_come_from_the_analysts_file(registry_store, tmp_path):
    given, weights = tmp_path / "in.csv", tmp_path / "weights.csv"
    given.write_text("code\nRW6\n", encoding="utf-8")
    weights.write_text("code,weight\nR0A,3\nRM3,1\n", encoding="utf-8")
    result = run_cli("crosswalk", "--to", "2024-04-01", "--input", str(given), "--code-column", "code",
                     "--splits", f"weights={weights}", "--store", registry_store, check=True)
    assert {r["target_code"]: r["share"] for r in csv.DictReader(io.StringIO(result.stdout))} == {"R0A": "0.75",
                                                                                                   "RM3": "0.25"}


def test_what_became_a_code(registry_store, succ_rows):
    result = run_cli("crosswalk", "--became", "RXM", "--to", "2013-04-01", "--format", "json", "--store",
                     registry_store, check=True)
    answer = json.loads(result.stdout)
    expected = {code for code, (targets, _) in simple_crosswalk(succ_rows, "2013-04-01").items()
                if "RXM" in targets and code != "RXM"}
    assert answer["became"] == "RXM" and {r["code"] for r in answer["rows"]} == expected
    assert {"RKX", "RW2"} <= expected


@pytest.mark.parametrize("args, says", [
    (["--to", "1990"], "begin on 1992-04-01"), (["--to", "2013", "--code", "RKX,RW2"], "one code at a time"),
    (["--to", "2013", "--input", "x.csv"], "--code-column"), (["--to", "2013", "--splits", "half"], "unknown split"),
    (["--to", "2013", "--splits", "weights=/nonexistent.csv"], "/nonexistent.csv"), ([], "--to DATE"),
    (["--became", "NOPE1", "--to", "2013"], "no registry code"),
    (["--to", "2013", "--code", "RKX", "--code", "RW2"], "give --code once"), (["--to", "2013", "--to", "2014"], "give --to once"),
])
def test_cli_refuses_in_one_line(registry_store, args, says):
    result = run_cli("crosswalk", *args, "--store", registry_store)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr


# --- over HTTP ------------------------------------------------------------------------------------


def described_by(headers) -> str:
    match = re.fullmatch(r'<([^>]+)>; rel="describedby"; type="application/csvm\+json"', headers["Link"])
    assert match, headers["Link"]
    return match.group(1)


def fetch_metadata(server, link: str, tmp_path, csv_body: bytes) -> tuple:
    """The metadata the Link names, saved beside its CSV so the validator reads both offline."""
    status, _, body = server.get(link.removeprefix(server.url))
    assert status == 200
    metadata = json.loads(body)
    name = metadata["url"].rsplit("/", 1)[-1].split("?")[0]
    (tmp_path / name).write_bytes(csv_body)
    local = tmp_path / f"{name}-metadata.json"
    local.write_text(json.dumps({**metadata, "url": name}), encoding="utf-8")
    return metadata, local, name


def test_http_edges_and_their_metadata(registry_server, registry_store, sources, tmp_path):
    status, headers, body = registry_server.get("/api/crosswalk/edges.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    out = tmp_path / "cli-edges.csv"
    run_cli("crosswalk", "--edges", "-o", str(out), "--store", registry_store, check=True)
    assert body == out.read_bytes()
    metadata, local, name = fetch_metadata(registry_server, described_by(headers), tmp_path, body)
    assert metadata["url"] == registry_server.url + "/api/crosswalk/edges.csv"
    check_metadata(local, body.decode(), name, sources)


def test_http_maps_a_posted_csv_as_the_cli_does(registry_server, registry_store, sources, tmp_path):
    path = "/api/crosswalk?to=2024-04-01&code_column=practice&date_column=month&splits=equal"
    status, headers, body = registry_server.get(path, data=INPUT.encode(), headers={"Content-Type": "text/csv"})
    assert status == 200, body
    given, out = tmp_path / "in.csv", tmp_path / "out.csv"
    given.write_text(INPUT, encoding="utf-8")
    run_cli("crosswalk", "--to", "2024-04-01", "--input", str(given), "--code-column", "practice", "--date-column",
            "month", "--splits", "equal", "-o", str(out), "--store", registry_store, check=True)
    assert body == out.read_bytes()
    _, local, name = fetch_metadata(registry_server, described_by(headers), tmp_path, body)
    check_metadata(local, body.decode(), name, sources, "2024-04-01")


def test_http_crosswalk_is_citable(registry_server, sources, tmp_path):
    status, answer = registry_server.json("/api/crosswalk?to=2013-04-01&code=RKX")
    assert status == 200 and answer["licence"] == OGL and answer["sources"] == sources
    assert "Open Government Licence v3.0" in answer["attribution"] and answer["version"]
    status, headers, body = registry_server.get("/api/crosswalk.csv?to=2013-04-01&kind=pct&splits=equal")
    assert status == 200
    metadata, local, name = fetch_metadata(registry_server, described_by(headers), tmp_path, body)
    assert metadata["url"] == registry_server.url + "/api/crosswalk.csv?to=2013-04-01&kind=pct&splits=equal"
    check_metadata(local, body.decode(), name, sources, "2013-04-01")


def test_http_reverse_lookup_matches_the_cli(registry_server, registry_store):
    status, answer = registry_server.json("/api/crosswalk?became=RXM&to=2013-04-01")
    cli = run_cli("crosswalk", "--became", "RXM", "--to", "2013-04-01", "--format", "json", "--store", registry_store,
                  check=True)
    assert status == 200 and answer == json.loads(cli.stdout)


@pytest.mark.parametrize("path, says", [
    ("/api/crosswalk?to=2013&code=RKX&code=RW2", "give code once"), ("/api/crosswalk?to=2013&code=RKX,RW2", "one code"),
    ("/api/crosswalk?to=2013&to=2014", "give to once"), ("/api/crosswalk?to=1991", "begin on 1992-04-01"),
    ("/api/crosswalk?to=2013,2014", "one date"), ("/api/crosswalk?to=2013&splits=weights", "--splits weights=FILE"),
    ("/api/crosswalk?to=2013&splits=half", "unknown split"), ("/api/crosswalk.csv?to=2013-13-01", "not a real date"),
    ("/api/crosswalk?became=RXM", "?to=DATE"),
])
def test_http_refuses_what_it_cannot_answer(registry_server, path, says):
    status, body = registry_server.json(path)
    assert status == 400 and says in body["error"], body


@pytest.mark.parametrize("query, body, says", [
    ("to=2013", "code\nRKX\n", "code_column"), ("to=2013&code_column=nope", "code\nRKX\n", "no column 'nope'"),
    ("to=2013&code_column=code", "", "empty"), ("code_column=code", "code\nRKX\n", "?to=DATE"),
])
def test_http_refuses_a_bad_posted_csv(registry_server, query, body, says):
    status, answer = registry_server.json(f"/api/crosswalk?{query}", data=body.encode(),
                                          headers={"Content-Type": "text/csv"})
    assert status == 400 and says in answer["error"], answer


# --- weights over HTTP: the analyst's file as a part of a multipart form ------------------------------

WEIGHTS = "code,weight\nR0A,3\nRM3,1\n"  # RW6 split into R0A and RM3 on 2021-10-01 (succ.csv lines 9772, 9773)


def form(fields: dict | None = None, **parts: str | bytes | None) -> tuple[bytes, dict]:
    """A multipart/form-data body: `fields` as plain fields, `parts` as files named for their parts
    (`csv` -> in.csv, `weights` -> weights.csv; None: a file input left empty, as a browser sends it)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    files = {name: FileStorage(io.BytesIO(b"" if value is None else value if isinstance(value, bytes) else value.encode()),
                               filename="" if value is None else "in.csv" if name == "csv" else f"{name}.csv",
                               content_type="text/csv")
             for name, value in parts.items()}
    boundary, body = encode_multipart({**(fields or {}), **files})
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_http_maps_a_posted_csv_with_posted_weights_as_the_cli_does(registry_server, registry_store, sources, tmp_path):
    body, headers = form(csv="code,admissions\nRW6,8\nRKX,10\n", weights=WEIGHTS)
    status, response_headers, answer = registry_server.get("/api/crosswalk?to=2024-04-01&code_column=code",
                                                           data=body, headers=headers)
    assert status == 200, answer
    rows = list(csv.DictReader(io.StringIO(answer.decode())))
    assert [(r["code"], r["target_code"], r["share"]) for r in rows] == [
        ("RW6", "R0A", "0.75"), ("RW6", "RM3", "0.25"), ("RKX", "RXM", "1.0")]
    given, weights, out = tmp_path / "in.csv", tmp_path / "weights.csv", tmp_path / "out.csv"
    given.write_text("code,admissions\nRW6,8\nRKX,10\n", encoding="utf-8")
    weights.write_text(WEIGHTS, encoding="utf-8")
    run_cli("crosswalk", "--to", "2024-04-01", "--input", str(given), "--code-column", "code", "--splits",
            f"weights={weights}", "-o", str(out), "--store", registry_store, check=True)
    assert answer == out.read_bytes()
    metadata, local, name = fetch_metadata(registry_server, described_by(response_headers), tmp_path, answer)
    assert metadata["https://w3id.org/derbygraph/ontology#splitPolicy"].startswith("weights=weights.csv: ")
    check_metadata(local, answer.decode(), name, sources, "2024-04-01")


def test_posted_weights_alone_count_the_crosswalk(registry_server, registry_store, tmp_path):
    body, headers = form(weights=WEIGHTS)
    status, answer = registry_server.json("/api/crosswalk?to=2024-04-01&code=RW6", data=body, headers=headers)
    assert status == 200, answer
    assert answer["splits"] == "weights=weights.csv" and answer["split_policy"].startswith("weights=weights.csv: ")
    assert {t["code"]: t["share"] for t in answer["rows"][0]["targets"]} == {"R0A": 0.75, "RM3": 0.25}
    status, response_headers, table = registry_server.get("/api/crosswalk.csv?to=2024-04-01&code=RW6", data=body,
                                                           headers=headers)
    assert status == 200 and [r["share"] for r in csv.DictReader(io.StringIO(table.decode()))] == ["0.75", "0.25"]
    link = described_by(response_headers)
    assert "splits=weights%3Dweights.csv" in link
    status, _, metadata = registry_server.get(link.removeprefix(registry_server.url))
    assert status == 200 and json.loads(metadata)["https://w3id.org/derbygraph/ontology#splitPolicy"].startswith(
        "weights=weights.csv")


@pytest.mark.parametrize("weights, says", [
    ("code,weight\nR0A,three\n", "weights.csv line 2: a weight must be a number"),
    ("code,weight\nR0A,-1\n", "weights.csv line 2: a weight cannot be negative"),
    ("", "weights.csv: the weights file is empty"), (b"code,weight\nR0A,\xff\n", "weights.csv is not UTF-8 text"),
])
def test_posted_weights_are_checked_as_the_cli_checks_them(registry_server, registry_store, tmp_path, weights, says):
    body, headers = form(csv="code\nRW6\n", weights=weights)
    status, answer = registry_server.json("/api/crosswalk?to=2024-04-01&code_column=code", data=body, headers=headers)
    assert status == 400 and answer["error"] == says, answer
    if isinstance(weights, str):
        given, file = tmp_path / "in.csv", tmp_path / "weights.csv"
        given.write_text("code\nRW6\n", encoding="utf-8")
        file.write_text(weights, encoding="utf-8")
        cli = run_cli("crosswalk", "--to", "2024-04-01", "--input", str(given), "--code-column", "code", "--splits",
                      f"weights={file}", "--store", registry_store)
        assert cli.returncode == 1 and cli.stderr.strip().endswith(says.removeprefix("weights.csv"))


def test_posted_weights_refuse_what_they_cannot_mean(registry_server):
    ask = "/api/crosswalk?to=2024-04-01&code_column=code"
    body, headers = form(csv="code\nRW6\n", weights=WEIGHTS)
    status, answer = registry_server.json(ask + "&splits=equal", data=body, headers=headers)
    assert status == 400 and "a weights file was sent but splits=equal" in answer["error"]
    status, answer = registry_server.json(ask + "&splits=weights", data=b"code\nRW6\n",
                                          headers={"Content-Type": "text/csv"})
    assert status == 400 and "`weights` part" in answer["error"]
    body, headers = form(weights=WEIGHTS)
    status, answer = registry_server.json(ask, data=body, headers=headers)
    assert status == 400 and "no `csv` part" in answer["error"]
    status, answer = registry_server.json(ask, data=b"code=RW6",
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and "multipart/form-data" in answer["error"]


def test_the_page_maps_a_file_from_a_browsers_form(registry_server):
    """The /crosswalk page's form posts the file, the question and an empty weights input as a browser
    does; the answer is the mapped CSV. RW6 split into R0A and RM3 on 2021-10-01 (succ.csv)."""
    status, _, page = registry_server.get("/crosswalk")
    page = page.decode()
    assert status == 200 and 'enctype="multipart/form-data"' in page and 'name="weights"' in page
    body, headers = form({"to": "2024-04-01", "code_column": "code", "date_column": "", "splits": "all"},
                         csv="code\nRW6\n", weights=None)
    status, response_headers, answer = registry_server.get("/api/crosswalk", data=body, headers=headers)
    assert status == 200, answer
    assert response_headers["Content-Disposition"] == 'attachment; filename="mapped-2024-04-01.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.decode())))
    assert [(r["target_code"], r["share"], r["split"]) for r in rows] == [("R0A", "", "true"), ("RM3", "", "true")]
