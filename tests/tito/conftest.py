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


def tito(args, cwd: Path, timeout: float = 600, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m tito ARGS` in cwd (stdout is a pipe, so tito prints plain text)."""
    env = dict(os.environ, **(extra_env or {}))
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


def small(nb, fill=None, drop=(), insert=None, short=True):
    """A short submission with the real notebook's graded structure: its code cells that are exported library
    code or nbgrader cells (no training demos), and its graded markdown answers. fill: {grade_id: new source};
    drop: grade_ids to delete; insert: {grade_id: source of a plain code cell put before that cell};
    short=False keeps every cell."""
    fill, insert = fill or {}, insert or {}
    out = nbformat.from_dict(nb)
    cells = []
    for cell in out.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if short and not gid and not (cell.cell_type == "code" and "#| export" in cell.source):
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

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def h():
    """Helpers for the test files (test files cannot import each other or conftest under importlib mode)."""
    return types.SimpleNamespace(tito=tito, make_repo=make_repo, graded_cells=graded_cells, MODULE=MODULE,
                                 solution_cells=solution_cells, first_tested_solution=first_tested_solution,
                                 uses_real_notebook=uses_real_notebook, small=small, solution_source=solution_source,
                                 tree_digest=tree_digest, copy_repo=copy_repo)


def copy_repo(src: Path, dest: Path) -> Path:
    """A private copy of a prepared repository (cheaper than preparing it again)."""
    shutil.copytree(src, dest, symlinks=True)
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
    return root


@pytest.fixture(scope="session")
def notebooks(course_repo):
    """The generated source (solutions + hidden tests) and release notebooks."""
    folder = course_repo / "course"
    return {"source": nbformat.read(folder / "source" / MODULE / "compression.ipynb", as_version=4),
            "release": nbformat.read(folder / "release" / MODULE / "compression.ipynb", as_version=4)}


HIDDEN_MARK = "### BEGIN " + "HIDDEN TESTS"
TIMEOUT = 10  # seconds per cell in the batch below: the reference notebook's longest cell takes 1-5 s on 2 busy cores
MEMORY_MB = 1024  # the batch's per-kernel memory limit (--memory); the "oom" student asks for twice as much

SPY = """import json, os, pathlib, socket
here, course, repo = pathlib.Path.cwd(), pathlib.Path({course!r}), pathlib.Path({repo!r})  # it knows the real paths
needle = {left!r} + {right!r}  # a hidden-test line, joined only at run time
import tinytorch
package = pathlib.Path(tinytorch.__file__).parent
def attempt(action):
    try:
        action()
        return "succeeded"
    except Exception as exc:
        return type(exc).__name__
attempts = {{
    "read gradebook": lambda: (course / "gradebook.db").read_bytes(),
    "read source notebook": lambda: (course / "source" / "16_compression" / "compression.ipynb").read_bytes(),
    "write other submission": lambda: (course / "submitted" / "one" / "16_compression" / "compression.ipynb").write_text("x"),
    "write package": lambda: (package / "core" / "pwned.py").write_text("x"),
    "write relative up": lambda: pathlib.Path("../../../../pwned.txt").write_text("x"),
    "network": lambda: socket.create_connection(("1.1.1.1", 53), timeout=2),
}}
results = {{name: attempt(action) for name, action in attempts.items()}}
leaks = [str(f) for d in (here, pathlib.Path("/tmp")) for f in d.rglob("*") if f.is_file() and needle.encode() in f.read_bytes()]
secret_paths = [str(d / n) for d in [here, *here.parents] for n in ("gradebook.db", "source", "release") if (d / n).exists()]
other = course / "submitted" / "one" / "16_compression" / "compression.ipynb"
os.symlink(other, here / "compression.ipynb")  # nbgrader would write this notebook's results through the link
print("SPY " + json.dumps({{"attempts": results, "secret_paths": secret_paths, "leaks": leaks, "cwd_files": sorted(os.listdir(here)),
                           "repo_listing": sorted(os.listdir(repo)), "home_listing": sorted(os.listdir({home!r})),
                           "package": str(package)}}))
(package / "__init__.py").open("a").write("raise SystemExit")  # uncaught: the instructor sees the blocked write
"""
KILLER = """import os, signal, subprocess
os.kill(os.getppid(), signal.SIGKILL)  # its parent (bwrap's init) ignores it
os.kill(-1, signal.SIGKILL)  # every process it may signal: none outside its own sandbox
children = []
try:
    for _ in range(200):
        children.append(subprocess.Popen(["sleep", "30"]))
except OSError:
    pass
print("CHILDREN", len(children))
for child in children:
    child.kill()
"""


def _pasted(nb, grade_ids):
    """nb with each cell of grade_ids copied and pasted right after itself, metadata and cell id included."""
    out = nbformat.from_dict(nb)
    for gid in grade_ids:
        at = next(i for i, c in enumerate(out.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid)
        out.cells.insert(at + 1, nbformat.from_dict(out.cells[at]))
    return out


def hostile_students(source, release, course: Path, repo: Path) -> tuple:
    """({name: notebook}, info) of the hostile batch: short notebooks with the real notebook's graded cells."""
    filled_id = first_tested_solution(source)
    good = {filled_id: solution_source(source, filled_id)}
    answers = [c.metadata["nbgrader"]["grade_id"] for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
    after = next(g for g in solution_cells(source) if g != filled_id)  # a later solution cell
    hidden = solution_source(source, f"test-{filled_id}").split(HIDDEN_MARK, 1)[1].split("### END", 1)[0]
    hidden_line = max((line.strip() for line in hidden.splitlines()), key=len)
    spy = SPY.format(left=hidden_line[: len(hidden_line) // 2], right=hidden_line[len(hidden_line) // 2:],
                     course=str(course), repo=str(repo), home=os.path.expanduser("~"))
    wrong = "def magnitude_prune(model, sparsity=0.9):\n    return {}\n"
    students = {
        "reference": small(release, fill={gid: solution_source(source, gid) for gid in answers}, short=False),
        "blank": small(release),
        "one": small(release, fill=good),
        "syntax": small(release, fill={**good, after: "def magnitude_prune(model, sparsity=0.9:\n    return {}\n"}),
        # an endless loop (sleeping, to spare the 2 shared cores; a busy loop is interrupted the same way)
        "loop": small(release, fill=good, insert={filled_id: "import time\nwhile True:\n    time.sleep(0.05)\n"}),
        "crash": small(release, fill={**good, after: "import os\nos._exit(1)\n"}),
        "deleted": small(release, fill=good, drop=(f"test-{filled_id}",)),
        "edited": small(release, fill={**good, f"test-{filled_id}": solution_source(source, f"test-{filled_id}") +
                                       "\nprint('edited by the student')", after: wrong,
                                       f"test-{after}": "pass  # the student replaced the test"}),
        "huge": small(release, fill=good, insert={after: "print('x' * 50_000_000)\n"}),
        "spy": small(release, fill=good, insert={after: spy}),
        "killer": small(release, fill=good, insert={after: KILLER}),
        "oom": small(release, fill=good, insert={after: f"big = bytearray({2 * MEMORY_MB} * 1024 * 1024)\n"}),
        "pasted": _pasted(small(release, fill=good), [filled_id, f"test-{filled_id}"]),
        "dup": small(release),
    }
    return students, {"filled_id": filled_id, "after": after, "hidden_line": hidden_line}


def repo_files(root: Path) -> dict:
    """Digest of the repository's own files (everything but the course and test outputs)."""
    return {k: v for k, v in tree_digest(root).items() if not k.startswith(("course/", "out/", "."))}


@pytest.fixture(scope="session")
def batch(course_repo, notebooks, tmp_path_factory):
    """ONE batch collected from two inboxes and autograded twice, every kernel under bubblewrap (2 jobs, 10 s cell
    timeout, 1 GB per kernel): the reference solution, a blank and a one-cell submission, and hostile ones. Then
    student dup resubmits a broken file and is regraded alone. `rows` are the report CSV rows of the second run."""
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
        grade = tito(["grade", "autograde", "16", "--jobs", "2", "--timeout", TIMEOUT, "--memory", MEMORY_MB],
                     course_repo, extra_env={"TMPDIR": str(grading_tmp)})
        csv_path = course_repo / "out" / f"grades{attempt}.csv"
        report = tito(["grade", "report", "16", "--csv", csv_path], course_repo)
        with open(csv_path, newline="") as handle:
            runs.append({"autograde": grade, "report": report, "rows": list(csv.DictReader(handle))})
    repo_after = repo_files(course_repo)
    inbox3 = tmp_path_factory.mktemp("inbox3")  # dup resubmits a broken file: its earlier points must not stay
    (inbox3 / "dup.ipynb").write_bytes(b"\x00garbage")
    revoke = [tito(["grade", "collect", "16", inbox3], course_repo),
              tito(["grade", "autograde", "16", "--student", "dup"], course_repo,
                   extra_env={"TMPDIR": str(grading_tmp)}),
              tito(["grade", "report", "16"], course_repo)]
    return {**runs[-1], **info, "runs": runs, "revoke": revoke, "collects": collects, "course": course,
            "inboxes": (inbox1, inbox2), "inbox3": inbox3, "inboxes_before": inboxes_before,
            "submitted_before": submitted_before, "grading_tmp": grading_tmp, "students": students,
            "repo_before": repo_before, "repo_after": repo_after}


@pytest.fixture(scope="session")
def autograded(batch):
    return batch
