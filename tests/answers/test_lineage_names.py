"""Names as they were, on every surface: the lineage JSON, the name index, the canned query, the CLI
and the page give the same name for the same date, and event labels name bodies only by names in
force on the event's date. The expected names are read from the two documents, not the graph."""

from __future__ import annotations

import html
import re
import urllib.parse

import pytest

from derbygraph.answers.canned import catalogue
from derbygraph.answers.lineage.service import LineageService
from derbygraph.answers.names import NameIndex
from derbygraph.dates import Window, first_day, last_day
from derbygraph.store.dataset import iri

SDMH = "Southern Derbyshire Mental Health NHS Trust"
SDCMHS = "Southern Derbyshire Community and Mental Health Services NHS Trust"
DMHS = "Derbyshire Mental Health Services NHS Trust"
DHCFT = "Derbyshire Healthcare NHS Foundation Trust"
DCHS = "Derbyshire Community Health Services NHS Foundation Trust"

# (query, date, the names the documents allow on some day of the date, the one a heading shows)
# "established in 1992, before renaming as ... in 2001"; "became ... in 2002"; "Start Date:
# 2011-02-01"; DCHS: "standalone NHS organisation in 2011", "a Foundation Trust ... from 2014", its
# name's start not given (a foundation trust's name, so not before 2014).
CASES = [
    ("Derbyshire Healthcare", "1995", {SDMH}, SDMH),
    ("Derbyshire Healthcare", "2001-06", {SDMH, SDCMHS}, SDCMHS),
    ("Derbyshire Healthcare", "2005", {DMHS}, DMHS),
    ("Derbyshire Healthcare", "2011-01", {DMHS}, DMHS),
    ("Derbyshire Healthcare", "2011-02", {DHCFT}, DHCFT),
    ("Derbyshire Healthcare", "2011-02-01", {DHCFT}, DHCFT),
    ("Southern Derbyshire", "2015", {DHCFT}, DHCFT),
    ("DCHS", "2012", set(), None),
    ("DCHS", "2015", {DCHS}, DCHS),
]


@pytest.fixture(scope="module")
def service(dataset):
    return LineageService(dataset)


@pytest.mark.parametrize("query, at, allowed, heading", CASES)
def test_json_and_name_index_agree(service, dataset, query, at, allowed, heading):
    answer = service.lineage(query, at)
    assert {n["label"] for n in answer["names"]} == allowed
    label = answer["organisation"]["label"]
    if heading is None:  # no name in force: the heading names no name of the lineage
        whole = service.lineage(query)
        assert all(n["label"] not in label for n in whole["names"]) and "DCHS" not in label
    else:
        assert label == heading
        body = answer["organisation"]["iri"]
        assert NameIndex.of(dataset).name_at(body, at) == heading
        assert {e.name for e in NameIndex.of(dataset).periods_of(body) if e.borne_at(at)} == allowed


@pytest.mark.parametrize("query, at, allowed, heading", [c for c in CASES if c[0] != "DCHS"])
def test_canned_query_agrees(dataset, query, at, allowed, heading):
    text = catalogue()["name-on-a-date"].render(dataset, {"org": query, "date": at})
    assert {row["name"].value for row in dataset.query(text)} == allowed


@pytest.mark.parametrize("query, at, allowed, heading", CASES)
def test_cli_and_page_headings_agree(cli, store, server, service, query, at, allowed, heading):
    printed = cli("lineage", query, "--at", at, "--store", store, check=True).stdout
    expected = heading or service.lineage(query, at)["organisation"]["label"]
    assert printed.splitlines()[0].startswith(expected)
    status, _, body = server.get("/lineage?" + urllib.parse.urlencode({"org": query, "at": at}),
                                 {"Accept": "text/html"})
    page = html.unescape(body.decode())
    assert status == 200
    assert re.search(r"<h1>(.*?)</h1>", page).group(1) == expected
    said = re.search(r'class="asof-answer">.*?<strong>(.*?)</strong>', page, re.S).group(1)
    assert set(said.split(" or ")) == (allowed or {"nothing the sources record"})


@pytest.mark.parametrize("query", ["Derbyshire Healthcare", "DCHS", "Community Health Care (North Derbyshire)"])
def test_event_labels_and_participants_use_the_names_then(service, dataset, query):
    answer = service.lineage(query)
    windows = {}  # every dated name (and acronym) of every body the answer shows, with its window
    for org in {p["iri"] for e in answer["events"] for p in e["participants"]} | {n["organisation"] for n in answer["names"]}:
        for entry in NameIndex.of(dataset).periods_of(org):
            windows.setdefault(entry.name, []).append(entry.window)
            for code in dataset.objects(iri(org), "https://w3id.org/derbygraph/ontology#acronym"):
                windows.setdefault(code.value, []).append(entry.window)
    checked = 0
    for event in answer["events"]:
        if event["date"] is None:
            continue
        for name, spans in windows.items():
            if re.search(rf"\b{re.escape(name)}\b", event["label"]):
                checked += 1
                assert any(w.may_hold(event["date"]) for w in spans), \
                    f"{event['label']!r} ({event['date']}) names {name!r}, not in force then"
        for participant in event["participants"]:
            if participant["label"] in windows:
                checked += 1
                # the body that was changed is named by the name it bore up to the change
                ended = participant["role"] == "originalOrganization"
                assert any(w.may_hold(event["date"]) or ended and _ends_within(w, event["date"])
                           for w in windows[participant["label"]]), \
                    f"{participant['label']!r} named at {event['label']!r} ({event['date']}), not in force then"
    assert checked > 0


def _ends_within(window: Window, date: str) -> bool:
    return window.possibly_until is not None and first_day(date) <= window.possibly_until <= last_day(date)


def test_window_is_the_one_rule():
    """The rule itself, at each precision (the build writes it, every answer reads it)."""
    renamed_2001 = Window.of("1992", "2001")
    assert renamed_2001.may_hold("2001-06") and not renamed_2001.holds("2001-06") and renamed_2001.holds("1995")
    ended_on_a_day = Window.of("2002", "2011-02-01")
    assert ended_on_a_day.may_hold("2011-01-31") and not ended_on_a_day.may_hold("2011-02-01")
    assert not ended_on_a_day.may_hold("2011-02") and ended_on_a_day.may_hold("2011")
    snapshot = Window.of(observed="2021-09-30")
    assert snapshot.may_hold("2021") and snapshot.may_hold("2021-09-30") and not snapshot.may_hold("2021-10-01")
    bounded = Window.of(not_before="2014")
    assert not bounded.may_hold("2013-12-31") and bounded.may_hold("2014") and not bounded.holds("2020")
    assert not Window.of().may_hold("2000")  # undated: in force on no date the sources support
