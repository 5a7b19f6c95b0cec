"""Requests that are not SPARQL stop at their deadline (`derbygraph/deadline.py`, issue #24).

A live server is given a deadline shorter than a batch of reconciliation queries takes: the batch
is stopped and answered 503 with Retry-After and a message, and the server answers on.
"""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from conftest import Server
from test_floods import typos

from derbygraph import deadline
from derbygraph.errors import OutOfTime

BATCH = urllib.parse.urlencode({"queries": json.dumps(
    {f"q{i}": {"query": typos(i), "limit": 50, "properties": [{"pid": "date", "v": "1995"}]} for i in range(20)})}).encode()
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


def test_a_batch_past_the_deadline_is_stopped_with_503_and_retry_after(hurried):
    status, headers, body = hurried.get("/reconcile", FORM, data=BATCH)
    assert status == 503, body[:300]
    assert headers.get("Retry-After") and "time limit of 0.05 s" in json.loads(body)["error"]
    status, manifest = hurried.json("/reconcile")  # the area is free again: the next request is answered
    assert status == 200 and manifest["versions"] == ["0.2"]
