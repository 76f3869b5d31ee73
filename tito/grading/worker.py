"""Grading one submission in a private folder `tmp`, without touching the course: the child-process side.

grade() copies the gradebook into tmp (nbgrader writes only that copy), builds the private course tree with
the prepared submission, runs nbgrader autograde there (the kernel optionally under bubblewrap) and leaves
the autograded notebooks and the private gradebook in tmp. The parent (tito/grading/autograde.py) then
commits the result to the course in one step, or voids the student's scores, or, after Ctrl-C, leaves them
unchanged. child() is the entry point of the per-submission process: its own session (the terminal's Ctrl-C
does not reach it), the result written to tmp/result.json."""

import json
import os
import shutil
import signal
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from tito.grading import judge_apply, sandbox, submission
from tito.grading.nbgrader_api import ANSI, config

RESULT = "result.json"
CACHE = (
    ".tito-cache"  # in the course: the reference's expected values, computed once per batch (safe to delete)
)


def private_db(tmp: Path) -> Path:
    return Path(tmp) / "gradebook" / "gradebook.db"


def graded_dir(tmp: Path, assignment: str, student: str) -> Path:
    return Path(tmp).joinpath(*sandbox.SANDBOX_DEPTH, "course", "autograded", student, assignment)


def copy_gradebook(course: Path, dest: Path) -> None:
    """A consistent copy of course/gradebook.db (sqlite backup API; the original is opened read-only)."""
    from tito.grading.gradebook_db import backup_sqlite

    backup_sqlite(Path(course) / "gradebook.db", dest)


def _config(course: Path, root: Path, tmp: Path, timeout: int, sandboxed: bool, limits: dict):
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    from tito.grading.sandbox import CappedExecute, ClearKernelFolder, RemoveSanitizedCopy

    cfg = config(course)
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.db_url = f"sqlite:///{private_db(tmp)}?timeout=60"
    cfg.Execute.timeout = timeout
    cfg.CappedExecute.sandbox = sandboxed
    cfg.CappedExecute.limits = dict(limits or {})
    cfg.CappedExecute.socket_dir = str(tmp)
    cfg.Autograde.autograde_preprocessors = [
        RemoveSanitizedCopy,
        CappedExecute,
        ClearKernelFolder,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    return cfg


def _error_text(result: dict) -> str:
    log = ANSI.sub("", result.get("log") or "").splitlines()
    reasons = [line for line in log if "ERROR" in line or "Error" in line] or log[-10:]
    error = ANSI.sub("", result.get("error") or "").strip().splitlines()
    return "\n".join(reasons[-12:] + error[-1:])[-2000:]


def _build_tree(course: Path, assignment: str, student: str, tmp: Path, prepared: dict) -> Path:
    root = Path(tmp).joinpath(*sandbox.SANDBOX_DEPTH, "course")
    submitted = course / "submitted" / student / assignment
    private = root / "submitted" / student / assignment
    private.mkdir(parents=True)
    for name, nb_text in prepared.items():
        (private / name).write_text(nb_text, encoding="utf-8")
    if (submitted / "timestamp.txt").is_file():
        shutil.copy2(submitted / "timestamp.txt", private / "timestamp.txt")
    source = course / "source" / assignment
    extra = [p for p in source.rglob("*") if p.is_file() and p.suffix != ".ipynb"] if source.is_dir() else []
    for (
        path
    ) in extra:  # nbgrader copies the non-notebook files of the source folder (data files) to the student
        target = root / "source" / assignment / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return root


def grade(
    course,
    assignment: str,
    student: str,
    tmp,
    timeout: int,
    sandboxed: bool = False,
    limits: dict | None = None,
) -> dict:
    """Autograde into tmp; returns {student, ok, message, notes}. Never raises, never writes to the course."""
    course, tmp = Path(course), Path(tmp)
    sandbox.NOTES.clear()
    notes = []
    try:
        copy_gradebook(course, private_db(tmp))
        submitted = course / "submitted" / student / assignment
        prepared, notes = submission.prepare_submission(
            course, assignment, student, submitted, db=f"sqlite:///{private_db(tmp)}"
        )
        root = _build_tree(course, assignment, student, tmp, prepared)
        api_ = NbGraderAPI(config=_config(course, root, tmp, timeout, sandboxed, limits))
        with ThreadPoolExecutor(
            1
        ) as pool:  # the judge's sandbox runs while nbgrader's kernel runs the notebook
            judged = pool.submit(_verdicts, course, assignment, tmp, prepared, sandboxed, limits)
            result = api_.autograde(assignment, student, force=True, create=True)
            found = judged.result()
        notes += list(dict.fromkeys(sandbox.NOTES))
        stray = sandbox.stray_files(tmp, root, assignment, student)
        if stray:
            more = f" and {len(stray) - 5} more" if len(stray) > 5 else ""
            notes.append("wrote files outside its folder (discarded): " + ", ".join(stray[:5]) + more)
        if not result.get("success") or not any(graded_dir(tmp, assignment, student).glob("*.ipynb")):
            died = [n for n in notes if "kernel died" in n or "kernel did not stop" in n]
            for note in died:
                notes.remove(note)
            raise submission.SubmissionError(died[0] if died else _error_text(result))
        points = judge_apply.write_scores(f"sqlite:///{private_db(tmp)}", assignment, student, found)
        more = judge_apply.annotate(graded_dir(tmp, assignment, student), found, points)
        failed = {gid: v.message for gid, v in found.items() if not v.passed}
        return {"student": student, "ok": True, "message": "", "notes": notes + more, "judge": failed}
    except Exception as exc:  # noqa: BLE001 - one broken submission never stops the batch
        message = str(exc) if isinstance(exc, submission.SubmissionError) else f"{type(exc).__name__}: {exc}"
        return {"student": student, "ok": False, "message": message, "notes": notes}


def _verdicts(course: Path, assignment: str, tmp: Path, prepared: dict, sandboxed: bool, limits) -> dict:
    """The judge's verdicts on the submission's export (tito/grading/judge_apply.py), judged in tmp/judge,
    over the release (stub) package: the autograde command's, or built here from the course's release
    notebook."""
    work = Path(tmp) / "judge"
    stubs = Path(tmp) / "judge-stubs"
    try:
        base = (limits or {}).get("overlays", {}).get("compression")
        if not base:
            from tito.grading import release
            from tito.paths import resolve_module

            module = resolve_module(judge_apply.repo_root(), assignment)
            base = release.stub_package(module, course, stubs)["compression"]
        return judge_apply.verdicts(
            assignment, prepared, work, Path(base), sandbox=sandboxed, limits=limits, cache=course / CACHE
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(stubs, ignore_errors=True)


def child(
    course: str,
    assignment: str,
    student: str,
    tmp: str,
    timeout: int,
    sandboxed: bool,
    limits: dict,
    environ: dict,
) -> None:
    """Entry point of the per-submission process."""
    os.setsid()  # out of the terminal's process group: Ctrl-C is handled by the parent alone
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(environ)
    warnings.filterwarnings("ignore")
    result = grade(course, assignment, student, tmp, timeout, sandboxed, limits)
    path = Path(tmp) / RESULT
    path.with_suffix(".tmp").write_text(json.dumps(result), encoding="utf-8")
    os.replace(path.with_suffix(".tmp"), path)
