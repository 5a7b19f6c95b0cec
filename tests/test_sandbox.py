"""The walls around query workers hold by themselves: no network, a capped heap.

These tests go around the query check on purpose: a query worker that is sent a SERVICE query
directly still reaches nothing, because the process cannot open a network socket at all.
"""

from __future__ import annotations

import multiprocessing
import socket

import pytest

from derbygraph.config import DEFAULT
from derbygraph.build import write_store
from derbygraph.executor import WorkerPool, _Worker


def _inside(results, port: int) -> None:
    """Runs in a fresh process: lock in, then try every way out."""
    from derbygraph import sandbox

    sandbox.lock_in(256 << 20)
    for name, family, kind in (("tcp", socket.AF_INET, socket.SOCK_STREAM), ("udp", socket.AF_INET, socket.SOCK_DGRAM),
                               ("tcp6", socket.AF_INET6, socket.SOCK_STREAM)):
        try:
            with socket.socket(family, kind) as s:
                s.connect(("127.0.0.1", port) if family == socket.AF_INET else ("::1", port))
            results.put((name, "open"))
        except OSError as error:
            results.put((name, error.errno))
    left, right = socket.socketpair()  # the pipe to the server stays usable
    left.sendall(b"x")
    results.put(("unix", right.recv(1)))
    import pyoxigraph as ox
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"))
        results.put(("service", "answered"))
    except OSError as error:
        results.put(("service", type(error).__name__))
    try:
        bytearray(512 << 20)
        results.put(("memory", "allocated"))
    except MemoryError:
        results.put(("memory", "refused"))


def test_a_locked_in_process_reaches_nothing(listener):
    port, hits = listener.port, listener.hits
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_inside, args=(results, port))
    process.start()
    process.join(60)
    found = dict(results.get(timeout=5) for _ in range(6))
    assert found["tcp"] == found["udp"] == found["tcp6"] == 1  # EPERM: the socket cannot even be made
    assert found["unix"] == b"x"
    assert found["service"] == "PermissionError"
    assert found["memory"] == "refused"
    assert hits == []


def test_a_worker_sent_service_directly_reaches_nothing(listener, tmp_path):
    """A query the check would refuse, sent straight to a worker as a missed case would be."""
    port, hits = listener.port, listener.hits
    write_store(tmp_path / "store")
    context = multiprocessing.get_context("spawn")
    worker = _Worker(context, str(tmp_path / "store"), DEFAULT)
    try:
        worker.wait_started()
        for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                      f"PREFIX : <http://127.0.0.1:{port}/x> SELECT * WHERE {{ SERVICE: {{ ?x ?y ?z }} }}"):
            worker.connection.send((query, {}))
            assert worker.connection.poll(30)
            outcome, (message, status) = worker.connection.recv()
            assert outcome == "refused" and status == 400  # a 400 saying so, not a generic error
            assert "SERVICE is not available" in message or "not permitted" in message.lower()
    finally:
        worker.kill()
    assert hits == []


def test_a_worker_past_its_memory_is_replaced_with_a_clear_answer(tmp_path):
    from derbygraph.errors import QueryError

    dataset = write_store(tmp_path / "store")
    pool = WorkerPool(dataset.path, DEFAULT.replace(workers=1, worker_memory=200 << 20, timeout=60))
    try:
        with pytest.raises(QueryError) as refused:
            pool.run("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f")
        assert refused.value.status == 507 and "MiB" in str(refused.value)
        assert pool.run("ASK { ?s a dg:NHSTrust }").read()  # a fresh worker answers the next query
    finally:
        pool.close()
