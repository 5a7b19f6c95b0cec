"""The audit's attacks against a live `derbygraph serve`, each refused or bounded, with the
server still answering a lineage request within a second throughout.

Memory is read from /proc for the whole process group (the server and its workers); outbound
connections are counted by a loopback listener the attacking queries point at.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import Server, derbygraph_command, family, free_port, query_workers

from derbygraph.config import DEFAULT

WORKER_MIB = 256
LINEAGE = "/api/lineage?org=Derbyshire%20Healthcare"
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(store):
    running = Server("--store", store, "--workers", "1", "--queue", "4", "--query-timeout", "4", "--worker-memory", str(WORKER_MIB))
    yield running
    running.stop()


def sparql(server, query: str, **headers):
    return server.get("/sparql?query=" + urllib.parse.quote(query), headers)


def resident_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def lineage_seconds(server) -> float:
    started = time.monotonic()
    status, _, _ = server.get(LINEAGE)
    assert status == 200
    return time.monotonic() - started


def during(attack, server, rounds: int = 4) -> list[float]:
    """Run `attack` in threads and time lineage requests while it lasts."""
    threads = [threading.Thread(target=attack) for _ in range(rounds)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    timings = [lineage_seconds(server) for _ in range(5)]
    for thread in threads:
        thread.join()
    return timings


def test_service_in_every_spelling_reaches_nothing(server, listener):
    port, hits = listener.port, listener.hits
    address = f"http://127.0.0.1:{port}/x"
    attacks = [
        f"PREFIX : <{address}> SELECT * WHERE {{ SERVICE: {{ ?x ?y ?z }} }}",
        f"PREFIX p: <{address}> SELECT * WHERE {{ SERVICEp:y {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE <{address}> {{}} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{address}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(1<2&&'>'='>') SERVICE <{address}> {{}} }}",
        f"SELECT * WHERE {{ VALUES ?n {{ 1 2 3 4 5 }} FILTER EXISTS {{ SERVICE <{address}> {{ ?s ?p ?o }} }} }}",
    ]
    for query in attacks:
        for method in ("GET", "POST"):
            if method == "GET":
                status, _, body = sparql(server, query)
            else:
                status, _, body = server.get("/sparql", {"Content-Type": "application/sparql-query"},
                                             data=query.encode(), method="POST")
            assert status in (400, 403), (query, body)
    assert hits == []


def test_the_nesting_bypass_is_refused_and_the_worker_lives(server):
    status, _, body = sparql(server, "SELECT * WHERE { FILTER(1<2&&" + "(" * 5000 + "1" + ")" * 5000 + "&&3>2) }")
    assert status == 400 and b"deep" in body
    assert sparql(server, "ASK { ?s a dg:NHSTrust }")[0] == 200


def test_a_memory_runaway_is_stopped_and_the_server_stays_small(server):
    pids = family(server.process.pid)
    before = resident_mib(pids)
    peak, stop = [before], threading.Event()

    def watch():
        while not stop.is_set():
            peak.append(resident_mib(family(server.process.pid)))
            time.sleep(0.05)
    watcher = threading.Thread(target=watch)
    watcher.start()
    outcomes = []
    started = time.monotonic()
    timings = during(lambda: outcomes.append(sparql(server, CROSS)), server, rounds=1)
    stop.set()
    watcher.join()
    assert outcomes[0][0] == 507 and b"MiB" in outcomes[0][2], outcomes
    assert time.monotonic() - started < 20
    assert max(timings) < 1.0, timings
    # The documented bound: the server's own size, and each worker's heap cap plus its code.
    assert max(peak) < before + WORKER_MIB + 150, (before, max(peak))
    assert sparql(server, "ASK { ?s a dg:NHSTrust }")[0] == 200


def test_runaways_are_admitted_up_to_the_queue_then_refused_at_once(server):
    outcomes = []

    def runaway():
        started = time.monotonic()
        status, headers, _ = sparql(server, RUNAWAY)
        outcomes.append((status, headers.get("Retry-After"), time.monotonic() - started))
    timings = during(runaway, server, rounds=12)  # 1 worker + 4 waiting may be admitted
    fast_refusals = [o for o in outcomes if o[0] == 503 and o[1] and o[2] < 1.0]
    assert len(fast_refusals) >= 12 - 5, outcomes
    assert max(timings) < 1.0, timings
    assert sparql(server, "ASK { ?s a dg:NHSTrust }")[0] == 200


def test_slow_connections_do_not_keep_new_clients_out(server):
    sockets = []
    try:
        for _ in range(200):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"GET /api/search?q=derby HTTP/1.1\r\nHost: x\r\n")  # and never the end
            sockets.append(sock)
        time.sleep(0.5)
        assert lineage_seconds(server) < 1.0
    finally:
        for sock in sockets:
            sock.close()


def stat_fields(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command's name (state first, niceness 17th)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def stopped(pid: int) -> bool:
    """Whether the kernel has put `pid` in the stopped state yet (SIGSTOP takes effect when the
    process is next scheduled, which on a busy machine can be after the next request arrives)."""
    return stat_fields(pid)[0] in ("T", "t")


def test_a_stopped_or_dead_idle_worker_costs_no_query(server):
    (worker,) = query_workers(server.process.pid)
    os.kill(worker, signal.SIGSTOP)
    deadline = time.monotonic() + 10
    while not stopped(worker):
        assert time.monotonic() < deadline, "the worker never stopped"
        time.sleep(0.01)
    assert sparql(server, "ASK { ?s a dg:NHSTrust }")[0] == 200
    assert not Path(f"/proc/{worker}").exists() or worker not in query_workers(server.process.pid)  # replaced
    (second,) = query_workers(server.process.pid)
    os.kill(second, signal.SIGKILL)
    time.sleep(0.2)
    assert sparql(server, "ASK { ?s a dg:NHSTrust }")[0] == 200


def niceness(pid: int) -> int:
    return int(stat_fields(pid)[16])


def test_a_worker_yields_the_cores_to_the_server(server):
    """Under load, the server's own requests (lineage, pages, refusals) come before queries."""
    assert sparql(server, "ASK { ?s a dg:NHSTrust }")[0] == 200
    (worker,) = query_workers(server.process.pid)
    assert niceness(worker) == min(19, niceness(server.process.pid) + DEFAULT.worker_niceness) > niceness(server.process.pid)


def test_the_host_header_is_never_echoed(server):
    for path in ("/.well-known/void", "/sparql"):
        status, _, body = server.get(path, {"Host": "evil.example", "Accept": "text/turtle"})
        assert status == 200 and b"evil.example" not in body
    status, headers, _ = server.get("/sparql", {"Host": "evil.example", "Accept": "text/html"}, follow=False)
    assert status == 302 and headers["Location"] and "evil.example" not in headers["Location"], (status, headers)


@pytest.mark.parametrize("org", ["http://<x>", "https://a b", "http://x/\x00"])
def test_an_org_that_looks_like_an_iri_but_is_not_is_a_400_in_json(server, org):
    status, headers, body = server.get("/api/lineage?org=" + urllib.parse.quote(org))
    assert status == 400 and headers.get_content_type() == "application/json", body


def test_canned_downloads_cut_at_a_limit_say_so(dataset):
    from derbygraph.config import DEFAULT
    from derbygraph.web.app import create_app

    for config, limit in ((DEFAULT.replace(max_rows=3), "rows"), (DEFAULT.replace(max_answer_bytes=400), "bytes")):
        client = create_app(dataset, config).test_client()
        response = client.get("/queries/names-of-an-organisation.csv")
        assert response.status_code == 200
        rows = response.data.decode().strip().splitlines()[1:]
        assert response.headers["Derbygraph-Truncated"] == f"rows={len(rows)}; limit={limit}"
        assert len(response.data) <= config.max_answer_bytes and 0 < len(rows) <= 3 + (limit == "bytes") * 10


def test_base_url_names_the_public_address(store):
    running = Server("--store", store, "--base-url", "https://derbygraph.example/history")
    try:
        _, _, body = running.get("/.well-known/void", {"Host": "evil.example"})
        assert b"https://derbygraph.example/history/sparql" in body and b"evil" not in body
        status, _, _ = running.get("/history/api/lineage?org=DCHS")
        assert status == 200
    finally:
        running.stop()


def _serve_until(signum: int, *options: str, during=None) -> tuple:
    """Serve, then stop with `signum` (while `during(port)` runs in a thread, if given)."""
    port = free_port()
    process = subprocess.Popen(derbygraph_command() + ["serve", "--port", str(port), *(options or ("--workers", "2"))],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               # as from a terminal: a pytest-xdist worker ignores Ctrl+C, and children inherit that
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # the port is bound at once; wait for answers
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=derby", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    scratch = set()  # this server's temporary store: the folders its open files are in
    for fd in Path(f"/proc/{process.pid}/fd").iterdir():
        target = Path(os.readlink(fd)) if fd.is_symlink() else None
        if target and any(part.startswith("derbygraph-") for part in target.parts):
            scratch.add(next(Path(*target.parts[:n + 1]) for n, part in enumerate(target.parts)
                             if part.startswith("derbygraph-")))
    children = family(process.pid)[1:]
    asking = threading.Thread(target=during, args=(port,)) if during else None
    if asking:
        asking.start()
        time.sleep(1.5)  # on its way, or on a worker
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    if asking:
        asking.join(timeout=30)
    return process.returncode, err, scratch, children


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_clean_stop(signum):
    code, err, scratch, children = _serve_until(signum)
    assert "Traceback" not in err, err
    assert "stopped" in err
    assert scratch and not [p for p in scratch if p.exists()], scratch
    time.sleep(0.5)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()
                and stat_fields(pid)[0] != "Z"]


def test_a_busy_port_is_found_before_any_build():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(derbygraph_command() + ["serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and "in use" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "loaded" not in result.stderr
        assert time.monotonic() - started < 5



@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_during_a_query_answers_it_503_without_a_traceback(signum):
    answer = {}

    def ask(port: int):
        request = f"http://127.0.0.1:{port}/sparql?query=" + urllib.parse.quote(RUNAWAY)
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as error:
            answer["reply"] = (error.code, error.headers, error.read())
    code, err, _, children = _serve_until(signum, "--workers", "1", "--query-timeout", "60", during=ask)
    status, headers, body = answer["reply"]
    assert status == 503 and b"stopping" in body and headers.get("Retry-After"), (status, body)
    assert "Traceback" not in err and "stopped" in err, err
    time.sleep(0.5)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()
                and stat_fields(pid)[0] != "Z"]
