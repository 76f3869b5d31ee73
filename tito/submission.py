"""Checks on one submitted notebook before nbgrader sees it: readable, locked cells intact, graded cells present.

Edited locked cells are found with nbgrader's own checksums (nbgrader then grades the original cell);
missing graded or locked cells are put back as placeholders that nbgrader's OverwriteCells fills with
the gradebook's version, so deleting a test cell never skips its (hidden) tests."""
from pathlib import Path

PLACEHOLDER = "# restored by tito: this locked cell was missing from the submission\n"


class SubmissionError(Exception):
    """A submission that cannot be graded; the message is shown to the instructor for this student."""


def _source_order(course: Path, assignment: str, name: str) -> list:
    """grade_ids of the instructor's source notebook in notebook order ([] when it is not there)."""
    from tito.notebooks import read_ipynb

    path = course / "source" / assignment / f"{name}.ipynb"
    if not path.is_file():
        return []
    return [c.metadata["nbgrader"]["grade_id"] for c in read_ipynb(path).cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


def _release_checksums(course: Path, assignment: str, name: str) -> dict:
    """{grade_id: nbgrader checksum} of the locked cells as released to students (hidden tests removed)."""
    from nbgrader.utils import compute_checksum

    from tito.notebooks import read_ipynb

    path = course / "release" / assignment / f"{name}.ipynb"
    if not path.is_file():
        return {}
    return {c.metadata["nbgrader"]["grade_id"]: compute_checksum(c) for c in read_ipynb(path).cells
            if c.get("metadata", {}).get("nbgrader", {}).get("locked")}


def read_notebook(path: Path):
    import nbformat

    try:
        nb = nbformat.reads(path.read_bytes().decode("utf-8"), as_version=4)  # schema problems only warn, as in nbgrader
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as exc:  # noqa: BLE001 - JSON, encoding and schema errors all mean "not a notebook"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise SubmissionError(f"{path.name} is not a readable Jupyter notebook "
                              f"({type(exc).__name__}: {first[:200]})") from None
    return nb


def _grade_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") if isinstance(meta, dict) else None


def prepare_submission(course: Path, assignment: str, student: str, folder: Path) -> tuple:
    """({notebook file name: text to grade}, [notes]) for the student's submission folder.

    Raises SubmissionError for a missing or unreadable notebook."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.utils import compute_checksum

    from tito.grading import COURSE_ID, db_url

    prepared, notes = {}, []
    with Gradebook(db_url(course), course_id=COURSE_ID) as gb:
        expected = [(nb.name, {c.name: (c.cell_type, c.locked, c.checksum, c.source) for c in nb.source_cells},
                     {c.name: c.max_score for c in nb.grade_cells}, {c.name for c in nb.solution_cells})
                    for nb in gb.find_assignment(assignment).notebooks]
    for name, sources, grades, solutions in expected:
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            raise SubmissionError(f"no {name}.ipynb in the submission folder {folder}")
        nb = read_notebook(path)
        released = _release_checksums(course, assignment, name)
        present = {}
        for index, cell in enumerate(nb.cells):
            gid = _grade_id(cell)
            if gid in sources and gid not in present:
                present[gid] = index
                cell_type, locked, checksum, _ = sources[gid]
                if locked:
                    try:
                        same = compute_checksum(cell) in (released.get(gid), checksum)  # as released, or the source
                    except Exception:  # noqa: BLE001 - metadata damaged beyond checksumming
                        same = False
                    if not same:
                        notes.append(f"locked cell '{gid}' of {name}.ipynb was edited (nbgrader checksum differs); "
                                     f"it was graded with the original cell")
        order = _source_order(course, assignment, name) or list(sources)
        missing = [gid for gid in order if gid in sources and gid not in present and (gid in grades or sources[gid][1])]
        for gid in missing:
            cell_type, locked, _, source = sources[gid]
            before = [present[g] for g in order[: order.index(gid)] if g in present]
            at = max(before) + 1 if before else 0
            meta = {"grade": gid in grades, "grade_id": gid, "locked": bool(locked), "schema_version": 3,
                    "solution": gid in solutions, "task": False}
            if gid in grades:
                meta["points"] = grades[gid]
            text = PLACEHOLDER if locked else source  # locked: nbgrader restores the gradebook's version
            cell = (nbformat.v4.new_code_cell(text) if cell_type == "code" else nbformat.v4.new_markdown_cell(text))
            cell.metadata["nbgrader"] = meta
            nb.cells.insert(at, cell)
            present = {g: (i + 1 if i >= at else i) for g, i in present.items()}
            present[gid] = at
            notes.append(f"{'graded' if gid in grades else 'locked'} cell '{gid}' was missing from {name}.ipynb; "
                         f"it was restored from the gradebook and graded")
        prepared[f"{name}.ipynb"] = nbformat.writes(nb)
    return prepared, notes
