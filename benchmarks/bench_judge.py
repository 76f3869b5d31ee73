"""Judging alone (no nbgrader run): the seconds `tito grade autograde` spends per submission to export the
notebook, run the claims' runner under bubblewrap (visible and hidden cases) and decide every claim. Target:
at most 3 s per submission on 2 cores (the reference's expected values are computed once per batch first,
as `tito grade autograde` does, and reported apart). Submissions: the reference, the blank release, and
the release with one task filled in, as bench_grading.py makes them.

    python benchmarks/bench_judge.py          # 6 submissions, sandboxed
    python benchmarks/bench_judge.py --n 3 --no-sandbox
"""

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import guards

REPO = Path(__file__).resolve().parents[1]
TARGET = 3.0


def submissions(n: int) -> list:
    """[notebook JSON text]: reference, blank, and partial notebooks in turn."""
    import nbformat

    from tito import notebooks
    from tito.grading import release
    from tito.paths import resolve_module

    module = resolve_module(REPO, "16")
    source = notebooks.source_from_py(REPO / "modules" / module.key / "compression_dev.py")
    blank = release.generate_release(module)["compression_dev"]
    solved = [i for i, c in enumerate(source.cells) if c.metadata.get("nbgrader", {}).get("solution")]
    out = []
    for i in range(n):
        nb = [source, blank, nbformat.from_dict(blank)][i % 3]
        if i % 3 == 2:
            cell = solved[(i // 3) % len(solved)]
            nb.cells[cell].source = source.cells[cell].source
        out.append(nbformat.writes(nb))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=6, help="submissions (default 6)")
    parser.add_argument("--no-sandbox", action="store_true", help="run the runner without bubblewrap")
    args = parser.parse_args()
    guards.header("judging alone, per submission")
    from tito.grading import judge_apply

    notebooks_ = submissions(args.n)
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-judge-") as tmp:
        base = Path(tmp) / "stubs"
        shutil.copytree(REPO / "tinytorch" / "compression", base)
        from tito.grading import judge

        start = time.perf_counter()  # once per batch, before any submission (as tito grade autograde does)
        cases = judge.cases("16", judge.hidden_cases(REPO, "16_compression"))
        judge.expected_cached("16", cases, REPO, Path(tmp) / "cache")
        guards.report(
            "reference expectations, once per batch", f"{time.perf_counter() - start:.2f} s", "-", None
        )
        for i, text in enumerate(notebooks_):
            work = Path(tmp) / f"s{i}"
            work.mkdir()
            start = time.perf_counter()
            found = judge_apply.verdicts(
                "16_compression",
                {"compression": text},
                work,
                base,
                sandbox=not args.no_sandbox,
                limits={},
                cache=Path(tmp) / "cache",
            )
            times.append(time.perf_counter() - start)
            passed = sum(v.passed for v in found.values())
            print(
                f"  submission {i} ({['reference', 'blank', 'partial'][i % 3]}): "
                f"{passed}/{len(found)} claims, "
                f"{times[-1]:.2f} s"
            )
    worst = max(times)
    guards.report(
        "judge per submission (worst of the batch)", f"{worst:.2f} s", f"<= {TARGET:.1f} s", worst <= TARGET
    )
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
