"""Fixtures for tito's end-to-end tests: temporary copies of the repository, driven through `python -m tito`.

The module-16 notebook under test is the real modules/16_compression/compression_dev.py when it exists,
otherwise the small fixture notebook in tests/tito/fixtures/ (same nbgrader conventions). Grade ids and
points are always read from the notebook metadata."""
import os
import shutil
import types
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MODULE = "16_compression"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints")


def uses_real_notebook() -> bool:
    """TITO_TEST_FIXTURE=1 forces the small fixture notebook (fast; used while the real one is being written)."""
    return os.environ.get("TITO_TEST_FIXTURE") != "1" and (REPO / "modules" / MODULE / "compression_dev.py").exists()


def make_repo(dest: Path, notebook_tests: bool = False) -> Path:
    """A copy of the repository with module 16 only; tests whose file name mentions 'notebook' (they execute
    the notebook themselves) are left out unless notebook_tests=True, to keep tito's tests fast."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "jupytext.toml", "README.md", "LICENSE", ".gitignore"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dest / name)
    for name in ("tinytorch", "tito", "bin"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name, ignore=IGNORE)
    tests, modules = dest / "tests" / MODULE, dest / "modules" / MODULE
    tests.mkdir(parents=True)
    shutil.copy2(REPO / "tests" / "conftest.py", dest / "tests" / "conftest.py")
    if uses_real_notebook():
        shutil.copytree(REPO / "modules" / MODULE, modules, ignore=IGNORE)
        for src in (REPO / "tests" / MODULE).glob("*.py"):
            if notebook_tests or "notebook" not in src.name:
                shutil.copy2(src, tests / src.name)
    else:
        modules.mkdir(parents=True)
        shutil.copy2(FIXTURES / "compression_dev.py", modules / "compression_dev.py")
        shutil.copy2(FIXTURES / "fixture_test_compression.py", tests / "test_compression.py")
        shutil.rmtree(dest / "tinytorch" / "compression", ignore_errors=True)
    return dest


def tito(args, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `python -m tito ARGS` in cwd (stdout is a pipe, so tito prints plain text)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(cwd)
    env.pop("HYPOTHESIS_PROFILE", None)
    return subprocess.run([sys.executable, "-m", "tito", *[str(a) for a in args]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def graded_cells(nb) -> dict:
    """{grade_id: (points, kind)} of graded cells: 'auto' for code test cells, 'manual' for graded answers."""
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            manual = cell.cell_type == "markdown" or meta.get("solution")
            cells[meta["grade_id"]] = (float(meta.get("points", 0)), "manual" if manual else "auto")
    return cells


def solution_cells(nb) -> dict:
    """{grade_id: cell index} of code solution cells."""
    return {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def first_tested_solution(nb) -> str:
    """The first solution cell's grade_id whose test cell `test-<grade_id>` exists and carries points."""
    graded = graded_cells(nb)
    for gid in solution_cells(nb):
        if graded.get(f"test-{gid}", (0, ""))[0] > 0:
            return gid
    raise AssertionError("the notebook has no solution cell with a matching test-<grade_id> cell")


@pytest.fixture(scope="session")
def h():
    """Helpers for the test files (test files cannot import each other or conftest under importlib mode)."""
    return types.SimpleNamespace(tito=tito, make_repo=make_repo, graded_cells=graded_cells, MODULE=MODULE,
                                 solution_cells=solution_cells, first_tested_solution=first_tested_solution,
                                 uses_real_notebook=uses_real_notebook)


@pytest.fixture(scope="session")
def course_repo(tmp_path_factory):
    """One repository copy with `tito grade generate 16` done (course/ inside it), shared by the session."""
    root = make_repo(tmp_path_factory.mktemp("course-repo") / "repo", notebook_tests=True)
    result = tito(["grade", "generate", "16"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="session")
def notebooks(course_repo):
    """The generated source (solutions + hidden tests) and release notebooks."""
    folder = course_repo / "course"
    return {"source": nbformat.read(folder / "source" / MODULE / "compression.ipynb", as_version=4),
            "release": nbformat.read(folder / "release" / MODULE / "compression.ipynb", as_version=4)}


@pytest.fixture(scope="session")
def autograded(course_repo, notebooks, tmp_path_factory):
    """Collect and autograde (2 jobs) three submissions: the reference solution, the blank release, and the
    release with exactly one solution cell filled in from the source. Returns the report CSV rows and more."""
    inbox = tmp_path_factory.mktemp("inbox")
    source, release = notebooks["source"], notebooks["release"]
    nbformat.write(source, inbox / "reference.ipynb")
    nbformat.write(release, inbox / "blank.ipynb")
    filled_id = first_tested_solution(source)
    one = nbformat.from_dict(release)
    one.cells[solution_cells(one)[filled_id]].source = source.cells[solution_cells(source)[filled_id]].source
    nbformat.write(one, inbox / "one.ipynb")
    collect = tito(["grade", "collect", "16", inbox], course_repo)
    assert collect.returncode == 0, collect.stdout + collect.stderr
    grade = tito(["grade", "autograde", "16", "--jobs", "2"], course_repo)
    csv_path = course_repo / "out" / "grades.csv"
    report = tito(["grade", "report", "16", "--csv", csv_path], course_repo)
    import csv

    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {"autograde": grade, "report": report, "rows": rows, "filled_id": filled_id}
