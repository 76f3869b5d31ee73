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


def _load(name: str):
    """A helper module of this folder, loaded by path (test folders are not packages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        f"tito_tests_{Path(name).stem}", Path(__file__).parent / name
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def uses_real_notebook() -> bool:
    """TITO_TEST_FIXTURE=1 forces the small fixture notebook (fast; used while the real one is being
    written)."""
    return (
        os.environ.get("TITO_TEST_FIXTURE") != "1"
        and (REPO / "modules" / MODULE / "compression_dev.py").exists()
    )


def make_repo(dest: Path, notebook_tests: bool = False) -> Path:
    """A copy of the repository with module 16 only; tests whose file name mentions 'notebook' (they execute
    the notebook themselves) are left out unless notebook_tests=True, to keep tito's tests fast."""
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
            if notebook_tests or "notebook" not in src.name:
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


def graded_cells(nb) -> dict:
    """{grade_id: (points, kind)} of graded cells: 'auto' for code test cells, 'manual' for graded answers.
    The canary cells (0 points, their fake hidden tests always fail) are left out."""
    from tito.grading.judge_apply import CANARIES

    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id") not in CANARIES:
            manual = cell.cell_type == "markdown" or meta.get("solution")
            cells[meta["grade_id"]] = (float(meta.get("points", 0)), "manual" if manual else "auto")
    return cells


def solution_cells(nb) -> dict:
    """{grade_id: cell index} of code solution cells."""
    return {
        c.metadata["nbgrader"]["grade_id"]: i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }


def tests_of(nb, grade_id) -> list:
    """grade_ids of the autograded test cells that follow solution cell `grade_id`, up to the next solution
    cell."""
    out, inside = [], False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            inside = meta.get("grade_id") == grade_id
        elif inside and meta.get("grade") and cell.cell_type == "code" and meta.get("points", 0) > 0:
            out.append(meta["grade_id"])
    return out


def first_tested_solution(nb) -> str:
    """The first code solution cell that is followed by test cells carrying points."""
    for gid in solution_cells(nb):
        if tests_of(nb, gid):
            return gid
    raise AssertionError("the notebook has no solution cell followed by graded test cells")


def small(nb, fill=None, drop=(), insert=None, short=True):
    """A short submission with the real notebook's graded structure: its nbgrader cells, exported library
    code, set-up code (before the first solution) and the code between each solution and its last test (the
    tests' fixtures), but no training demo. fill: {grade_id: new source}; drop: grade_ids to delete; insert:
    {grade_id: source of a plain code cell put before that cell}; short=False keeps every cell."""
    fill, insert = fill or {}, insert or {}
    out = nbformat.from_dict(nb)
    meta = [c.metadata.get("nbgrader", {}) for c in out.cells]
    solutions = [i for i, m in enumerate(meta) if m.get("solution")] + [len(meta)]
    inside = set(range(solutions[0]))
    for start, stop in zip(solutions, solutions[1:]):
        inside |= set(
            range(start, max([i for i in range(start, stop) if meta[i].get("grade")], default=start))
        )
    cells = []
    for index, cell in enumerate(out.cells):
        gid = meta[index].get("grade_id")
        keep = cell.cell_type == "code" and (index in inside or "#| export" in cell.source)
        if short and not gid and not keep:
            continue
        if gid in drop:
            continue
        if gid in insert:
            cells.append(nbformat.v4.new_code_cell(insert[gid]))
        if gid in fill:
            cell.source = fill[gid]
        cells.append(cell)
    out.cells = cells
    return out


def solution_source(nb, grade_id) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def tree_digest(folder: Path) -> dict:
    """{relative path: sha256} of every file under folder."""
    import hashlib

    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


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
    shutil.copytree(root / "course", root.parent / GENERATED)  # before any test grades in it
    return root


GENERATED = "course-generated"  # beside course_repo: its course as generated, never graded in


@pytest.fixture(scope="session")
def notebooks(course_repo):
    """The generated source (solutions + hidden tests) and release notebooks."""
    folder = course_repo / "course"
    return {
        "source": nbformat.read(folder / "source" / MODULE / "compression.ipynb", as_version=4),
        "release": nbformat.read(folder / "release" / MODULE / "compression.ipynb", as_version=4),
    }


HIDDEN_MARK = "### BEGIN " + "HIDDEN TESTS"
# seconds per cell in the batch below: the reference notebook's longest cell takes 1-5 s on 2 busy cores
TIMEOUT = 10
MEMORY_MB = 4096  # the batch's per-kernel memory limit (--memory); the "oom" student asks for twice as much

_CELLS = _load("hostile_cells.py")  # code of hostile notebook cells
SPY, KILLER = _CELLS.SPY, _CELLS.KILLER


def _pasted(nb, grade_ids):
    """nb with each cell of grade_ids copied and pasted right after itself, metadata and cell id included."""
    out = nbformat.from_dict(nb)
    for gid in grade_ids:
        at = next(i for i, c in enumerate(out.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid)
        out.cells.insert(at + 1, nbformat.from_dict(out.cells[at]))
    return out


def _hidden_label(repo: Path) -> str:
    """The longest label of a hidden case of module 16 (grading/16_compression/hidden.py)."""
    from tito.grading import judge

    hidden = judge.hidden_cases(repo, MODULE)
    return max((case["label"] for cases in hidden.values() for case in cases), key=len)


def hostile_students(source, release, course: Path, repo: Path) -> tuple:
    """({name: notebook}, info) of the hostile batch: short notebooks with the real notebook's graded
    cells."""
    filled_id = first_tested_solution(source)
    good = {filled_id: solution_source(source, filled_id)}
    answers = [
        c.metadata["nbgrader"]["grade_id"]
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]
    after = next(
        g for g in solution_cells(source) if g != filled_id and tests_of(source, g)
    )  # a later solution cell
    first, later = tests_of(source, filled_id)[0], tests_of(source, after)[0]
    hidden_line = _hidden_label(
        repo
    )  # what a spy must never find: hidden cases live in grading/, not in notebooks
    spy = SPY.format(
        left=hidden_line[: len(hidden_line) // 2],
        right=hidden_line[len(hidden_line) // 2 :],
        course=str(course),
        repo=str(repo),
        home=os.path.expanduser("~"),
    )
    wrong = "def magnitude_prune(*args, **kwargs):\n    raise RuntimeError('a wrong answer')\n"
    students = {
        "reference": small(
            release, fill={gid: solution_source(source, gid) for gid in answers}
        ),  # full: test_notebook_execution
        "blank": small(release),
        "one": small(release, fill=good),
        "syntax": small(
            release, fill={**good, after: "def magnitude_prune(model, sparsity=0.9:\n    return {}\n"}
        ),
        # an endless loop (sleeping, to spare the 2 shared cores; a busy loop is interrupted the same way)
        "loop": small(
            release, fill=good, insert={filled_id: "import time\nwhile True:\n    time.sleep(0.05)\n"}
        ),
        "crash": small(release, fill={**good, after: "import os\nos._exit(1)\n"}),
        "deleted": small(release, fill=good, drop=(first,)),
        "edited": small(
            release,
            fill={
                **good,
                first: solution_source(source, first) + "\nprint('edited by the student')",
                after: wrong,
                later: "pass  # the student replaced the test",
            },
        ),
        "huge": small(release, fill=good, insert={after: "print('x' * 50_000_000)\n"}),
        "spy": small(release, fill=good, insert={after: spy}),
        "killer": small(release, fill=good, insert={after: KILLER}),
        "oom": small(release, fill=good, insert={after: f"big = bytearray({2 * MEMORY_MB} * 1024 * 1024)\n"}),
        "pasted": _pasted(small(release, fill=good), [filled_id, first]),
        "dup": small(release),
    }
    points = graded_cells(source)
    return students, {
        "filled_id": filled_id,
        "after": after,
        "hidden_line": hidden_line,
        "first_test": first,
        "later_test": later,
        "filled_tests": tests_of(source, filled_id),
        "after_tests": tests_of(source, after),
        "one_cell": sum(points[g][0] for g in tests_of(source, filled_id)),
    }


def repo_files(root: Path) -> dict:
    """Digest of the repository's own files (everything but the course and test outputs)."""
    return {k: v for k, v in tree_digest(root).items() if not k.startswith(("course/", "out/", "."))}


@pytest.fixture(scope="session")
def batch(course_repo, notebooks, tmp_path_factory):
    """ONE batch collected from two inboxes and autograded twice, every kernel under bubblewrap (2 jobs, 10 s
    cell timeout, 1 GB per kernel): the reference solution, a blank and a one-cell submission, and hostile
    ones. Then student dup resubmits a broken file and is regraded alone. `rows` are the report CSV rows of
    the second run."""
    import csv

    course = course_repo / "course"
    students, info = hostile_students(notebooks["source"], notebooks["release"], course, course_repo)
    inbox1, inbox2 = tmp_path_factory.mktemp("inbox1"), tmp_path_factory.mktemp("inbox2")
    for name, nb in students.items():
        nbformat.write(nb, inbox1 / f"{name}.ipynb")
    (inbox1 / "x.ipynb").write_bytes(bytes(range(256)) * 4)  # not a notebook
    (inbox1 / "alice.txt").write_text("my homework")  # not a notebook name
    nbformat.write(students["one"], inbox2 / "dup.ipynb")  # the same student again, newer
    inboxes_before = (tree_digest(inbox1), tree_digest(inbox2))
    collects = [tito(["grade", "collect", "16", inbox], course_repo) for inbox in (inbox1, inbox2)]
    submitted_before, repo_before = tree_digest(course / "submitted"), repo_files(course_repo)
    runs = []
    grading_tmp = tmp_path_factory.mktemp("grading-tmp")  # TMPDIR of the graders: their private trees go here
    for attempt in (1, 2):
        grade = tito(
            ["grade", "autograde", "16", "--jobs", "2", "--timeout", TIMEOUT, "--memory", MEMORY_MB],
            course_repo,
            extra_env={"TMPDIR": str(grading_tmp)},
        )
        csv_path = course_repo / "out" / f"grades{attempt}.csv"
        report = tito(["grade", "report", "16", "--csv", csv_path, "--cells"], course_repo)
        with open(csv_path, newline="") as handle:
            runs.append({"autograde": grade, "report": report, "rows": list(csv.DictReader(handle))})
    repo_after = repo_files(course_repo)
    inbox3 = tmp_path_factory.mktemp(
        "inbox3"
    )  # dup resubmits a broken file: its earlier points must not stay
    (inbox3 / "dup.ipynb").write_bytes(b"\x00garbage")
    revoke = [
        tito(["grade", "collect", "16", inbox3], course_repo),
        tito(
            ["grade", "autograde", "16", "--student", "dup"],
            course_repo,
            extra_env={"TMPDIR": str(grading_tmp)},
        ),
        tito(["grade", "report", "16", "--cells"], course_repo),
    ]
    return {
        **runs[-1],
        **info,
        "runs": runs,
        "revoke": revoke,
        "collects": collects,
        "course": course,
        "inboxes": (inbox1, inbox2),
        "inbox3": inbox3,
        "inboxes_before": inboxes_before,
        "submitted_before": submitted_before,
        "grading_tmp": grading_tmp,
        "students": students,
        "repo_before": repo_before,
        "repo_after": repo_after,
        "memory_mb": MEMORY_MB,
    }


@pytest.fixture(scope="session")
def autograded(batch):
    return batch


@pytest.fixture(scope="session")
def graded_course(course_repo, notebooks, tmp_path_factory):
    """A course of its own (next to course_repo, used with --course) where two students were autograded under
    bubblewrap: "reference" (every answer filled in) and "blank" (the release notebook). Copy it before
    changing it. The three manual answers of the notebook are not graded yet."""
    from nbgrader.api import Gradebook

    course = tmp_path_factory.mktemp("graded-course") / "course"
    shutil.copytree(
        course_repo / "course",
        course,
        ignore=shutil.ignore_patterns(
            "submitted", "autograded", "feedback", "tito-autograde.json", "bundles"
        ),
    )
    with Gradebook(f"sqlite:///{course}/gradebook.db", course_id="tinytorch") as gb:
        for student in [s.id for s in gb.students]:  # students of other tests' batches
            gb.remove_student(student)
    source, release = notebooks["source"], notebooks["release"]
    answers = [
        c.metadata["nbgrader"]["grade_id"]
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]
    for student, nb in (
        ("reference", small(release, fill={gid: solution_source(source, gid) for gid in answers})),
        ("blank", small(release)),
    ):
        folder = course / "submitted" / student / MODULE
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "compression.ipynb")
    result = tito(["grade", "autograde", "16", "--course", course, "--jobs", 2], course_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    return course
