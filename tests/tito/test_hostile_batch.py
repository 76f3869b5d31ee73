"""One hostile batch judged out of process: `tito grade autograde 16 --jobs 2`, every kernel and every judge
runner under real bubblewrap, on the reference solution and on blank release notebooks that each carry one
class of tampering. In-kernel tampering (IPython input and AST transformers, a patched execute reply or
run_cell, a custom exception handler, replaced builtins) makes nbgrader's kernel report every cell as passed;
solution cells that return objects equal to everything, read their caller's frame or import a working
implementation from the package are exported and run by the judge; a last student passes the visible cases
and tries to carry the hidden cases' text out of the judge's runner. Every one of them earns 0 automatic
points, each in-kernel forgery is flagged by the canary cells ("FORGERY:" note), the reference earns every
automatic point, and the text of the hidden cases (grading/16_compression/hidden.py) reaches no autograded
notebook and no feedback."""

import importlib.util
import json
import shutil
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.library

CANARIES = ("test-magnitude-hidden", "test-structured-hidden", "test-kd-hidden")
ASSIGNMENT = "16_compression"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CELLS = _load(Path(__file__).parent / "hostile_cells.py", "tito_tests_hostile_cells")
IN_KERNEL = list(CELLS.KERNEL)  # a first cell added to a blank notebook
FORGING = [name for name in IN_KERNEL if name != "import-hook"]  # these make the canary cells pass too
IN_SOLUTIONS = {"anything": CELLS.ANYTHING, "frame": CELLS.FRAME, "importer": CELLS.IMPORTER}
HOSTILE = IN_KERNEL + list(IN_SOLUTIONS) + ["leak"]


def _lean(nb):
    """nb with only its nbgrader cells, its exported cells and the import of check_claim: no data, no training
    (the judge decides every automatic point from the export; the kernel's run only gives feedback)."""
    out = nbformat.from_dict(nb)
    out.cells = [
        c
        for c in out.cells
        if c.metadata.get("nbgrader") or "#| export" in c.source or "import check_claim" in c.source
    ]
    return out


def _students(source, release, h, repo: Path) -> dict:
    answers = list(h.solution_cells(source))
    students = {"reference": _lean(h.small(release, fill={g: h.solution_source(source, g) for g in answers}))}
    for name, code in CELLS.KERNEL.items():
        students[name] = _lean(release)
        students[name].cells.insert(0, nbformat.v4.new_code_cell(code))
    for name, block in IN_SOLUTIONS.items():
        fill = {g: CELLS.overridden(h.solution_source(release, g), block) for g in answers}
        students[name] = _lean(h.small(release, fill=fill))
    leak = h.solution_source(source, "magnitude-prune") + CELLS.LEAK.replace("REPO_PATH", repr(str(repo)))
    students["leak"] = _lean(
        h.small(release, fill={"magnitude-prune": leak, "measure-sparsity": CELLS.LEAK_SPARSITY})
    )
    return students


def _hidden_labels(root: Path, notebooks) -> list:
    """Labels of the hidden cases that are distinctive: not a visible case's label, not in any notebook."""
    from tinytorch.claims import claims_of

    hidden = _load(root / "grading" / ASSIGNMENT / "hidden.py", "tito_tests_hidden16").HIDDEN
    visible = {c["label"] for claim in claims_of("16").values() for c in claim.visible}
    shown = json.dumps([nbformat.writes(nb) for nb in notebooks.values()])
    labels = {c["label"] for cases in hidden.values() for c in cases}
    return sorted(
        x for x in labels - visible if len(x) >= 12 and x not in shown and json.dumps(x) not in shown
    )


@pytest.fixture(scope="module")
def judged(course_repo, notebooks, tmp_path_factory, h):
    """The batch, graded once in a private copy of the generated course (the shared `batch` is untouched)."""
    import csv

    course = tmp_path_factory.mktemp("judged") / "course"
    shutil.copytree(course_repo.parent / "course-generated", course)  # as generated, before any grading
    students = _students(notebooks["source"], notebooks["release"], h, course_repo)
    for name, nb in students.items():
        folder = course / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "compression.ipynb")
    submitted = h.tree_digest(course / "submitted")
    grade = h.tito(["grade", "autograde", "16", "--course", course, "--jobs", 2], course_repo)
    csv_path = course.parent / "grades.csv"
    report = h.tito(["grade", "report", "16", "--course", course, "--csv", csv_path, "--cells"], course_repo)
    # feedback (about 1 s per notebook) only for the student who tries to carry the hidden cases out
    feedback = h.tito(["grade", "feedback", "16", "--course", course, "--student", "leak"], course_repo)
    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    status = json.loads((course / "tito-autograde.json").read_text())[ASSIGNMENT]
    return {
        "course": course,
        "students": students,
        "grade": grade,
        "report": report,
        "feedback": feedback,
        "rows": rows,
        "status": status,
        "submitted_before": submitted,
        "submitted_after": h.tree_digest(course / "submitted"),
    }


def _auto_total(rows, student) -> float:
    return float(next(r["score"] for r in rows if r["student"] == student and r["grade_id"] == "auto"))


def _notes(judged, student) -> list:
    return judged["status"][student]["notes"]


def test_the_whole_batch_is_graded_with_every_kernel_sandboxed(judged):
    grade = judged["grade"]
    n = len(judged["students"])
    assert f"autograded {n}/{n} submissions" in grade.stdout, grade.stdout + grade.stderr
    assert "kernels sandboxed (bubblewrap)" in grade.stdout
    assert judged["report"].returncode == 0, judged["report"].stdout + judged["report"].stderr
    assert {r["student"] for r in judged["rows"]} == set(judged["students"])


def test_reference_solution_earns_every_automatic_point_inside_the_hostile_batch(judged, notebooks, h):
    auto = sum(p for p, kind in h.graded_cells(notebooks["source"]).values() if kind == "auto")
    assert auto >= 70  # 70 for the tasks, more with the design task's claims
    assert _auto_total(judged["rows"], "reference") == auto
    assert not any(n.startswith("FORGERY") for n in _notes(judged, "reference")), _notes(judged, "reference")


def test_every_tampering_notebook_earns_no_automatic_point(judged):
    totals = {s: _auto_total(judged["rows"], s) for s in HOSTILE}
    assert totals == dict.fromkeys(HOSTILE, 0.0)


def test_every_tampering_notebook_gets_the_judges_scores_in_the_gradebook(judged):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{judged['course'] / 'gradebook.db'}", course_id="tinytorch") as gb:
        for student in HOSTILE:
            grades = [g for nb in gb.find_submission(ASSIGNMENT, student).notebooks for g in nb.grades]
            auto = [g for g in grades if g.cell_type == "code" and g.max_score > 0]
            assert auto and {g.auto_score for g in auto} == {0.0}, student


def test_each_in_kernel_forgery_is_flagged_by_the_three_canaries(judged):
    flagged = {s: [n for n in _notes(judged, s) if n.startswith("FORGERY:")] for s in FORGING}
    assert {s: len(notes) for s, notes in flagged.items()} == dict.fromkeys(FORGING, 1), flagged
    for student, (note,) in flagged.items():
        assert all(canary in note for canary in CANARIES), (student, note)


def test_a_kernel_that_forges_only_the_visible_checks_gets_a_disagreement_note(judged):
    notes = " ".join(_notes(judged, "import-hook"))
    assert "passed in the kernel but failed the judge's visible cases" in notes, notes


def test_hidden_case_text_reaches_no_autograded_notebook_and_no_feedback(judged, course_repo, notebooks):
    """The runner sees the hidden cases (inputs and labels): nothing it hands back may carry their text into
    what students see (the judge's messages in the autograded notebooks and the feedback) or the notes."""
    labels = _hidden_labels(course_repo, notebooks)
    assert {"interleaved magnitudes, 0.5", "L1 and L2 disagree"} <= set(labels)  # the check is not empty
    course = judged["course"]
    assert judged["feedback"].returncode == 0, judged["feedback"].stdout + judged["feedback"].stderr
    files = sorted((course / "autograded").rglob("*.ipynb")) + sorted((course / "feedback").rglob("*.html"))
    assert [f.parent.parent.name for f in files if f.suffix == ".html"] == ["leak"]
    leaks = {
        str(f.relative_to(course)): [x for x in labels if x in f.read_text(encoding="utf-8")]
        for f in [*files, course / "tito-autograde.json"]
    }
    printed = [x for x in labels if x in judged["grade"].stdout + judged["grade"].stderr]
    assert ({k: v for k, v in leaks.items() if v}, printed) == ({}, [])


def test_submitted_notebooks_are_left_unchanged(judged):
    assert judged["submitted_after"] == judged["submitted_before"]
