"""nbgrader 0.9.6 through its Python API (NbGraderAPI, Gradebook, Validator): no shell-outs."""

import os
import re
import sys
import warnings
from pathlib import Path

from tito.errors import TitoError

COURSE_ID = "tinytorch"
# graded cells worth 0 points whose fake hidden tests always fail in an honest kernel
# (tito/grading/judge_apply.py)
CANARIES = ("test-magnitude-hidden", "test-structured-hidden", "test-kd-hidden")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def prepare_env(root: Path | None = None) -> None:
    """Put the venv's bin dir on PATH (nbgrader runs `alembic`), and the repo on PYTHONPATH for
    kernels/pytest."""
    bin_dir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bin_dir not in parts:
        os.environ["PATH"] = os.pathsep.join([bin_dir, *parts])
    if root is not None:
        py_parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        if str(root) not in py_parts:
            os.environ["PYTHONPATH"] = os.pathsep.join([str(root), *py_parts])
    warnings.filterwarnings(
        "ignore", message=".*not in session.*"
    )  # nbgrader + SQLAlchemy 2.1 noise, harmless
    for (
        name
    ) in BLAS_THREADS:  # kernels inherit this: one BLAS thread each, so parallel graders do not oversubscribe
        os.environ.setdefault(name, "1")


BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


_DATABASES: dict = {}  # {resolved course folder: gradebook URL}, set by `tito grade ... --db URL`


def use_database(course: Path, url: str | None) -> None:
    """Make `url` (any SQLAlchemy URL nbgrader takes) the gradebook of `course` in this process; None: the
    default <course>/gradebook.db."""
    key = str(Path(course).resolve())
    if url:
        _DATABASES[key] = url
    else:
        _DATABASES.pop(key, None)


def custom_database(course: Path) -> str | None:
    return _DATABASES.get(str(Path(course).resolve()))


def db_url(course: Path) -> str:
    # timeout: parallel autograde workers wait for sqlite's write lock instead of failing at once
    return custom_database(course) or f"sqlite:///{Path(course).resolve()}/gradebook.db?timeout=60"


def config(course: Path):
    from traitlets.config import Config

    cfg = Config()
    cfg.CourseDirectory.root = str(Path(course).resolve())
    cfg.CourseDirectory.course_id = COURSE_ID
    cfg.CourseDirectory.db_url = db_url(course)
    cfg.Execute.timeout = 300  # seconds per cell: real training cells run for a few seconds
    cfg.Execute.kernel_name = "python3"
    return cfg


def api(course: Path):
    from nbgrader.apps import NbGraderAPI

    return NbGraderAPI(config=config(course))


def write_course_config(course: Path) -> None:
    """nbgrader_config.py so that the nbgrader CLI works from inside the course dir too."""
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course.resolve())!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n",
        encoding="utf-8",
    )


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        detail = (result.get("error") or "").strip() or (result.get("log") or "").strip()[-3000:]
        raise TitoError(f"nbgrader {what} failed:\n{detail}")


def generate(course: Path, assignment: str) -> None:
    """generate_assignment (forced): course/release/<assignment>/ from course/source/<assignment>/."""
    _check(
        api(course).generate_assignment(assignment, force=True, create=True),
        f"generate_assignment {assignment}",
    )


def feedback(course: Path, assignment: str, student: str | None = None) -> None:
    _check(
        api(course).generate_feedback(assignment, student_id=student, force=True),
        f"generate_feedback {assignment}",
    )


def ensure_gradebook(course: Path, assignment: str) -> None:
    """Fail unless the assignment was generated (its notebooks and grade cells are in the gradebook)."""
    from nbgrader.api import Gradebook, MissingEntry

    where = custom_database(course) or f"{course}/gradebook.db"
    if custom_database(course) is None and not (course / "gradebook.db").exists():
        raise TitoError(f"no gradebook in {course}: run `tito grade generate` first")
    check_gradebook(course)
    with Gradebook(db_url(course), course_id=COURSE_ID) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise TitoError(
                f"assignment {assignment} is not in {where}: run `tito grade generate` first"
            ) from None


DAMAGED = "the gradebook is damaged: restore it from a backup: {path} ({why})"


def check_gradebook(course: Path) -> None:
    """Refuse a gradebook.db that exists but is not a readable nbgrader gradebook (empty, truncated, garbage):
    opening it with nbgrader would silently create a new, empty one in its place."""
    import sqlite3

    from tito.grading.gradebook_db import sqlite_path

    path = sqlite_path(db_url(course))
    if path is None or not path.exists():
        return
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head != b"SQLite format 3\x00":
        why = "empty file" if not head else "not an SQLite database"
        raise TitoError(DAMAGED.format(path=path, why=why))
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise TitoError(DAMAGED.format(path=path, why=exc)) from None
    if check != "ok" or not {"assignment", "student", "grade"} <= tables:
        raise TitoError(
            DAMAGED.format(path=path, why=check if check != "ok" else "nbgrader's tables are missing")
        )


def merge_grades(course: Path, assignment: str, student: str, private_url: str) -> None:
    """Copy one student's autograde results (scores, review flags, comments, timestamp, late penalty) from a
    private gradebook copy into the course gradebook, in one transaction. Manual scores are kept."""
    from nbgrader.api import Gradebook

    with Gradebook(private_url, course_id=COURSE_ID) as pgb:
        psub = pgb.find_submission(assignment, student)
        timestamp = psub.timestamp
        notebooks = {
            nb.name: (
                {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades},
                {c.name: c.auto_comment for c in nb.comments},
                nb.late_submission_penalty,
            )
            for nb in psub.notebooks
        }
    with Gradebook(db_url(course), course_id=COURSE_ID) as gb:
        try:
            gb.update_or_create_student(student)
            kwargs = {"timestamp": timestamp} if timestamp is not None else {}
            sub = gb.update_or_create_submission(assignment, student, **kwargs)
            for nb in sub.notebooks:
                grades, comments, penalty = notebooks.get(nb.name, ({}, {}, None))
                for grade in nb.grades:
                    grade.auto_score, grade.needs_manual_grade = grades.get(grade.name, (0.0, True))
                for comment in nb.comments:
                    comment.auto_comment = comments.get(comment.name)
                nb.late_submission_penalty = penalty
            gb.db.commit()
        except BaseException:
            gb.db.rollback()
            raise


def _cell_order(course: Path, assignment: str, notebook: str) -> dict:
    """{grade_id: position} from the source notebook, so reports follow notebook order."""
    from tito.notebooks import graded_cells, read_ipynb

    source = Path(course) / "source" / assignment / f"{notebook}.ipynb"
    if not source.exists():
        return {}
    return {gid: i for i, (gid, _) in enumerate(graded_cells(read_ipynb(source)))}


def _kind(grade, answer_cells: set) -> str:
    """'auto' for autograded test cells; 'manual' for graded answers (markdown or code answer cells)."""
    return "manual" if grade.cell_type == "markdown" or grade.name in answer_cells else "auto"


def _score(grade, answer_cells: set) -> float | None:
    """The cell's points; None for a manual answer that nobody has graded yet (nbgrader would count it as
    0)."""
    if _kind(grade, answer_cells) == "manual" and grade.manual_score is None:
        return None
    return float(grade.score)


def scores(course: Path, assignment: str, students: list | None = None) -> list:
    """Rows {student, notebook, grades: [(grade_id, score, max_score, 'auto'|'manual')], score, max_score,
    auto_score, auto_max, timestamp, penalty} from the gradebook, one per student and notebook; score is None
    for a manual answer not graded yet (and `score` then counts it as 0, as nbgrader does)."""
    from nbgrader.api import Gradebook, MissingEntry

    rows = []
    with Gradebook(db_url(course), course_id=COURSE_ID) as gb:
        assignment_row = gb.find_assignment(assignment)
        notebooks = [nb.name for nb in assignment_row.notebooks]
        orders = {name: _cell_order(course, assignment, name) for name in notebooks}
        answers = {nb.name: {c.name for c in nb.solution_cells} for nb in assignment_row.notebooks}
        wanted = students if students is not None else sorted(s.id for s in gb.students)
        for student in wanted:
            for name in notebooks:
                try:
                    sub = gb.find_submission_notebook(name, assignment, student)
                except MissingEntry:
                    continue
                order = orders[name]
                kept = [
                    g for g in sub.grades if g.name not in CANARIES
                ]  # 0 points, shown as notes when forged
                grades = sorted(kept, key=lambda g: (order.get(g.name, len(order)), g.name))
                cells = [
                    (g.name, _score(g, answers[name]), float(g.max_score), _kind(g, answers[name]))
                    for g in grades
                ]
                rows.append(
                    {
                        "student": student,
                        "notebook": name,
                        "grades": cells,
                        "score": float(sub.score),
                        "max_score": float(sub.max_score),
                        "auto_score": sum(c[1] for c in cells if c[3] == "auto"),
                        "auto_max": sum(c[2] for c in cells if c[3] == "auto"),
                        "timestamp": sub.assignment.timestamp,
                        "penalty": float(sub.late_submission_penalty or 0),
                    }
                )
    return rows


def validate(notebook: Path) -> list:
    """Validator self-check: [] when every graded cell passes, else [(kind, source head, error text)]."""
    from nbgrader.validator import Validator

    result = Validator().validate(str(notebook))
    problems = []
    for kind in ("failed", "changed", "type_changed"):
        for item in result.get(kind, []):
            error = ANSI.sub("", item.get("raw_error") or item.get("error") or "").strip()
            problems.append((kind, (item.get("source") or "").strip(), error))
    return problems
