"""Requests that are not SPARQL stop at their deadline (`derbygraph/deadline.py`, issue #24).

A live server is given a deadline shorter than a large data extension takes (the lineages of 200
cells, as a spreadsheet's column of successors asks them): it is stopped and answered 503 with
Retry-After and a message, and the server answers on.
"""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from conftest import Server

from derbygraph import deadline
from derbygraph.errors import OutOfTime

# 200 cells, the most one request may ask: about 1 s of lineages on the built-in data (a batch of 20
# queries of 32 typos each, the costliest reconciliation batch, now takes about 10 ms)
EXTEND = urllib.parse.urlencode({"extend": json.dumps({
    "ids": ["id/org/southern-derbyshire-mental-health-nhs-trust", "id/org/derbyshire-healthcare-nhs-foundation-trust"] * 100,
    "properties": [{"id": "successor"}]})}).encode()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_without_a_deadline_the_check_does_nothing():
    deadline.check()  # the CLI and services called directly never start one


def test_the_check_stops_work_past_its_deadline_and_only_then():
    token = deadline.start(60)
    try:
        assert list(deadline.checked(range(3))) == [0, 1, 2]
    finally:
        deadline.stop(token)
    token = deadline.start(0)
    try:
        time.sleep(0.01)
        with pytest.raises(OutOfTime, match="time limit of 0 s"):
            list(deadline.checked(range(3)))
    finally:
        deadline.stop(token)
    deadline.check()  # stopped: no deadline left behind


def test_an_index_built_once_for_every_request_does_not_count_against_the_one_that_builds_it():
    token = deadline.start(0.05)
    try:
        with deadline.paused():
            time.sleep(0.1)
        deadline.check()  # the 0.1 s inside did not count
        time.sleep(0.06)
        with pytest.raises(OutOfTime):
            deadline.check()
    finally:
        deadline.stop(token)


@pytest.fixture(scope="module")
def hurried(store):
    running = Server("--store", store, "--answer-timeout", "0.05")
    yield running
    running.stop()


def test_a_request_past_the_deadline_is_stopped_with_503_and_retry_after(hurried):
    status, headers, body = hurried.get("/reconcile", FORM, data=EXTEND)
    assert status == 503, body[:300]
    assert headers.get("Retry-After") and "time limit of 0.05 s" in json.loads(body)["error"]
    status, manifest = hurried.json("/reconcile")  # the area is free again: the next request is answered
    assert status == 200 and manifest["versions"] == ["0.2"]
