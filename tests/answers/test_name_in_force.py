"""The name in force on a date, the same on every surface: the CLI's `lineage --at`, `/api/lineage?at=`,
the lineage page, the crosswalk's name column, reconciliation with a date and search with a date.

The build derives each name period's window once (`derbygraph.build.derive`); every surface reads it
through one rule (`derbygraph.answers.names.in_force`): of the names that may have been in force on
some day of the date, the one begun later. The expected names are written from the documents
(data/lineage.ttl): "Southern Derbyshire Mental Health NHS Trust" 1992 to 2001, "... Community and
Mental Health Services ..." 2001 to 2002, "Derbyshire Mental Health Services NHS Trust" 2002 to
2011-02-01, "Derbyshire Healthcare NHS Foundation Trust" from 2011-02-01; DCHS's name not before
2014. The dates sit on the year-, month- and day-precision ends of those periods.

The registry part is the real ODS rows of the four codes linked to these bodies (RKX and RW2
became RXM; RY8 is DCHS), imported and built into a small store once for the module.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse

import pytest
from conftest import Server, run_cli

SDMH = "Southern Derbyshire Mental Health NHS Trust"
SDCMHS = "Southern Derbyshire Community and Mental Health Services NHS Trust"
DMHS = "Derbyshire Mental Health Services NHS Trust"
DHCFT = "Derbyshire Healthcare NHS Foundation Trust"
DCHS = "Derbyshire Community Health Services NHS Foundation Trust"

OBSERVED = "2021-09-30"  # the date the whole etr.csv states last: its snapshot's day

# (query, its registry code, date, the name in force then; None: no name the sources support)
CASES = [
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "1997", SDMH),
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2001", SDCMHS),     # renamed during 2001
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2001-06", SDCMHS),  # either: the later begun
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2002", DMHS),
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2005", DMHS),
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2011", DHCFT),      # authorised on 2011-02-01
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2011-01", DMHS),
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2011-01-31", DMHS),
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2011-02", DHCFT),
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2011-02-01", DHCFT),
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", "2015", DHCFT),
    ("Derbyshire Community Health Services NHS Foundation Trust", "RY8", "2012", None),  # name not before 2014
    ("Derbyshire Community Health Services NHS Foundation Trust", "RY8", "2014", DCHS),
    ("Derbyshire Community Health Services NHS Foundation Trust", "RY8", "2015", DCHS),
    ("Derbyshire Community Health Services NHS Foundation Trust", "RY8", OBSERVED, DCHS),  # the snapshot's day
    ("Derbyshire Healthcare NHS Foundation Trust", "RXM", OBSERVED, DHCFT),
]
KNOWN = {SDMH, SDCMHS, DMHS, DHCFT, DCHS}
CODES = ("RKX", "RW2", "RXM", "RY8")


@pytest.fixture(scope="module")
def small_store(registry_files, tmp_path_factory) -> str:
    """The built-in graph and the real registry rows of CODES (and the files' first succession,
    so that the crosswalk answers from its year on)."""
    folder = tmp_path_factory.mktemp("name-in-force")
    for name in ("succ.csv", "etr.csv", "trust-listing.csv"):
        lines = (registry_files / name).read_text().splitlines(keepends=True)
        kept = [line for line in lines if line.split(",")[0].strip('"') in CODES]
        head = lines[:1] if name != "etr.csv" else []  # succ.csv's first row; the listing's header
        (folder / name).write_text("".join(head + kept))
    run_cli("import-ods", "--succ", str(folder / "succ.csv"), "--etr", str(folder / "etr.csv"),
            "--listing", str(folder / "trust-listing.csv"), "-o", str(folder / "ods.nt"),
            "--observed", OBSERVED, check=True)
    run_cli("build", "--data", str(folder / "ods.nt"), "--store", str(folder / "store"), check=True, timeout=600)
    return str(folder / "store")


@pytest.fixture(scope="module")
def live(small_store):
    running = Server("--store", small_store)
    yield running
    running.stop()


def _cli(store: str, query: str, at: str) -> str:
    return json.loads(run_cli("lineage", query, "--at", at, "--json", "--store", store, check=True).stdout)


def _surfaces(live: Server, store: str, query: str, code: str, at: str) -> dict[str, str | None]:
    """What each surface gives as the name in force on `at` (None: no name)."""
    said = {}
    answer = _cli(store, query, at)
    said["cli lineage --at"] = answer["organisation"]["label"] if answer["names"] else None
    _, answer = live.json("/api/lineage?" + urllib.parse.urlencode({"org": query, "at": at}))
    said["/api/lineage?at="] = answer["organisation"]["label"] if answer["names"] else None
    _, _, body = live.get("/lineage?" + urllib.parse.urlencode({"org": query, "at": at}), {"Accept": "text/html"})
    page = html.unescape(body.decode())
    heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
    said["lineage page"] = None if "nothing the sources record" in page else heading
    _, answer = live.json("/api/crosswalk?" + urllib.parse.urlencode({"to": at, "code": code}))
    said["crosswalk name"] = answer["rows"][0]["name"]
    queries = {"q": {"query": query, "properties": [{"pid": "date", "v": at}]}}
    _, answer = live.json("/reconcile", data=urllib.parse.urlencode({"queries": json.dumps(queries)}).encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    best = answer["q"]["result"][0]
    said["reconciliation"] = best["name"] if best["name"] in KNOWN else None  # else a body's label
    _, hits = live.json("/api/search?" + urllib.parse.urlencode({"q": query, "at": at}))
    said["search"] = hits[0]["then"]
    return said


@pytest.mark.parametrize("query, code, at, expected", CASES)
def test_every_surface_gives_the_same_name_in_force(live, small_store, query, code, at, expected):
    said = _surfaces(live, small_store, query, code, at)
    assert said == dict.fromkeys(said, expected)


def test_a_code_alone_has_no_name_before_its_snapshot(live):
    """A registry code's own name is a snapshot's (etr.csv, observed 2021-09-30): the crosswalk names
    RKX only by the documents' names of its lineage, never by the snapshot's before its day."""
    _, answer = live.json("/api/crosswalk?to=2005&code=RKX")
    assert answer["rows"][0]["targets"][0]["name"] == DMHS


def test_search_with_a_bad_date_is_a_400(live):
    status, answer = live.json("/api/search?q=Derbyshire&at=2011-13")
    assert status == 400 and "not a real date" in answer["error"]
