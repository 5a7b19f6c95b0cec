"""Slow and silent clients cost nothing: the attacks of issue #24 against a live `derbygraph serve`.

Each test holds a bounded number of loopback sockets, closed at the end, and then asks what a new
client would: it must be answered promptly (the bounds are generous: a shared machine is noisy).
"""

from __future__ import annotations

import resource
import socket
import threading
import time
import urllib.parse
import urllib.request

import pytest
from conftest import Server, serving_app

LINEAGE = "/api/lineage?org=Derbyshire%20Healthcare"
QUICK = "ASK { ?s a dg:NHSTrust }"
LARGE = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 10000"  # about 6 MB as XML: more than loopback buffers hold
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(store):
    # every time limit shortened in the same order as the defaults (queue wait 5 s < query time
    # limit 30 s; request deadline 10 s < idle close 20 s), so each test shows which one acted
    running = Server("--store", store, "--workers", "2", "--query-timeout", "6", "--queue-wait", "2")
    yield running
    running.stop()


def sparql_path(query: str, **params) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def seconds_to_answer(server, path: str) -> tuple[int, float]:
    started = time.monotonic()
    status, _, _ = server.get(path)
    return status, time.monotonic() - started


@pytest.fixture
def many_files():
    """Room for the sockets of a test that holds more than the default 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_clients_that_never_read_their_answers_hold_no_worker(server):
    silent = []
    try:
        for number in range(6):  # three times the workers, each a client of its own (one client has a share)
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the answer stays unsent
            sock.bind((f"127.0.1.{number + 1}", 0))
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(f"GET {sparql_path(LARGE, format='xml')} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            silent.append(sock)
        time.sleep(3)  # every large answer made and handed over (or, before, every worker held)
        status, seconds = seconds_to_answer(server, sparql_path(QUICK))
        assert status == 200 and seconds < 3.0, (status, seconds)
    finally:
        for sock in silent:
            sock.close()


def test_a_thousand_slowloris_connections_lock_no_one_out(server, many_files):
    trickling = []
    try:
        for _ in range(1050):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET /api/search?q=derby HTTP/1.1\r\nHost: x\r\n")
            trickling.append(sock)
        for sock in trickling[::10]:  # still coming, a byte at a time
            sock.send(b"X")
        status, seconds = seconds_to_answer(server, LINEAGE)
        # Answered while they still hold on (they would be cut at the 10 s request deadline);
        # before, it waited 20 s, for the idle close.
        assert status == 200 and seconds < 8.0, (status, seconds)
    finally:
        for sock in trickling:
            sock.close()


@pytest.fixture(scope="module")
def proxied(store):
    """A server behind a reverse proxy on 127.0.0.1, with short connection deadlines."""
    running = Server("--store", store, "--workers", "2", "--query-timeout", "3", "--trusted-proxy", "127.0.0.1",
                     "--request-timeout", "2", "--idle-timeout", "6")
    yield running
    running.stop()


def test_a_request_head_that_never_ends_is_cut_at_its_deadline(proxied):
    """The request deadline is 2 s, the idle close 6 s: a byte a second is never silent long enough."""
    assert cut_while_trickling(socket.create_connection(("127.0.0.1", proxied.port), timeout=30), within=5)


def cut_while_trickling(sock: socket.socket, within: float) -> bool:
    """Whether the server closes `sock` within `within` seconds while it trickles a request head
    a byte at a time (never silent long enough for the idle close)."""
    try:
        sock.sendall(b"GET /api/search?q=derby HTTP/1.1\r\n")
        started, closed = time.monotonic(), False
        while time.monotonic() - started < within + 3:
            try:
                sock.send(b"X-Slow: 1\r\n"[:1])
            except OSError:
                closed = True
                break
            sock.settimeout(1.0)
            try:
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
            except OSError:  # closed with our bytes unread: a reset
                closed = True
                break
        return closed and time.monotonic() - started < within
    finally:
        sock.close()


def test_runaways_fill_the_queue_then_a_new_query_is_refused_within_the_bounded_wait(server):
    outcomes = []

    def runaway(client: str):
        outcomes.append(server.get(sparql_path(RUNAWAY), client=client)[0])
    # each from a client of its own: one client may hold only its share of the slots
    threads = [threading.Thread(target=runaway, args=(f"127.0.1.{number + 1}",)) for number in range(16)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    started = time.monotonic()
    status, headers, body = server.get(sparql_path(QUICK))
    waited = time.monotonic() - started
    assert status == 503 and headers.get("Retry-After") and b"busy" in body, (status, body)
    assert waited < 4.5, waited  # the queue wait is 2 s; the query time limit 6 s (before: a wait of 25 s)
    status, seconds = seconds_to_answer(server, LINEAGE)
    assert status == 200 and seconds < 1.0, seconds
    for thread in threads:
        thread.join()
    assert outcomes.count(503) >= 14, outcomes  # two ran into the time limit, the rest waited their 2 s


def test_one_client_holds_at_most_its_share_of_the_query_slots_while_another_clients_query_runs(server):
    """Two workers: one client may have one query running or waiting (half the workers)."""
    outcome = []
    hog = threading.Thread(target=lambda: outcome.append(server.get(sparql_path(RUNAWAY), client="127.0.2.1")[0]))
    hog.start()
    time.sleep(1)
    started = time.monotonic()
    status, headers, body = server.get(sparql_path(QUICK), client="127.0.2.1")
    assert status == 503 and headers.get("Retry-After") and b"yours" in body, (status, body)
    assert time.monotonic() - started < 1.5  # at once, not after the 2 s a queued query may wait
    status, _, body = server.get(sparql_path(QUICK), {"Accept": "application/sparql-results+json"}, client="127.0.2.2")
    assert status == 200 and b"true" in body  # another client's query runs meanwhile
    hog.join()
    assert outcome == [503]  # the runaway itself: stopped at the time limit
    assert server.get(sparql_path(QUICK), client="127.0.2.1")[0] == 200  # its share is free again


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(proxied):
    hog = threading.Thread(target=proxied.get, args=(sparql_path(RUNAWAY), {"X-Forwarded-For": "203.0.113.7"}))
    hog.start()
    time.sleep(1)
    assert proxied.get(sparql_path(QUICK), {"X-Forwarded-For": "203.0.113.7"})[0] == 503  # its share is taken
    assert proxied.get(sparql_path(QUICK), {"X-Forwarded-For": "203.0.113.8"})[0] == 200  # another client's
    # a peer that is not the proxy is itself, whatever it claims
    assert proxied.get(sparql_path(QUICK), {"X-Forwarded-For": "203.0.113.7"}, client="127.0.0.2")[0] == 200
    hog.join()


def serving_in_process(dataset, **limits):
    """The server of `derbygraph serve` over `dataset` with some limits changed, in the test's
    process (`serving_app`): (host, port)."""
    from derbygraph.config import DEFAULT
    from derbygraph.web.app import create_app

    config = DEFAULT.replace(**limits)
    return serving_app(create_app(dataset, config), config)


def closed_by_server(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes `sock` within `seconds` (what it sent meanwhile is drained)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        pass
    return True


def test_at_the_connection_limit_the_oldest_waiting_connections_make_room(dataset):
    """Past the limit waitress would stop accepting; here the oldest idle connections are closed."""
    idle = []
    with serving_in_process(dataset, connection_limit=60) as address:
        try:
            for _ in range(100):
                idle.append(socket.create_connection(address, timeout=5))
                time.sleep(0.005)
            with urllib.request.urlopen(f"http://127.0.0.1:{address[1]}{LINEAGE}", timeout=5) as reply:
                assert reply.status == 200
            assert all(closed_by_server(sock, 1) for sock in idle[:20])  # the first ones gave way
        finally:
            for sock in idle:
                sock.close()


def test_an_answer_left_unread_is_dropped_at_the_send_deadline(dataset):
    with serving_in_process(dataset, send_timeout=2) as address:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(address)
        try:
            sock.sendall(f"GET {sparql_path(LARGE, format='xml')} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            time.sleep(4)  # never read: the answer waits past its deadline
            assert closed_by_server(sock, 10)
        finally:
            sock.close()
