"""Autograding throughput of `tito grade autograde` on module 16: N synthetic submissions, 1 job vs 2 jobs,
and the guard: `tito grade autograde --jobs 1` (each submission in its own process, kernel under bubblewrap)
is no slower per submission than plain `nbgrader autograde` (one process, no sandbox) on the same
submissions, both timed in this run. Exit code 1 when the ratio misses the target.

Synthetic submissions cycle through: the reference solution, the blank release, and the release with one
solution cell filled in from the source (a different cell each time). Everything runs in a temporary copy
of the repository through the real CLIs (`python -m tito`, `nbgrader`), so the numbers include their startup.

    python benchmarks/bench_grading.py            # 20 submissions, jobs 1 and 2, guard against nbgrader
    python benchmarks/bench_grading.py --n 6 --jobs 1 2
    python benchmarks/bench_grading.py --n 6 --no-sandbox   # tito without bubblewrap (machines without it)
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
TARGET = 1.0  # tito / nbgrader wall time per submission, at most
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")


def tito(args, cwd):
    env = dict(os.environ, PYTHONPATH=str(cwd))
    result = subprocess.run(
        [sys.executable, "-m", "tito", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(
            f"tito {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def make_submissions(course: Path, inbox: Path, n: int) -> None:
    import nbformat

    source = nbformat.read(course / "source" / MODULE / "compression.ipynb", as_version=4)
    release = nbformat.read(course / "release" / MODULE / "compression.ipynb", as_version=4)
    solutions = [
        i
        for i, c in enumerate(source.cells)
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    ]
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


def nbgrader_baseline(course: Path, dest: Path) -> float:
    """Wall seconds of plain `nbgrader autograde MODULE --force` over a copy of the course (same submissions)."""
    shutil.copytree(
        course,
        dest,
        ignore=shutil.ignore_patterns(
            "autograded", "feedback", "tito-autograde.json", ".tito-grade.lock", "*.bak"
        ),
    )
    env = dict(
        os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    )
    start = time.perf_counter()
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "nbgrader"),
            "autograde",
            MODULE,
            "--force",
            f"--CourseDirectory.root={dest}",
            "--CourseDirectory.course_id=tinytorch",
        ],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"nbgrader autograde failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return elapsed


def guard(tito_s: float, nbgrader_s: float, n: int, runs: int = 1) -> int:
    """Best tito time against best nbgrader time over `runs` measurements of each."""
    ratio = tito_s / nbgrader_s
    verdict = "ok" if ratio <= TARGET else "MISS"
    print(
        f"per submission: tito grade autograde --jobs 1 {tito_s / n:.2f} s, nbgrader autograde {nbgrader_s / n:.2f} s; "
        f"ratio {ratio:.2f} (target <= {TARGET:.2f}){f' [best of {runs} runs each]' if runs > 1 else ''} {verdict}"
    )
    return 0 if ratio <= TARGET else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20, help="number of synthetic submissions (default 20)")
    parser.add_argument(
        "--jobs", type=int, nargs="+", default=[1, 2], help="job counts to compare (default 1 2)"
    )
    parser.add_argument("--no-sandbox", action="store_true", help="grade without bubblewrap")
    args = parser.parse_args()
    if args.n < 1 or min(args.jobs) < 1:
        raise SystemExit(f"--n={args.n} and --jobs={args.jobs} must be >= 1")
    jobs_list = list(dict.fromkeys([1, *args.jobs]))  # --jobs 1 is always timed: the guard needs it
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        for name in ("pyproject.toml", "jupytext.toml", "README.md"):
            shutil.copy2(REPO / name, root / name)
        for name in ("tinytorch", "tito", "grading", f"modules/{MODULE}"):
            shutil.copytree(
                REPO / name, root / name, ignore=IGNORE, copy_function=shutil.copyfile
            )  # fresh-clone modes
        start = time.perf_counter()
        tito(["grade", "generate", "16"], root)
        print(f"generate: {time.perf_counter() - start:.1f} s")
        make_submissions(root / "course", Path(tmp) / "inbox", args.n)
        tito(["grade", "collect", "16", Path(tmp) / "inbox"], root)

        def autograde(jobs):
            start = time.perf_counter()
            out = tito(
                ["grade", "autograde", "16", "--jobs", jobs, *(["--no-sandbox"] if args.no_sandbox else [])],
                root,
            )
            return time.perf_counter() - start, out

        times = {}
        for jobs in jobs_list:
            times[jobs], out = autograde(jobs)
            graded = re.search(r"autograded (\d+)/(\d+)", out).group(0)
            print(
                f"jobs={jobs}: {graded} in {times[jobs]:.1f} s wall ({times[jobs] / args.n:.2f} s per submission)"
            )
        if len(times) >= 2:
            base, other = jobs_list[0], jobs_list[-1]
            print(
                f"speed-up jobs={other} vs jobs={base}: {times[base] / times[other]:.2f}x "
                f"(wall time ratio {times[other] / times[base]:.2f}; os.cpu_count()={os.cpu_count()})"
            )
        tito_runs = [times[1]]
        base_runs = [nbgrader_baseline(root / "course", Path(tmp) / "nbgrader-course-1")]
        for attempt in (
            2,
            3,
        ):  # the machine is shared: a miss is measured twice more, both sides, before it counts
            if min(tito_runs) / min(base_runs) <= TARGET:
                break
            print(
                f"(ratio {min(tito_runs) / min(base_runs):.2f} misses {TARGET:.2f}: measuring both again, "
                f"run {attempt}, nbgrader first)",
                flush=True,
            )
            base_runs.append(nbgrader_baseline(root / "course", Path(tmp) / f"nbgrader-course-{attempt}"))
            tito_runs.append(autograde(1)[0])
        return guard(min(tito_runs), min(base_runs), args.n, len(tito_runs))


if __name__ == "__main__":
    sys.exit(main())
