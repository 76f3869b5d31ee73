"""Autograding submissions: each one in its own process and private folder (tito/worker.py), the kernel
optionally under bubblewrap (tito/bwrap.py); results committed to the course one submission at a time,
with per-student errors and notes recorded in <course>/tito-autograde.json.

A submission's grading process only writes its private folder. The parent commits its result (new
autograded notebooks and scores) or, if grading failed, voids the student's old scores. A process that dies
(killed by its kernel, the OOM killer) is a failure of that submission only. Ctrl-C kills the running
processes, commits nothing for them, and reports them: their previous scores stay as they were."""

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from tito.grading import BLAS_THREADS, COURSE_ID, db_url

DEFAULT_TIMEOUT = 120  # seconds per cell
MAX_SECONDS = 3600  # wall-clock seconds for one submission before its grading process is killed
INTERRUPTED = "interrupted (Ctrl-C) before grading finished; its previous score is unchanged"
NOT_STARTED = "not graded: the batch was interrupted (Ctrl-C) first; its previous score is unchanged"


def autograde_one(
    course: str,
    assignment: str,
    student: str,
    timeout: int = DEFAULT_TIMEOUT,
    *,
    sandbox: bool = False,
    limits: dict | None = None,
) -> dict:
    """Autograde one submission in this process (used by the student's self-grade); returns
    {student, ok, message, notes}. sandbox=True runs the kernel under bubblewrap (tito grade autograde
    does; a student's machine may not have it). Never raises: a broken submission becomes ok=False, and
    its old autograded points are voided in the gradebook (no stale score)."""
    from tito import worker

    tmp = Path(tempfile.mkdtemp(prefix="tito-grade-"))
    try:
        result = worker.grade(course, assignment, student, tmp, timeout, sandbox, limits)
        return _commit(Path(course), assignment, student, tmp, result)
    finally:
        shutil.rmtree(tmp, onerror=_force_remove)


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
        shutil.rmtree(old, onerror=_force_remove)
    else:
        fresh.rename(dest)


def void_grades(course: Path, assignment: str, student: str) -> None:
    """After a failed autograde: the submission is in the gradebook with auto scores 0, flagged for review;
    old autograded notebooks are removed."""
    from nbgrader.api import Gradebook

    shutil.rmtree(course / "autograded" / student / assignment, onerror=_force_remove)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gb:
        gb.update_or_create_student(student)
        sub = gb.update_or_create_submission(assignment, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = True
        gb.db.commit()


class _DeferInterrupt:
    """SIGINT raises KeyboardInterrupt, except while a result is being committed (then right after it)."""

    def __init__(self):
        self.committing = self.pending = False
        self._old = None

    def _handler(self, signum, frame):
        if self.committing:
            self.pending = True
        else:
            raise KeyboardInterrupt

    def __enter__(self):
        try:
            self._old = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread: leave signals alone
            self._old = None
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False

    def commit(self, func, *args):
        self.committing = True
        try:
            return func(*args)
        finally:
            self.committing = False

    def check(self) -> None:
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


def _died(exitcode) -> str:
    how = (
        f"killed by {signal.Signals(-exitcode).name}"
        if exitcode and exitcode < 0
        else f"exit code {exitcode}"
    )
    return f"its grading process died ({how}): the notebook killed its parent process, or memory ran out"


def _finish(course: Path, assignment: str, student: str, tmp: Path, exitcode) -> dict:
    import json

    from tito import worker

    path = tmp / worker.RESULT
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = {"student": student, "ok": False, "message": _died(exitcode), "notes": []}
    return _commit(course, assignment, student, tmp, result)


def _start(ctx, course, assignment, student, timeout, sandbox, limits, environ):
    from tito import worker

    tmp = Path(tempfile.mkdtemp(prefix="tito-grade-"))
    proc = ctx.Process(
        target=worker.child,
        name=f"tito-grade-{student}",
        daemon=True,
        args=(str(course), assignment, student, str(tmp), timeout, sandbox, limits or {}, environ),
    )
    proc.start()
    return proc, student, tmp


def start_fork_server():
    """The fork server (a clean process that forks one grading process per submission), started now: it imports
    nbgrader while the caller does other work. Returns the multiprocessing context."""
    import multiprocessing
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tito.worker"])
    forkserver.ensure_running()
    return ctx


def _overdue(running: dict, max_seconds: float) -> list:
    """Sentinels of grading processes running for longer than max_seconds, killed (a last-resort watchdog)."""
    import json

    from tito import worker

    late = [s for s, (proc, _, _, started) in running.items() if time.monotonic() - started > max_seconds]
    for sentinel in late:
        proc, student, tmp, _ = running[sentinel]
        proc.kill()
        proc.join()
        (tmp / worker.RESULT).write_text(
            json.dumps(
                {
                    "student": student,
                    "ok": False,
                    "notes": [],
                    "message": (
                        f"grading took longer than {max_seconds:g} s; its grading process was stopped"
                    ),
                }
            ),
            encoding="utf-8",
        )
    return late


def autograde_many(
    course: Path,
    assignment: str,
    students: list,
    jobs: int,
    on_done,
    timeout: int = DEFAULT_TIMEOUT,
    sandbox: bool = False,
    limits: dict | None = None,
    max_seconds: float = MAX_SECONDS,
) -> list:
    """Autograde students, each in its own process (at most `jobs` at a time); on_done(result) per student.

    Results with "interrupted": True are the students that Ctrl-C stopped or that never started."""
    from multiprocessing.connection import wait

    course = Path(course).resolve()
    ctx = start_fork_server()
    environ = {k: os.environ[k] for k in ("PATH", "PYTHONPATH", "TMPDIR", *BLAS_THREADS) if k in os.environ}
    pending, running, results = list(students), {}, []
    with _DeferInterrupt() as guard:
        try:
            while pending or running:
                while pending and len(running) < max(jobs, 1):
                    proc, student, tmp = _start(
                        ctx, course, assignment, pending.pop(0), timeout, sandbox, limits, environ
                    )
                    running[proc.sentinel] = (proc, student, tmp, time.monotonic())
                for sentinel in wait(list(running), timeout=5) or _overdue(running, max_seconds):
                    proc, student, tmp, _ = running.pop(sentinel)
                    proc.join()
                    try:
                        results.append(guard.commit(_finish, course, assignment, student, tmp, proc.exitcode))
                    finally:
                        shutil.rmtree(tmp, onerror=_force_remove)
                    on_done(results[-1])
                    guard.check()
        except KeyboardInterrupt:
            for proc, student, tmp, _ in running.values():
                proc.kill()
                proc.join()
                shutil.rmtree(tmp, onerror=_force_remove)
                results.append(
                    {
                        "student": student,
                        "ok": False,
                        "interrupted": True,
                        "message": INTERRUPTED,
                        "notes": [],
                    }
                )
            results += [
                {"student": s, "ok": False, "interrupted": True, "message": NOT_STARTED, "notes": []}
                for s in pending
            ]
    return results


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
