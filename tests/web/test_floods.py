"""A flood of any one kind of request leaves lineage answering in under a second (issue #24).

Each kind is sent by eight threads for two seconds at the largest size the limits admit,
against a live `derbygraph serve`, while /api/lineage is timed. Each area of the app (reconcile,
search, pages...) runs `area_slots` (1) request at a time and lets `area_queue` more wait, so a
flood takes one thread's share of the GIL and the rest of it waits or gets a fast 503; lineage
has an area of its own.
"""

from __future__ import annotations

import json
import random
import string
import threading
import time
import urllib.parse

import pytest
from conftest import Server

LINEAGE = "/api/lineage?org=Derbyshire%20Healthcare"
FLOODERS = 8  # eight times the area's one slot: seven always wait their turn
SECONDS = 2.0
# The largest text admitted: 32 words, 479 characters.
LONG_TEXT = " ".join(["derbyshirecomm", "healthservices", "royalhospitals", "foundationtrus"] * 8)
WORDY = "+".join(["derby", "healthcare", "trust", "community"] * 8)  # 32 words, the most admitted
# A pasted list of 30,000 codes (about 300 kB): parsing it takes the better part of a second.
LONG_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?code { " + " ".join(f'"C{i:05d}"' for i in range(30_000)) + \
    " } ?org skos:notation ?code }"


@pytest.fixture(scope="module")
def server(store):
    running = Server("--store", store, "--workers", "1")
    yield running
    running.stop()


def _ids(server) -> list[str]:
    _, found = server.json("/reconcile/suggest/entity?prefix=derby&limit=40")
    return [hit["id"] for hit in found["result"]]


def floods(server) -> dict:
    """Each kind of flood: (path, body or None) of its requests."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    batch = json.dumps({f"q{i}": {"query": LONG_TEXT, "limit": 50} for i in range(20)})
    ids = (_ids(server) * 40)[:40]
    extend = json.dumps({"ids": ids, "properties": [{"id": p} for p in ("code", "kind", "name_on", "successor", "quote")]})
    return {
        "reconcile": ("/reconcile", urllib.parse.urlencode({"queries": batch}).encode(), form),
        "extend": ("/reconcile", urllib.parse.urlencode({"extend": extend}).encode(), form),
        "search": ("/api/search?limit=100&q=" + WORDY, None, {}),
        "suggest": ("/reconcile/suggest/entity?limit=50&prefix=" + urllib.parse.quote(LONG_TEXT), None, {}),
        "pages": ("/query?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 10000"}), None, {}),
        "oversized": ("/api/search?q=" + "+".join(["derby"] * 8000), None, {}),
        "long-sparql": ("/sparql", urllib.parse.urlencode({"query": LONG_QUERY}).encode(), form),
    }


@pytest.mark.parametrize("kind", ["reconcile", "extend", "search", "suggest", "pages", "oversized",
                                  "long-sparql"])
def test_lineage_answers_within_a_second_during_a_flood(server, kind):
    path, body, headers = floods(server)[kind]
    timings, statuses = lineage_during_flood(server, path, body, headers)
    assert max(timings) < 1.0, (kind, slowest(timings))
    expected = {400} if kind == "oversized" else {200, 503}
    assert set(statuses) <= expected and (kind == "oversized" or 200 in statuses), (kind, sorted(set(statuses)))


def slowest(timings: list[float]) -> str:
    """What a failed bound shows: the slowest lineages, and in which place of the run each came."""
    worst = sorted(range(len(timings)), key=lambda n: -timings[n])[:5]
    return f"{len(timings)} lineages; slowest " + ", ".join(f"#{n + 1}: {timings[n]:.2f} s" for n in worst)


def lineage_during_flood(server, path: str, body: bytes | None, headers: dict) -> tuple[list[float], list[int]]:
    """(seconds of each lineage request, status of each flood request) while FLOODERS threads
    send the request for SECONDS; every 503 must say why and when to come back."""
    assert server.get(LINEAGE)[0] == 200  # warm: what the first lineage reads once (the shared
    # terms, the name index) is not the flood's doing, and on a remote store it cost 2-3 s
    stop, statuses, unclear = threading.Event(), [], []

    def flood():
        while not stop.is_set():
            status, answer_headers, answer = server.get(path, headers, data=body)
            statuses.append(status)
            if status == 503 and not (answer_headers.get("Retry-After") and (b"busy" in answer or b"time limit" in answer)):
                unclear.append(answer)
    threads = [threading.Thread(target=flood) for _ in range(FLOODERS)]
    for thread in threads:
        thread.start()
    timings = []
    try:
        time.sleep(0.5)
        ends = time.monotonic() + SECONDS
        while time.monotonic() < ends:
            started = time.monotonic()
            status, _, answer = server.get(LINEAGE)
            assert status == 200, answer[:300]
            timings.append(time.monotonic() - started)
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not unclear, unclear[:3]  # every refusal says why and when to come back
    return timings, statuses


# --- the costliest requests the limits admit, on the registry (21,084 codes): stopped at the deadline

# seconds (`--answer-timeout` and `--queue-wait`; 5 by default): each costly request holds the
# flood as long, and waits as long for its turn
DEADLINE = 2


def typos(seed: int) -> str:
    """32 words no name holds: each is weighed as a typo against every word of the index."""
    rng = random.Random(seed)
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(14)) for _ in range(32))


@pytest.fixture(scope="module")
def registry_server(registry_store):
    running = Server("--store", registry_store, "--workers", "1", "--answer-timeout", str(DEADLINE),
                     "--queue-wait", str(DEADLINE))
    yield running
    running.stop()


def registry_floods(server) -> dict:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    batch = {f"q{i}": {"query": typos(i), "limit": 50, "properties": [{"pid": "date", "v": "1995"}]} for i in range(20)}
    ids = (_ids(server) * 200)[:200]
    extend = {"ids": ids, "properties": [{"id": "successor"}]}
    return {
        # before the deadline: 14 s and 11 s of the main process each (benchmarks/worst_requests.py);
        # the typos batch 2.5 s before they were narrowed in C (`matching.close_words`), now 0.2 s
        "reconcile-typos": ("/reconcile", urllib.parse.urlencode({"queries": json.dumps(batch)}).encode(), form),
        "extend-successor": ("/reconcile", urllib.parse.urlencode({"extend": json.dumps(extend)}).encode(), form),
        "crosswalk-all": ("/api/crosswalk.csv?to=2020-04-01", None, {}),  # every code: about 10 s, a download
    }


@pytest.mark.parametrize("kind", ["reconcile-typos", "extend-successor", "crosswalk-all"])
def test_on_the_registry_lineage_answers_within_a_second_while_the_costliest_requests_flood(registry_server, kind):
    path, body, headers = registry_floods(registry_server)[kind]
    timings, statuses = lineage_during_flood(registry_server, path, body, headers)
    assert max(timings) < 1.0, (kind, slowest(timings))
    assert set(statuses) <= {200, 503}, (kind, sorted(set(statuses)))


def test_on_the_registry_the_costliest_batch_ends_by_the_deadline(registry_server):
    """The costliest batch the limits admit is answered within the deadline, or stopped at it
    with Retry-After (which of the two depends on the machine; the bound holds either way)."""
    path, body, headers = registry_floods(registry_server)["reconcile-typos"]
    started = time.monotonic()
    status, answer_headers, answer = registry_server.get(path, headers, data=body)
    assert time.monotonic() - started < DEADLINE + 2, (status, answer[:200])
    if status != 200:
        assert status == 503 and answer_headers.get("Retry-After") and f"time limit of {DEADLINE} s".encode() in answer, (status, answer[:200])


# --- serve --endpoint: long queries are read by checking workers, off the app's threads


def test_lineage_answers_within_a_second_while_long_queries_flood_a_remote_store(oxigraph_backend, listener):
    """Each query is the pasted list of 30,000 codes, with a SERVICE at its end: the check reads it
    all before it refuses it (403), so the whole cost is the parse, and the store is never asked
    (asked, the store would be what lineage waits for). The parse is paid in the checking workers."""
    server = oxigraph_backend.server
    query = LONG_QUERY.removesuffix("}") + f"SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    body = urllib.parse.urlencode({"query": query}).encode()
    timings, statuses = lineage_during_flood(server, "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert max(timings) < 1.0, slowest(timings)
    assert set(statuses) <= {403, 503} and 403 in statuses, sorted(set(statuses))
    assert listener.hits == []


def test_a_long_query_is_still_checked_in_remote_mode(oxigraph_backend, listener):
    padding = " ".join(f'"C{i:05d}"' for i in range(1_000))  # past the 4,096 characters the app reads itself
    query = f"SELECT * WHERE {{ VALUES ?code {{ {padding} }} SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    status, _, answer = oxigraph_backend.server.get(
        "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, data=urllib.parse.urlencode({"query": query}).encode())
    assert status == 403 and b"SERVICE is not allowed" in answer, (status, answer[:200])
    assert listener.hits == []
