"""`tito grade report 16` on a real gradebook: one row per student in at most 100 columns, '-' for manual
answers nobody has graded yet, --cells for the per-cell view, and CSV files per student (nbgrader export's
columns) or per cell."""

import csv
import shutil

import pytest

from tito.grading import report


@pytest.fixture
def course(graded_course, tmp_path):
    return shutil.copytree(graded_course, tmp_path / "course", symlinks=True)


def _points(h, notebooks, kind):
    return sum(p for p, k in h.graded_cells(notebooks["source"]).values() if k == kind)


def _table(stdout):
    """{student: [columns]} of the plain-text per-student table."""
    lines = stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("student "))
    return {line.split()[0]: line.split() for line in lines[head + 1 :] if line.strip()}


def _grade_manual(course, student, points):
    """The instructor grades every manual answer of `student` with `points` (nbgrader's formgrader does
    this)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db", course_id="tinytorch") as gb:
        for nb in gb.find_submission("16_compression", student).notebooks:
            for grade in nb.grades:
                if grade.cell_type == "markdown":
                    grade.manual_score = points
        gb.db.commit()


def test_report_prints_one_row_per_student_within_100_columns_with_dash_for_ungraded_manual_answers(
    course, course_repo, notebooks, h
):
    result = h.tito(["grade", "report", "16", "--course", course], course_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= report.WIDTH
    rows = _table(result.stdout)
    auto, manual = _points(h, notebooks, "auto"), _points(h, notebooks, "manual")
    manual_cells = sum(1 for _, k in h.graded_cells(notebooks["source"]).values() if k == "manual")
    assert rows["reference"][:3] == ["reference", f"{auto:g}", "-"]
    assert rows["reference"][3:7] == [f"({manual_cells}", "to", "grade)", "-"]
    assert rows["reference"][7] == f"{auto + manual:g}"
    assert rows["blank"][:2] == ["blank", "0"] and rows["blank"][6] == "-"


def test_graded_manual_answers_show_their_points_and_the_total(course, course_repo, notebooks, h):
    _grade_manual(course, "reference", 2.0)
    result = h.tito(["grade", "report", "16", "--course", course], course_repo)
    manual_cells = sum(1 for _, k in h.graded_cells(notebooks["source"]).values() if k == "manual")
    auto, manual = _points(h, notebooks, "auto"), _points(h, notebooks, "manual")
    expected = ["reference", f"{auto:g}", f"{2 * manual_cells:g}", f"{auto + 2 * manual_cells:g}"]
    assert _table(result.stdout)["reference"][:5] == [*expected, f"{auto + manual:g}"]


def test_csv_has_one_row_per_student_with_nbgrader_exports_columns_and_empty_unknown_points(
    course, course_repo, notebooks, h, tmp_path
):
    path = tmp_path / "grades.csv"
    result = h.tito(["grade", "report", "16", "--course", course, "--csv", path], course_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(path, newline="") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle)}
        handle.seek(0)
        header = next(csv.reader(handle))
    assert header == report.EXPORT_COLUMNS + report.TITO_COLUMNS
    auto, manual = _points(h, notebooks, "auto"), _points(h, notebooks, "manual")
    manual_cells = sum(1 for _, k in h.graded_cells(notebooks["source"]).values() if k == "manual")
    assert sorted(rows) == ["blank", "reference"]
    ref = rows["reference"]
    assert (ref["auto_score"], ref["manual_score"], ref["score"], ref["raw_score"]) == (
        f"{auto:g}",
        "",
        "",
        "",
    )
    assert (ref["max_score"], ref["manual_to_grade"], ref["assignment"]) == (
        f"{auto + manual:g}",
        str(manual_cells),
        "16_compression",
    )
    assert rows["blank"]["auto_score"] == "0"


def test_csv_with_cells_has_one_row_per_graded_cell_and_dash_for_ungraded_manual_answers(
    course, course_repo, notebooks, h, tmp_path
):
    path = tmp_path / "cells.csv"
    result = h.tito(["grade", "report", "16", "--course", course, "--csv", path, "--cells"], course_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(path, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["student"] == "reference"]
    cells = h.graded_cells(notebooks["source"])
    assert [r["grade_id"] for r in rows] == [*cells, "auto", "total"]
    by_id = {r["grade_id"]: r for r in rows}
    assert {by_id[g]["score"] for g, (_, kind) in cells.items() if kind == "manual"} == {"-"}
    assert all(float(by_id[g]["score"]) == p for g, (p, kind) in cells.items() if kind == "auto")


def test_cells_flag_prints_the_per_cell_table(course, course_repo, notebooks, h):
    result = h.tito(["grade", "report", "16", "--course", course, "--cells"], course_repo)
    header = next(line for line in result.stdout.splitlines() if line.startswith("student "))
    assert header.split()[:2] == ["student", "notebook"]
    assert all(gid in header for gid in h.graded_cells(notebooks["source"]))
