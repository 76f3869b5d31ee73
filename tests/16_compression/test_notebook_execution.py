"""The notebook executes top to bottom in its reduced mode (one seed, a small subset: what autograde runs);
its committed outputs are the lesson's full run (done once, when the notebook was last run top to bottom)
and show the outcomes the text claims; and nbgrader accepts it: the release hides solutions and hidden
tests, and autograding the instructor source gives full marks on every auto-graded cell."""

import math
import os
import re
import shutil
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_PY = ROOT / "modules" / "16_compression" / "compression_dev.py"
DEV_NB = ROOT / "modules" / "16_compression" / "compression_dev.ipynb"
ASSIGNMENT = "16_compression"
pytestmark = pytest.mark.slow  # executes the whole notebook: `tito test --all`, not `tito module complete`


M = r"(\d\.\d{4}) ± (\d\.\d{4}|nan)"  # mean ± 95 % t-interval half-width (nan for one seed)
OUTCOMES = {
    "data": r"DATA: fashion-mnist train (\d+) test (10000)\n",
    "magnitude-90": rf"OUTCOME magnitude-90: accuracy {M} \(dense {M}\), n=(\d+)\n",
    "structured-50": (
        rf"OUTCOME structured-50: accuracy {M} \(dense {M}\), speedup (\d+\.\d\d) x "
        r"\[(\d+\.\d\d), (\d+\.\d\d)\], n=(\d+)\n"
    ),
    "lowrank-4x": rf"OUTCOME lowrank-4x: accuracy {M} \(dense {M}\), params (\d+\.\d\d) x fewer, n=(\d+)\n",
    "prune-int8": rf"OUTCOME prune-int8: accuracy {M} \(dense {M}\), (\d+\.\d\d) x fewer bytes, n=(\d+)\n",
    "gradual-95": rf"OUTCOME gradual-95: accuracy {M}, one-shot-95 accuracy {M}, n=(\d+)\n",
    "kd": rf"KD result: alone {M}, teacher-labels {M}, distilled {M}, n=(\d+)\n",
}


def _outputs(nb):
    """(the text the code cells printed, the number of pictures they drew)."""
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    pictures = sum(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    return text, pictures


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run once, top to bottom, in its reduced mode (TINYTORCH_REDUCED=1)."""
    from unittest import mock

    from nbclient import NotebookClient

    nb = nbformat.read(DEV_NB, as_version=4)
    with mock.patch.dict(os.environ, {"TINYTORCH_REDUCED": "1"}):  # the kernel inherits it
        NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(tmp_path_factory.mktemp("run"))}},
        ).execute()  # raises on error
    return _outputs(nb)


@pytest.fixture(scope="module")
def full_run():
    """The committed outputs of the notebook: the lesson's full run (every seed, the full subset)."""
    return _outputs(nbformat.read(DEV_NB, as_version=4))


def _numbers(text, key):
    found = re.findall(OUTCOMES[key], text)
    assert len(found) == 1, f"{key}: expected one line matching {OUTCOMES[key]!r}, found {found}"
    return [float(v) for v in found[0]]


@pytest.mark.library
def test_every_self_check_of_the_reference_solution_prints_ok(executed):
    text, _ = executed
    assert "DIFF " not in text and text.count("ok   ") >= 20


@pytest.mark.library
def test_the_data_line_names_fashion_mnist_and_the_full_test_set(executed):
    n_train, n_test = _numbers(executed[0], "data")
    assert n_test == 10000 and 1000 <= n_train <= 60000


@pytest.mark.library
@pytest.mark.parametrize(
    "key", ["magnitude-90", "structured-50", "lowrank-4x", "prune-int8", "gradual-95", "kd"]
)
def test_each_outcome_line_is_printed_once_over_at_least_3_seeds_with_an_interval(full_run, key):
    values = _numbers(full_run[0], key)
    assert values[-1] >= 3 and not any(math.isnan(v) for v in values)  # n >= 3 seeds, every interval


@pytest.mark.library
@pytest.mark.parametrize(
    "key", ["magnitude-90", "structured-50", "lowrank-4x", "prune-int8", "gradual-95", "kd"]
)
def test_the_reduced_run_prints_each_outcome_line_once_with_one_seed(executed, key):
    assert "REDUCED RUN" in executed[0] and _numbers(executed[0], key)[-1] == 1


@pytest.mark.library
def test_the_committed_outputs_are_a_full_run_of_the_current_cells(full_run):
    committed = nbformat.read(DEV_NB, as_version=4)
    code = [c.source for c in jupytext.read(DEV_PY).cells if c.cell_type == "code"]
    assert [c.source for c in committed.cells if c.cell_type == "code"] == code
    assert "REDUCED RUN" not in full_run[0]


@pytest.mark.library
def test_magnitude_90_with_fine_tuning_is_within_1_point_of_dense(full_run):
    acc, _, dense, _, _ = _numbers(full_run[0], "magnitude-90")
    assert acc >= dense - 0.01


@pytest.mark.library
def test_structured_50_is_within_1_point_of_dense_and_prints_its_interleaved_speedup(full_run):
    acc, _, dense, _, speedup, low, high, _ = _numbers(full_run[0], "structured-50")
    assert acc >= dense - 0.01 and low <= speedup <= high  # the speed target itself is a benchmark


@pytest.mark.library
def test_lowrank_has_4x_fewer_parameters_within_1_point_of_dense(full_run):
    acc, _, dense, _, ratio, _ = _numbers(full_run[0], "lowrank-4x")
    assert ratio >= 4 and acc >= dense - 0.01


@pytest.mark.library
def test_pruning_plus_int8_is_10x_smaller_with_indices_counted_within_1_point(full_run):
    acc, _, dense, _, ratio, _ = _numbers(full_run[0], "prune-int8")
    assert ratio >= 10 and acc >= dense - 0.01


@pytest.mark.library
def test_gradual_95_is_compared_with_one_shot_by_a_paired_interval(full_run):
    _numbers(full_run[0], "gradual-95")
    assert re.search(r"gradual against one-shot: difference [+-]\d\.\d{4} ± \d\.\d{4}: ", full_run[0])


@pytest.mark.library
def test_the_teachers_labels_beat_the_student_alone_beyond_both_intervals(full_run):
    alone, alone_c, labels, labels_c, _, _, _ = _numbers(full_run[0], "kd")
    assert labels - labels_c > alone + alone_c


@pytest.mark.library
def test_the_notebook_draws_at_least_five_plots(executed):
    assert executed[1] >= 5


def _source_notebook(course):
    nb = jupytext.read(DEV_PY)
    nb.metadata.pop("jupytext", None)
    dest = course / "source" / ASSIGNMENT / "compression.ipynb"
    dest.parent.mkdir(parents=True)
    nbformat.write(nb, dest)
    return nb, dest


@pytest.mark.library
def test_nbgrader_release_hides_solutions_and_autograde_of_the_source_gives_full_marks(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    course = tmp_path / "course"
    source_nb, source_path = _source_notebook(course)
    cfg = Config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.course_id = "tinytorch"
    cfg.ExecutePreprocessor.timeout = 120
    api = NbGraderAPI(config=cfg)

    result = api.generate_assignment(ASSIGNMENT)
    assert result["success"], result["log"] + result["error"]
    release = nbformat.read(course / "release" / ASSIGNMENT / "compression.ipynb", as_version=4)
    text = "\n".join(c.source for c in release.cells)
    code = "\n".join(c.source for c in release.cells if c.cell_type == "code")
    for secret in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "Zeros stored in a dense array"):
        assert secret not in text
    for secret in (
        "t = kth_smallest(scores, k)",
        "stats.update(",
        "keep[np.argsort(norms",
        "log_ps = ",
        "_linear_from(u * s, like=linear)",
        "cum / cum[-1]",
        "with no_grad():\n            teacher_logits",
        "magnitude_prune(compressed, sparsity=0.8)",
    ):
        assert secret in "\n".join(c.source for c in source_nb.cells) and secret not in code
    from tito.grading.judge import hidden_cases

    hidden = hidden_cases(Path(__file__).resolve().parents[2], ASSIGNMENT)
    labels = {case["label"] for cases in hidden.values() for case in cases}
    every = "\n".join(c.source for c in source_nb.cells)
    assert labels and not any(label in every for label in labels)  # hidden cases live in grading/ only
    assert "jupytext" not in release.metadata
    solution_cells = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(solution_cells) == 11  # 7 tasks, the design task, 3 reflections
    for cell in solution_cells:
        if cell.cell_type == "code":
            assert "raise NotImplementedError()" in cell.source
        else:
            assert cell.source == "YOUR ANSWER HERE"

    submitted = course / "submitted" / "instructor" / ASSIGNMENT / "compression.ipynb"
    submitted.parent.mkdir(parents=True)
    shutil.copy(source_path, submitted)
    result = api.autograde(ASSIGNMENT, "instructor")
    assert result["success"], result["log"] + result["error"]
    auto = {
        c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
        for c in source_nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader["solution"]
    }
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="tinytorch") as gb:
        for grade_id, points in auto.items():
            grade = gb.find_grade(grade_id, "compression", ASSIGNMENT, "instructor")
            assert (grade.max_score, grade.auto_score) == (points, points), grade_id
        assert gb.find_submission(ASSIGNMENT, "instructor").max_score == sum(auto.values()) + 15
