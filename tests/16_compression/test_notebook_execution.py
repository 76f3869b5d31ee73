"""The notebook executes top to bottom, and nbgrader accepts it: the release hides solutions and hidden
tests, and autograding the instructor source gives full marks on every auto-graded cell."""
import os
import shutil
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[2]
DEV_PY = ROOT / "modules" / "16_compression" / "compression_dev.py"
DEV_NB = ROOT / "modules" / "16_compression" / "compression_dev.ipynb"
ASSIGNMENT = "16_compression"


def test_notebook_executes_without_errors(tmp_path):
    from nbclient import NotebookClient
    nb = nbformat.read(DEV_NB, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises CellExecutionError
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "masked == physical outputs: True" in outputs
    assert "weight sparsity still 90.0 %" in outputs


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
    for secret in ("ties -= min(ties, equal.size)", "stats.update(", "keep[np.argsort(np.linalg.norm",
                   "log_ps = ", "_linear_from(u[:, :k] * s[:k])", "kd1 = KnowledgeDistillation", "cum / cum[-1]"):
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
    auto = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"] for c in source_nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader["solution"]}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="tinytorch") as gb:
        for grade_id, points in auto.items():
            grade = gb.find_grade(grade_id, "compression", ASSIGNMENT, "instructor")
            assert (grade.max_score, grade.auto_score) == (points, points), grade_id
        assert gb.find_submission(ASSIGNMENT, "instructor").max_score == 100
