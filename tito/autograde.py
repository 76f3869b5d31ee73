"""Autograding submissions: each one in a private course tree (tito/sandbox.py), several in parallel,
with per-student errors and notes recorded in <course>/tito-autograde.json."""
import os
import time
import warnings
from pathlib import Path

from tito.grading import ANSI, BLAS_THREADS, COURSE_ID, config, db_url

DEFAULT_TIMEOUT = 120  # seconds per cell


def _init_worker(environ: dict) -> None:
    os.environ.update(environ)
    warnings.filterwarnings("ignore")


def _sandbox_config(course: Path, root: Path, timeout: int):
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades

    from tito.sandbox import CappedExecute, ClearKernelFolder, RemoveSanitizedCopy

    cfg = config(course)
    cfg.CourseDirectory.root = str(root)  # the gradebook stays where it is: db_url is absolute
    cfg.Execute.timeout = timeout
    cfg.Autograde.autograde_preprocessors = [RemoveSanitizedCopy, CappedExecute, ClearKernelFolder, IgnorePattern,
                                             ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                             AssignLatePenalties, CheckCellMetadata]
    return cfg


def _error_text(result: dict) -> str:
    log = ANSI.sub("", result.get("log") or "").splitlines()
    reasons = [line for line in log if "ERROR" in line or "Error" in line] or log[-10:]
    error = ANSI.sub("", result.get("error") or "").strip().splitlines()
    return "\n".join(reasons[-12:] + error[-1:])[-2000:]


def autograde_one(course: str, assignment: str, student: str, timeout: int = DEFAULT_TIMEOUT) -> dict:
    """Autograde one submission in a private course tree; returns {student, ok, message, notes}.

    Never raises: a broken submission becomes ok=False with a message, and its old autograded points
    are voided in the gradebook (no stale score)."""
    import shutil

    from tito import sandbox, submission

    course = Path(course)
    sandbox.NOTES.clear()
    notes, tmp = [], None
    try:
        submitted = course / "submitted" / student / assignment
        prepared, notes = submission.prepare_submission(course, assignment, student, submitted)
        tmp, root = sandbox.make_tree()
        private = root / "submitted" / student / assignment
        private.mkdir(parents=True)
        for name, nb_text in prepared.items():
            (private / name).write_text(nb_text, encoding="utf-8")
        if (submitted / "timestamp.txt").is_file():
            shutil.copy2(submitted / "timestamp.txt", private / "timestamp.txt")
        source = course / "source" / assignment
        extra = [p for p in source.rglob("*") if p.is_file() and p.suffix != ".ipynb"] if source.is_dir() else []
        for path in extra:  # nbgrader copies the non-notebook files of the source folder (data files) to the student
            target = root / "source" / assignment / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        from nbgrader.apps import NbGraderAPI

        api_ = NbGraderAPI(config=_sandbox_config(course, root, timeout))
        for attempt in range(6):
            sandbox.NOTES.clear()
            result = api_.autograde(assignment, student, force=True, create=True)
            text = f"{result.get('error') or ''}\n{result.get('log') or ''}"
            if result.get("success") or "database is locked" not in text:
                break
            time.sleep(0.5 * (attempt + 1))
        notes += list(dict.fromkeys(sandbox.NOTES))
        stray = sandbox.stray_files(tmp, root, assignment, student)
        if stray:
            more = f" and {len(stray) - 5} more" if len(stray) > 5 else ""
            notes.append("wrote files outside its folder (discarded): " + ", ".join(stray[:5]) + more)
        graded = root / "autograded" / student / assignment
        if not result.get("success") or not any(graded.glob("*.ipynb")):
            died = [n for n in notes if "kernel died" in n or "kernel did not stop" in n]
            for note in died:
                notes.remove(note)
            raise submission.SubmissionError(died[0] if died else _error_text(result))
        _replace_autograded(course, assignment, student, graded)
        return {"student": student, "ok": True, "message": "", "notes": notes}
    except Exception as exc:  # noqa: BLE001 - one broken submission never stops the batch
        message = str(exc) if isinstance(exc, submission.SubmissionError) else f"{type(exc).__name__}: {exc}"
        try:
            void_grades(course, assignment, student)
        except Exception as void_exc:  # noqa: BLE001
            message += f" (and its old scores could not be voided: {void_exc})"
        return {"student": student, "ok": False, "message": message, "notes": notes}
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, onerror=_force_remove)


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
    import shutil

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
        shutil.rmtree(old, onerror=_force_remove)
    else:
        fresh.rename(dest)


def void_grades(course: Path, assignment: str, student: str) -> None:
    """After a failed autograde: auto scores 0 and flagged for review, old autograded notebooks removed."""
    import shutil

    from nbgrader.api import Gradebook, MissingEntry

    shutil.rmtree(course / "autograded" / student / assignment, onerror=_force_remove)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return
        for nb in sub.notebooks:
            for grade in nb.grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = True
        gb.db.commit()


def autograde_many(course: Path, assignment: str, students: list, jobs: int, on_done,
                   timeout: int = DEFAULT_TIMEOUT) -> list:
    """Autograde students, `jobs` processes in parallel (spawned). on_done(result) per student."""
    course = str(Path(course).resolve())
    results = []
    if jobs <= 1 or len(students) <= 1:
        for student in students:
            results.append(autograde_one(course, assignment, student, timeout))
            on_done(results[-1])
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    environ = {k: os.environ[k] for k in ("PATH", "PYTHONPATH", *BLAS_THREADS) if k in os.environ}
    with ProcessPoolExecutor(max_workers=min(jobs, len(students)), mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init_worker, initargs=(environ,)) as pool:
        futures = {pool.submit(autograde_one, course, assignment, s, timeout): s for s in students}
        for future in as_completed(futures):
            try:
                results.append(future.result())
            except Exception as exc:  # noqa: BLE001 - e.g. a worker process killed from outside
                results.append({"student": futures[future], "ok": False, "notes": [],
                                "message": f"the grading worker failed: {type(exc).__name__}: {exc}"})
            on_done(results[-1])
    return results


STATUS_FILE = "tito-autograde.json"


def save_status(course: Path, assignment: str, results: list) -> None:
    """Record each student's last autograde outcome (ok, error message, notes) in <course>/tito-autograde.json."""
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
        mine[r["student"]] = {"ok": r["ok"], "message": r["message"], "notes": r["notes"], "when": when}
    atomic_write(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def load_status(course: Path, assignment: str) -> dict:
    import json

    path = Path(course) / STATUS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8")).get(assignment, {}) if path.exists() else {}
    except ValueError:
        return {}
