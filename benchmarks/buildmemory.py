"""Memory over time of `derbygraph build`, phase by phase: where the peak is.

    python benchmarks/buildmemory.py --size 1M                 # benchmarks/out/bench-1M.nt, generated if absent
    python benchmarks/buildmemory.py --size 5M --limit-gb 9    # killed (and said so) past 9 GB

Runs `derbygraph build --data FILE --store DIR` as a user runs it, samples the resident memory of
its process every 0.2 s, and stamps each progress line the build prints. Each line closes a phase:
the table gives the phase's wall time and the highest RSS seen while it ran, so the phase that
holds the peak is the one to cut. The whole run's peak is the kernel's (`wait4` ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

BIN = Path(sys.executable).parent


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def profile(cmd: list[str], limit_mb: float, live: bool = False) -> dict:
    """Run `cmd`: its progress lines with the time and the RSS peak of the phase each one ends."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    phases, lock = [], threading.Lock()
    state = {"phase_peak": 0.0, "phase_start": 0.0}

    def read() -> None:
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            now = time.perf_counter() - started
            rss = _rss_mb(proc.pid)
            with lock:
                phases.append({"line": line, "at_s": round(now, 1), "took_s": round(now - state["phase_start"], 1),
                               "peak_mb": round(max(state["phase_peak"], rss)), "end_mb": round(rss)})
                state["phase_peak"], state["phase_start"] = rss, now
            if live:
                print(_row(phases[-1]), flush=True)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    killed = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        rss = _rss_mb(proc.pid)
        with lock:
            state["phase_peak"] = max(state["phase_peak"], rss)
        if rss > limit_mb and not killed:
            killed = True
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.2)
    reader.join(timeout=5)
    with lock:
        phases.append({"line": "(end)", "at_s": round(time.perf_counter() - started, 1),
                       "took_s": round(time.perf_counter() - started - state["phase_start"], 1),
                       "peak_mb": round(state["phase_peak"]), "end_mb": 0})
    return {"cmd": cmd, "exit": os.waitstatus_to_exitcode(status), "killed_at_limit": killed,
            "seconds": round(time.perf_counter() - started, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "phases": phases}


HEADER = f"{'at s':>7} | {'phase s':>7} | {'peak MB':>8} | {'end MB':>7} | the line that ends the phase"


def _row(phase: dict) -> str:
    return (f"{phase['at_s']:>7} | {phase['took_s']:>7} | {phase['peak_mb']:>8,} | {phase['end_mb']:>7,} | "
            f"{phase['line'][:100]}")


def report(result: dict) -> str:
    lines = [f"{' '.join(result['cmd'])}",
             f"exit {result['exit']}{' (killed at the memory limit)' if result['killed_at_limit'] else ''}, "
             f"{result['seconds']} s, peak RSS {result['peak_rss_mb']:,} MB", HEADER]
    lines += [_row(phase) for phase in result["phases"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--data", type=Path, help="the file to build (default benchmarks/out/bench-SIZE.nt)")
    parser.add_argument("--limit-gb", type=float, default=9.0, help="kill the build past this RSS")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    data = args.data or args.out / f"bench-{args.size}.nt"
    if not data.exists():
        generate.generate(generate.parse_size(args.size), data)
    with tempfile.TemporaryDirectory(dir=args.out, prefix="buildmemory-") as scratch:
        print(HEADER, flush=True)
        result = profile([str(BIN / "derbygraph"), "build", "--data", str(data), "--store", f"{scratch}/store"],
                         args.limit_gb * 1024, live=True)
    print(report(result))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"buildmemory-{args.size}-{stamp}.json").write_text(json.dumps(result, indent=1))
    return 0 if result["exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
