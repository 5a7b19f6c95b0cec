"""Reports at scale: `derbygraph check` of a large file that breaks the shapes thousands of times.

    python benchmarks/checks.py                 # 100k
    python benchmarks/checks.py --size 1M

The generated graph (benchmarks/generate.py) is checked as it is (the baseline: it conforms),
then with every `dg:evidence` link removed, so every organisation, event and fact node breaks a
shape. Both in the same run, as `derbygraph check --data FILE` subprocesses: wall seconds, peak
RSS, the problems found and the lines printed. The ratio broken/clean is what reporting costs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import run  # noqa: E402


def without_evidence(nt: Path, target: Path) -> None:
    """The same triples less every `dg:evidence` link, streamed line by line."""
    evidence = f"<{generate.DG}evidence>"
    with nt.open(encoding="utf-8") as source, target.open("w", encoding="utf-8") as out:
        out.writelines(line for line in source if evidence not in line)


def checked(nt: Path, logs: Path, timeout: float) -> dict:
    result = run.measured([str(run.BIN / "derbygraph"), "check", "--data", str(nt)], timeout, logs / f"check-{nt.stem}.log")
    text = (logs / f"check-{nt.stem}.log").read_text(errors="replace")
    shown = sum(1 for line in text.splitlines() if line.startswith(f"{nt}:"))
    more = re.search(r"\.\.\. and (\d+) more problem", text)
    result["problems"] = shown + (int(more.group(1)) if more else 0)
    result["lines"] = len(text.splitlines())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    nt = args.out / f"bench-{args.size}.nt"
    if not nt.exists():
        run.log(f"{args.size}: generating")
        generate.generate(generate.parse_size(args.size), nt)
    broken = args.out / f"bench-{args.size}-no-evidence.nt"
    without_evidence(nt, broken)
    rows = [["file", "wall", "peak RSS", "problems", "lines printed", "exit"]]
    results = {}
    for label, path in (("as generated (baseline)", nt), ("every dg:evidence removed", broken)):
        run.log(f"{args.size}: check, {label}")
        results[label] = r = checked(path, args.out / "logs", args.timeout)
        rows.append([label, f"{r['seconds']:.1f} s", f"{r['peak_rss_mb']:,} MB", f"{r['problems']:,}",
                     f"{r['lines']:,}", "timed out" if r["timed_out"] else str(r["exit"])])
    print(run.table(rows))
    base, bad = results["as generated (baseline)"], results["every dg:evidence removed"]
    print(f"reporting {bad['problems']:,} problems costs {bad['seconds'] / base['seconds']:.2f}x the clean check "
          f"({bad['seconds'] - base['seconds']:+.1f} s)")


if __name__ == "__main__":
    main()
