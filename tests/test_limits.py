"""Limits of the live endpoint: runaway queries stopped, workers replaced, bodies capped, caching."""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import Server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "ASK { ?s a dg:NHSTrust }"


@pytest.fixture(scope="module")
def limited():
    running = Server("--query-timeout", "2", "--workers", "2")
    yield running
    running.stop()


def sparql(server, query: str, **headers):
    return server.get("/sparql?query=" + urllib.parse.quote(query), headers)


def worker_pids(server) -> list[int]:
    children = Path(f"/proc/{server.process.pid}/task")
    found = []
    for task in children.iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def test_runaway_query_is_stopped_while_others_are_answered(limited):
    outcome = {}

    def runaway():
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = sparql(limited, RUNAWAY)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    status, _, body = sparql(limited, QUICK, Accept="application/sparql-results+json")
    assert status == 200 and b"true" in body  # answered while the runaway runs
    status, _ = limited.json("/api/lineage?org=DCHS")
    assert status == 200
    thread.join(timeout=30)
    assert outcome["status"] == 503
    assert b"time limit" in outcome["body"]
    assert outcome["seconds"] < 10
    assert sparql(limited, QUICK)[0] == 200  # the replaced worker answers


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find worker processes")
def test_a_killed_worker_is_replaced(limited):
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(zip(("status", "h", "body"), sparql(limited, RUNAWAY))))
    thread.start()
    time.sleep(0.5)
    for pid in worker_pids(limited):
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=30)
    assert outcome["status"] == 503
    for _ in range(2):  # every worker was killed; each is replaced on its next use
        status, _, body = sparql(limited, QUICK)
        assert status in (200, 503)
    status, _, body = sparql(limited, QUICK)
    assert status == 200 and b"true" in body


def test_result_rows_are_capped_with_notice(server):
    status, headers, body = sparql(server, "SELECT * WHERE { ?s ?p ?o . ?x ?y ?z } LIMIT 20000",
                                   Accept="text/tab-separated-values")
    assert status == 200
    assert headers["Derbygraph-Truncated"] == "rows=10000; limit=rows"
    assert body.count(b"\n") == 10001


def test_answers_say_their_length_and_keep_the_connection_open(server):
    """Whole or streamed from the worker in pieces, an answer carries its length, so a client
    asks its next query on the same connection (without it the server closes the connection)."""
    import http.client

    from derbygraph.executor import PIECE

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    sockets, sizes = set(), []
    try:
        for query in (QUICK, "SELECT * WHERE { ?s ?p ?o . ?x ?y ?z } LIMIT 20000", QUICK):
            connection.request("GET", "/sparql?query=" + urllib.parse.quote(query),
                               headers={"Accept": "text/tab-separated-values"})
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200 and int(response.headers["Content-Length"]) == len(body)
            assert response.headers.get("Connection", "").lower() != "close"
            sockets.add(id(connection.sock))
            sizes.append(len(body))
    finally:
        connection.close()
    assert len(sockets) == 1 and max(sizes) > PIECE  # one connection; one answer came in pieces


def test_etag_gives_304_for_the_same_answer(server):
    status, headers, _ = sparql(server, QUICK)
    tag = headers["ETag"]
    assert status == 200 and tag and "Accept" in headers["Vary"]
    assert sparql(server, QUICK, **{"If-None-Match": tag})[0] == 304
    assert sparql(server, QUICK, **{"If-None-Match": tag, "Accept": "text/csv"})[0] == 200  # other representation


def test_cors_open_for_get_and_post(server):
    status, headers, _ = server.get("/sparql", {"Origin": "https://example.org",
                                                "Access-Control-Request-Method": "POST"}, method="OPTIONS")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert sparql(server, QUICK)[1]["Access-Control-Allow-Origin"] == "*"
