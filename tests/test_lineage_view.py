"""The lineage page: a timeline picture, events with quotes, links, as-of, candidates, 404s."""

from __future__ import annotations

import csv
import io
import urllib.parse

import pytest

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
    assert 'class="predecessor" href="/lineage?org=https' in html
    assert "/api/lineage?org=Southern+Derbyshire" in html and "/lineage.csv?org=Southern+Derbyshire" in html


def test_as_of(server):
    status, html = page(server, org="Southern Derbyshire", at="2001-06")
    assert status == 200 and "On 2001-06 it was called" in html
    assert "2016-11" not in html.split('id="events"')[1]


@pytest.mark.parametrize("org, status, text", [
    ("Nowhere Authority", 404, "No organisation is called"),
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
