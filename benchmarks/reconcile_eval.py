"""Run a spreadsheet of historical names through a live /reconcile and say how it did.

    python benchmarks/reconcile_eval.py --url http://127.0.0.1:8080 [--sheet benchmarks/reconcile_sheet.csv] [--misses]

The sheet (CSV, a header row) holds `name`, `date`, `code`, `postcode`, `type` (what a researcher's
columns would send), `expected` (the entity id of the body the row means, decided from the two
documents and the registry files; empty where no body fits the date), `needs_registry` (`yes`
where that body is known only from the registry: without the registry loaded, such a row expects
no body) and `what` (the kind of difficulty). The rows go as OpenRefine sends them: form-encoded
`queries=` batches, the date as property `date`.

It prints three shares: right at the top (the first candidate is the expected body; for a row
expecting none, no candidate is marked `match`), right with `match: true` (of the rows expecting a
body), and wrong with `match: true` (a marked candidate that is not the expected body, of all rows).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SHEET = Path(__file__).with_name("reconcile_sheet.csv")
BATCH = 10


def read_sheet(path: Path = SHEET) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def query_of(row: dict) -> dict:
    """The reconciliation query a spreadsheet row makes."""
    query = {"query": row["name"], "limit": 5}
    properties = [{"pid": pid, "v": row[pid]} for pid in ("date", "code", "postcode") if row.get(pid)]
    if properties:
        query["properties"] = properties
    if row.get("type"):
        query["type"] = row["type"]
    return query


def post(url: str, queries: dict) -> dict:
    data = urllib.parse.urlencode({"queries": json.dumps(queries)}).encode()
    with urllib.request.urlopen(urllib.request.Request(url.rstrip("/") + "/reconcile", data=data), timeout=120) as answer:
        return json.loads(answer.read())


def registry_loaded(url: str) -> bool:
    """The server holds the registry: a registry code's page exists."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/derbygraph/id/ods/org/RXM", timeout=60):
            return True
    except urllib.error.HTTPError:
        return False


def evaluate(url: str, rows: list[dict], registry: bool | None = None) -> dict:
    """Every row's answer and the three shares; `answers` keeps the raw responses (for checks)."""
    registry = registry_loaded(url) if registry is None else registry
    results, answers = [], []
    for first in range(0, len(rows), BATCH):
        batch = {f"r{first + i}": query_of(row) for i, row in enumerate(rows[first:first + BATCH])}
        answer = post(url, batch)
        answers.append(answer)
        for key, row in zip(batch, rows[first:first + BATCH]):
            expected = row["expected"] if registry or row.get("needs_registry") != "yes" else ""
            candidates = answer[key]["result"]
            top = candidates[0] if candidates else None
            marked = [c for c in candidates if c.get("match")]
            results.append({
                "row": row, "expected": expected, "top": top,
                "right_at_top": (top is not None and top["id"] == expected) if expected else not marked,
                "right_matched": bool(expected) and top is not None and top["id"] == expected and top.get("match") is True,
                "wrong_matched": any(c["id"] != expected for c in marked),
            })
    expecting = [r for r in results if r["expected"]]
    return {
        "registry": registry, "rows": len(results), "results": results, "answers": answers,
        "right_at_top": sum(r["right_at_top"] for r in results) / len(results),
        "right_matched": sum(r["right_matched"] for r in expecting) / max(1, len(expecting)),
        "wrong_matched": sum(r["wrong_matched"] for r in results),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--sheet", type=Path, default=SHEET)
    parser.add_argument("--misses", action="store_true", help="also list every row not right with match: true")
    args = parser.parse_args()
    report = evaluate(args.url, read_sheet(args.sheet))
    print(f"{report['rows']} rows, registry {'loaded' if report['registry'] else 'not loaded'}")
    print(f"right at the top:         {report['right_at_top']:.1%}")
    print(f"right with match: true:   {report['right_matched']:.1%} (of the rows expecting a body)")
    print(f"wrong with match: true:   {report['wrong_matched']}")
    if args.misses:
        for result in report["results"]:
            if not (result["right_matched"] or (not result["expected"] and result["right_at_top"])):
                top = result["top"] or {}
                print(f"  {result['row']['name']!r} {result['row']['date']!r}: expected {result['expected'] or 'none'}; "
                      f"top {top.get('id')} {top.get('score')} match={top.get('match')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
