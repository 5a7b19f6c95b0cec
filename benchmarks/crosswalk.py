"""Time the crosswalk: every code of the registry mapped onto one date, the edge table, and a
user's CSV of many rows mapped row by row.

    python benchmarks/crosswalk.py --store STORE [--to 2013-04-01] [--rows 10000]

STORE is a store built with the registry (`derbygraph import-ods ... -o ods.nt && derbygraph
build --data ods.nt --store STORE`). Prints the time to read the registry's facts (once per
service), to map every code with its names, notes and shares (cold and warm) and write it as CSV,
to write the edge table, and to map a CSV of --rows rows drawn from the codes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from derbygraph.answers.crosswalk import (
    CrosswalkService,
    SplitPolicy,
    crosswalk_table,
    edge_table,
    map_csv,
)
from derbygraph.answers.names import NameIndex
from derbygraph.store.dataset import Dataset


def timed(work):
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--to", default="2013-04-01")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    service = CrosswalkService(Dataset.open(args.store))
    _, read = timed(lambda: service.facts)
    _, names = timed(lambda: NameIndex.of(service.dataset))
    for label in ("cold", "warm"):
        answer, walked = timed(lambda: service.crosswalk(args.to, splits=SplitPolicy("equal")))
        table, written = timed(lambda: crosswalk_table(answer).csv())
        print(f"{label}: {len(answer['rows']):,} codes to {args.to} with names, notes and shares: {walked:.2f} s; "
              f"CSV {written:.2f} s ({table.count(chr(10)) - 1:,} rows)")
    edges, took = timed(lambda: edge_table(service.edges()).csv())
    print(f"edge table: {edges.count(chr(10)) - 1:,} successions in {took:.2f} s")
    codes = sorted(service.facts.codes)
    given = "code,value\n" + "".join(f"{codes[i * 7919 % len(codes)]},{i}\n" for i in range(args.rows))
    mapped, took = timed(lambda: map_csv(service, given, args.to, "code", splits=SplitPolicy("equal")).csv())
    print(f"a CSV of {args.rows:,} rows mapped in {took:.2f} s ({mapped.count(chr(10)) - 1:,} rows out)")
    print(f"reading the registry's facts from the store: {read:.2f} s, the name index {names:.2f} s (once per service)")


if __name__ == "__main__":
    main()
