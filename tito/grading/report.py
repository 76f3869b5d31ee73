"""`tito grade report`: one row per student (the default) or per graded cell (--cells), on screen and as CSV.

A manual answer that nobody has graded yet is unknown, not 0: it shows as `-`, and so do the student's manual
and total points until it is graded. The per-student CSV has the columns of `nbgrader export` (same names,
same order) followed by tito's own (auto_score, manual_score, manual_to_grade, problems)."""

import argparse
import csv
from pathlib import Path

from tito.errors import EXIT_OK

WIDTH = 100  # columns of the per-student table
EXPORT_COLUMNS = [  # nbgrader export's columns (nbgrader.plugins.export.CsvExportPlugin)
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]
TITO_COLUMNS = ["auto_score", "manual_score", "manual_to_grade", "problems"]
CELL_COLUMNS = ["student", "notebook", "grade_id", "score", "max_score", "kind"]


def _num(value) -> str:
    return "-" if value is None else f"{value:g}"


def problem_text(entry: dict | None) -> str:
    """The student's last autograde problem in one line: an error, else the number of notes; '' if none."""
    from tito.grading.gradereport import one_line

    if not entry:
        return ""
    if entry.get("not_saved"):
        return "NOT SAVED: " + one_line(entry["message"])
    if not entry["ok"]:
        return "ERROR: " + one_line(entry["message"])
    notes = len(entry["notes"])
    return f"{notes} note(s): " + one_line(entry["notes"][0]) if notes else ""


def per_student(rows: list, status: dict, everyone=()) -> list:
    """One dict per student from grading.scores rows (summed over the assignment's notebooks); the students of
    `everyone` without a submission get 0 points and the problem "no submission", as in nbgrader export."""
    out = {}
    for r in rows:
        s = out.setdefault(
            r["student"],
            {"student": r["student"], "auto": 0.0, "manual": 0.0, "to_grade": 0, "max": 0.0, "penalty": 0.0},
        )
        s["auto"] += r["auto_score"]
        s["max"] += r["max_score"]
        s["penalty"] += r["penalty"]
        s["timestamp"] = r["timestamp"]
        for _, score, _, kind in r["grades"]:
            if kind == "manual" and score is None:
                s["to_grade"] += 1
            elif kind == "manual":
                s["manual"] += score
    top = max((s["max"] for s in out.values()), default=0.0)
    for student in set(everyone) - set(out):
        out[student] = {"student": student, "auto": 0.0, "manual": 0.0, "to_grade": 0, "max": top}
        out[student].update(penalty=0.0, timestamp=None, missing=True)
    for s in out.values():
        if s["to_grade"]:
            s["manual"] = None
        s["raw"] = None if s["manual"] is None else s["auto"] + s["manual"]
        s["total"] = None if s["raw"] is None else max(s["raw"] - s["penalty"], 0.0)
        s["problems"] = "no submission" if s.get("missing") else problem_text(status.get(s["student"]))
    return [out[k] for k in sorted(out)]


def print_students(students: list) -> None:
    """The per-student table, at most WIDTH columns when printed as plain text (problems are clipped to
    fit)."""
    from tito import output

    columns = ["student", "auto", "manual", "total", "max", "problems"]
    cells = [
        [
            s["student"],
            _num(s["auto"]),
            _num(s["manual"]) + (f" ({s['to_grade']} to grade)" if s["to_grade"] else ""),
            _num(s["total"]),
            _num(s["max"]),
        ]
        for s in students
    ]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns[:-1])]
    room = max(WIDTH - sum(widths) - 2 * len(widths), len("problems"))
    rows = [
        [*row, s["problems"] if len(s["problems"]) <= room else s["problems"][: room - 3] + "..."]
        for row, s in zip(cells, students)
    ]
    output.table(f"Scores ({len(students)} students; - = not graded yet)", columns, rows)


def write_students(path: Path, assignment: str, students: list, extra: dict) -> None:
    """One row per student, nbgrader export's columns first; unknown points (manual not graded) left empty."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS + TITO_COLUMNS)
        for s in students:
            info = extra.get(s["student"], {})
            writer.writerow(
                [
                    assignment,
                    info.get("duedate") or "",
                    s["timestamp"] or "",
                    s["student"],
                    info.get("last_name") or "",
                    info.get("first_name") or "",
                    info.get("email") or "",
                    "" if s["raw"] is None else f"{s['raw']:g}",
                    f"{s['penalty']:g}",
                    "" if s["total"] is None else f"{s['total']:g}",
                    f"{s['max']:g}",
                    f"{s['auto']:g}",
                    "" if s["manual"] is None else f"{s['manual']:g}",
                    s["to_grade"],
                    s["problems"],
                ]
            )


def write_cells(path: Path, rows: list) -> None:
    """One row per graded cell (score '-' for a manual answer not graded yet), then the notebook's auto and
    total rows."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CELL_COLUMNS)
        for r in rows:
            for gid, score, max_score, kind in r["grades"]:
                writer.writerow([r["student"], r["notebook"], gid, _num(score), f"{max_score:g}", kind])
            auto = ["auto", f"{r['auto_score']:g}", f"{r['auto_max']:g}", "total"]
            writer.writerow([r["student"], r["notebook"], *auto])
            total = ["total", f"{r['score']:g}", f"{r['max_score']:g}", "total"]
            writer.writerow([r["student"], r["notebook"], *total])


def _people(course: Path, assignment: str) -> dict:
    """{student: {first_name, last_name, email, duedate}} from the gradebook."""
    from nbgrader.api import Gradebook

    from tito.grading.nbgrader_api import COURSE_ID, db_url

    with Gradebook(db_url(course), course_id=COURSE_ID) as gb:
        due = gb.find_assignment(assignment).duedate
        return {
            s.id: {"first_name": s.first_name, "last_name": s.last_name, "email": s.email, "duedate": due}
            for s in gb.students
        }


def cmd_report(args: argparse.Namespace) -> int:
    from tito import output
    from tito.grading import commit, gradereport
    from tito.grading import nbgrader_api as grading
    from tito.grading.grade_cmds import context

    _root, module, course = context(args)
    grading.ensure_gradebook(course, module.key)
    rows = grading.scores(course, module.key)
    status = commit.load_status(course, module.key)
    people = _people(course, module.key)
    students = per_student(rows, status, people)
    if args.cells:
        gradereport.print_scores(rows)
        gradereport.print_problems(status)
    else:
        print_students(students)
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        if args.cells:
            write_cells(args.csv, rows)
        else:
            write_students(args.csv, module.key, students, people)
        output.say(f"wrote {args.csv}")
    return EXIT_OK
