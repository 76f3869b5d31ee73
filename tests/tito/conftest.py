"""Fixtures for tito's end-to-end tests: temporary copies of the repository, driven through `python -m tito`.

The module-16 notebook under test is the real modules/16_compression/compression_dev.py when it exists,
otherwise the small fixture notebook in tests/tito/fixtures/ (same nbgrader conventions). Grade ids and
points are always read from the notebook metadata."""

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

collect_ignore = ["fixtures"]  # test files of the fixture module, copied into temporary repositories
REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MODULE = "16_compression"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints")


def uses_real_notebook() -> bool:
    """TITO_TEST_FIXTURE=1 forces the small fixture notebook (fast; used while the real one is being
    written)."""
    return (
        os.environ.get("TITO_TEST_FIXTURE") != "1"
        and (REPO / "modules" / MODULE / "compression_dev.py").exists()
    )


def make_repo(dest: Path, notebook_tests: bool = False, test_files: tuple = ()) -> Path:
    """A copy of the repository with module 16 only; tests whose file name mentions 'notebook' (they execute
    the notebook themselves) are left out unless notebook_tests=True, to keep tito's tests fast; test_files:
    only these test files of module 16 (and its helper modules), for a test that runs them all."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "jupytext.toml", "README.md", "LICENSE", ".gitignore"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dest / name)
    for name in (
        "tinytorch",
        "tito",
        "bin",
        "grading",
        "benchmarks",  # tests/16_compression import the fast path from benchmarks/fast_prune.py
    ):  # file modes as in a fresh clone (copyfile: umask, not the source's)
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name, ignore=IGNORE, copy_function=shutil.copyfile)
    tests, modules = dest / "tests" / MODULE, dest / "modules" / MODULE
    tests.mkdir(parents=True)
    shutil.copy2(REPO / "tests" / "conftest.py", dest / "tests" / "conftest.py")
    if uses_real_notebook():
        shutil.copytree(REPO / "modules" / MODULE, modules, ignore=IGNORE)
        for src in (REPO / "tests" / MODULE).glob("*.py"):
            wanted = not test_files or src.name in test_files or not src.name.startswith("test_")
            if wanted and (notebook_tests or "notebook" not in src.name):
                shutil.copy2(src, tests / src.name)
    else:
        modules.mkdir(parents=True)
        shutil.copy2(FIXTURES / "compression_dev.py", modules / "compression_dev.py")
        shutil.copy2(FIXTURES / "fixture_test_compression.py", tests / "test_compression.py")
        shutil.rmtree(dest / "tinytorch" / "compression", ignore_errors=True)
    return dest


def tito(args, cwd: Path, timeout: float = 600, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m tito ARGS` in cwd (stdout is a pipe, so tito prints plain text)."""
    env = dict(os.environ, **(extra_env or {}))
    env["PYTHONPATH"] = str(cwd)
    env.pop("HYPOTHESIS_PROFILE", None)
    return subprocess.run(
        [sys.executable, "-m", "tito", *[str(a) for a in args]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _load(name: str):
    """A helper module of this folder, loaded by path (test folders are not packages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        f"tito_tests_{Path(name).stem}", Path(__file__).parent / name
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_NB = _load("nb_helpers.py")
graded_cells, solution_cells, tests_of = _NB.graded_cells, _NB.solution_cells, _NB.tests_of
first_tested_solution, small, solution_source = _NB.first_tested_solution, _NB.small, _NB.solution_source
tree_digest = _NB.tree_digest


@pytest.fixture(scope="session")
def h():
    """Helpers for the test files (test files cannot import each other or conftest under importlib mode)."""
    return types.SimpleNamespace(
        tito=tito,
        make_repo=make_repo,
        graded_cells=graded_cells,
        MODULE=MODULE,
        REPO=REPO,
        solution_cells=solution_cells,
        first_tested_solution=first_tested_solution,
        tests_of=tests_of,
        uses_real_notebook=uses_real_notebook,
        small=small,
        solution_source=solution_source,
        tree_digest=tree_digest,
        copy_repo=copy_repo,
    )


def copy_repo(src: Path, dest: Path) -> Path:
    """A private copy of a prepared repository (cheaper than preparing it again); a copy of course_repo gets
    its course as generated, without what other tests graded in the shared one."""
    shutil.copytree(src, dest, symlinks=True)
    if (src.parent / GENERATED).is_dir():
        shutil.rmtree(dest / "course")
        shutil.copytree(src.parent / GENERATED, dest / "course")
    return dest


@pytest.fixture(scope="session")
def started_repo(tmp_path_factory):
    """A repository copy after `tito module start 16 --force` (the student's starting point); copy it with
    h.copy_repo before changing it."""
    root = make_repo(tmp_path_factory.mktemp("started-repo") / "repo")
    result = tito(["module", "start", "16", "--force"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="session")
def course_repo(tmp_path_factory):
    """One repository copy with `tito grade generate 16` done (course/ inside it), shared by the session."""
    root = make_repo(tmp_path_factory.mktemp("course-repo") / "repo", notebook_tests=True)
    result = tito(["grade", "generate", "16"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    warm_judge_cache(root, root / "course")
    shutil.copytree(root / "course", root.parent / GENERATED)  # before any test grades in it
    return root


def warm_judge_cache(root: Path, course: Path) -> None:
    """The judge's expected values of the reference (warm_cache in tito/grading/judge_apply.py, which each
    autograde run does first) computed once into `course`, so that the tests' copies of it do not compute
    them again."""
    code = (
        "import sys; from pathlib import Path; from tito.grading.judge_apply import warm_cache; "
        "warm_cache(Path(sys.argv[1]), sys.argv[2])"
    )
    env = dict(os.environ, PYTHONPATH=str(root))
    run = [sys.executable, "-c", code, str(course), MODULE]
    result = subprocess.run(run, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and any((course / ".tito-cache").glob("*.npz")), result.stderr


GENERATED = "course-generated"  # beside course_repo: its course as generated, never graded in


@pytest.fixture(scope="session")
def notebooks(course_repo):
    """The generated source (solutions + hidden tests) and release notebooks."""
    folder = course_repo / "course"
    return {
        "source": nbformat.read(folder / "source" / MODULE / "compression.ipynb", as_version=4),
        "release": nbformat.read(folder / "release" / MODULE / "compression.ipynb", as_version=4),
    }


# seconds per cell in the batch below: the reference notebook's longest cell takes 1-5 s on 2 busy cores
TIMEOUT = 10
MEMORY_MB = 4096  # the batch's per-kernel memory limit (--memory)


def batch_students(source, release) -> tuple:
    """({name: notebook}, info) of the batch: short notebooks with the real notebook's graded cells."""
    filled_id = first_tested_solution(source)
    good = {filled_id: solution_source(source, filled_id)}
    answers = [
        c.metadata["nbgrader"]["grade_id"]
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]
    after = next(g for g in solution_cells(source) if g != filled_id and tests_of(source, g))  # a later one
    test = tests_of(source, filled_id)[0]
    pasted = small(release, fill=good)
    cell = next(c for c in pasted.cells if c.metadata.get("nbgrader", {}).get("grade_id") == test)
    pasted.cells.insert(pasted.cells.index(cell), nbformat.from_dict(cell))  # pasted: same grade and cell id
    students = {
        "reference": small(release, fill={gid: solution_source(source, gid) for gid in answers}),
        "blank": small(release),
        "one": small(release, fill=good),
        "crash": small(release, fill={**good, after: "import os\nos._exit(1)\n"}),  # its kernel dies
        "loop": small(release, fill=good, insert={after: "while True:\n    pass\n"}),  # never ends
        "memory": small(release, fill=good, insert={after: "hog = bytearray(8 * 2**30)\n"}),  # > --memory
        "pasted": pasted,  # a graded cell copied and pasted (same grade id, same cell id)
    }
    return students, {"filled_id": filled_id, "filled_tests": tests_of(source, filled_id)}


@pytest.fixture(scope="session")
def batch(course_repo, notebooks, tmp_path_factory):
    """ONE batch collected from an inbox and autograded once, every kernel under bubblewrap (2 jobs, 10 s cell
    timeout, 4 GB per kernel): the reference solution, a blank and a one-cell submission, one whose kernel
    dies, three that add a fault to the one-cell submission (a cell that never ends, one over the memory
    limit, a pasted copy of a graded cell), a file that is not a notebook and one that is not named as a
    student's. `rows` are the report's
    CSV rows."""
    import csv

    students, info = batch_students(notebooks["source"], notebooks["release"])
    inbox = tmp_path_factory.mktemp("inbox")
    for name, nb in students.items():
        nbformat.write(nb, inbox / f"{name}.ipynb")
    (inbox / "x.ipynb").write_bytes(bytes(range(256)) * 4)  # not a notebook
    (inbox / "alice.txt").write_text("my homework")  # not a notebook name
    collect = tito(["grade", "collect", "16", inbox], course_repo)
    grade = tito(
        ["grade", "autograde", "16", "--jobs", "2", "--timeout", TIMEOUT, "--memory", MEMORY_MB],
        course_repo,
        extra_env={"TMPDIR": str(tmp_path_factory.mktemp("grading-tmp"))},
    )
    csv_path = course_repo / "out" / "grades.csv"
    report = tito(["grade", "report", "16", "--csv", csv_path, "--cells"], course_repo)
    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        "collect": collect,
        "autograde": grade,
        "report": report,
        "rows": rows,
        "students": students,
        **info,
    }


@pytest.fixture(scope="session")
def autograded(batch):
    return batch


@pytest.fixture(scope="session")
def graded_course(batch, course_repo, tmp_path_factory):
    """A course of its own (next to course_repo, used with --course): a copy of the batch's course (see
    `batch`) with two of its students only, autograded under bubblewrap: "reference" (every answer filled in)
    and "blank" (the release notebook). Copy it before changing it. Its manual answers are not graded yet."""
    import json

    from nbgrader.api import Gradebook

    keep, src = {"reference", "blank"}, course_repo / "course"

    def others(folder, names):
        if Path(folder) == src:
            return [n for n in names if n in ("feedback", "bundles")]
        graded = Path(folder) in (src / "submitted", src / "autograded")
        return [n for n in names if n not in keep] if graded else []

    course = tmp_path_factory.mktemp("graded-course") / "course"
    shutil.copytree(src, course, ignore=others)
    with Gradebook(f"sqlite:///{course}/gradebook.db", course_id="tinytorch") as gb:
        for student in {s.id for s in gb.students} - keep:
            gb.remove_student(student)
    status = course / "tito-autograde.json"
    entries = json.loads(status.read_text())
    status.write_text(json.dumps({k: {s: v[s] for s in keep} for k, v in entries.items()}))
    assert sorted(p.name for p in (course / "autograded").iterdir()) == sorted(keep)
    return course
