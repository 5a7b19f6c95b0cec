"""Limits of the live endpoint: runaway queries stopped, workers replaced, bodies capped, caching."""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from conftest import Server, query_workers

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "ASK { ?s a dg:NHSTrust }"


@pytest.fixture(scope="module")
def limited(store):
    running = Server("--store", store, "--query-timeout", "2", "--workers", "2")
    yield running
    running.stop()


def sparql(server, query: str, **headers):
    return server.get("/sparql?query=" + urllib.parse.quote(query), headers)


def test_runaway_query_is_stopped_while_others_are_answered(limited):
    outcome = {}

    def runaway():
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = sparql(limited, RUNAWAY)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    status, _, body = limited.get("/sparql?query=" + urllib.parse.quote(QUICK),
                                  {"Accept": "application/sparql-results+json"}, client="127.0.0.2")
    assert status == 200 and b"true" in body  # another client's query is answered while the runaway runs
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
    for pid in query_workers(limited.process.pid):
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

    from derbygraph.store.executor import PIECE

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


# --- every request that is not SPARQL is bounded: its inputs, at the entry of its view -----------

@pytest.fixture(scope="module")
def client(dataset):
    from derbygraph.web.app import create_app

    return create_app(dataset).test_client()


def refusal(response, status: int = 400) -> str:
    assert response.status_code == status and response.is_json, (response.status_code, response.data[:200])
    return response.get_json()["error"]


def test_json_nested_past_the_limit_is_a_400_not_a_500(client):
    for depth in (17, 100_000):
        message = refusal(client.post("/reconcile", data={"queries": "[" * depth + "]" * depth}))
        assert "16 deep" in message
    assert client.post("/reconcile", data={"extend": "{" * 50_000}).status_code == 400


def test_reconcile_batches_and_extensions_have_a_size_limit(client):
    import json

    batch = {f"q{i}": {"query": "Derby"} for i in range(21)}
    assert "at most 20" in refusal(client.post("/reconcile", data={"queries": json.dumps(batch)}))
    del batch["q20"]
    assert client.post("/reconcile", data={"queries": json.dumps(batch)}).status_code == 200
    extend = {"ids": ["id/org/nhs-derby-city"] * 41, "properties": [{"id": "code"}] * 5}
    assert "at most 200" in refusal(client.post("/reconcile", data={"extend": json.dumps(extend)}))
    long_text = {"q0": {"query": "x" * 501}}
    assert "at most 500" in refusal(client.post("/reconcile", data={"queries": json.dumps(long_text)}))


@pytest.mark.parametrize("path", ["/api/search?q=", "/api/lineage?org=", "/reconcile/suggest/entity?prefix="])
def test_long_or_wordy_parameters_are_refused_with_a_message(client, path):
    assert "33 words" in refusal(client.get(path + "+".join(["derby"] * 33)))
    assert "501 characters" in refusal(client.get(path + "d" * 501))


def _source_folder(tmp_path, seeds):
    folder = tmp_path / "sources"
    folder.mkdir()
    name = "001_26fc377b77897095.txt"
    (folder / name).write_bytes((seeds / name).read_bytes())
    return folder, name


def test_source_texts_are_read_once_at_start_up(dataset, tmp_path, seeds):
    import re

    from derbygraph.config import DEFAULT
    from derbygraph.web.app import create_app

    folder, name = _source_folder(tmp_path, seeds)
    client = create_app(dataset, DEFAULT.replace(sources_dir=str(folder))).test_client()
    (folder / name).unlink()  # read at start-up: the page no longer opens the file
    page = client.get("/derbygraph/id/source/dhcft-encyclopedia", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r"\d+ of its \d+ sentences", page)  # the text, read and marked


def test_a_source_file_linked_out_of_the_folder_or_too_large_is_refused_at_start_up(dataset, tmp_path, seeds):
    from derbygraph.config import DEFAULT
    from derbygraph.errors import BadInput
    from derbygraph.web.app import create_app

    folder, name = _source_folder(tmp_path, seeds)
    outside = tmp_path / "elsewhere.txt"
    (folder / name).rename(outside)
    (folder / name).symlink_to(outside)
    with pytest.raises(BadInput, match="link out of it"):
        create_app(dataset, DEFAULT.replace(sources_dir=str(folder)))
    (folder / name).unlink()
    (folder / name).write_bytes(outside.read_bytes())
    with pytest.raises(BadInput, match="at most 1,000 bytes"):
        create_app(dataset, DEFAULT.replace(sources_dir=str(folder), max_source_bytes=1000))
