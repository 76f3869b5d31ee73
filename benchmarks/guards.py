"""Shared by the bench_*.py scripts: the machine header, one target line per measured ratio, and the rule
that a miss is measured again (up to two more times) before it counts. Not a benchmark itself."""

import os
import platform

import numpy as np

RESULTS = []  # (name, measured text, target text, met: True/False, or None for information only)
ENV_NAMES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")


def header(title):
    """Print what the numbers depend on: CPU count, numpy, BLAS thread/kernel settings (None = unset)."""
    env = {k: os.environ.get(k) for k in ENV_NAMES}
    try:
        from threadpoolctl import threadpool_info

        blas = [
            (i.get("internal_api"), i.get("architecture"), i.get("num_threads"))
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
    except ImportError:
        blas = "threadpoolctl not installed"
    print(
        f"{title}\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}, env {env} "
        f"(None = unset: BLAS uses all cores), BLAS (api, kernel, threads): {blas}",
        flush=True,
    )


def report(name, measured, target, met):
    RESULTS.append((name, measured, target, met))
    flag = "info" if met is None else ("met" if met else "MISSED")
    print(f"  {name:58s} {measured:>14s}   target {target:>12s}   {flag}", flush=True)


def guard(name, measure, ok, fmt, target, retries=2):
    """Report measure() against its target; on a miss measure again (the machine is shared) up to
    `retries` more times and report the last attempt, saying how many runs it took."""
    for attempt in range(1 + retries):
        value = measure()
        if ok(value):
            break
        if attempt < retries:
            print(f"  ({name}: {fmt(value)} misses {target}; measuring again)", flush=True)
    runs = "" if attempt == 0 else f" [run {attempt + 1}]"
    report(name + runs, fmt(value), target, bool(ok(value)))
    return value


def finish():
    """Summary line; the exit status: 1 when a judged target was missed (after its repeats), else 0."""
    judged = [r for r in RESULTS if r[3] is not None]
    missed = [r for r in judged if not r[3]]
    print(f"\nsummary: {len(judged) - len(missed)} of {len(judged)} targets met")
    for name, measured, target, _ in missed:
        print(f"  MISSED: {name}: {measured} (target {target})")
    return 1 if missed else 0
