"""Crosswalks: every code of the real registry mapped to the codes in force on a date, checked against
a second, simple computation straight from succ.csv; the CLI, the API and the page give one answer."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict

import pytest
from conftest import run_cli

from derbygraph.answers.crosswalk import (
    BadKind,
    CrosswalkService,
    NoRegistry,
    UnknownCode,
    to_csv,
)
from derbygraph.dates import BadDate


def simple_crosswalk(rows: list[list[str]], to: str) -> dict[str, tuple[set, set]]:
    """code -> (targets, successions followed), from the raw rows: follow every row dated up to `to`
    (compared on the digits `to` gives), from a code reached on day D only rows dated D or later."""
    digits = to.replace("-", "")
    onward = defaultdict(list)
    for predecessor, successor, _, date, _ in rows:
        if date[:len(digits)] <= digits:
            onward[predecessor].append((date, successor))

    def reach(code: str, since: str, path: tuple) -> tuple[set, set]:
        steps = [(d, s) for d, s in onward[code] if d >= since and s not in path]
        if not steps:
            return {code}, set()
        targets, followed = set(), set()
        for date, successor in steps:
            more, more_followed = reach(successor, date, path + (code,))
            targets |= more
            followed |= more_followed | {(code, successor, f"{date[:4]}-{date[4:6]}-{date[6:]}")}
        return targets, followed

    codes = {c for row in rows for c in row[:2]}
    return {code: reach(code, "", ()) for code in codes}


@pytest.fixture(scope="module")
def service(registry_dataset):
    return CrosswalkService(registry_dataset)


@pytest.fixture(scope="module")
def succ_rows(registry_files):
    with (registry_files / "succ.csv").open(newline="") as stream:
        return list(csv.reader(stream))


@pytest.mark.parametrize("to", ["2013-04-01", "2002", "2026-04-01"])
def test_every_code_matches_a_second_computation(service, succ_rows, registry_files, to):
    answer = service.crosswalk(to)
    with (registry_files / "etr.csv").open(newline="") as stream:
        trust_codes = {row[0] for row in csv.reader(stream)}
    expected = simple_crosswalk(succ_rows, to)
    rows = {row["code"]: row for row in answer["rows"]}
    assert set(rows) == set(expected) | trust_codes  # every code of the files, once
    for code, (targets, followed) in expected.items():
        row = rows[code]
        assert {t["code"] for t in row["targets"]} == targets, code
        assert {(p["from"], p["to"], p["date"]) for p in row["path"]} == followed, code
        assert row["split"] == (len(targets) > 1)
        assert len(row["evidence"]) >= len(followed)
    assert any(row["split"] for row in rows.values())  # splits are among the codes compared, on every date


def test_a_merger_maps_its_old_codes_onto_the_new_one(service):
    answer = service.crosswalk("2013-04-01", code="rkx")
    [row] = answer["rows"]
    assert row["targets"] == [{"code": "RXM", "name": "Derbyshire Healthcare NHS Foundation Trust", "kind": "trust",
                               "share": 1.0, "listed_name": None}]
    assert row["path"] == [{"from": "RKX", "to": "RXM", "date": "2002-04-01"}]
    assert row["evidence"][0]["quote"] == '"RKX","RXM","","20020401","0"' and row["evidence"][0]["line"]
    before = service.crosswalk("2002-03-31", code="RKX")["rows"][0]
    assert before["targets"][0]["code"] == "RKX" and before["path"] == []  # no succession yet: itself


def test_notes_say_where_the_files_stop(service):
    [late] = service.crosswalk("2030", code="R1C")["rows"]
    assert late["targets"][0]["code"] == "RW1"
    assert any("later changes are not known" in n for n in late["notes"])
    [early] = service.crosswalk("1995", code="RXM")["rows"]
    assert any(n.startswith("RXM opened on 2002-04-01 (etr.csv line 187), after 1995") for n in early["notes"])


def test_a_kind_filters_the_codes(service, succ_rows):
    answer = service.crosswalk("2013-04-01", kind="pcg")
    groups = {c for row in succ_rows for c in row[:2] if re.fullmatch(r"4[A-Z]{2}\d\d", c)}
    assert {r["code"] for r in answer["rows"]} == groups and {r["kind"] for r in answer["rows"]} == {"pcg"}
    assert all(r["targets"] and r["path"] for r in answer["rows"])  # every primary care group became something


@pytest.mark.parametrize("args, error", [
    ({"to": "2013-13-01"}, BadDate), ({"to": "soon"}, BadDate), ({"to": "2013", "kind": "hospital"}, BadKind),
    ({"to": "2013", "code": "NOPE1"}, UnknownCode),
])
def test_bad_questions_are_refused(service, args, error):
    with pytest.raises(error):
        service.crosswalk(**args)


def test_a_dataset_without_the_registry_says_so(dataset):
    with pytest.raises(NoRegistry, match="import-ods"):
        CrosswalkService(dataset).crosswalk("2013")


def test_csv_has_a_row_per_code_and_target(service):
    answer = service.crosswalk("2026-04-01", kind="pct")
    table = list(csv.DictReader(io.StringIO(to_csv(answer))))
    assert len(table) == sum(len(r["targets"]) for r in answer["rows"])
    split = next(r for r in answer["rows"] if r["split"])
    assert {t["target"] for t in table if t["code"] == split["code"]} == {t["code"] for t in split["targets"]}


# --- the same answer on the command line, over HTTP and on the page ------------------------------------


def test_cli_and_api_agree(registry_store, registry_server, tmp_path):
    cli = run_cli("crosswalk", "--to", "2013-04-01", "--code", "5K9", "--format", "json", "--store", registry_store,
                  check=True)
    status, api = registry_server.json("/api/crosswalk?to=2013-04-01&code=5K9")
    assert status == 200 and json.loads(cli.stdout) == api
    out = tmp_path / "pct.csv"
    run_cli("crosswalk", "--to", "2013-04-01", "--kind", "pct", "-o", str(out), "--store", registry_store, check=True)
    for path, headers in (("/api/crosswalk.csv?to=2013-04-01&kind=pct", {}),
                          ("/api/crosswalk?to=2013-04-01&kind=pct", {"Accept": "text/csv"})):
        status, response_headers, body = registry_server.get(path, headers=headers)
        assert status == 200 and response_headers["Content-Type"].startswith("text/csv")
        assert body == out.read_bytes(), path


@pytest.mark.parametrize("path, status", [
    ("/api/crosswalk", 400), ("/api/crosswalk?to=2013-02-30", 400), ("/api/crosswalk?to=2013&kind=nope", 400),
    ("/api/crosswalk?to=2013&code=NOPE1", 404), ("/api/crosswalk.csv?to=x", 400),
])
def test_api_errors_are_json(registry_server, path, status):
    got, body = registry_server.json(path)
    assert got == status and body["error"]


def test_cli_errors_are_one_line(registry_store):
    for args in (["--to", "2013-02-30"], ["--to", "2013", "--kind", "nope"], ["--to", "2013", "--code", "NOPE1"]):
        result = run_cli("crosswalk", *args, "--store", registry_store)
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_the_page_offers_the_download(registry_server):
    status, headers, body = registry_server.get("/crosswalk?to=2013-04-01&kind=pct", headers={"Accept": "text/html"})
    page = body.decode()
    assert status == 200 and "text/html" in headers["Content-Type"]
    assert "/api/crosswalk.csv?to=2013-04-01&amp;kind=pct" in page and "<option value=\"pct\" selected>" in page
    assert "None" not in page and "ODS " not in page  # an unknown name is empty, never a placeholder
    status, _, body = registry_server.get("/crosswalk?to=2013-02-30")
    assert status == 400 and "is not a real date" in body.decode()
    status, _, body = registry_server.get("/crosswalk")
    assert status == 200 and "<form" in body.decode()


def test_a_date_before_the_first_successions_says_so(service, succ_rows):
    """1992-02-01 is in the files' first year but before its first successions (1992-04-01): the
    mapping is answered, each row noting it; 1991 is refused (test_crosswalk_tables)."""
    first = min(row[3] for row in succ_rows)
    count = sum(1 for row in succ_rows if row[3] == first)
    [row] = service.crosswalk("1992-02-01", code="RKX")["rows"]
    assert row["path"] == [] and [t["code"] for t in row["targets"]] == ["RKX"]
    assert f"1992-02-01 is before the files' first successions ({count} rows of succ.csv dated " \
           f"{first[:4]}-{first[4:6]}-{first[6:]}, none earlier)" in " | ".join(row["notes"])
    [later] = service.crosswalk("1992-04-01", code="RKX")["rows"]
    assert not any("before the files' first" in n for n in later["notes"])
