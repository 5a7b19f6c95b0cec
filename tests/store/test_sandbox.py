"""The walls around query workers hold by themselves: no network, a capped heap.

These tests go around the query check on purpose: a query worker that is sent a SERVICE query
directly still reaches nothing, because the process cannot open a network socket at all.
"""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import sys

import needs
import pytest

from derbygraph.config import DEFAULT
from derbygraph.store import sparqlgrammar
from derbygraph.store.executor import WorkerPool, _Worker
from derbygraph.store.sparql import SERVICE_UNAVAILABLE


def _inside(results, port: int, unix_path: str) -> None:
    """Runs in a fresh process: lock in, then try every way out."""
    from derbygraph.store import sandbox

    sandbox.lock_in(256 << 20)
    for name, family, kind, address in (
            ("tcp", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", port)),
            ("udp", socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", port)),
            ("tcp6", socket.AF_INET6, socket.SOCK_STREAM, ("::1", port)),
            ("unix", socket.AF_UNIX, socket.SOCK_STREAM, unix_path),  # as the resolver reaches nscd
            ("unix-datagram", socket.AF_UNIX, socket.SOCK_DGRAM, unix_path)):
        try:
            with socket.socket(family, kind) as s:
                s.connect(address)
            results.put((name, "open"))
        except OSError as error:
            results.put((name, error.errno))
    try:
        socket.socketpair()
        results.put(("socketpair", "made"))
    except OSError as error:
        results.put(("socketpair", error.errno))
    import pyoxigraph as ox
    for name, host in (("service", "127.0.0.1"), ("service-by-name", "localhost")):
        try:
            list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <http://{host}:{port}/> {{ ?s ?p ?o }} }}"))
            results.put((name, "answered"))
        except OSError as error:
            results.put((name, type(error).__name__))
    try:
        bytearray(512 << 20)
        results.put(("memory", "allocated"))
    except MemoryError:
        results.put(("memory", "refused"))


@pytest.fixture
def unix_listener(tmp_path):
    """A Unix socket anyone could connect to, as nscd's and avahi's are; counts connections."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(tmp_path / "listener.sock"))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            server.accept()[0].close()
        except BlockingIOError:
            return count
        count += 1


def test_a_locked_in_process_reaches_nothing(listener, unix_listener):
    port, hits = listener.port, listener.hits
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_inside, args=(results, port, unix_listener.getsockname()))
    process.start()
    process.join(60)
    found = dict(results.get(timeout=5) for _ in range(9))
    # EPERM: no socket of any family can even be made
    assert found == {"tcp": 1, "udp": 1, "tcp6": 1, "unix": 1, "unix-datagram": 1, "socketpair": 1,
                     "service": "PermissionError", "service-by-name": "PermissionError", "memory": "refused"}
    assert hits == [] and _connections(unix_listener) == 0


def test_a_worker_sent_service_directly_reaches_nothing(store, listener):
    """A query the check would refuse, sent straight to a worker as a missed case would be."""
    port, hits = listener.port, listener.hits
    context = multiprocessing.get_context("spawn")
    worker = _Worker(context, store, DEFAULT, sparqlgrammar.tables())
    # The worker names SERVICE when it can read it in the text; `SERVICE:` (a prefixed name, never in the
    # text the check prints) it cannot, so the walls' own refusal is what that query is told.
    refusals = [(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", SERVICE_UNAVAILABLE),
                (f"PREFIX : <http://127.0.0.1:{port}/x> SELECT * WHERE {{ SERVICE: {{ ?x ?y ?z }} }}",
                 "query failed: Operation not permitted (os error 1)")]
    try:
        worker.wait_started()
        for query, said in refusals:
            worker.connection.send((query, {}))
            assert worker.connection.poll(30)
            outcome, (kind, message, _) = worker.connection.recv()
            assert (outcome, kind, message) == ("refused", "BadInput", said)  # a 400 saying so, not a generic error
    finally:
        worker.kill()
    assert hits == []


def test_a_worker_past_its_memory_is_replaced_with_a_clear_answer(store):
    from derbygraph.errors import OutOfMemory

    pool = WorkerPool(store, DEFAULT.replace(workers=1, worker_memory=200 << 20, timeout=60))
    try:
        with pytest.raises(OutOfMemory, match="MiB"):
            pool.run("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f")
        assert pool.run("ASK { ?s a dg:NHSTrust }").read()  # a fresh worker answers the next query
    finally:
        pool.close()


WORKER_SCRIPT = """
import sys
from derbygraph.config import DEFAULT
from derbygraph.store.executor import WorkerPool

pool = WorkerPool(sys.argv[1], DEFAULT.replace(workers=1, timeout=60))
for query in ("SELECT * WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }",
              "DESCRIBE ?s WHERE { ?s a ?t } LIMIT 300", "SELECT ?t (COUNT(*) AS ?n) WHERE { ?s a ?t } GROUP BY ?t"):
    assert len(pool.run(query).read()) > 1000
worker = pool._idle.get()  # SERVICE sent straight to the worker, around the query check
for host in ("127.0.0.1", "localhost", "derbygraph.invalid"):
    worker.connection.send((f"SELECT * WHERE {{ SERVICE <http://{host}:{sys.argv[2]}/> {{ ?s ?p ?o }} }}", {}))
    assert worker.connection.poll(30) and worker.connection.recv()[0] == "refused"
pool._idle.put(worker)
assert b"true" in pool.run("ASK { ?s ?p ?o }").read()  # still usable
pool.close()
print("done")
"""


def test_a_worker_makes_no_socket_call_that_succeeds(store, listener, tmp_path):
    """strace on a real worker answering big SELECT, CONSTRUCT, DESCRIBE and SERVICE queries (by
    address and by host name, so the resolver is asked): every call that makes, names or reaches a
    socket fails; only the server process and its fork server (whose Unix socket hands a new
    worker its pipes before the worker starts) have any."""
    strace = needs.program("strace", install="apt-get install strace")
    trace = tmp_path / "trace"
    result = subprocess.run([strace, "-f", "-qq", "-o", str(trace), "-e", "trace=%network,seccomp,execve",
                             sys.executable, "-c", WORKER_SCRIPT, store, str(listener.port)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "done", result.stderr[-2000:]
    lines = trace.read_text().splitlines()
    server = lines[0].split()[0]
    forkers = {line.split()[0] for line in lines if "execve(" in line and "multiprocessing.forkserver" in line}
    assert len(forkers) == 1  # the workers' fork server, started by the server
    worker_calls = [line for line in lines if line.split()[0] not in {server, *forkers}
                    and "seccomp(" not in line and "execve(" not in line
                    and "resumed>" not in line and "---" not in line  # signals delivered
                    and "+++" not in line]  # a process's end ("killed by SIGKILL" when the pool stops it)
    assert any(call.split()[1].startswith(("socket(", "connect(")) for call in worker_calls)  # the resolver and SERVICE tried
    assert all(call.rstrip().endswith("EPERM (Operation not permitted)") for call in worker_calls), worker_calls
    assert listener.hits == []


def _walled_server(results, own_port: bool, other_port: int) -> None:
    """Runs in a fresh process: wall off the way `derbygraph walled` does, then serve and try out."""
    from derbygraph.store import sandbox

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    sandbox.deny_outbound(port if own_port else None)
    server.listen(4)
    results.put(("port", port))
    client, _ = server.accept()  # the parent connects in: serving is untouched
    client.sendall(client.recv(5).upper())
    client.close()
    tries = {
        "connect out": lambda: socket.create_connection(("127.0.0.1", other_port), timeout=5),
        "connect to itself": lambda: socket.create_connection(("127.0.0.1", port), timeout=5),
        "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
        "raw": lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
        "netlink": lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW),
        "sctp": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP),
        "unix": lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM),
        "fast open": lambda: socket.socket().sendto(b"GET /", socket.MSG_FASTOPEN, ("127.0.0.1", other_port)),
    }
    for name, attempt in tries.items():
        try:
            attempt()
            results.put((name, "done"))
        except OSError as error:
            results.put((name, error.errno))


@pytest.mark.parametrize("own_port", [False, True], ids=["oxigraph", "virtuoso (--own-port)"])
def test_a_walled_server_serves_and_reaches_nothing(listener, own_port):
    import errno

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_walled_server, args=(results, own_port, listener.port))
    process.start()
    try:
        name, port = results.get(timeout=60)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"hello")
            assert client.recv(5) == b"HELLO"
        found = dict(results.get(timeout=30) for _ in range(8))
    finally:
        process.join(30)
    refused = {"udp": errno.EPERM, "raw": errno.EPERM, "netlink": errno.EPERM, "sctp": errno.EPERM}
    if own_port:  # connect() is Landlock's to judge: its own port only; no Unix socket at all
        assert found == {**refused, "connect out": errno.EACCES, "connect to itself": "done",
                         "unix": errno.EPERM, "fast open": errno.EPERM}
    else:
        assert found == {**refused, "connect out": errno.EPERM, "connect to itself": errno.EPERM,
                         "unix": "done", "fast open": errno.EPERM}
    assert listener.hits == []
