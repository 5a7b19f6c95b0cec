"""The derbygraph benchmark: one command, every figure side by side with two baselines.

    python benchmarks/run.py --sizes 100k,1M            # the full run (about 15 minutes)
    python benchmarks/run.py --sizes 100k --quick       # a smoke run (about 3 minutes)

For each size it generates an org-history graph (benchmarks/generate.py), then measures, in
one run and on the same data:

  build     `derbygraph build` as a user runs it (validation included, cut off at
            --cli-build-timeout), the same build without validation (what `serve --data`
            does), and `oxigraph load` of the same quads; wall time and peak RSS
  start-up  `derbygraph serve --store` until /sparql answers and until /api/search answers;
            `oxigraph serve-read-only` and `rdflib-endpoint serve` until they answer
  --data    `derbygraph serve --data FILE` until it answers (builds into a temp store first)
  API       /api/lineage and /api/search latency, one client, p50/p99 over a few hundred
            varied names drawn from the generated graph; the lineages twice, as first asked
            after start-up (the disk's pages may be cold) and again (warm)
  SPARQL    throughput and p50/p99 latency with 4 concurrent keep-alive clients, per query:
            a point lookup, two label searches, and the lineage path query in two shapes
  memory    PSS summed over each server and all its processes (/proc/PID/smaps_rollup),
            peak over the run
  shapes    the lineage path query shapes run in-process in pyoxigraph (no HTTP)

The baselines are `oxigraph serve-read-only` (PyPI package `oxigraph`, the engine's own Rust
server: the practical limit) and rdflib-endpoint (rdflib behind a SPARQL endpoint: a peer),
both serving every distinct triple of the built derbygraph store (asserted and inferred) as
their default graph: what derbygraph's queries see. It prints a table of figures and ratios, the targets of the issue with verdicts, and
writes everything to benchmarks/out/results-<time>.json. Every server binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

BIN = Path(sys.executable).parent
PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dg: <https://w3id.org/derbygraph/ontology#>
"""
SPARQL_JSON = "application/sparql-results+json"

# The lineage path: every body a lineage came from or went to through mergers and changes of
# status, at any depth, with its label. Two shapes of one question: pyoxigraph evaluates a path
# whose start is an IRI constant by walking back from every possible end (slow), and a path whose
# start is a variable bound first (by VALUES or a label) from that start (fast).
UP = "(^org:resultingOrganization/org:originalOrganization)+"
DOWN = "(^org:originalOrganization/org:resultingOrganization)+"
PATH_SHAPES = {
    "lineage-values": "SELECT ?org ?label WHERE {{ VALUES ?start {{ <{iri}> }} "
                      "{{ ?start %s ?org }} UNION {{ ?start %s ?org }} ?org rdfs:label ?label }}" % (UP, DOWN),
    "lineage-label": "SELECT ?org ?label WHERE {{ ?start rdfs:label {label} . "
                     "{{ ?start %s ?org }} UNION {{ ?start %s ?org }} ?org rdfs:label ?label }}" % (UP, DOWN),
    "lineage-iri": "SELECT ?org ?label WHERE {{ {{ <{iri}> %s ?org }} UNION {{ <{iri}> %s ?org }} "
                   "?org rdfs:label ?label }}" % (UP, DOWN),
    "lineage-iri-inside": "SELECT ?org ?label WHERE {{ {{ <{iri}> %s ?org . ?org rdfs:label ?label }} UNION "
                          "{{ <{iri}> %s ?org . ?org rdfs:label ?label }} }}" % (UP, DOWN),
}
QUERIES = {
    # one IRI's labels: an index lookup
    "point": "SELECT ?label WHERE {{ <{iri}> rdfs:label ?label }}",
    # every name ever borne that contains a word, case-insensitively: a scan of all names
    "label-contains": "SELECT ?org ?name WHERE {{ ?org dg:hasNamePeriod ?period . ?period dg:name ?name . "
                      "FILTER(CONTAINS(LCASE(?name), {word})) }}",
    # the organisations whose label is exactly this name: an index lookup
    "label-exact": "SELECT ?org WHERE {{ ?org rdfs:label {label} }}",
    "lineage-label": PATH_SHAPES["lineage-label"],
    "lineage-iri": PATH_SHAPES["lineage-iri"],
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- processes and memory ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _status_field(pid: int, field: str, source: str = "status") -> int:
    try:
        with open(f"/proc/{pid}/{source}") as stream:
            for line in stream:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def rss_mb(pid: int) -> float:
    return sum(_status_field(p, "VmRSS") for p in descendants(pid)) / 1024


def pss_mb(pid: int) -> float:
    return sum(_status_field(p, "Pss", "smaps_rollup") for p in descendants(pid)) / 1024


class Server:
    """A server process in its own session (so its workers end with it), logs in `logs`."""

    def __init__(self, name: str, cmd: list[str], port: int, ready_path: str, logs: Path):
        self.name, self.cmd, self.port, self.ready_path = name, cmd, port, ready_path
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"{name}-{port}.log"
        self._log = self.log_path.open("wb")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.peak_pss = 0.0
        self._sampling = False

    def wait_ready(self, path: str | None = None, timeout: float = 600) -> float | None:
        """Seconds from launch until GET `path` answers 200; None if it died or timed out."""
        path = path or self.ready_path
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                return None
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path, headers={"Accept": SPARQL_JSON})
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.02)
        return None

    def sample_memory(self) -> None:
        """Keep the peak PSS of the server's processes, sampled each second until stop()."""
        self._sampling = True

        def loop():
            while self._sampling and self.proc.poll() is None:
                self.peak_pss = max(self.peak_pss, pss_mb(self.proc.pid))
                time.sleep(1)

        threading.Thread(target=loop, daemon=True).start()

    def pss(self) -> float:
        value = pss_mb(self.proc.pid)
        self.peak_pss = max(self.peak_pss, value)
        return value

    def stop(self) -> None:
        self._sampling = False
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self._log.close()


def measured(cmd: list[str], timeout: float, log_path: Path) -> dict:
    """Run `cmd` to its end (or cut it at `timeout`): wall seconds, peak RSS of its process tree."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log_path.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        peak, timed_out = 0.0, False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                peak = max(peak, usage.ru_maxrss / 1024)
                break
            peak = max(peak, rss_mb(proc.pid))
            if time.perf_counter() - started > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
            time.sleep(0.1)
    tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": round(peak),
            "exit": proc.returncode, "timed_out": timed_out, "last_output": tail}


# --- HTTP load ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(latencies_ms: list[float]) -> dict:
    return {"n": len(latencies_ms), "p50_ms": _r(percentile(latencies_ms, 50)),
            "p99_ms": _r(percentile(latencies_ms, 99)),
            "mean_ms": _r(statistics.fmean(latencies_ms)) if latencies_ms else None}


def _r(value, digits=2):
    return None if value is None else round(value, digits)


def sequential(port: int, paths: list[str], budget: float, accept: str = "application/json",
               warmup: int = 20) -> dict:
    """One keep-alive client asking each path in turn (until `budget` seconds have passed, after
    at least 50 requests): latency per request, and status counts."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies, statuses = [], {}
    stop_at = time.perf_counter() + budget
    for number, path in enumerate(paths[:warmup] + paths):
        if len(latencies) >= 50 and time.perf_counter() > stop_at:
            break
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": accept})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status = "error"
        if number >= warmup:
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    conn.close()
    return {**summary(latencies), "statuses": statuses}


def _client(port: int, paths: list[str], offset: int, warmup_s: float, duration: float, timeout: float,
            at_least: int, out):
    """One of the concurrent clients: requests in turn until the time is up (warm-up not counted),
    and at least `at_least` counted requests however slow they are (up to one timeout more)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    counted_from, deadline = start + warmup_s, start + warmup_s + duration
    latencies, errors, number = [], 0, offset
    last = counted_from
    while True:
        now = time.perf_counter()
        if now >= deadline and (len(latencies) + errors >= at_least or now >= deadline + timeout):
            break
        path = paths[number % len(paths)]
        number += 1
        try:
            conn.request("GET", path, headers={"Accept": SPARQL_JSON})
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            ok = False
        end = time.perf_counter()
        if now >= counted_from:
            last = end
            if ok:
                latencies.append((end - now) * 1000)
            else:
                errors += 1
    conn.close()
    out.put((latencies, errors, last - counted_from))


def concurrent(port: int, paths: list[str], clients: int, duration: float, warmup_s: float,
               timeout: float, at_least: int = 2) -> dict:
    """`clients` processes, each with a keep-alive connection, for `duration` seconds."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    procs = [context.Process(target=_client, args=(port, paths, i * 7, warmup_s, duration, timeout, at_least,
                                                   results))
             for i in range(clients)]
    for proc in procs:
        proc.start()
    gathered = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    latencies = [ms for got, _, _ in gathered for ms in got]
    errors = sum(e for _, e, _ in gathered)
    elapsed = max(seconds for _, _, seconds in gathered)
    return {**summary(latencies), "errors": errors, "seconds": round(elapsed, 2),
            "rps": round(len(latencies) / elapsed, 2) if elapsed > 0 else None}


def sparql_path(endpoint: str, query: str) -> str:
    return f"{endpoint}?{urllib.parse.urlencode({'query': PREFIXES + query})}"


# --- what to ask for --------------------------------------------------------------------------


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False) + "@en"


def workload(info: dict, seed: int = 7) -> dict:
    """Lineage and search requests and SPARQL query instances, drawn from the generated graph."""
    rng = random.Random(seed)
    samples = [s for s in info["samples"] if s["names"]]
    deep = info["deep"] or samples[:10]
    lineage, search = [], []
    for s in samples:
        current, first = s["names"][-1], s["names"][0]
        lineage.append(current)
        if first != current:
            lineage.append(first)  # a former name
        if s.get("acronym"):
            lineage.append(s["acronym"])
        core = [w for w in current.split() if w not in ("NHS", "Trust", "Foundation", "and", "of")]
        lineage.append(" ".join(core[:2]) + " Trust")  # a partial name ("Belper Mental Trust")
        search.append(current)
        search.append(" ".join(core[:2]))
        place = max(core, key=len)
        search.append(place.lower())
        if len(place) >= 6:  # a typo: one letter dropped
            cut = rng.randrange(1, len(place) - 1)
            search.append(place[:cut] + place[cut + 1:])
    for d in deep:
        lineage.append(d["names"][-1])
    rng.shuffle(lineage)
    rng.shuffle(search)
    words = sorted({max([w for w in s["names"][-1].split() if w not in ("NHS", "Trust")], key=len).lower()
                    for s in samples})
    rng.shuffle(words)
    instances = {
        "point": [{"iri": s["iri"]} for s in samples[:200]],
        "label-contains": [{"word": json.dumps(w)} for w in words[:100]],
        "label-exact": [{"label": _literal(s["names"][-1])} for s in samples[:200]],
    }
    for shape in PATH_SHAPES:  # the deepest merger chains
        instances[shape] = [{"label": _literal(d["names"][-1]), "iri": d["iri"]} for d in deep]
    return {"lineage": lineage[:300], "search": search[:300], "instances": instances}


def query_texts(kind: str, instances: list[dict]) -> list[str]:
    template = QUERIES.get(kind) or PATH_SHAPES[kind]
    return [template.format(**values) for values in instances]


# --- the steps --------------------------------------------------------------------------------


def in_process_shapes(store: Path, work: dict, out: Path, budget: float) -> dict:
    """The lineage path shapes in pyoxigraph itself (a subprocess: the store opens read-only)."""
    script = r"""
import json, statistics, sys, time
from pathlib import Path
import pyoxigraph as ox
from derbygraph.store.storefolder import open_engine
store = open_engine(Path(sys.argv[1]))
# As derbygraph queries: its default graph (the build makes it the union of all graphs); a store
# of an older layout, with nothing in the default graph, is asked for the union instead.
union = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None
todo = json.loads(open(sys.argv[2]).read())
budget = float(sys.argv[3])
found = {}
for name, queries in todo.items():
    times, rows, spent = [], set(), 0.0
    for query in queries:
        started = time.perf_counter()
        rows.add(len(list(store.query(query, use_default_graph_as_union=union))))
        took = time.perf_counter() - started
        times.append(took * 1000)
        spent += took
        if spent > budget:
            break
    found[name] = {"n": len(times), "median_ms": round(statistics.median(times), 3),
                   "max_ms": round(max(times), 3), "rows": sorted(rows)}
print(json.dumps(found))
"""
    todo = {name: [PREFIXES + q for q in query_texts(name, work["instances"][name])]
            for name in PATH_SHAPES}
    spec = out / "shapes-todo.json"
    spec.write_text(json.dumps(todo))
    limit = budget * len(todo) + 120
    try:
        done = subprocess.run([sys.executable, "-c", script, str(store), str(spec), str(budget)],
                              capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:  # one query outlasted every budget (lineage-iri at 5M): said, not fatal
        return {"error": [f"cut after {limit:g} s: a single query ran past the budget of all the shapes"]}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout)


def sparql_suite(port: int, endpoint: str, work: dict, args, slow: bool = False) -> dict:
    """Every query kind under 4 concurrent clients."""
    found = {}
    for kind in QUERIES:
        paths = [sparql_path(endpoint, q) for q in query_texts(kind, work["instances"][kind])]
        duration = args.rdflib_duration if slow else args.duration
        log(f"    SPARQL {kind}: {args.clients} clients, {duration:g} s")
        found[kind] = concurrent(port, paths, args.clients, duration, 0 if slow else args.warmup,
                                 args.request_timeout, 1 if slow else 2)
    return found


def export_triples(store: Path, target: Path) -> float:
    """Every distinct triple of the built store (asserted and inferred, from all its graphs) as
    N-Triples: what derbygraph's queries see as their default graph, for the baselines to serve."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c",
                    "import sys, pyoxigraph as ox; from pathlib import Path; "
                    "from derbygraph.store.storefolder import open_engine; s = open_engine(Path(sys.argv[1])); "
                    "ox.serialize({q.triple for q in s}, sys.argv[2], ox.RdfFormat.N_TRIPLES)",
                    str(store), str(target)], check=True)
    return round(time.perf_counter() - started, 2)


BUILD_GB_PER_MILLION = 2.5


def _memory_gb() -> float:
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 16.0


def bench_size(label: str, args, work_dir: Path, logs: Path) -> dict:
    size = generate.parse_size(label)
    result: dict = {"size": label}
    nt = work_dir / f"bench-{label}.nt"
    meta = nt.with_suffix(".json")
    if not (nt.exists() and meta.exists() and json.loads(meta.read_text()).get("target") == size):
        log(f"{label}: generating {size} triples")
        started = time.perf_counter()
        generate.generate(size, nt)
        log(f"{label}: generated in {time.perf_counter() - started:.1f} s")
    info = json.loads(meta.read_text())
    result["generated"] = {k: info[k] for k in ("triples", "organisations", "name_periods", "events", "sites",
                                                "quotations", "families")}
    work = workload(info)
    # The build held 2.45 GB at its peak for 1M triples and 11.6 GB for 5M (the store in memory),
    # and grows with the data: refuse a size whose build would exhaust the machine (and its neighbours).
    need_gb = BUILD_GB_PER_MILLION * size / 1e6
    if need_gb > args.max_build_gb and not args.store:
        result["skipped"] = (f"the build would need about {need_gb:.0f} GB of memory ({BUILD_GB_PER_MILLION} GB "
                             f"per million triples, measured at 1M and 5M); --max-build-gb is {args.max_build_gb:.0f}")
        log(f"{label}: skipped: {result['skipped']}")
        return result
    stores = work_dir / f"stores-{label}"
    shutil.rmtree(stores, ignore_errors=True)
    stores.mkdir(parents=True)

    # Build as a user runs it (validation included); if that fails or is cut, (or with --both-builds)
    # also without validation (what serve --data does), and serve that store.
    store = None
    if args.store:  # built before, by a build longer than these limits allow: the rest is measured on it
        store, result["built_before"] = args.store, str(args.store)
        result["quads"] = json.loads((args.store / "statistics.json").read_text())["quads"]
    elif args.cli_build_timeout > 0:
        log(f"{label}: derbygraph build (validation included, cut at {args.cli_build_timeout:g} s)")
        result["build_cli"] = measured([str(BIN / "derbygraph"), "build", "--data", str(nt),
                                        "--store", str(stores / "cli")], args.cli_build_timeout,
                                       logs / f"build-cli-{label}.log")
        built = re.search(r"built .*: (\d+) quads", "\n".join(result["build_cli"]["last_output"]))
        if result["build_cli"]["exit"] == 0 and built:
            store, result["quads"] = stores / "cli", int(built.group(1))
        else:
            shutil.rmtree(stores / "cli", ignore_errors=True)
            shutil.rmtree(stores / "cli.building", ignore_errors=True)
    if store is None or (args.both_builds and not args.store):
        log(f"{label}: build without validation (build.write_store)")
        result["build_nocheck"] = measured(
            [sys.executable, "-c", "import sys; from pathlib import Path; from derbygraph.build import write_store; "
             "d = write_store(Path(sys.argv[1]), [Path(sys.argv[2])], progress=print); print('quads', len(d))",
             str(stores / "dg"), str(nt)], args.build_timeout, logs / f"build-nocheck-{label}.log")
        if result["build_nocheck"]["exit"] != 0:
            log(f"{label}: build failed: {result['build_nocheck']['last_output']}")
            return result
        if store is None:
            store, result["quads"] = stores / "dg", int(result["build_nocheck"]["last_output"][-1].split()[-1])

    # derbygraph serve --store: start-up (median of three), then the API and SPARQL.
    log(f"{label}: derbygraph serve --store: start-up x{args.startups}")
    startups = []
    server = None
    for attempt in range(args.startups):
        port = free_port()
        # the load clients stand for as many people, though all send from 127.0.0.1: not one client's share
        cmd = [str(BIN / "derbygraph"), "serve", "--store", str(store), "--host", "127.0.0.1", "--port", str(port),
               "--client-share", str(args.clients)]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        server = Server("derbygraph", cmd, port, "/sparql?query=ASK%7B%7D", logs)
        first_sparql = server.wait_ready(timeout=120)
        first_search = server.wait_ready("/api/search?q=derby", timeout=120)
        startups.append({"sparql_s": _r(first_sparql, 3), "search_s": _r(first_search, 3)})
        if attempt < args.startups - 1:
            server.stop()
    dg: dict = {"startup_runs": startups,
                "startup_sparql_s": _r(statistics.median(s["sparql_s"] or 1e9 for s in startups), 3),
                "startup_search_s": _r(statistics.median(s["search_s"] or 1e9 for s in startups), 3)}
    server.sample_memory()
    dg["pss_idle_mb"] = round(server.pss())
    log(f"{label}: /api/lineage x{len(work['lineage'])}, /api/search x{len(work['search'])}")
    lineages = [f"/api/lineage?{urllib.parse.urlencode({'org': q})}" for q in work["lineage"]]
    dg["lineage"] = sequential(server.port, lineages, args.api_budget)
    dg["lineage_again"] = sequential(server.port, lineages, args.api_budget)
    dg["search"] = sequential(server.port, [f"/api/search?{urllib.parse.urlencode({'q': q})}"
                                            for q in work["search"]], args.api_budget)
    dg["sparql"] = sparql_suite(server.port, "/sparql", work, args)
    dg["pss_after_mb"] = round(server.pss())
    dg["pss_peak_mb"] = round(server.peak_pss)
    server.stop()
    result["derbygraph"] = dg

    log(f"{label}: lineage path shapes in-process (pyoxigraph)")
    result["shapes_in_process"] = in_process_shapes(store, work, work_dir, args.shape_budget)

    # derbygraph serve --data FILE: builds into a temporary store, then serves.
    if args.serve_data:
        log(f"{label}: derbygraph serve --data (time to first answer)")
        port = free_port()
        server = Server("derbygraph-data", [str(BIN / "derbygraph"), "serve", "--data", str(nt), "--host",
                                            "127.0.0.1", "--port", str(port)], port,
                        "/sparql?query=ASK%7B%7D", logs)
        first = server.wait_ready(timeout=args.build_timeout)
        search = server.wait_ready("/api/search?q=derby", timeout=args.build_timeout) if first else None
        result["serve_data"] = {"sparql_s": _r(first, 2), "search_s": _r(search, 2)}
        server.stop()

    if args.skip_baselines:
        return result

    # Baselines: the same triples (asserted and inferred), served as their default graph.
    nq = work_dir / f"bench-{label}-dump.nt"
    result["dump_s"] = export_triples(store, nq)
    log(f"{label}: oxigraph load")
    result["oxigraph_load"] = measured([str(BIN / "oxigraph"), "load", "--location", str(stores / "ox"),
                                        "--file", str(nq)], args.build_timeout, logs / f"oxigraph-load-{label}.log")
    port = free_port()
    server = Server("oxigraph", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(stores / "ox"),
                                 "--bind", f"127.0.0.1:{port}"], port,
                    "/query?query=ASK%7B%7D", logs)
    ox_result: dict = {"startup_s": _r(server.wait_ready(timeout=120), 3)}
    server.sample_memory()
    ox_result["sparql"] = sparql_suite(port, "/query", work, args)
    ox_result["pss_peak_mb"] = round(max(server.peak_pss, server.pss()))
    server.stop()
    result["oxigraph"] = ox_result

    if size <= generate.parse_size(args.rdflib_max):
        log(f"{label}: rdflib-endpoint (parses the dump at start-up)")
        port = free_port()
        server = Server("rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve", str(nq), "--host", "127.0.0.1",
                                            "--port", str(port)], port,
                        "/?query=ASK%7B%7D", logs)
        server.sample_memory()
        rd: dict = {"startup_s": _r(server.wait_ready(timeout=args.build_timeout), 2)}
        if rd["startup_s"] is None:  # a baseline that never answered has no figures, not tiny ones
            rd = {"skipped": f"it exited or did not answer within {args.build_timeout:g} s; see {server.log_path}"}
        else:
            rd["sparql"] = sparql_suite(port, "/", work, args, slow=True)
            rd["pss_peak_mb"] = round(max(server.peak_pss, server.pss()))
        server.stop()
        result["rdflib"] = rd
    else:
        result["rdflib"] = {"skipped": f"above --rdflib-max {args.rdflib_max}"}
    nq.unlink(missing_ok=True)
    if not args.keep_stores:
        shutil.rmtree(stores, ignore_errors=True)
    return result


# --- the report ---------------------------------------------------------------------------------


def _fmt(value, unit="") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = f"{value:.3g}" if abs(value) < 10 else f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"
    return f"{value}{unit}"


def _ratio(a, b) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.2f}x"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def report(result: dict) -> str:
    label = result["size"]
    g = result.get("generated", {})
    if result.get("skipped"):
        return f"\n== {label}: {g.get('triples', 0):,} generated triples: not built: {result['skipped']} =="
    out = [f"\n== {label}: {g.get('triples', 0):,} generated triples ({g.get('organisations', 0):,} organisations, "
           f"{g.get('events', 0):,} events), {result.get('quads', 0):,} quads in the store with the built-in data "
           f"and inferred triples =="]
    if result.get("built_before"):
        out.append(f"(the store was built before this run, {result['built_before']}: no build figures)")
    dg, ox, rd = result.get("derbygraph", {}), result.get("oxigraph", {}), result.get("rdflib", {})
    cli = result.get("build_cli")
    rows = [["figure", "derbygraph", "oxigraph", "rdflib-endpoint", "dg/ox", "dg/rdflib"]]
    if cli:
        cli_time = f">{cli['seconds']:.0f} s (cut)" if cli["timed_out"] else f"{cli['seconds']:.1f} s"
        if not cli["timed_out"] and cli["exit"] != 0:
            cli_time += f" (exit {cli['exit']})"
        if result.get("build_nocheck"):
            rows.append(["build, `derbygraph build` (validates)", cli_time, "", "", "", ""])
            rows.append(["  peak RSS", _fmt(cli["peak_rss_mb"], " MB"), "", "", "", ""])
    nb, ol = result.get("build_nocheck"), result.get("oxigraph_load", {})
    ours = cli if cli and not nb else nb or {}
    rows.append([f"build{' (no validation)' if nb else ', `derbygraph build`'} / oxigraph load",
                 _fmt(ours.get("seconds"), " s"),
                 _fmt(ol.get("seconds"), " s"), "(parses at start-up)", _ratio(ours.get("seconds"), ol.get("seconds")),
                 ""])
    rows.append(["  peak RSS", _fmt(ours.get("peak_rss_mb"), " MB"), _fmt(ol.get("peak_rss_mb"), " MB"), "",
                 _ratio(ours.get("peak_rss_mb"), ol.get("peak_rss_mb")), ""])
    rows.append(["start-up from store, until /sparql answers", _fmt(dg.get("startup_sparql_s"), " s"),
                 _fmt(ox.get("startup_s"), " s"), _fmt(rd.get("startup_s"), " s"),
                 _ratio(dg.get("startup_sparql_s"), ox.get("startup_s")),
                 _ratio(dg.get("startup_sparql_s"), rd.get("startup_s"))])
    rows.append(["start-up, until /api/search answers", _fmt(dg.get("startup_search_s"), " s"), "", "", "", ""])
    if "serve_data" in result:
        sd = result["serve_data"]
        rows.append(["`serve --data FILE` until /sparql | /api/search", f"{_fmt(sd['sparql_s'], ' s')} | "
                     f"{_fmt(sd['search_s'], ' s')}", "", "", "", ""])
    for api, said in (("lineage", "lineage"), ("lineage_again", "lineage, again"), ("search", "search")):
        a = dg.get(api, {})
        rows.append([f"/api/{said} p50 | p99 (1 client, n={a.get('n', 0)})",
                     f"{_fmt(a.get('p50_ms'), ' ms')} | {_fmt(a.get('p99_ms'), ' ms')}", "", "", "", ""])
    for kind in QUERIES:
        d, o, r = (x.get("sparql", {}).get(kind, {}) for x in (dg, ox, rd))
        rows.append([f"SPARQL {kind}: req/s (4 clients)", _fmt(d.get("rps")), _fmt(o.get("rps")), _fmt(r.get("rps")),
                     _ratio(d.get("rps"), o.get("rps")), _ratio(d.get("rps"), r.get("rps"))])
        rows.append(["  p50 | p99"] + [f"{_fmt(x.get('p50_ms'))} | {_fmt(x.get('p99_ms'), ' ms')}"
                                         + (f" ({x['errors']} failed)" if x.get("errors") else "")
                                         for x in (d, o, r)] + ["", ""])
    best = {name: _best_lineage(x) for name, x in (("dg", dg), ("ox", ox), ("rd", rd))}
    rows.append(["SPARQL lineage, each engine's faster shape", _best_label(best["dg"]), _best_label(best["ox"]),
                 _best_label(best["rd"]), _ratio(best["dg"][1], best["ox"][1]),
                 _ratio(best["dg"][1], best["rd"][1])])
    rows.append(["server memory, PSS of all processes (peak)", _fmt(dg.get("pss_peak_mb"), " MB"),
                 _fmt(ox.get("pss_peak_mb"), " MB"), _fmt(rd.get("pss_peak_mb"), " MB"),
                 _ratio(dg.get("pss_peak_mb"), ox.get("pss_peak_mb")),
                 _ratio(dg.get("pss_peak_mb"), rd.get("pss_peak_mb"))])
    out.append(table(rows))
    if rd.get("skipped"):
        out.append(f"rdflib-endpoint skipped: {rd['skipped']}")
    shapes = result.get("shapes_in_process")
    if shapes and "error" in shapes:
        out.append(f"\nlineage path query shapes, in-process: {' '.join(shapes['error'])}")
    elif shapes:
        out.append("\nlineage path query shapes, in-process pyoxigraph (no HTTP), deepest chains:")
        out.append(table([["shape", "median", "max", "runs"]] + [
            [name, f"{s['median_ms']} ms", f"{s['max_ms']} ms", str(s["n"])] for name, s in shapes.items()]))
    return "\n".join(out)


def _best_lineage(server: dict) -> tuple[str | None, float | None]:
    """The lineage path shape this server answers fastest, and its throughput."""
    found = [(kind, server.get("sparql", {}).get(kind, {}).get("rps")) for kind in ("lineage-label", "lineage-iri")]
    found = [(kind, rps) for kind, rps in found if rps]
    return max(found, key=lambda f: f[1]) if found else (None, None)


def _best_label(best: tuple[str | None, float | None]) -> str:
    return f"{_fmt(best[1])} ({best[0].split('-')[1]})" if best[0] else "-"


TARGETS_AT = "1M"


def verdicts(result: dict) -> list[str]:
    """The targets of the issue, for the run at `result['size']`."""
    dg, ox, rd = result.get("derbygraph", {}), result.get("oxigraph", {}), result.get("rdflib", {})
    lines = []

    def check(name, value, limit, lower_is_better=True, unit=""):
        if value is None:
            lines.append(f"  ?    {name}: not measured")
            return
        met = value < limit if lower_is_better else value >= limit
        by = (value / limit) if lower_is_better else (limit / value if value else float("inf"))
        note = "" if met else f" (missed by {by:.1f}x)"
        lines.append(f"  {'MET ' if met else 'MISS'} {name}: {value:.3g}{unit} vs "
                     f"{'<' if lower_is_better else '>='} {limit:.3g}{unit}{note}")

    check("/api/lineage p50", dg.get("lineage", {}).get("p50_ms"), 5, unit=" ms")
    check("/api/lineage p99 (issue #16: the embedded lineage under 15 ms)", dg.get("lineage", {}).get("p99_ms"), 15, unit=" ms")
    check("/api/lineage p99, asked again", dg.get("lineage_again", {}).get("p99_ms"), 15, unit=" ms")
    check("/api/search p50", dg.get("search", {}).get("p50_ms"), 20, unit=" ms")
    sp = dg.get("sparql", {})
    for kind in ("point", "lineage-label", "lineage-iri"):
        o = ox.get("sparql", {}).get(kind, {}).get("rps")
        if o:
            check(f"SPARQL {kind} throughput vs oxigraph serve", sp.get(kind, {}).get("rps", 0) / o,
                  0.3 if kind == "point" else 0.5, lower_is_better=False, unit="x")
    for kind in ("label-contains", "label-exact", "lineage-label", "lineage-iri"):
        r = rd.get("sparql", {}).get(kind, {}).get("rps")
        if r:
            check(f"SPARQL {kind} throughput vs rdflib-endpoint", sp.get(kind, {}).get("rps", 0) / r, 20,
                  lower_is_better=False, unit="x")
    mine, theirs = _best_lineage(dg), _best_lineage(ox)
    if mine[1] and theirs[1]:
        check(f"SPARQL lineage, faster shape of each ({mine[0]} vs {theirs[0]}) vs oxigraph serve",
              mine[1] / theirs[1], 0.5, lower_is_better=False, unit="x")
    theirs = _best_lineage(rd)
    if mine[1] and theirs[1]:
        check(f"SPARQL lineage, faster shape of each ({mine[0]} vs {theirs[0]}) vs rdflib-endpoint",
              mine[1] / theirs[1], 20, lower_is_better=False, unit="x")
    # The peer: derbygraph ahead of rdflib-endpoint on every figure both have (issue #29, item 5).
    for kind in QUERIES:
        r = rd.get("sparql", {}).get(kind, {}).get("rps")
        if r:
            check(f"ahead of rdflib-endpoint: SPARQL {kind} req/s", sp.get(kind, {}).get("rps", 0) / r, 1,
                  lower_is_better=False, unit="x")
    for name, mine_value, theirs_value in (("start-up until /sparql answers", dg.get("startup_sparql_s"), rd.get("startup_s")),
                                           ("server memory (PSS)", dg.get("pss_peak_mb"), rd.get("pss_peak_mb"))):
        if mine_value and theirs_value:
            check(f"ahead of rdflib-endpoint: {name}", mine_value / theirs_value, 1, unit="x")
    if "serve_data" in result:
        sd = result["serve_data"]
        check("`serve --data` answering", sd.get("search_s") or sd.get("sparql_s"), 30, unit=" s")
    check("start-up from a built store (until /api/search answers)", dg.get("startup_search_s"), 2, unit=" s")
    check("server memory (PSS, all processes)", dg.get("pss_peak_mb"), 1024, unit=" MB")
    cli = result.get("build_cli")
    if cli and not cli["timed_out"] and cli["exit"] == 0:  # issue #29: 2 GB at 1M, 8 GB at 5M
        check("`derbygraph build` peak RSS", cli["peak_rss_mb"],
              2048 if generate.parse_size(result["size"]) <= 1_000_000 else 8192, unit=" MB")
    if cli:
        lines.append("  info `derbygraph build` with validation: "
                     + (f"cut after {cli['seconds']:.0f} s; last output: {cli['last_output'][-1:]}" if cli["timed_out"]
                        else f"{cli['seconds']:.1f} s, exit {cli['exit']}"))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="derbygraph benchmark (see benchmarks/README.md)")
    parser.add_argument("--sizes", default="100k,1M", help="comma-separated triple counts: 100k,1M,5M")
    parser.add_argument("--skip-baselines", action="store_true", help="derbygraph only")
    parser.add_argument("--quick", action="store_true", help="short durations, one start-up: a smoke run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent SPARQL clients")
    parser.add_argument("--duration", type=float, default=8, help="seconds of load per SPARQL query")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of load not counted")
    parser.add_argument("--rdflib-duration", type=float, default=10, help="seconds per query for rdflib-endpoint")
    parser.add_argument("--rdflib-max", default="1M", help="largest size rdflib-endpoint is run at")
    parser.add_argument("--api-budget", type=float, default=60,
                        help="seconds per API endpoint (300 requests, fewer if slower; at least 50)")
    parser.add_argument("--request-timeout", type=float, default=60, help="seconds before a request is given up")
    parser.add_argument("--cli-build-timeout", type=float, default=240,
                        help="cut `derbygraph build` (with validation) after this many seconds; 0 skips it")
    parser.add_argument("--both-builds", action="store_true",
                        help="also time the build without validation when `derbygraph build` succeeds")
    parser.add_argument("--build-timeout", type=float, default=900, help="limit for other builds and loads")
    parser.add_argument("--no-serve-data", dest="serve_data", action="store_false",
                        help="skip `serve --data FILE`")
    parser.add_argument("--startups", type=int, default=3, help="start-ups measured (the median is reported)")
    parser.add_argument("--workers", type=int, help="derbygraph serve --workers (default: its own default)")
    parser.add_argument("--shape-budget", type=float, default=10, help="seconds per in-process shape")
    parser.add_argument("--max-build-gb", type=float, default=round(_memory_gb() * 0.8),
                        help="skip a size whose build would need more memory than this (default: 80%% of RAM)")
    parser.add_argument("--keep-stores", action="store_true")
    parser.add_argument("--store", type=Path, metavar="DIR",
                        help="measure this store, built before for the one size given (a 5M build outlasts "
                             "--build-timeout), instead of building; the build figures are then not measured")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--report", type=Path, metavar="RESULTS_JSON",
                        help="print the tables of an earlier run's results and exit")
    args = parser.parse_args(argv)
    if args.report:
        earlier = json.loads(args.report.read_text())
        for result in earlier["sizes"]:
            print(report(result))
            if not result.get("skipped"):
                print(f"\ntargets (they are set for {TARGETS_AT}; here at {result['size']}):")
                print("\n".join(verdicts(result)))
        return 0
    if args.store and "," in args.sizes:
        parser.error("--store is one store of one size: give that size alone in --sizes")
    if args.quick:
        args.duration, args.rdflib_duration, args.startups, args.warmup = 3, 5, 1, 0.5
        args.api_budget = 20
        args.cli_build_timeout = min(args.cli_build_timeout, 30)
        args.shape_budget = 3
    args.out.mkdir(parents=True, exist_ok=True)
    logs = args.out / "logs"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = {"started": stamp, "python": sys.version.split()[0], "cores": os.cpu_count(),
               "args": {k: str(v) for k, v in vars(args).items()}, "sizes": []}
    for tool in ("oxigraph", "rdflib-endpoint", "derbygraph"):
        if not args.skip_baselines and not (BIN / tool).exists():
            parser.error(f"{BIN / tool} not found: pip install -e '.[bench]' (see benchmarks/README.md)")
    target = args.out / f"results-{stamp}.json"
    started = time.perf_counter()
    for label in args.sizes.split(","):
        result = bench_size(label.strip(), args, args.out, logs)
        results["sizes"].append(result)
        target.write_text(json.dumps(results, indent=1))
        print(report(result), flush=True)
        if not result.get("skipped"):
            print(f"\ntargets (they are set for {TARGETS_AT}; here at {result['size']}):")
            print("\n".join(verdicts(result)), flush=True)
    results["seconds"] = round(time.perf_counter() - started)
    target.write_text(json.dumps(results, indent=1))
    print(f"\nresults: {target} ({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
