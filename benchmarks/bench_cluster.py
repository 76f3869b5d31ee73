"""Throughput of `tito grade autograde 16 --scheduler tcp://...` on a real Dask cluster on this machine:
N synthetic submissions (bench_grading.py's: reference, blank, one filled cell) graded with 1 and 2
`dask worker --nthreads 1` processes, kernels under bubblewrap. Also the client's own serial cost per
submission (packing it as bytes, merging its scores into the course gradebook), which bounds how many
workers one tito client can feed. Prints a markdown table and the projection for more workers.

    python benchmarks/bench_cluster.py              # 6 submissions, 1 and 2 workers
    python benchmarks/bench_cluster.py --n 12 --workers 1 2 --local   # and the one-machine runs
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench_grading import IGNORE, MODULE, REPO, make_submissions, tito


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def cluster(root: Path, workers: int):
    """`dask scheduler` + `workers` one-thread workers on 127.0.0.1; all killed on the way out."""
    from distributed import Client

    dask, port = str(Path(sys.executable).parent / "dask"), _free_port()
    address, env = f"tcp://127.0.0.1:{port}", dict(os.environ, PYTHONPATH=str(root))
    quiet = {
        "env": env,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "start_new_session": True,
    }
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port)], **quiet)]
    try:
        for _ in range(workers):
            cmd = [dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
            procs.append(subprocess.Popen(cmd, **quiet))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def client_cost(root: Path, students: list) -> tuple:
    """(seconds for the first submission, mean seconds for each later one) the tito client spends alone per
    submission: packing it as bytes (gradebook snapshot, the first one also builds the batch's template) and
    merging its scores into the course gradebook."""
    sys.path.insert(0, str(root))
    from tito.grading import nbgrader_api as grading
    from tito.grading import payload

    course, times = root / "course", []
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "structure.db"
        for student in students:
            start = time.perf_counter()
            data = payload.pack_course(course, MODULE, student, None, {}, template)
            payload.unpack_course(data, Path(tmp) / student)
            grading.merge_grades(course, MODULE, student, f"sqlite:///{tmp}/{student}/{payload.GRADEBOOK}")
            times.append(time.perf_counter() - start)
    return times[0], sum(times[1:]) / max(len(times) - 1, 1)


def _timed(root: Path, extra: list, label: str, n: int) -> float:
    """Run one `tito grade autograde 16 EXTRA`, print its table row; submissions per minute."""
    start = time.perf_counter()
    out = tito(["grade", "autograde", "16", *extra], root)
    wall = time.perf_counter() - start
    graded, seconds = re.search(r"autograded (\d+/\d+) submissions in ([\d.]+) s", out).groups()
    rate = n * 60 / float(seconds)
    print(f"| {label} | {graded} | {wall:.1f} | {seconds} | {rate:.1f} |", flush=True)
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=6, help="synthetic submissions (default 6)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)")
    parser.add_argument("--local", action="store_true", help="also time --jobs N on this machine, no Dask")
    args = parser.parse_args()
    if args.n < 1 or min(args.workers) < 1:
        raise SystemExit(f"--n={args.n} and --workers={args.workers} must be >= 1")
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        for name in ("pyproject.toml", "jupytext.toml", "README.md"):
            shutil.copy2(REPO / name, root / name)
        for name in ("tinytorch", "tito", f"modules/{MODULE}"):
            shutil.copytree(REPO / name, root / name, ignore=IGNORE, copy_function=shutil.copyfile)
        tito(["grade", "generate", "16"], root)
        make_submissions(root / "course", Path(tmp) / "inbox", args.n)
        tito(["grade", "collect", "16", Path(tmp) / "inbox"], root)
        rates = {}
        print("| grading on | submissions | wall s (tito command) | grading s | submissions per minute |")
        print("|---|---|---|---|---|")
        for workers in args.workers:
            with cluster(root, workers) as address:
                rates[workers] = _timed(root, ["--scheduler", address], f"Dask, {workers} worker(s)", args.n)
            if args.local:
                _timed(root, ["--jobs", workers], f"this machine, --jobs {workers}", args.n)
        first, cost = client_cost(root, sorted(p.stem for p in (Path(tmp) / "inbox").glob("*.ipynb")))
        per_worker = rates[min(rates)] / min(rates)
        print(f"\nclient's serial cost: {first:.2f} s for the first submission, then {cost:.3f} s each")
        print(
            f"one worker: {per_worker:.1f} submissions per minute; load average {os.getloadavg()[0]:.1f} ",
            end="",
        )
        print(f"on os.cpu_count()={os.cpu_count()}")
        for workers in (8, 32, 128):
            projected = min(workers * per_worker, 60 / cost)
            print(f"projected, {workers} one-core workers: {projected:.0f} per minute")
    return 0


if __name__ == "__main__":
    sys.exit(main())
