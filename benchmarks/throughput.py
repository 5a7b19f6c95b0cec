"""SPARQL throughput: `derbygraph serve` against `oxigraph serve-read-only`, in one run.

    python benchmarks/throughput.py                       # 100k, the point and lineage queries
    python benchmarks/throughput.py --size 1M --rounds 3 --duration 10

The same generated graph (benchmarks/generate.py) is built into a derbygraph store and its
triples loaded into an oxigraph store; both are kept in --out and reused by later runs. Then,
round after round, each server is started, warmed up and loaded by --clients keep-alive clients
per query (run.py's load generator), and stopped: the two alternate, so a neighbour's burst on
a shared machine falls on both. It prints req/s, p50/p99 and the server's CPU time per request
(all its processes) of each and the ratio, with the issue's targets (0.3x on the point lookup,
0.5x on the lineage path query).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import run  # noqa: E402

TARGETS = {"point": 0.3, "lineage-label": 0.5, "lineage-iri": 0.5}


def stores(label: str, out: Path) -> tuple[Path, Path, dict]:
    """The derbygraph and oxigraph stores of the generated graph, made once, and its samples."""
    nt = out / f"bench-{label}.nt"
    meta = nt.with_suffix(".json")
    if not (nt.exists() and meta.exists()):
        run.log(f"{label}: generating")
        generate.generate(generate.parse_size(label), nt)
    dg, ox = out / f"stores-{label}" / "dg", out / f"stores-{label}" / "ox"
    if not (dg / "manifest.json").exists():
        run.log(f"{label}: building the derbygraph store (no validation)")
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                        "from derbygraph.build import write_store; write_store(Path(sys.argv[1]), [Path(sys.argv[2])])",
                        str(dg), str(nt)], check=True)
    if not (ox / "CURRENT").exists():
        dump = out / f"bench-{label}-dump.nt"
        run.log(f"{label}: loading its triples into oxigraph")
        run.export_triples(dg, dump)
        subprocess.run([str(run.BIN / "oxigraph"), "load", "--location", str(ox), "--file", str(dump)],
                       check=True, capture_output=True)
        dump.unlink()
    return dg, ox, json.loads(meta.read_text())


def serve(name: str, dg: Path, ox: Path, logs: Path, workers: int | None, clients: int) -> tuple[run.Server, str]:
    """A started server and its SPARQL endpoint's path."""
    port = run.free_port()
    if name == "derbygraph":
        # the load clients stand for as many people, though all send from 127.0.0.1: not one client's share
        cmd = [str(run.BIN / "derbygraph"), "serve", "--store", str(dg), "--host", "127.0.0.1", "--port", str(port),
               "--client-share", str(clients)]
        server, endpoint = run.Server(name, cmd + (["--workers", str(workers)] if workers else []), port,
                                      "/sparql?query=ASK%7B%7D", logs), "/sparql"
    else:
        server, endpoint = run.Server(name, [str(run.BIN / "oxigraph"), "serve-read-only", "--location", str(ox),
                                             "--bind", f"127.0.0.1:{port}"], port,
                                      "/query?query=ASK%7B%7D", logs), "/query"
    if server.wait_ready(timeout=180) is None:
        server.stop()
        raise SystemExit(f"{name} did not start; see {server.log_path}")
    return server, endpoint


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process, and of all the processes below it (Linux)."""
    own = below = 0
    for proc in run.descendants(pid):
        try:
            with open(f"/proc/{proc}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks = int(fields[11]) + int(fields[12])
        own, below = (own + ticks, below) if proc == pid else (own, below + ticks)
    return own / os.sysconf("SC_CLK_TCK"), below / os.sysconf("SC_CLK_TCK")


class ServerCPU:
    """The server's CPU time over the counted part of a load (after the warm-up): a figure a busy
    neighbour on a shared machine disturbs less than req/s."""

    def __init__(self, pid: int, warmup: float, duration: float):
        self.pid, self.warmup, self.duration, self.seconds = pid, warmup, duration, (0.0, 0.0)

    def __enter__(self):
        def sample():
            time.sleep(self.warmup)
            start = cpu_seconds(self.pid)
            time.sleep(self.duration)
            self.seconds = tuple(end - begun for end, begun in zip(cpu_seconds(self.pid), start))
        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.thread.join()


def measure(args) -> dict:
    dg, ox, info = stores(args.size, args.out)
    work = run.workload(info)
    kinds = args.queries.split(",")
    found: dict = {name: {kind: [] for kind in kinds} for name in ("derbygraph", "oxigraph")}
    for number in range(args.rounds):
        for name in found:
            server, endpoint = serve(name, dg, ox, args.out / "logs", args.workers, args.clients)
            try:
                for kind in kinds:
                    paths = [run.sparql_path(endpoint, q) for q in run.query_texts(kind, work["instances"][kind])]
                    with ServerCPU(server.proc.pid, args.warmup, args.duration) as cpu:
                        result = run.concurrent(server.port, paths, args.clients, args.duration, args.warmup, 60)
                    if result["n"]:
                        result["cpu_server_us"], result["cpu_workers_us"] = (round(s / result["n"] * 1e6)
                                                                             for s in cpu.seconds)
                        result["cpu_us"] = result["cpu_server_us"] + result["cpu_workers_us"]
                    run.log(f"round {number + 1} {name} {kind}: {result['rps']} req/s, "
                            f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, CPU a request: "
                            f"{result.get('cpu_server_us')} us in the server process, "
                            f"{result.get('cpu_workers_us')} us in its children; {result['errors']} failed")
                    found[name][kind].append(result)
            finally:
                server.stop()
    return found


def median_of(results: list[dict], key: str):
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None


def report(found: dict, args) -> str:
    rows = [["query", "derbygraph req/s", "p50 | p99 ms", "CPU/req (server+workers)", "oxigraph req/s",
             "p50 | p99 ms", "CPU/req", "dg/ox", "target"]]
    for kind in found["derbygraph"]:
        d, o = found["derbygraph"][kind], found["oxigraph"][kind]
        d_rps, o_rps = median_of(d, "rps"), median_of(o, "rps")
        target = TARGETS.get(kind)
        ratio = d_rps / o_rps if d_rps and o_rps else None
        verdict = "" if target is None or ratio is None else f">= {target}x {'MET' if ratio >= target else 'MISS'}"
        rows.append([kind, run._fmt(d_rps), f"{run._fmt(median_of(d, 'p50_ms'))} | {run._fmt(median_of(d, 'p99_ms'))}",
                     f"{run._fmt(median_of(d, 'cpu_us'), ' us')} ({run._fmt(median_of(d, 'cpu_server_us'))}"
                     f"+{run._fmt(median_of(d, 'cpu_workers_us'))})",
                     run._fmt(o_rps), f"{run._fmt(median_of(o, 'p50_ms'))} | {run._fmt(median_of(o, 'p99_ms'))}",
                     run._fmt(median_of(o, "cpu_us"), " us"), run._ratio(d_rps, o_rps), verdict])
    errors = sum(r["errors"] for server in found.values() for kind in server.values() for r in kind)
    return (f"\nSPARQL at {args.size}, {args.clients} keep-alive clients, median of {args.rounds} alternating "
            f"rounds of {args.duration:g} s{f' ({errors} failed requests)' if errors else ''}:\n"
            + run.table(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k", help="generated triples: 100k, 1M...")
    parser.add_argument("--queries", default="point,lineage-label",
                        help=f"comma-separated, from {', '.join(run.QUERIES)}")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=float, default=8, help="seconds of load per query and round")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of load not counted")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (the median is reported)")
    parser.add_argument("--workers", type=int, help="derbygraph serve --workers")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    unknown = set(args.queries.split(",")) - set(run.QUERIES)
    if unknown:
        parser.error(f"unknown queries: {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    found = measure(args)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"throughput-{stamp}.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                                                   "results": found}, indent=1))
    print(report(found, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
