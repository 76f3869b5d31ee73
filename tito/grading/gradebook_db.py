"""The course gradebook at any SQLAlchemy URL nbgrader takes, and the private SQLite gradebook one grading
run writes (nbgrader autograde writes only that file; tito/grading/nbgrader_api.py merge_grades copies its
rows back).

A SQLite course gradebook is copied with sqlite's backup API. Any other (PostgreSQL, MySQL) is read
through nbgrader's Gradebook API into a fresh SQLite file holding what grading one submission needs: the
assignment, its notebooks with their grade, solution, task and source cells, the student, and the
student's previous submission (its manual scores decide nbgrader's needs_manual_grade flags)."""

import sqlite3
from pathlib import Path

from tito.grading.nbgrader_api import COURSE_ID


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:///path URL (None for other databases and in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def backup_sqlite(src: Path, dest: Path) -> None:
    """A consistent copy of the SQLite file src (sqlite backup API; the original is opened read-only)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{Path(src).resolve()}?mode=ro", uri=True, timeout=60)
    out = sqlite3.connect(dest)
    try:
        source.backup(out)
    finally:
        out.close()
        source.close()


def private_copy(url: str, assignment: str, student: str, dest: Path) -> None:
    """Write the private SQLite gradebook for grading `student` to dest, from the course gradebook `url`."""
    path = sqlite_path(url)
    if path is not None:
        backup_sqlite(path, dest)
    else:
        snapshot(url, assignment, student, dest)


def _cells(nb) -> dict:
    return {
        "grade": [(c.name, {"max_score": c.max_score, "cell_type": c.cell_type}) for c in nb.grade_cells],
        "solution": [(c.name, {}) for c in nb.solution_cells],
        "task": [(c.name, {"max_score": c.max_score, "cell_type": c.cell_type}) for c in nb.task_cells],
        "source": [
            (
                c.name,
                {"cell_type": c.cell_type, "locked": c.locked, "source": c.source, "checksum": c.checksum},
            )
            for c in nb.source_cells
        ],
    }


def _previous(gb, assignment: str, student: str) -> dict | None:
    """The student's previous submission: what nbgrader keeps across autogrades (manual work, timestamp)."""
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    return {
        "timestamp": sub.timestamp,
        "extension": sub.extension,
        "notebooks": {
            nb.name: {
                "flagged": nb.flagged,
                "grades": {g.name: (g.auto_score, g.manual_score, g.extra_credit) for g in nb.grades},
                "comments": {c.name: c.manual_comment for c in nb.comments},
            }
            for nb in sub.notebooks
        },
    }


def read_snapshot(url: str, assignment: str, student: str, structure: bool = True) -> dict:
    """What the private gradebook for one submission holds, read from the course gradebook at url;
    structure=False leaves out the assignment's notebooks and cells (a template has them)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url, course_id=COURSE_ID) as gb:
        row = gb.find_assignment(assignment)
        try:
            s = gb.find_student(student)
            person = {"first_name": s.first_name, "last_name": s.last_name, "email": s.email}
            person["lms_user_id"] = s.lms_user_id
        except MissingEntry:
            person = {}
        return {
            "assignment": {"name": row.name, "duedate": row.duedate},
            "notebooks": [(nb.name, nb.kernelspec, _cells(nb)) for nb in row.notebooks]
            if structure
            else None,
            "student": (student, person),
            "previous": _previous(gb, assignment, student),
        }


def _write_structure(data: dict, dest: Path) -> None:
    """A fresh SQLite gradebook at dest with the assignment, its notebooks and their cells."""
    from nbgrader.api import Gradebook

    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.unlink(missing_ok=True)
    name = data["assignment"]["name"]
    with Gradebook(f"sqlite:///{dest}", course_id=COURSE_ID) as gb:
        gb.update_or_create_assignment(name, duedate=data["assignment"]["duedate"])
        for nb_name, kernelspec, cells in data["notebooks"]:
            gb.update_or_create_notebook(nb_name, name, kernelspec=kernelspec)
            for kind in ("grade", "solution", "task", "source"):
                add = getattr(gb, f"update_or_create_{kind}_cell")
                for cell, kwargs in cells[kind]:
                    add(cell, nb_name, name, **kwargs)


def _write_student(data: dict, dest: Path) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{dest}", course_id=COURSE_ID) as gb:
        student, person = data["student"]
        gb.update_or_create_student(student, **person)
        if data["previous"] is not None:
            _write_previous(gb, data["assignment"]["name"], student, data["previous"])


def _write_previous(gb, assignment: str, student: str, previous: dict) -> None:
    kwargs = {k: previous[k] for k in ("timestamp", "extension") if previous[k] is not None}
    sub = gb.update_or_create_submission(assignment, student, **kwargs)
    for nb in sub.notebooks:
        old = previous["notebooks"].get(nb.name)
        if old is None:
            continue
        nb.flagged = old["flagged"]
        for grade in nb.grades:
            grade.auto_score, grade.manual_score, grade.extra_credit = old["grades"].get(
                grade.name, (None, None, None)
            )
        for comment in nb.comments:
            comment.manual_comment = old["comments"].get(comment.name)
    gb.db.commit()


def snapshot(url: str, assignment: str, student: str, dest: Path, template: Path | None = None) -> None:
    """The private SQLite gradebook for grading `student`, built from any course gradebook via nbgrader's API.

    template: a file that caches the assignment's structure across the students of one batch (written on
    first use; nbgrader commits every cell on its own, so building it takes seconds)."""
    import shutil

    dest = Path(dest)
    cached = template is not None and Path(template).is_file()
    data = read_snapshot(url, assignment, student, structure=not cached)
    if cached:
        shutil.copyfile(template, dest)
    else:
        _write_structure(data, dest)
        if template is not None:
            shutil.copyfile(dest, template)
    _write_student(data, dest)
