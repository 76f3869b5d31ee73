"""The notebook executes top to bottom, and nbgrader accepts it: the release hides solutions and hidden
tests, and autograding the instructor source gives full marks on every auto-graded cell."""

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


OUTCOMES = {
    "magnitude-90": r"OUTCOME magnitude-90: accuracy (\d\.\d{4}) \(dense (\d\.\d{4})\)",
    "gradual-95": r"OUTCOME gradual-95: accuracy (\d\.\d{4}), one-shot-95 accuracy (\d\.\d{4})",
    "structured-50": r"OUTCOME structured-50: accuracy (\d\.\d{4}) \(dense (\d\.\d{4})\), speedup (\d+\.\d\d) x",
    "prune-int8": r"OUTCOME prune-int8: accuracy (\d\.\d{4}) \(dense (\d\.\d{4})\), (\d+\.\d\d) x fewer bytes",
    "kd": r"KD result: alone (\d\.\d{4}) ± (\d\.\d{4}), distilled (\d\.\d{4}) ± (\d\.\d{4}) over (\d+) seeds",
}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    from nbclient import NotebookClient

    nb = nbformat.read(DEV_NB, as_version=4)
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("run"))}},
    ).execute()  # raises on error
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    pictures = sum(
        "image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    return text, pictures


def _numbers(text, key):
    found = re.findall(OUTCOMES[key], text)
    assert len(found) == 1, f"{key}: expected one line matching {OUTCOMES[key]!r}, found {found}"
    return [float(v) for v in found[0]]


def test_every_self_check_of_the_reference_solution_prints_ok(executed):
    text, _ = executed
    assert "DIFF " not in text and text.count("ok   ") >= 20


def test_magnitude_90_with_fine_tuning_is_within_1_point_of_dense(executed):
    acc, dense = _numbers(executed[0], "magnitude-90")
    assert acc >= dense - 0.01


def test_gradual_95_is_ahead_of_one_shot_95_at_the_same_fine_tuning_budget(executed):
    gradual, one_shot = _numbers(executed[0], "gradual-95")
    assert gradual > one_shot


def test_structured_50_is_within_half_a_point_of_dense_and_prints_its_interleaved_speedup(executed):
    acc, dense, speedup = _numbers(executed[0], "structured-50")
    assert acc >= dense - 0.005 and speedup > 0  # the speed target itself is a benchmark, not a unit test


def test_pruning_plus_int8_is_10x_smaller_with_indices_counted_within_1_point(executed):
    acc, dense, ratio = _numbers(executed[0], "prune-int8")
    assert ratio >= 10 and acc >= dense - 0.01


def test_distillation_beats_the_student_alone_by_more_than_the_spread_over_at_least_3_seeds(executed):
    alone, alone_sd, distilled, distilled_sd, seeds = _numbers(executed[0], "kd")
    assert seeds >= 3 and distilled - alone > max(alone_sd, distilled_sd)


def test_the_notebook_draws_at_least_four_plots(executed):
    assert executed[1] >= 4


def _source_notebook(course):
    nb = jupytext.read(DEV_PY)
    nb.metadata.pop("jupytext", None)
    dest = course / "source" / ASSIGNMENT / "compression.ipynb"
    dest.parent.mkdir(parents=True)
    nbformat.write(nb, dest)
    return nb, dest


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
        "two.layers[2].bias.data[:] = 2.0",
        "cum / cum[-1]",
        "with no_grad():\n            teacher_logits",
    ):
        assert secret in "\n".join(c.source for c in source_nb.cells) and secret not in code
    assert "jupytext" not in release.metadata
    solution_cells = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(solution_cells) == 10
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
