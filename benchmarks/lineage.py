"""Time the lineage service on a built store, embedded and against a remote `oxigraph serve`.

    python benchmarks/lineage.py --store STORE [--bodies 200] [--no-remote]

STORE is any store written by `derbygraph build` (with the registry, or with a generated graph:
`python benchmarks/generate.py --triples 1M && derbygraph build --data benchmarks/out/bench-1M.nt
--store STORE`). The same organisations are asked of both stores, after a warm-up; each answer
from the remote store must equal the embedded one. Baselines measured in the same run: one point
lookup (`<iri> rdfs:label ?l`) on the same store, embedded and over HTTP, so the lineage reads as
so many point lookups' worth of time. Prints p50, p99 and max per lineage, and the requests each
made of the remote store.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from derbygraph import vocab
from derbygraph.answers.lineage import LineageService
from derbygraph.store.dataset import Dataset
from derbygraph.store.remote import RemoteStore

BODIES = f"SELECT DISTINCT ?body WHERE {{ ?body <{vocab.DG}inLineage> ?lineage }} ORDER BY ?body"
POINT = f"SELECT ?label WHERE {{ $iri <{vocab.RDFS}label> ?label }}"


def timed(service: LineageService, bodies: list[str], requests: list | None = None) -> tuple[list[float], list[int], list[dict]]:
    """Seconds per lineage, requests per lineage (when `requests` collects them), the answers."""
    for body in bodies[:20]:  # warm-up: the name index, the vocabulary, caches
        service.lineage(body)
    seconds, counts, answers = [], [], []
    for body in bodies:
        before = len(requests) if requests is not None else 0
        started = time.perf_counter()
        answers.append(service.lineage(body))
        seconds.append(time.perf_counter() - started)
        counts.append(len(requests) - before if requests is not None else 0)
    return seconds, counts, answers


def point_lookups(dataset: Dataset, bodies: list[str]) -> list[float]:
    seconds = []
    for body in bodies:
        started = time.perf_counter()
        list(dataset.query(POINT.replace("$iri", f"<{body}>")))
        seconds.append(time.perf_counter() - started)
    return seconds


def summary(label: str, seconds: list[float], requests: list[int] | None, baseline: list[float]) -> str:
    ms = sorted(1000 * s for s in seconds)
    p50, p99 = statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    point = statistics.median(baseline) * 1000
    said = f"{label:9} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {ms[-1]:7.1f} ms"
    said += f"  | point lookup p50 {point:5.2f} ms: lineage = {p50 / point:5.1f} lookups"
    if requests:
        said += f"  | requests per lineage: median {statistics.median(requests):g}, max {max(requests)}"
    return said


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def remote(store: Path, oxigraph: str, folder: Path) -> tuple[subprocess.Popen, str]:
    """`oxigraph serve` on a free loopback port, filled by `derbygraph push` as a user would."""
    port = free_port()
    process = subprocess.Popen([oxigraph, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("derbygraph")), "push", "--store", str(store), "--endpoint",
                    url + "/update", "--gsp", url + "/store"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"pushed the store into oxigraph serve in {time.perf_counter() - started:.1f} s")
    return process, url + "/query"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--bodies", type=int, default=200, help="how many organisations to ask for (spread evenly)")
    parser.add_argument("--no-remote", action="store_true", help="the embedded store only")
    args = parser.parse_args()

    embedded = Dataset.open(args.store)
    every = [row["body"].value for row in embedded.query(BODIES)]
    bodies = every[:: max(1, len(every) // args.bodies)][: args.bodies]
    print(f"{len(bodies)} of {len(every):,} bodies, from {args.store} ({len(embedded):,} quads)")

    seconds, _, answers = timed(LineageService(embedded), bodies)
    print(summary("embedded", seconds, None, point_lookups(embedded, bodies)))

    oxigraph = str(Path(sys.executable).with_name("oxigraph"))
    if args.no_remote or not Path(oxigraph).exists():
        print("remote: skipped" + ("" if args.no_remote else f" ({oxigraph} not found: pip install oxigraph)"))
        return
    with tempfile.TemporaryDirectory(prefix="derbygraph-bench-") as folder:
        process, endpoint = remote(args.store, oxigraph, Path(folder))
        try:
            store, asked = RemoteStore(endpoint), []
            ask = store._ask
            store._ask = lambda *args, **kwargs: asked.append(args[0]) or ask(*args, **kwargs)
            far = Dataset(store)
            seconds, requests, far_answers = timed(LineageService(far), bodies, asked)
            print(summary("remote", seconds, requests, point_lookups(far, bodies)))
            differ = sum(a != b for a, b in zip(answers, far_answers))
            print(f"answers that differ from the embedded store's: {differ} of {len(bodies)}")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
