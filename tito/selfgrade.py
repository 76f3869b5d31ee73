"""Points and feedback per graded cell of a student's own notebook: nbgrader autograde in a throw-away course dir.

The graded cells are the ones in the student's notebook (visible tests, plus hidden tests when the notebook
is the instructor's source); the real grade comes from the instructor's `tito grade autograde`. Each graded
cell gets one line: pass, FAIL with the first failing line and its error (the assert message carries
expected and got), "not done yet" for NotImplementedError, or "manual" for answers the instructor grades."""

import re
import tempfile
from pathlib import Path

from tito import autograde, grading, output, submission
from tito.errors import TitoError

STUDENT = "me"
ASSIGNMENT = "selfcheck"
ARROW = re.compile(r"^\s*-+>\s*(\d+)\s?(.*)$")  # IPython marks the failing line: "----> 7 assert x == 19"
CALLED = re.compile(r", in ([A-Za-z_][\w.]*)\(")  # "Cell In[4], line 12, in magnitude_prune(model, sparsity)"
DETAIL_CHARS = 200


def _edited_locked(nb, name: str) -> list:
    """Notes for locked cells whose nbgrader checksum (set at release) no longer matches their source."""
    from nbgrader.utils import compute_checksum

    notes = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("locked") and meta.get("checksum") and compute_checksum(cell) != meta["checksum"]:
            notes.append(
                f"{name}: locked cell '{meta.get('grade_id')}' was edited; the instructor grades "
                f"the original cell"
            )
    return notes


def grade(root: Path | None, notebooks: dict, log: Path | None = None) -> dict:
    """Autograde {notebook name: nb} as submitted by one student. Returns {"cells": [row], "notes": [...]}
    with one row per graded cell (and per solution cell that raised an error), in notebook order.
    log: nbgrader's and the kernels' messages go there instead of the terminal."""
    import nbformat

    grading.prepare_env(root)
    notes = []
    with tempfile.TemporaryDirectory(prefix="tito-selfgrade-") as tmp:
        course = Path(tmp)
        for name, nb in notebooks.items():
            nb = nbformat.from_dict(nb)
            nb.metadata.pop("jupytext", None)
            notes += submission.dedupe_cells(nb, name) + _edited_locked(nb, name)  # copy/pasted cells
            source = nbformat.from_dict(
                nb
            )  # the grade cells' definitions: the nbgrader cells are enough (a plain
            source.cells = [
                c for c in source.cells if "nbgrader" in c.get("metadata", {})
            ]  # copy may quote markers)
            for folder, copy in (
                (course / "source" / ASSIGNMENT, source),
                (course / "submitted" / STUDENT / ASSIGNMENT, nb),
            ):
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(copy, str(folder / f"{name}.ipynb"))
        with output.stderr_to(log):
            made = grading.api(course).generate_assignment(ASSIGNMENT, force=True, create=True)
            output.append(log, grading.ANSI.sub("", made.get("log") or ""))
            if not made.get("success"):
                lines = [
                    line
                    for line in grading.ANSI.sub("", made.get("log") or "").splitlines()
                    if "Error" in line
                ]
                raise TitoError(
                    "nbgrader cannot read the graded cells of your notebook: "
                    + (lines[-1].strip() if lines else "see the log")
                    + f" (log: {log})"
                )
            result = autograde.autograde_one(str(course), ASSIGNMENT, STUDENT, sandbox=False)
        if not result["ok"]:
            raise TitoError(f"autograding your notebook failed:\n{result['message']}")
        notes += result["notes"]
        cells = []
        for row in grading.scores(course, ASSIGNMENT, [STUDENT]):
            graded = nbformat.read(
                str(course / "autograded" / STUDENT / ASSIGNMENT / f"{row['notebook']}.ipynb"), as_version=4
            )
            cells += _rows(row, graded)
    return {"cells": cells, "notes": list(dict.fromkeys(notes))}


def _rows(score_row: dict, graded_nb) -> list:
    """One feedback row per graded cell of a scores() row, plus solution cells that raised an error."""
    points = {gid: (score, max_score, kind) for gid, score, max_score, kind in score_row["grades"]}
    rows = []
    for cell in graded_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if gid in points:
            score, max_score, kind = points[gid]
            row = {
                "notebook": score_row["notebook"],
                "grade_id": gid,
                "kind": kind,
                "score": score,
                "max_score": max_score,
                "traceback": _traceback(errors),
            }
            if kind == "manual":
                row.update(status="manual", detail="graded by your instructor")
            elif score >= max_score:
                row.update(status="pass", detail="")
            else:
                row.update(zip(("status", "detail"), _failure(cell, errors)))
            rows.append(row)
        elif gid and meta.get("solution") and errors and errors[0].get("ename") != "NotImplementedError":
            status, detail = _failure(cell, errors)
            rows.append(
                {
                    "notebook": score_row["notebook"],
                    "grade_id": gid,
                    "kind": "code",
                    "score": None,
                    "max_score": None,
                    "status": "ERROR",
                    "detail": detail,
                    "traceback": _traceback(errors),
                }
            )
    return rows


def _traceback(errors: list) -> str:
    return "\n".join(grading.ANSI.sub("", "\n".join(e.get("traceback", []))) for e in errors)


def _failure(cell, errors: list) -> tuple:
    """(status, detail) of a failed cell from its first error output."""
    if not errors:
        if any(o.get("name") == "stderr" for o in cell.get("outputs", [])):
            return "FAIL", "the cell wrote to stderr (nbgrader counts that as a failure)"
        return "FAIL", "no error shown (see the log)"
    error = errors[0]
    ename, evalue = error.get("ename", "Error"), str(error.get("evalue", "")).strip()
    lines = grading.ANSI.sub("", "\n".join(error.get("traceback", []))).splitlines()
    if ename == "NotImplementedError":
        called = [m.group(1) for line in lines for m in [CALLED.search(line)] if m]
        return (
            "not done yet",
            f"{called[-1]} raises NotImplementedError" if called else "raises NotImplementedError",
        )
    arrow = next((m for line in lines for m in [ARROW.match(line)] if m), None)
    where = f"line {arrow.group(1)}: {arrow.group(2).strip()}" if arrow else ""
    if not where:
        number = next((m.group(1) for line in lines for m in [re.search(r"\bline (\d+)", line)] if m), None)
        where = f"line {number}" if number else ""
    if evalue:  # the assert's own message says what was expected and what came out: show it first, whole
        number = where.split(":")[0] if where else ""
        detail = " ".join(f"{ename}: {evalue}{f' ({number})' if number else ''}".split())
    else:
        message = f"{ename} (no message)"
        detail = " ".join(f"{where} -> {message}".split()) if where else message
    return "FAIL", detail if len(detail) <= DETAIL_CHARS else detail[: DETAIL_CHARS - 3] + "..."


def totals(cells: list) -> tuple:
    """(auto-graded points earned, possible)"""
    auto = [c for c in cells if c["kind"] == "auto"]
    return sum(c["score"] for c in auto), sum(c["max_score"] for c in auto)


def print_cells(cells: list, notes: list, verbose: bool = False) -> None:
    """One line per row: status, grade_id, points, detail; --verbose adds each failing cell's traceback."""
    width = max([len(c["grade_id"]) for c in cells] + [8])
    for c in cells:
        points = (
            ""
            if c["kind"] == "code"
            else (f"-/{c['max_score']:g}" if c["kind"] == "manual" else f"{c['score']:g}/{c['max_score']:g}")
        )
        output.say(f"  {c['status']:<12}  {c['grade_id']:<{width}}  {points:>6}  {c['detail']}".rstrip())
        if verbose and c["traceback"] and c["status"] != "pass":
            output.say("\n".join("      " + line for line in c["traceback"].splitlines()))
    for note in notes:
        output.say(f"  note: {note}")
