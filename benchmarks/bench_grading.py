"""Autograding throughput of `tito grade autograde` on module 16: N synthetic submissions, 1 job vs 2 jobs.

Synthetic submissions cycle through: the reference solution, the blank release, and the release with one
solution cell filled in from the source (a different cell each time). Everything runs in a temporary copy
of the repository through the real CLI (`python -m tito`), so the numbers include nbgrader's own overhead.

    python benchmarks/bench_grading.py            # 20 submissions, jobs 1 and 2
    python benchmarks/bench_grading.py --n 6 --jobs 1 2
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODULE = "16_compression"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")


def tito(args, cwd):
    env = dict(os.environ, PYTHONPATH=str(cwd))
    result = subprocess.run([sys.executable, "-m", "tito", *map(str, args)], cwd=cwd, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"tito {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def make_submissions(course: Path, inbox: Path, n: int) -> None:
    import nbformat

    source = nbformat.read(course / "source" / MODULE / "compression.ipynb", as_version=4)
    release = nbformat.read(course / "release" / MODULE / "compression.ipynb", as_version=4)
    solutions = [i for i, c in enumerate(source.cells)
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    inbox.mkdir()
    for i in range(n):
        kind = i % 3
        if kind == 0:
            nb = source
        elif kind == 1:
            nb = release
        else:
            nb = nbformat.from_dict(release)
            cell = solutions[(i // 3) % len(solutions)]
            nb.cells[cell].source = source.cells[cell].source
        nbformat.write(nb, inbox / f"student{i:02d}.ipynb")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20, help="number of synthetic submissions (default 20)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="job counts to compare (default 1 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        for name in ("pyproject.toml", "jupytext.toml", "README.md"):
            shutil.copy2(REPO / name, root / name)
        for name in ("tinytorch", "tito", f"modules/{MODULE}"):
            shutil.copytree(REPO / name, root / name, ignore=IGNORE)
        start = time.perf_counter()
        tito(["grade", "generate", "16"], root)
        print(f"generate: {time.perf_counter() - start:.1f} s")
        make_submissions(root / "course", Path(tmp) / "inbox", args.n)
        tito(["grade", "collect", "16", Path(tmp) / "inbox"], root)
        times = {}
        for jobs in args.jobs:
            start = time.perf_counter()
            out = tito(["grade", "autograde", "16", "--jobs", jobs], root)
            times[jobs] = time.perf_counter() - start
            graded = re.search(r"autograded (\d+)/(\d+)", out).group(0)
            print(f"jobs={jobs}: {graded} in {times[jobs]:.1f} s wall ({times[jobs] / args.n:.2f} s per submission)")
        if len(times) >= 2:
            base, other = args.jobs[0], args.jobs[-1]
            print(f"speed-up jobs={other} vs jobs={base}: {times[base] / times[other]:.2f}x "
                  f"(wall time ratio {times[other] / times[base]:.2f}; os.cpu_count()={os.cpu_count()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
