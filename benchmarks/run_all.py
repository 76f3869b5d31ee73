"""Run every benchmark (benchmarks/bench_*.py) in its own process, then print all target lines together.

Run: python benchmarks/run_all.py [--quick] [--only NAME ...]
  --quick      passed to benchmarks that accept it (smaller sizes, a smoke run)
  --only NAME  run only bench_NAME.py (repeatable), e.g. --only compression
Exit status: 1 when a benchmark process fails (crashes), else 0; missed targets are reported, not fatal
(pass --strict to bench_compression.py directly to make them fatal).
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
    print(f"=== {script.name}: exit {code}, {time.perf_counter() - t0:.1f} s ===", flush=True)
    return code, lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem[len("bench_"):] in args.only]
        if not scripts:
            parser.error(f"no benchmark matches --only {args.only}")
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"OPENBLAS_NUM_THREADS={threads} (None = all cores)", flush=True)
    results = {s.name: run(s, args.quick) for s in scripts}
    print("\n=== all targets (measured vs target, one run) ===")
    for name, (code, lines) in results.items():
        hits = [line for line in lines if "target" in line]
        print(f"{name} (exit {code}):")
        for line in hits or ["  (no target lines printed)"]:
            print(f"  {line.strip()}")
    failed = [name for name, (code, _) in results.items() if code != 0]
    if failed:
        print(f"benchmark processes that failed: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
