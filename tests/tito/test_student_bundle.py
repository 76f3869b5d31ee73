"""The student bundle (`tito grade release 16 --out DIR`): its own guide, only the student tests, a notebook
that names its kernel, and the jupytext/JupyterLab set-up that opens the .py as a notebook."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tito import notebooks

REPO = Path(__file__).resolve().parents[2]
STUDENT = "tests/16_compression/student"
ORACLE_WORDS = (
    "linalg.svd",
    "argsort",
    "np.sort",
    "sorted(np.abs",
    "softmax",
    "np.exp(",
    "np.log(",
    "partition(",
)


def add_student_tests(root: Path, h) -> None:
    """Add the student tests (the fixture's in fixture mode): make_repo copies tests/16_compression/*.py."""
    src = REPO / STUDENT if h.uses_real_notebook() else Path(__file__).parent / "fixtures" / "student"
    shutil.copytree(src, root / STUDENT, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)


@pytest.fixture(scope="module")
def bundle(course_repo, tmp_path_factory, h):
    root = h.copy_repo(course_repo, tmp_path_factory.mktemp("bundle-repo") / "repo")
    add_student_tests(root, h)
    result = h.tito(["grade", "release", "16", "--out", root / "out" / "bundle"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "out" / "bundle"


def test_bundle_readme_is_the_rendered_student_guide_not_the_instructor_readme(bundle):
    text = (bundle / "README.md").read_text()
    assert text != (REPO / "README.md").read_text() and "Instructor flow" not in text
    for needed in (
        "source bin/activate-tinytorch.sh",
        "jupyter lab",
        "modules/16_compression/compression_dev.ipynb",
        "tito module complete 16",
        "tito grade validate modules/16_compression/compression_dev.ipynb",
        "tito test --module compression",
        "<your-student-id>.ipynb",
        "Open With",
    ):
        assert needed in text, needed
    assert "$" + "number" not in text and "$" + "notebook" not in text


def test_bundle_ships_only_the_student_tests(bundle):
    shipped = sorted(str(p.relative_to(bundle)) for p in (bundle / "tests").rglob("*.py"))
    student = sorted(f"{STUDENT}/{p.name}" for p in (bundle / STUDENT).glob("*.py"))
    assert shipped == sorted(["tests/conftest.py", *student]) and student
    assert not (bundle / "tests" / "tito").exists()
    instructor = {p.name for p in (REPO / "tests" / "16_compression").glob("test_*.py")}
    assert not instructor & {p.name for p in (bundle / "tests").rglob("*.py")}


@pytest.mark.parametrize("folder", [REPO / STUDENT, Path(__file__).parent / "fixtures" / "student"])
def test_student_tests_hold_no_reference_implementation_of_a_graded_algorithm(folder):
    files = sorted(folder.glob("*.py"))
    assert files
    for path in files:
        text = path.read_text()
        assert not [w for w in ORACLE_WORDS if w in text], path
        assert "from tinytorch.compression import" in text, path


def test_bundle_notebook_names_the_python3_kernel(bundle):
    for path in (bundle / "modules" / "16_compression").glob("compression_dev.ipynb"):
        assert nbformat.read(path, as_version=4).metadata["kernelspec"] == notebooks.KERNELSPEC, path
    release = bundle / "modules" / "16_compression" / ".release" / "compression_dev.ipynb"
    assert nbformat.read(release, as_version=4).metadata["kernelspec"]["name"] == "python3"


def test_bundle_jupyter_settings_open_a_py_as_a_jupytext_notebook(bundle, tmp_path):
    assert 'formats = "ipynb,py:percent"' in (bundle / "jupytext.toml").read_text()
    labext = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyterlab-jupytext"
    assert labext.is_dir(), "jupytext's JupyterLab extension is not installed"
    code = (
        "import json; from jupyterlab_server.settings_utils import _get_overrides; "
        f"print(json.dumps(_get_overrides({str(tmp_path)!r})[0]))"
    )
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(bundle / ".jupyter"))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    viewers = json.loads(out)["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["python"] == "Jupytext Notebook"


LAB_PAGE = (
    "import json, os; from jupyter_core.paths import jupyter_config_path; "
    "from jupyterlab_server.config import get_page_config; "
    "dirs = [os.path.join(p, 'labconfig') for p in jupyter_config_path()]; "
    "print(json.dumps(get_page_config(dirs, logger=None).get('disabledExtensions', [])))"
)
SERVER = (
    "import json; from jupyter_server.serverapp import ServerApp; app = ServerApp(); "
    "app.initialize(argv=['--port=0', '--no-browser']); "
    "print(json.dumps({n: e.enabled for n, e in app.extension_manager.extensions.items() "
    "if 'nbgrader' in n}))"
)


def test_bundle_jupyterlab_keeps_nbgraders_validate_button_and_drops_its_instructor_and_exchange_parts(
    bundle, tmp_path
):
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(bundle / ".jupyter"), JUPYTER_RUNTIME_DIR=str(tmp_path))

    def run(code):
        proc = subprocess.run(
            [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, cwd=tmp_path
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    plugins = ("formgrader", "create-assignment", "course-list", "assignment-list", "menu")
    assert sorted(run(LAB_PAGE)) == sorted(f"@jupyter/nbgrader:{p}" for p in plugins)
    assert run(SERVER) == {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.assignment_list": False,
        "nbgrader.server_extensions.course_list": False,
        "nbgrader.server_extensions.validate_assignment": True,
    }


def _pair(tmp_path):
    root = tmp_path / "repo"
    (root / "modules" / "16_compression").mkdir(parents=True)
    shutil.copy2(REPO / "jupytext.toml", root / "jupytext.toml")
    py = root / "modules" / "16_compression" / "x_dev.py"
    py.write_text("# %%\nx = 1\n")
    return root, py, py.with_suffix(".ipynb")


def test_sync_adds_the_kernelspec_and_keeps_it_when_the_py_changes(tmp_path):
    root, py, ipynb = _pair(tmp_path)
    notebooks.sync_pair(root, py, ipynb)
    first = nbformat.read(ipynb, as_version=4)
    assert first.metadata["kernelspec"] == notebooks.KERNELSPEC
    py.write_text("# %%\nx = 2\n")
    os.utime(py, (ipynb.stat().st_mtime + 5,) * 2)
    assert "x_dev.py -> x_dev.ipynb" in notebooks.sync_pair(root, py, ipynb)
    again = nbformat.read(ipynb, as_version=4)
    assert again.metadata["kernelspec"] == notebooks.KERNELSPEC and again.cells[0].source == "x = 2"
    assert again.cells[0].id == first.cells[0].id
    assert "kernelspec" not in py.read_text()  # the .py stays header-free


def test_sync_adds_a_missing_kernelspec_to_a_pair_already_in_sync(tmp_path):
    root, py, ipynb = _pair(tmp_path)
    notebooks.sync_pair(root, py, ipynb)
    nb = nbformat.read(ipynb, as_version=4)
    del nb.metadata["kernelspec"]
    nbformat.write(nb, ipynb)
    assert "kernelspec python3 added" in notebooks.sync_pair(root, py, ipynb)
    assert nbformat.read(ipynb, as_version=4).metadata["kernelspec"]["name"] == "python3"


def test_every_module_16_notebook_in_the_repository_names_the_python3_kernel():
    """Re-pair with `jupytext --sync --set-kernel python3 modules/16_compression/*_dev.py`
    (or `tito export 16`)."""
    found = sorted((REPO / "modules" / "16_compression").glob("*_dev.ipynb"))
    assert found
    missing = [
        p.name
        for p in found
        if nbformat.read(p, as_version=4).metadata.get("kernelspec", {}).get("name") != "python3"
    ]
    assert not missing, f"no python3 kernelspec in {missing}"


# ---- feedback a student can act on: `tito module complete 16` and `tito grade validate` ----

ROW = r"^\s+(pass|FAIL|not done yet|manual|ERROR)\s+{gid}\s+(\S+)\s*(.*)$"


def _rows(out: str, gid: str) -> list:
    import re

    return [
        m.groups() for line in out.splitlines() for m in [re.match(ROW.format(gid=re.escape(gid)), line)] if m
    ]


def _graded(bundle, h):
    return h.graded_cells(
        nbformat.read(bundle / "modules" / "16_compression" / "compression_dev.ipynb", as_version=4)
    )


def _log_of(out: str) -> Path:
    [line] = [x for x in out.splitlines() if x.startswith("full log: ")]
    return Path(line[len("full log: ") :])


@pytest.fixture(scope="module")
def source_nb(bundle):
    repo = bundle.parents[1]
    return nbformat.read(repo / "course" / "source" / "16_compression" / "compression.ipynb", as_version=4)


def test_complete_on_the_blank_release_gives_one_short_line_per_graded_cell(bundle, tmp_path, h):
    root = h.copy_repo(bundle, tmp_path / "blank")
    result = h.tito(["module", "complete", "16"], root)
    out, lines = result.stdout, (result.stdout + result.stderr).splitlines()
    assert result.returncode == 1 and len(lines) <= 120, out + result.stderr
    for gid, (points, kind) in _graded(root, h).items():
        [(status, shown, detail)] = _rows(out, gid)
        if kind == "manual":
            assert (status, shown, detail) == ("manual", f"-/{points:g}", "graded by your instructor")
        else:
            assert (
                status == "not done yet"
                and shown == f"0/{points:g}"
                and detail.endswith("raises NotImplementedError")
            )
    assert "Kernel is running over TCP" not in out + result.stderr
    log = _log_of(out)
    assert log.is_file() and "failed" in log.read_text() and str(log).startswith(str(root))
    assert lines[-1].startswith("done in ") and " s; next: write the code that 'test-" in lines[-1], lines[-1]


def _subtly_wrong(source_nb, h):
    """The instructor's solutions, but the first tested function returns 0.0; its test cell pasted twice."""
    import re

    gid = h.first_tested_solution(source_nb)
    nb = nbformat.from_dict(source_nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == gid:
            cell.source = re.sub(
                r"^([ \t]*)### BEGIN SOLUTION.*?### END SOLUTION",
                r"\1return 0.0",
                cell.source,
                flags=re.DOTALL | re.MULTILINE,
            )
    first = h.tests_of(source_nb, gid)[0]
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == first)
    pasted = nbformat.from_dict(test)
    pasted["id"] = "pasted-copy"  # Jupyter gives a pasted cell a new id and keeps its metadata
    nb.cells.append(pasted)
    return gid, nb


def test_validate_shows_the_failing_line_with_expected_and_got_and_survives_a_pasted_cell(
    bundle, source_nb, tmp_path, h
):
    gid, nb = _subtly_wrong(source_nb, h)
    nbformat.write(nb, tmp_path / "wrong.ipynb")
    result = h.tito(["grade", "validate", tmp_path / "wrong.ipynb"], bundle)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    graded, tested = h.graded_cells(source_nb), h.tests_of(source_nb, gid)
    [(status, shown, detail)] = _rows(out, tested[0])
    assert status == "FAIL" and shown == f"0/{graded[tested[0]][0]:g}", out
    assert re.search(r": expected .+, got .+$", detail), detail  # the judge's first failing visible case
    for other, (points, kind) in graded.items():
        if kind == "auto" and other not in tested:
            assert _rows(out, other) == [("pass", f"{points:g}/{points:g}", "")], out
    failed = int(re.search(r"VALIDATION FAILED on (\d+) cell", out).group(1))
    assert (
        failed == sum(_rows(out, t)[0][0] == "FAIL" for t in tested)
        and f"'{tested[0]}' appears 2 times" in out
    ), out
    assert _log_of(out).is_file() and "Traceback" not in out


def test_validate_passes_the_correct_notebook(bundle, source_nb, tmp_path, h):
    nbformat.write(source_nb, tmp_path / "correct.ipynb")
    result = h.tito(["grade", "validate", tmp_path / "correct.ipynb"], bundle)
    assert result.returncode == 0 and "all graded cells pass" in result.stdout, result.stdout + result.stderr
    for gid, (points, kind) in h.graded_cells(source_nb).items():
        if kind == "auto":
            assert _rows(result.stdout, gid) == [("pass", f"{points:g}/{points:g}", "")]


def test_validate_verbose_prints_the_tracebacks_the_short_form_leaves_out(bundle, tmp_path, h):
    release = nbformat.read(bundle / "modules" / "16_compression" / "compression_dev.ipynb", as_version=4)
    # the blank release's graded cells without the demos: two runs, a few s each
    nb = tmp_path / "blank.ipynb"
    nbformat.write(h.small(release), nb)
    short, full = (h.tito(["grade", "validate", nb, *flag], bundle) for flag in ([], ["--verbose"]))
    assert short.returncode == full.returncode == 1
    assert "claim: " in full.stdout and "claim: " not in short.stdout  # each failing claim, stated in full
    assert len(full.stdout.splitlines()) > len(short.stdout.splitlines())
