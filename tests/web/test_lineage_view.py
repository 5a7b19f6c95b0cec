"""The lineage page: a timeline picture, events with quotes, links, as-of, candidates, 404s."""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

CHAIN = ["Southern Derbyshire Mental Health NHS Trust",
         "Southern Derbyshire Community and Mental Health Services NHS Trust",
         "Derbyshire Mental Health Services NHS Trust",
         "Derbyshire Healthcare NHS Foundation Trust"]


def page(server, **args):
    status, _, body = server.get("/lineage?" + urllib.parse.urlencode(args), {"Accept": "text/html"})
    return status, body.decode()


def test_timeline_picture_and_events(server):
    status, html = page(server, org="Southern Derbyshire")
    assert status == 200
    svg = html[html.index("<svg"): html.index("</svg>")]
    assert svg.count('class="name-bar"') == 4
    for name in CHAIN:
        assert name in svg
    assert "<desc" in svg  # a text alternative
    assert "which was dissolved" in html and "Dissolution" in html
    # services passed on make no predecessor: they have their own heading (issue 26)
    assert 'class="transfer" href="/lineage?org=https' in html and 'class="predecessor"' not in html
    assert '<h2 id="transfers">Services transferred</h2>' in html
    assert "/api/lineage?org=Southern+Derbyshire" in html and "/lineage.csv?org=Southern+Derbyshire" in html


def test_as_of(server):
    status, html = page(server, org="Southern Derbyshire", at="2001-06")
    assert status == 200 and "In June 2001 it was called" in html
    assert 'class="as-of"' in html and "as of 2001-06" in html
    assert "2016-11" not in html.split('id="events"')[1]


@pytest.mark.parametrize("org, status, text", [
    ("Nowhere Authority", 404, "No organisation matches"),
    ("Derbyshire Nowhere", 404, "Perhaps one of these"),
    ("", 400, "Type the name"),
])
def test_unknown_names_get_a_helpful_page(server, org, status, text):
    got, html = page(server, org=org)
    assert got == status and text in html


def test_html_escapes_what_it_shows(server):
    status, html = page(server, org="<script>alert(1)</script>")
    assert status == 404 and "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_csv(server):
    status, headers, body = server.get("/lineage.csv?org=DCHS")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert status == 200 and headers.get_content_type() == "text/csv"
    assert {r["kind"] for r in rows} >= {"name", "event"}
    assert all(r["quote"] for r in rows if r["kind"] in ("name", "event"))


def test_a_rough_name_says_so_and_offers_the_others(server):
    status, html = page(server, org="Derby")
    assert status == 200 and "No organisation is called exactly “Derby”" in html
    assert "Showing the closest match, <strong>NHS Derby City</strong>" in html
    assert 'class="choice"' in html and "Derby City Council" in html
    status, exact = page(server, org="Derbyshire Healthcare NHS Foundation Trust")
    assert status == 200 and 'class="closest"' not in exact


def test_several_lineages_that_fit_as_well_are_offered_not_picked(server):
    status, html = page(server, org="Community")
    assert status == 200 and "Which organisation do you mean?" in html
    offered = html.count('class="choice"')
    assert offered >= 3
    for name in ("Derbyshire Community Health Services NHS Foundation Trust", "Derbyshire Healthcare NHS Foundation Trust"):
        assert name in html  # a lineage is offered under its current name


@pytest.mark.parametrize("query", ["DHCFT", "DCHS", "Derbyshre helthcare"])
def test_acronyms_and_typos_resolve(server, query):
    status, html = page(server, org=query)
    assert status == 200 and "<svg" in html


def test_words_not_code_names(server):
    status, html = page(server, org="Derbyshire Healthcare NHS Foundation Trust")
    shown = html.split("<main>")[1]
    for code in ("FoundationTrustAuthorisation", "ServiceTransfer", "(resultingOrganization)", "(originalOrganization)",
                 "(transferredFrom)", ">derbyshire-healthcare-nhs-foundation-trust<"):
        assert code not in shown, code
    assert "Foundation-trust authorisation" in shown and "(transferred from)" in shown
    # a quote is credited to its document and the document's kind, not to a bare title
    assert "Derbyshire Healthcare NHS Foundation Trust (encyclopedia article)</a>" in shown
    assert "About us (organisation web page)</a>" in page(server, org="DCHS")[1]


def test_events_on_the_timeline_are_numbered_links_to_the_list(server):
    status, html = page(server, org="Derbyshire Healthcare NHS Foundation Trust")
    svg = html[html.index("<svg"): html.index("</svg>")]
    numbers = re.findall(r'href="#event-(\d+)"', svg)
    assert numbers and len(numbers) == len(set(numbers))
    for number in numbers:
        assert f'id="event-{number}"' in html
    assert "mark-renamed" in svg and "mark-joins" in svg and "mark-proposal" in svg  # shaped by kind
    # bodies that passed services on are branches of their own kind, not predecessors (issue 26)
    assert 'class="branch transfer-branch"' in svg and "NHS Derby City" in svg
    assert 'class="branch predecessor-branch"' not in svg


def test_svg_download(server):
    status, headers, body = server.get("/lineage.svg?org=DHCFT&at=2005")
    assert status == 200 and headers.get_content_type() == "image/svg+xml"
    assert "attachment" in headers["Content-Disposition"]
    root = ElementTree.fromstring(body)  # a well-formed SVG file of its own
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"as of 2005" in body and b"Derbyshire Healthcare NHS Foundation Trust" in body
    assert server.get("/lineage.svg?org=Nowhere%20Authority")[0] == 404
    assert server.get("/lineage.svg?org=DHCFT&at=2005-13")[0] == 400


DATES = ["1992", "2002", "2002-04", "2002-04-01", "2011", "2011-02", "2011-02-01", None]


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(DATES), st.sampled_from(DATES), st.sampled_from(DATES)), min_size=1, max_size=25))
def test_event_marks_never_overlap(event_dates):
    """Whatever the dates (or, for an undated event, its bounds), each placeable event gets one mark
    and no two marks (with their brackets) in a lane come within the gap of each other."""
    from derbygraph.answers import timeline

    events = []
    for n, (date, early, late) in enumerate(event_dates):
        event = {"iri": str(n), "date": date, "type": "Renaming", "label": f"event {n}"}
        if date is None and (early or late):
            early, late = sorted([early, late], key=lambda d: d or "") if early and late else (early, late)
            event["bounds"] = {"notBefore": early, "notAfter": late}
        events.append(event)
    answer = {"names": [{"label": "A", "start": "1992", "end": None, "organisation": "o"}], "events": events,
              "predecessors": [], "successors": []}
    picture = timeline.layout(answer, gap=20)
    placeable = [n + 1 for n, e in enumerate(events) if e["date"] or e.get("bounds")]
    assert sorted(m.number for m in picture.marks) == placeable
    assert picture.undated == len(events) - len(placeable)

    def stretch(mark):
        left, right = mark.span or (mark.x, mark.x)
        return left - 10, right + 10
    for one in picture.marks:
        for other in picture.marks:
            if one is not other and one.y == other.y:
                (a, b), (c, d) = stretch(one), stretch(other)
                assert b <= c or d <= a, (one, other)
        if one.span:
            assert one.span[0] <= one.x <= one.span[1]
    assert all(m.y < picture.axis_y for m in picture.marks)


def test_branches_join_the_chain_at_their_date_and_undated_ones_join_nothing():
    from derbygraph.answers import timeline

    answer = {"names": [{"label": "A", "start": "1992", "end": "2001", "organisation": "a"},
                        {"label": "B", "start": "2001", "end": None, "organisation": "a"}],
              "events": [],
              "predecessors": [{"iri": "p1", "label": "Dated", "relation": "Merger", "date": "2005"},
                               {"iri": "p2", "label": "Undated", "relation": "ServiceTransfer", "date": None}],
              "successors": [{"iri": "s1", "label": "Later", "relation": "Succession", "date": "2010"}]}
    picture = timeline.layout(answer, {"ServiceTransfer": "service transfer"})
    dated, undated, later = picture.branches
    bar_b = picture.bars[1]
    assert dated.join_x == dated.x + dated.width and dated.join_y == bar_b.y + 21.5  # meets B, in force in 2005
    assert undated.join_x is None and undated.x == 16 and undated.relation == "Service transfer"
    assert later.successor and later.x == later.join_x and later.y > bar_b.y
