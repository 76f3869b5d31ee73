"""Run every benchmark (benchmarks/bench_*.py) in its own process, then print all target lines together.

Run: python benchmarks/run_all.py [--quick] [--only NAME ...] [--skip-grading]
  --quick         passed to benchmarks that accept it (smaller sizes, a smoke run)
  --only NAME     run only bench_NAME.py (repeatable), e.g. --only compression
  --skip-grading  leave out bench_grading.py (tito grade autograde vs plain nbgrader: minutes)
Every ratio is measured in the run that prints it, next to its target; a benchmark re-measures a miss twice
before it counts and exits 1 when one stays missed. Exit status: 1 when any benchmark process exits non-zero
(a missed target or a crash), else 0.
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_AWARE = {"bench_compression.py"}
ALL_LINES = {"bench_grading.py"}  # its own format (owned elsewhere): every line goes into the summary
ENV_NAMES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")


def run(script, quick):
    cmd = [sys.executable, str(script)] + (["--quick"] if quick and script.name in QUICK_AWARE else [])
    print(f"\n=== {script.name} ({' '.join(cmd[1:])}) ===", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=HERE.parent)
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    code = proc.wait()
    seconds = time.perf_counter() - t0
    print(f"=== {script.name}: exit {code}, {seconds:.1f} s ===", flush=True)
    return code, lines, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--skip-grading", action="store_true")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem[len("bench_") :] in args.only]
        if not scripts:
            parser.error(f"no benchmark matches --only {args.only}")
    if args.skip_grading:
        scripts = [s for s in scripts if s.name != "bench_grading.py"]
    env = {k: os.environ.get(k) for k in ENV_NAMES}
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {env} "
        "(None = unset; bench_libraries.py pins OPENBLAS_NUM_THREADS=1 unless it is set)",
        flush=True,
    )
    results = {s.name: run(s, args.quick) for s in scripts}
    print("\n=== all targets (measured vs target, one run) ===")
    for name, (code, lines, seconds) in results.items():
        hits = [line for line in lines if name in ALL_LINES or "target" in line]
        print(f"{name} (exit {code}, {seconds:.0f} s):")
        for line in hits or ["  (no target lines printed)"]:
            print(f"  {line.strip()}")
    failed = [name for name, (code, _, _) in results.items() if code != 0]
    print(
        f"benchmarks with a missed target or a crash: {failed}"
        if failed
        else "every benchmark met its targets"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
