"""Points and feedback per graded cell of a student's own notebook, from the same judge that grades it.

The student's notebook is exported with nbdev (nothing executed), the claims' runner checks the export in
a separate process, and the judge compares its answers with the expected values of the VISIBLE cases
shipped in tinytorch/claims/expected_NN.json (never with anything computed from the student's package).
So the points shown are exactly the visible part of the grade; the instructor's `tito grade autograde`
adds the hidden cases. Each graded cell gets one line: pass, FAIL with the first failing case (expected
and got), "not done yet" for NotImplementedError, or "manual" for answers the instructor grades."""

import tempfile
from pathlib import Path

from tito import output
from tito.grading import submission

DETAIL_CHARS = 200


def _edited_locked(nb, name: str) -> list:
    """Notes for locked cells whose nbgrader checksum (set at release) no longer matches their source."""
    from nbgrader.utils import compute_checksum

    notes = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("locked") and meta.get("checksum") and compute_checksum(cell) != meta["checksum"]:
            notes.append(
                f"{name}: locked cell '{meta.get('grade_id')}' was edited; "
                "the instructor grades the original cell"
            )
    return notes


def _graded(nb) -> list:
    """[(grade id, points, 'auto'|'manual')] of a notebook's graded cells, canaries left out."""
    from tito.grading.judge_apply import CANARIES

    out = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id") not in CANARIES:
            manual = cell.cell_type == "markdown" or meta.get("solution")
            out.append((meta["grade_id"], float(meta.get("points", 0)), "manual" if manual else "auto"))
    return out


def _row(name: str, gid: str, points: float, kind: str, v) -> dict:
    row = {"notebook": name, "grade_id": gid, "kind": kind, "max_score": points, "traceback": ""}
    if kind == "manual":
        return {**row, "score": 0.0, "status": "manual", "detail": "graded by your instructor"}
    if v is None:
        return {**row, "score": 0.0, "status": "FAIL", "detail": "no check is defined for this cell"}
    if v.passed:
        return {**row, "score": points, "status": "pass", "detail": ""}
    from tinytorch.claims import claims_of

    claim = claims_of("16").get(gid)
    row["traceback"] = f"claim: {claim.text if claim else gid}\n{v.message}"
    if "NotImplementedError" in v.message:
        needs = claim.needs[0] if claim else "your code"
        return {
            **row,
            "score": 0.0,
            "status": "not done yet",
            "detail": f"{needs} raises NotImplementedError",
        }
    detail = v.message if len(v.message) <= DETAIL_CHARS else v.message[: DETAIL_CHARS - 3] + "..."
    return {**row, "score": 0.0, "status": "FAIL", "detail": detail}


def grade(root: Path | None, notebooks: dict, log: Path | None = None) -> dict:
    """Judge {notebook name: nb} as submitted by one student, on the visible cases. Returns {"cells": [row],
    "notes": [...]} with one row per graded cell, in notebook order."""
    import nbformat

    from tito.grading import judge, judge_run
    from tito.grading.judge_apply import student_export

    root = Path(root) if root is not None else Path.cwd()
    notes, rows, export = [], [], {}
    deduped = {}
    for name, nb in notebooks.items():
        nb = deduped[name] = nbformat.from_dict(nb)
        notes += submission.dedupe_cells(nb, name) + _edited_locked(nb, name)  # pasted cells: graded once
        export.update(student_export(root, "self-check", name, nbformat.writes(nb)))
    module = "16"
    all_cases = judge.cases(module, {})
    with tempfile.TemporaryDirectory(prefix="tito-selfgrade-") as tmp:
        tmp = Path(tmp)
        judge_run.package_with(export, root / "tinytorch" / "compression", tmp / "pkg", root)
        (tmp / "run").mkdir()
        answers, problems = judge_run.run(
            module, all_cases, judge.IMPORTS[module], tmp / "run", tmp / "pkg", sandbox=False
        )
    found = judge.decide(module, all_cases, judge.shipped_expected(module), answers, problems)
    output.append(log, "\n".join(f"{g}: {'pass' if v.passed else v.message}" for g, v in found.items()))
    for name, nb in deduped.items():
        rows += [_row(name, gid, pts, kind, found.get(gid)) for gid, pts, kind in _graded(nb)]
    return {"cells": rows, "notes": list(dict.fromkeys(notes))}


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
