"""Which HTTP server holds idle and slowloris connections cheaply, and how fast it answers.

    python benchmarks/servers.py [--connections 1100] [--seconds 5] [--clients 8] [--out /tmp/derbygraph-servers]

Each server runs the same derbygraph app over the same store (built once into --out), with SPARQL
in the same sandboxed worker pool: waitress as `derbygraph serve` runs it, Granian (WSGI, Rust),
gunicorn (gthread) and cheroot (`pip install granian gunicorn cheroot`; a missing one is
skipped), each with 8 request threads and a connection limit above
--connections where it has one. For each it prints, loopback only and with bounded loops:

- idle: --connections sockets opened and left silent, then one new client asks /api/lineage;
- slowloris: --connections sockets each sending an unfinished request head, a byte every second,
  then one new client asks /api/lineage (seconds to its answer, or "locked out" after 10 s);
- the server's resident memory with the sockets held;
- requests per second of --clients keep-alive clients for --seconds on a SPARQL point lookup
  and on /api/lineage, with the ratio to waitress measured in the same run.

Timings on a shared machine are noisy: run it twice and read the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import resource
import socket
import sys
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402

LINEAGE = "/api/lineage?org=Derbyshire%20Healthcare"
POINT = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a dg:NHSTrust }"})
THREADS = 8
PATIENCE = 10.0  # seconds a new client waits before it counts as locked out


def commands(name: str, store: Path, port: int, connections: int) -> list[str]:
    python = sys.executable
    bind = f"127.0.0.1:{port}"
    if name == "waitress":
        return [python, "-m", "derbygraph.cli", "serve", "--store", str(store), "--port", str(port)]
    if name.startswith("granian"):  # granian-wide: backlog and backpressure (default 1024) above --connections
        wide = ["--backlog", str(4 * connections), "--backpressure", str(4 * connections)] if name == "granian-wide" else []
        return [python, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", "1", "--blocking-threads", str(THREADS), "--no-ws", *wide, "wsgi_target:app"]
    if name == "gunicorn":
        return [python, "-m", "gunicorn", "-k", "gthread", "--threads", str(THREADS), "--workers", "1",
                "--worker-connections", str(connections + 100), "-b", bind, "wsgi_target:app"]
    if name == "cheroot":
        return [python, "-m", "cheroot", "--bind", bind, "--threads", str(THREADS), "wsgi_target:app"]
    raise ValueError(name)


def ask(port: int, path: str, timeout: float = PATIENCE) -> float | None:
    """Seconds to a 200 for GET `path` on a new connection; None if none came in `timeout`."""
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None
    return time.perf_counter() - started if response.status == 200 else None


def held(port: int, count: int, trickle: bool, seconds: float, pid: int) -> dict:
    """Hold `count` connections (silent, or trickling a request head) for `seconds`, then ask."""
    sockets, stop = [], threading.Event()
    try:
        for _ in range(count):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                break
            if trickle:
                sock.sendall(b"GET /api/search?q=derby HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)

        def drip():
            while not stop.wait(1.0):
                for sock in sockets:
                    try:
                        sock.send(b"X")
                    except OSError:
                        pass
        dripping = threading.Thread(target=drip, daemon=True)
        if trickle:
            dripping.start()
        time.sleep(min(seconds, 2.0))
        waited = ask(port, LINEAGE)
        memory = run.rss_mb(pid) + sum(run.rss_mb(child) for child in run.descendants(pid))
        time.sleep(max(0.0, seconds - 2.0))
        still = ask(port, LINEAGE)
        return {"opened": len(sockets), "answered_in": waited, "later": still, "rss_mb": round(memory)}
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


def measure(name: str, store: Path, args, logs: Path) -> dict:
    module = name.split("-")[0]
    if module != "waitress" and importlib.util.find_spec(module) is None:
        return {"error": f"not installed (pip install {module})"}
    port = run.free_port()
    env_cmd = commands(name, store, port, args.connections)
    os.environ["DERBYGRAPH_STORE"] = str(store)
    server = run.Server(name, env_cmd, port, LINEAGE, logs)
    try:
        if server.wait_ready(timeout=180) is None:
            return {"error": f"did not start (log: {server.log_path})"}
        found = {"idle": held(port, args.connections, False, args.seconds, server.proc.pid),
                 "slowloris": held(port, args.connections, True, args.seconds, server.proc.pid)}
        time.sleep(1)
        for label, path in (("point", POINT), ("lineage", LINEAGE)):
            found[label] = run.concurrent(port, [path], args.clients, args.seconds, 1.0, 10.0)
        return found
    finally:
        server.stop()


def _seconds(value) -> str:
    return "locked out" if value is None else f"{value:.2f} s"


def report(results: dict) -> str:
    lines = ["server    | idle: new client | slowloris: new client (2 s / end) | RSS held | point req/s (x waitress) | lineage req/s (x waitress)",
             "---|---|---|---|---|---"]
    base = results.get("waitress", {})
    for name, found in results.items():
        if "error" in found:
            lines.append(f"{name} | {found['error']}")
            continue
        cells = [name, f"{_seconds(found['idle']['answered_in'])} ({found['idle']['opened']} held)",
                 f"{_seconds(found['slowloris']['answered_in'])} / {_seconds(found['slowloris']['later'])}",
                 f"{found['slowloris']['rss_mb']} MB"]
        for label in ("point", "lineage"):
            rps, ref = found[label]["rps"], base.get(label, {}).get("rps")
            ratio = f" ({rps / ref:.2f}x)" if rps and ref else ""
            cells.append(f"{rps}{ratio}, errors {found[label]['errors']}")
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--servers", default="waitress,granian,granian-wide,gunicorn,cheroot")
    parser.add_argument("--out", type=Path, default=Path("/tmp/derbygraph-servers"))
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * args.connections + 256)), hard))
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.out / "store"
    if not store.exists():
        run.log("building the store")
        run.measured([sys.executable, "-m", "derbygraph.cli", "build", "--store", str(store)], 600,
                     args.out / "build.log")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    results = {}
    for name in args.servers.split(","):
        run.log(f"measuring {name}")
        results[name] = measure(name, store, args, args.out / "logs")
        run.log(f"{name}: {results[name]}")
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
