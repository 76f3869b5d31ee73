"""Helpers over notebooks and folders for tito's end-to-end tests (loaded by path by conftest.py: test folders
are not packages): graded cells, solution cells and their tests, short submissions, folder digests."""

from pathlib import Path

import nbformat


def graded_cells(nb) -> dict:
    """{grade_id: (points, kind)} of graded cells: 'auto' for code test cells, 'manual' for graded answers.
    The canary cells (0 points, their fake hidden tests always fail) are left out."""
    from tito.grading.judge_apply import CANARIES

    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id") not in CANARIES:
            manual = cell.cell_type == "markdown" or meta.get("solution")
            cells[meta["grade_id"]] = (float(meta.get("points", 0)), "manual" if manual else "auto")
    return cells


def solution_cells(nb) -> dict:
    """{grade_id: cell index} of code solution cells."""
    return {
        c.metadata["nbgrader"]["grade_id"]: i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }


def tests_of(nb, grade_id) -> list:
    """grade_ids of the autograded test cells that follow solution cell `grade_id`, up to the next solution
    cell."""
    out, inside = [], False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            inside = meta.get("grade_id") == grade_id
        elif inside and meta.get("grade") and cell.cell_type == "code" and meta.get("points", 0) > 0:
            out.append(meta["grade_id"])
    return out


def first_tested_solution(nb) -> str:
    """The first code solution cell that is followed by test cells carrying points."""
    for gid in solution_cells(nb):
        if tests_of(nb, gid):
            return gid
    raise AssertionError("the notebook has no solution cell followed by graded test cells")


def small(nb, fill=None, drop=(), insert=None, short=True):
    """A short submission with the real notebook's graded structure: its nbgrader cells, exported library
    code, set-up code (before the first solution) and the code between each solution and its last test (the
    tests' fixtures), but no training demo. fill: {grade_id: new source}; drop: grade_ids to delete; insert:
    {grade_id: source of a plain code cell put before that cell}; short=False keeps every cell."""
    fill, insert = fill or {}, insert or {}
    out = nbformat.from_dict(nb)
    meta = [c.metadata.get("nbgrader", {}) for c in out.cells]
    solutions = [i for i, m in enumerate(meta) if m.get("solution")] + [len(meta)]
    inside = set(range(solutions[0]))
    for start, stop in zip(solutions, solutions[1:]):
        inside |= set(
            range(start, max([i for i in range(start, stop) if meta[i].get("grade")], default=start))
        )
    cells = []
    for index, cell in enumerate(out.cells):
        gid = meta[index].get("grade_id")
        keep = cell.cell_type == "code" and (index in inside or "#| export" in cell.source)
        if short and not gid and not keep:
            continue
        if gid in drop:
            continue
        if gid in insert:
            cells.append(nbformat.v4.new_code_cell(insert[gid]))
        if gid in fill:
            cell.source = fill[gid]
        cells.append(cell)
    out.cells = cells
    return out


def solution_source(nb, grade_id) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def tree_digest(folder: Path) -> dict:
    """{relative path: sha256} of every file under folder."""
    import hashlib

    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
