"""A bounded load test of a running derbygraph server, on loopback only.

    python benchmarks/loadtest.py [--url http://127.0.0.1:8080] [--clients 16] [--seconds 60] [--runaways 3]

Clients mix lineage, search, pages and SPARQL for a fixed time while a few runaway queries run
into the time limit. It prints requests, failures, latency percentiles and the server's memory
(PSS of the server and its worker processes) before and after, and checks the server still
answers at the end. `tests/test_load.py` runs a short version.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
NAMES = ["Southern Derbyshire", "DCHS", "Derbyshire Healthcare", "Community Health Care", "NHS Derby City",
         "derbyshire mental health", "Joined Up Care Derbyshire"]
QUERIES = ["SELECT ?n WHERE { ?p dg:name ?n }", "ASK { ?s a dg:NHSTrust }",
           "SELECT ?e ?d WHERE { ?e a org:ChangeEvent ; dg:date ?d } ORDER BY ?d",
           "CONSTRUCT { ?o org:hasSite ?s } WHERE { ?o org:hasSite ?s }"]


def mixed_request(rng: random.Random) -> str:
    kind = rng.choice(["lineage", "search", "page", "sparql", "sparql", "resource"])
    if kind == "lineage":
        return "/api/lineage?" + urllib.parse.urlencode({"org": rng.choice(NAMES)})
    if kind == "search":
        return "/api/search?" + urllib.parse.urlencode({"q": rng.choice(NAMES)[:rng.randint(3, 12)]})
    if kind == "page":
        return rng.choice(["/", "/lineage?org=DCHS", "/queries", "/queries/name-on-a-date?date=2001"])
    if kind == "resource":
        return "/derbygraph/id/org/derbyshire-healthcare-nhs-foundation-trust"
    return "/sparql?" + urllib.parse.urlencode({"query": rng.choice(QUERIES)})


def pss_kib(pid: int) -> int:
    """Proportional set size of a process and all its descendants, in KiB (Linux)."""
    total = 0
    for proc in [pid] + descendants(pid):
        try:
            for line in Path(f"/proc/{proc}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child] + descendants(child)
    return found


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    runaway_statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(host: str, port: int, until: float, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(host, port, timeout=60)
    while time.monotonic() < until:
        path = mixed_request(rng)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "text/html" if not path.startswith(("/api", "/sparql")) else "*/*"})
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            status = 0
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
            detail = f"{path}: {error.__class__.__name__}"
        else:
            detail = f"{path}: {status}"
        with tally.lock:
            tally.latencies.append(time.perf_counter() - started)
            if status != 200:
                tally.failures.append(detail)
    connection.close()


def runaway(host: str, port: int, tally: Tally) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=120)
    connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))
    response = connection.getresponse()
    response.read()
    with tally.lock:
        tally.runaway_statuses.append(response.status)
    connection.close()


def run(url: str, clients: int, seconds: float, runaways: int, server_pid: int | None = None) -> dict:
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load test only targets a server on this machine (loopback)")
    tally = Tally()
    memory_before = pss_kib(server_pid) if server_pid else None
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(host, port, until, n, tally)) for n in range(clients)]
    threads += [threading.Thread(target=runaway, args=(host, port, tally)) for _ in range(runaways)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("GET", "/api/search?q=derbyshire")
    still_answering = connection.getresponse().status == 200
    latencies = sorted(tally.latencies)
    quantile = lambda q: latencies[min(int(q * len(latencies)), len(latencies) - 1)] * 1000 if latencies else None  # noqa: E731
    return {
        "clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1), "failures": len(tally.failures),
        "failure_examples": tally.failures[:5], "p50_ms": quantile(0.5), "p99_ms": quantile(0.99),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else None,
        "runaway_statuses": tally.runaway_statuses, "still_answering": still_answering,
        "memory_before_kib": memory_before, "memory_after_kib": pss_kib(server_pid) if server_pid else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runaways", type=int, default=3)
    parser.add_argument("--pid", type=int, help="the server's process id, to report its memory")
    args = parser.parse_args()
    result = run(args.url, args.clients, args.seconds, args.runaways, args.pid)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
