"""Committing one submission's grading result to the course: its scores and autograded notebooks, or (when
grading failed) its voided scores; and the per-student outcome file <course>/tito-autograde.json."""

import os
import shutil
import sys
from pathlib import Path

from tito.grading import COURSE_ID, db_url


def _commit(course: Path, assignment: str, student: str, tmp: Path, result: dict) -> dict:
    """Apply one grading result to the course: scores + autograded notebooks, or voided scores."""
    from tito import grading, worker

    try:
        if result["ok"]:
            grading.merge_grades(course, assignment, student, f"sqlite:///{worker.private_db(tmp)}")
            _replace_autograded(course, assignment, student, worker.graded_dir(tmp, assignment, student))
            return result
    except Exception as exc:  # noqa: BLE001
        result = {**result, "ok": False, "message": f"saving the grades failed: {type(exc).__name__}: {exc}"}
    try:
        void_grades(course, assignment, student)
    except Exception as void_exc:  # noqa: BLE001
        result = {
            **result,
            "message": result["message"] + f" (and its old scores could not be voided: {void_exc})",
        }
    return result


def remove_tree(path: Path) -> None:
    """rmtree that also removes read-only files and folders (nbgrader writes mode 444); a missing path is fine."""
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=_force_remove)
    else:  # onexc is new in 3.12, where onerror is deprecated
        shutil.rmtree(path, onerror=_force_remove)


def _force_remove(func, path, _exc) -> None:
    """rmtree error handler: make read-only files/folders writable (nbgrader writes mode 444) and retry."""
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        func(path)
    except OSError:
        pass


def _replace_autograded(course: Path, assignment: str, student: str, graded: Path) -> None:
    """Copy the autograded notebooks (only those) to course/autograded/<student>/<assignment>/, replacing the old ones."""
    dest = course / "autograded" / student / assignment
    fresh = dest.with_name(f".{assignment}.new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    for path in sorted(graded.glob("*.ipynb")) + sorted(graded.glob("timestamp.txt")):
        if path.is_file() and not path.is_symlink():
            shutil.copy2(path, fresh / path.name)
    if dest.exists():
        old = dest.with_name(f".{assignment}.old")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
        fresh.rename(dest)
        remove_tree(old)
    else:
        fresh.rename(dest)


def void_grades(course: Path, assignment: str, student: str) -> None:
    """After a failed autograde: the submission is in the gradebook with auto scores 0, flagged for review;
    old autograded notebooks are removed."""
    from nbgrader.api import Gradebook

    remove_tree(course / "autograded" / student / assignment)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gb:
        gb.update_or_create_student(student)
        sub = gb.update_or_create_submission(assignment, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = True
        gb.db.commit()


STATUS_FILE = "tito-autograde.json"


def save_status(course: Path, assignment: str, results: list) -> None:
    """Record each student's last autograde outcome (ok, error message, notes) in <course>/tito-autograde.json;
    interrupted students keep their previous entry."""
    import json
    from datetime import datetime

    from tito.state import atomic_write

    path = Path(course) / STATUS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError:
        data = {}
    when = datetime.now().isoformat(timespec="seconds")
    mine = data.setdefault(assignment, {})
    for r in results:
        if not r.get("interrupted"):
            mine[r["student"]] = {"ok": r["ok"], "message": r["message"], "notes": r["notes"], "when": when}
    atomic_write(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def load_status(course: Path, assignment: str) -> dict:
    import json

    path = Path(course) / STATUS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8")).get(assignment, {}) if path.exists() else {}
    except ValueError:
        return {}
