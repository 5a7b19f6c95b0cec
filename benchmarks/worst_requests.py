"""The slowest requests that are not SPARQL, within the input limits: how long each takes.

    python benchmarks/worst_requests.py --store STORE [--runs 3] [-- serve options...]

Starts `derbygraph serve --store STORE` on a free loopback port, sends each request below `runs`
times, one at a time, and prints its status and the slowest of its times. The requests are built
to cost the most the limits admit (`derbygraph/config.py`): 20 reconciliation queries of 32 words
the index does not hold (each is looked up as a typo against every word), 200 extension values of
the property that walks lineages, 32-word searches, the largest lineage. Run it on the registry
store (README, "NHS registry data") before and after a change to the limits or the deadline.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _typos(seed: int, words: int = 32, letters: int = 14) -> str:
    """Words no name holds (so each is weighed as a typo against the whole vocabulary)."""
    rng = random.Random(seed)
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(letters)) for _ in range(words))


PREFIXES = " ".join(["hea", "tru", "com", "ser", "hos", "nhs", "cen", "med", "gro", "pra", "sur", "car",
                     "uni", "par", "the", "roa", "str", "lon", "man", "bir", "not", "der", "wes", "eas",
                     "nor", "sou", "chi", "lan", "she", "bri", "roy", "kin"])


def requests(base: str) -> dict[str, tuple[str, bytes | None, dict]]:
    def get(path):
        return urllib.request.urlopen(base + path, timeout=600).read()
    ids = [hit["id"] for hit in json.loads(get("/reconcile/suggest/entity?limit=50&prefix=trust"))["result"]]
    ids += [hit["id"] for hit in json.loads(get("/reconcile/suggest/entity?limit=50&prefix=health"))["result"]]
    ids = (ids * 200)[:200]
    dated = [{"pid": "date", "v": "1995"}]

    def batch(texts):
        return {f"q{i}": {"query": text, "limit": 50, "properties": dated} for i, text in enumerate(texts)}

    def form(name, value):
        return urllib.parse.urlencode({name: json.dumps(value)}).encode()
    return {
        "reconcile 20 x 32 typos": ("/reconcile", form("queries", batch([_typos(i) for i in range(20)])), FORM),
        "reconcile 20 x 32 prefixes": ("/reconcile", form("queries", batch([PREFIXES] * 20)), FORM),
        "extend 200 x successor": ("/reconcile", form("extend", {"ids": ids, "properties": [{"id": "successor"}]}), FORM),
        "extend 200 x quote": ("/reconcile", form("extend", {"ids": ids, "properties": [{"id": "quote"}]}), FORM),
        "extend 40 x 5": ("/reconcile", form("extend", {"ids": ids[:40], "properties": [
            {"id": p} for p in ("code", "kind", "name_on", "successor", "quote")]}), FORM),
        "suggest 32 typos": ("/reconcile/suggest/entity?limit=50&prefix=" + urllib.parse.quote(_typos(99)), None, {}),
        "search 32 typos": ("/api/search?limit=100&q=" + urllib.parse.quote(_typos(98)), None, {}),
        "search 32 prefixes": ("/api/search?limit=100&q=" + urllib.parse.quote(PREFIXES), None, {}),
        "lineage page": ("/lineage?org=" + urllib.parse.quote("Derbyshire Healthcare"), None, {}),
        "crosswalk all": ("/api/crosswalk?to=2020-04-01", None, {}),
    }


def timed(base: str, path: str, body: bytes | None, headers: dict) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, data=body, headers=headers), timeout=600) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("serve", nargs="*", help="more options for derbygraph serve")
    args = parser.parse_args()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "derbygraph.cli", "serve", "--store", args.store,
                               "--port", str(port), *args.serve], stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/api/search?q=derby", timeout=5).read()
                break
            except OSError:
                time.sleep(0.5)
        for name, (path, body, headers) in requests(base).items():
            results = [timed(base, path, body, headers) for _ in range(args.runs)]
            print(f"{name:30} status {sorted({s for s, _ in results})}  slowest {max(t for _, t in results):6.2f} s",
                  flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
