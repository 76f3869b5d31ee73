"""Committing one submission's grading result to the course: its scores and autograded notebooks, or (when
grading failed) its voided scores; and the per-student outcome file <course>/tito-autograde.json."""

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from tito.grading.nbgrader_api import COURSE_ID, db_url

NOT_SAVED = "its new result could not be saved ({error}); its previous score and notebook are unchanged"


def _commit(course: Path, assignment: str, student: str, tmp: Path, result: dict) -> dict:
    """Apply one grading result to the course: scores + autograded notebooks, or voided scores.

    A graded submission is committed in three steps: its autograded notebooks are copied next to the old ones
    (.<assignment>.new, complete before anything else changes), its scores are merged in one gradebook
    transaction, then two renames swap the folders. A failure on the course's side (a full disk, a locked
    gradebook) before the swap changes nothing: the previous score stays and the result says "not saved".
    Only a submission whose grading failed has its old scores voided."""
    from tito.grading import nbgrader_api as grading
    from tito.grading import worker

    if not result["ok"]:
        return _void(course, assignment, student, result)
    try:
        fresh = stage_autograded(course, assignment, student, worker.graded_dir(tmp, assignment, student))
        try:
            grading.merge_grades(course, assignment, student, f"sqlite:///{worker.private_db(tmp)}")
        except BaseException:
            remove_tree(fresh)
            raise
    except Exception as exc:  # noqa: BLE001 - the instructor's side failed: keep the previous result
        error = f"{type(exc).__name__}: {exc}"
        return {**result, "ok": False, "not_saved": True, "message": NOT_SAVED.format(error=error)}
    try:
        swap_in(course, assignment, student)
    except OSError as exc:  # the scores are saved; the next run's clean_student finishes the swap
        result = {**result, "notes": [*result["notes"], f"its autograded notebook was not swapped in: {exc}"]}
    return result


def _void(course: Path, assignment: str, student: str, result: dict) -> dict:
    try:
        void_grades(course, assignment, student)
    except Exception as void_exc:  # noqa: BLE001
        result = {
            **result,
            "message": result["message"] + f" (and its old scores could not be voided: {void_exc})",
        }
    return result


TEMP_PREFIX = "tito-grade-"  # + the pid of the tito process that owns the folder + "-"
LEFTOVER = re.compile(rf"{TEMP_PREFIX}(\d+)-")


def temp_folder() -> Path:
    """A private grading folder in TMPDIR, named after this process so that a later run can tell it is
    stale."""
    return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def clean_leftovers(course: Path, assignment: str) -> list:
    """What a killed run left behind, removed or repaired (call it holding the course lock): the
    .tmp/.new/.old folders of every student (clean_student), and the grading folders in TMPDIR whose owning
    process is gone. Returns the paths removed from TMPDIR."""
    for folder in sorted((Path(course) / "autograded").glob(f"*/.{assignment}.*")):
        clean_student(Path(course), assignment, folder.parent.name)
    removed = []
    for folder in sorted(Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*")):
        match = LEFTOVER.match(folder.name)
        if match and folder.is_dir() and not _alive(int(match.group(1))):
            remove_tree(folder)
            removed.append(folder)
    return removed


def remove_tree(path: Path) -> None:
    """rmtree that also removes read-only files and folders (nbgrader writes mode 444); a missing path is
    fine."""
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


def stage_autograded(course: Path, assignment: str, student: str, graded: Path) -> Path:
    """Copy the autograded notebooks (only those) to course/autograded/<student>/.<assignment>.new, written in
    full under a temporary name first; the old folder is untouched. Returns the staged folder."""
    dest = course / "autograded" / student / assignment
    partial, fresh = dest.with_name(f".{assignment}.tmp"), dest.with_name(f".{assignment}.new")
    remove_tree(partial)
    remove_tree(fresh)
    partial.mkdir(parents=True)
    try:
        for path in sorted(graded.glob("*.ipynb")) + sorted(graded.glob("timestamp.txt")):
            if path.is_file() and not path.is_symlink():
                shutil.copy2(path, partial / path.name)
        partial.rename(fresh)
    except BaseException:
        remove_tree(partial)
        raise
    return fresh


def swap_in(course: Path, assignment: str, student: str) -> None:
    """Replace course/autograded/<student>/<assignment> by the staged .<assignment>.new (renames only: no
    space needed). A kill between the two renames leaves .new and .old, which clean_student repairs."""
    dest = course / "autograded" / student / assignment
    fresh, old = dest.with_name(f".{assignment}.new"), dest.with_name(f".{assignment}.old")
    if dest.exists():
        remove_tree(old)
        dest.rename(old)
    fresh.rename(dest)
    remove_tree(old)


def clean_student(course: Path, assignment: str, student: str) -> None:
    """Repair what a killed commit left in course/autograded/<student>/: a partial .tmp is removed; a staged
    .new replaces a missing folder (the kill came between the renames, after the scores) and is dropped
    otherwise; an .old is restored when the folder is missing, else removed."""
    dest = course / "autograded" / student / assignment
    partial, fresh = dest.with_name(f".{assignment}.tmp"), dest.with_name(f".{assignment}.new")
    old = dest.with_name(f".{assignment}.old")
    remove_tree(partial)
    if fresh.exists() and not dest.exists():
        fresh.rename(dest)
    remove_tree(fresh)
    if old.exists() and not dest.exists():
        old.rename(dest)
    remove_tree(old)


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
    """Record each student's last autograde outcome (ok, error message, notes) in
    <course>/tito-autograde.json; interrupted students keep their previous entry."""
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
            entry = {"ok": r["ok"], "message": r["message"], "notes": r["notes"], "when": when}
            mine[r["student"]] = {**entry, "not_saved": True} if r.get("not_saved") else entry
    atomic_write(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def load_status(course: Path, assignment: str) -> dict:
    import json

    path = Path(course) / STATUS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8")).get(assignment, {}) if path.exists() else {}
    except ValueError:
        return {}
