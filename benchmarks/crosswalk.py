"""Time the full crosswalk: every code of the registry mapped onto one date.

    python benchmarks/crosswalk.py --store STORE [--to 2013-04-01]

STORE is a store built with the registry (`derbygraph import-ods ... -o ods.nt && derbygraph
build --data ods.nt --store STORE`). Prints the time to read the successions (once per service)
and to walk every code, cold and warm.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from derbygraph.crosswalk import CrosswalkService, to_csv
from derbygraph.dataset import Dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--to", default="2013-04-01")
    args = parser.parse_args()
    service = CrosswalkService(Dataset.open(args.store))
    started = time.perf_counter()
    service.kinds()  # reads the successions and codes
    read = time.perf_counter() - started
    for label in ("cold", "warm"):
        started = time.perf_counter()
        answer = service.crosswalk(args.to)
        walked = time.perf_counter() - started
        started = time.perf_counter()
        table = to_csv(answer)
        written = time.perf_counter() - started
        print(f"{label}: {len(answer['rows']):,} codes to {args.to}: walk {walked:.2f} s, CSV {written:.2f} s "
              f"({table.count(chr(10)) - 1:,} rows)")
    print(f"reading the registry's successions from the store: {read:.2f} s (once per service)")


if __name__ == "__main__":
    main()
