"""Autograding submissions: each one in its own process and private folder (tito/grading/worker.py), the
kernel optionally under bubblewrap (tito/grading/bwrap.py); results committed to the course one submission at
a time, with per-student errors and notes recorded in <course>/tito-autograde.json.

A submission's grading process only writes its private folder. The parent commits its result (new
autograded notebooks and scores) or, if grading failed, voids the student's old scores. A process that dies
(killed by its kernel, the OOM killer) is a failure of that submission only. Ctrl-C kills the running
processes, commits nothing for them, and reports them: their previous scores stay as they were."""

import os
import signal
import time
from pathlib import Path

from tito.grading.commit import _commit, remove_tree, temp_folder
from tito.grading.nbgrader_api import BLAS_THREADS

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
    from tito.grading import worker

    tmp = temp_folder()
    try:
        result = worker.grade(course, assignment, student, tmp, timeout, sandbox, limits)
        return _commit(Path(course), assignment, student, tmp, result)
    finally:
        remove_tree(tmp)


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

    from tito.grading import worker

    path = tmp / worker.RESULT
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = {"student": student, "ok": False, "message": _died(exitcode), "notes": []}
    return _commit(course, assignment, student, tmp, result)


def _start(ctx, course, assignment, student, timeout, sandbox, limits, environ):
    from tito.grading import worker

    tmp = temp_folder()
    proc = ctx.Process(
        target=worker.child,
        name=f"tito-grade-{student}",
        daemon=True,
        args=(str(course), assignment, student, str(tmp), timeout, sandbox, limits or {}, environ),
    )
    proc.start()
    return proc, student, tmp


def start_fork_server():
    """The fork server (a clean process that forks one grading process per submission), started now: it
    imports nbgrader while the caller does other work. Returns the multiprocessing context."""
    import multiprocessing
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tito.grading.worker"])
    forkserver.ensure_running()
    return ctx


def _overdue(running: dict, max_seconds: float) -> list:
    """Sentinels of grading processes running for longer than max_seconds, killed (a last-resort watchdog)."""
    import json

    from tito.grading import worker

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
                        remove_tree(tmp)
                    on_done(results[-1])
                    guard.check()
        except KeyboardInterrupt:
            for proc, student, tmp, _ in running.values():
                proc.kill()
                proc.join()
                remove_tree(tmp)
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
