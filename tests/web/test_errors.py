"""One error table: every path asked for a missing thing answers 404, in the format the client
asked for (an HTML page, `{"error": ...}` JSON, a CSV with an `error` column), the .csv and .svg
files included; and each kind of error has one status and one exit code."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import Server

from derbygraph import errors
from derbygraph.cli import EXIT_CODES
from derbygraph.config import DEFAULT
from derbygraph.store.executor import WorkerPool
from derbygraph.web.app import STATUSES, status_of

MISSING = [
    "/no/such/page",
    "/lineage?org=Nowhere%20Authority",
    "/lineage.svg?org=Nowhere%20Authority",
    "/lineage.csv?org=Nowhere%20Authority",
    "/api/lineage?org=Nowhere%20Authority",
    "/api/why?s=https://w3id.org/derbygraph/id/org/nowhere&p=https://w3id.org/derbygraph/ontology%23name&o=%22x%22",
    "/queries/no-such-query",
    "/queries/no-such-query.csv",
    "/queries/name-on-a-date.json?org=Nowhere%20Authority",
    "/derbygraph/id/org/no-such-organisation",
    "/derbygraph/id/source/no-such-document",
    "/derbygraph/id/source/dchs-about-us/quote/0000000000000000",
    "/dumps/no-such-dump.ttl",
]
REGISTRY_MISSING = ["/api/crosswalk?to=2013&code=NOPE1", "/api/crosswalk.csv?to=2013&code=NOPE1"]
ASKED = {"text/html": "text/html", "application/json": "application/json", "text/csv": "text/csv"}


def check_not_found(server: Server, path: str) -> None:
    for accept, media_type in ASKED.items():
        status, headers, body = server.get(path, headers={"Accept": accept})
        assert (status, headers.get_content_type()) == (404, media_type), (path, accept)
        text = body.decode("utf-8")
        if media_type == "application/json":
            assert json.loads(text)["error"], path
        elif media_type == "text/csv":
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0] == ["error"] and len(rows) == 2 and rows[1][0], path
        else:
            assert "<h1>404 Not Found</h1>" in text, path


@pytest.mark.parametrize("path", MISSING)
def test_a_missing_thing_is_404_in_the_format_asked(server, path):
    check_not_found(server, path)


@pytest.mark.parametrize("path", REGISTRY_MISSING)
def test_a_missing_code_is_404_in_the_format_asked(registry_server, path):
    check_not_found(registry_server, path)


def test_with_no_preference_an_api_answers_json_and_a_file_its_own_format(server):
    assert server.get("/api/lineage?org=Nowhere")[1].get_content_type() == "application/json"
    assert server.get("/lineage.csv?org=Nowhere")[1].get_content_type() == "text/csv"
    assert server.get("/lineage?org=Nowhere")[1].get_content_type() == "text/plain"


# kind: (HTTP status, exit status), as the README says
ANSWERS = {
    errors.UserError: (400, 1), errors.BadInput: (400, 1), errors.TooLarge: (413, 1),
    errors.UnsupportedMediaType: (415, 1), errors.NotFound: (404, 1), errors.QueryRefused: (403, 1),
    errors.ReadOnly: (403, 1), errors.NotAcceptable: (406, 1), errors.Busy: (503, 75), errors.Unavailable: (503, 75),
    errors.TimedOut: (503, 1), errors.OutOfTime: (503, 1), errors.OutOfMemory: (507, 1), errors.UpstreamFailed: (502, 1), errors.Failed: (500, 70),
}


def exit_code(error: Exception) -> int:
    return next(EXIT_CODES[kind] for kind in type(error).__mro__ if kind in EXIT_CODES)


@pytest.mark.parametrize("kind", ANSWERS, ids=lambda kind: kind.__name__)
def test_each_kind_has_its_status_and_exit_code(kind):
    assert (status_of(kind("x")), exit_code(kind("x"))) == ANSWERS[kind]


def test_every_kind_is_decided():
    """A kind added to errors.py is answered on purpose, not by falling back to UserError's 400."""
    assert {k for k in vars(errors).values() if isinstance(k, type) and issubclass(k, errors.UserError)} == set(ANSWERS)


def test_a_worker_sends_the_kind_and_only_a_stopped_one_is_replaced(store):
    """A refusal is the query's own fault: the worker answers the next query. A query stopped at
    its time limit takes its worker with it."""
    pool = WorkerPool(Path(store), DEFAULT.replace(workers=1, timeout=3))
    try:
        assert pool.run("ASK { ?s a dg:NHSTrust }").read()
        first = pool._workers[0].process.pid
        with pytest.raises(errors.ReadOnly):  # longer than the server checks itself: refused in the worker
            pool.run('INSERT DATA { <a:b> <a:c> "' + "x" * 5000 + '" }')
        assert pool._workers[0].process.pid == first
        with pytest.raises(errors.TimedOut):
            pool.run("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
        assert pool._workers[0].process.pid != first
        assert pool.run("ASK { ?s a dg:NHSTrust }").read()
    finally:
        pool.close()
