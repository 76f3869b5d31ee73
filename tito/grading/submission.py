"""Checks on one submitted notebook before nbgrader sees it: readable, locked cells intact, graded cells
present.

Edited locked cells are found with nbgrader's own checksums (nbgrader then grades the original cell);
missing graded or locked cells are put back as placeholders that nbgrader's OverwriteCells fills with
the gradebook's version, so deleting a test cell never skips its (hidden) tests."""

import re
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
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in read_ipynb(path).cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    ]


def _release_checksums(course: Path, assignment: str, name: str) -> dict:
    """{grade_id: nbgrader checksum} of the locked cells as released to students (hidden tests removed)."""
    from nbgrader.utils import compute_checksum

    from tito.notebooks import read_ipynb

    path = course / "release" / assignment / f"{name}.ipynb"
    if not path.is_file():
        return {}
    return {
        c.metadata["nbgrader"]["grade_id"]: compute_checksum(c)
        for c in read_ipynb(path).cells
        if c.get("metadata", {}).get("nbgrader", {}).get("locked")
    }


def read_notebook(path: Path):
    import nbformat

    try:
        nb = nbformat.reads(
            path.read_bytes().decode("utf-8"), as_version=4
        )  # schema problems only warn, as in nbgrader
        if not isinstance(nb.get("cells"), list):
            raise TypeError("it has no list of cells")
    except Exception as exc:  # noqa: BLE001 - JSON, encoding and schema errors all mean "not a notebook"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise SubmissionError(
            f"{path.name} is not a readable Jupyter notebook ({type(exc).__name__}: {first[:200]})"
        ) from None
    return nb


def _grade_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") if isinstance(meta, dict) else None


def dedupe_cells(nb, name: str) -> list:
    """Undo what a copy/paste in Jupyter does to nbgrader metadata, in place; returns notes.

    A pasted graded/locked/solution cell repeats its grade_id: the LAST copy keeps its nbgrader metadata (as
    nbgrader's own DeduplicateIds does) and the earlier copies become ordinary cells, which still run.
    Repeated cell ids get fresh ones. (nbgrader itself would clear the metadata of the earlier copies and then
    fail the whole notebook with a misleading "nbgrader update" message.) Shared with `tito grade
    validate`."""
    from nbformat.corpus.words import generate_corpus_id

    notes, seen_ids, last = [], set(), {}
    for index, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid:
            last.setdefault(gid, []).append(index)
        if "id" in cell:
            if cell["id"] in seen_ids:
                cell["id"] = generate_corpus_id()
            seen_ids.add(cell["id"])
    for gid, indices in last.items():
        for index in indices[:-1]:
            del nb.cells[index].metadata["nbgrader"]
        if len(indices) > 1:
            notes.append(
                f"cell '{gid}' appears {len(indices)} times in {name} (copied and pasted?); the last "
                f"copy was graded, the other copies ran as ordinary cells"
            )
    return notes


def _gradebook_cells(db: str, assignment: str) -> list:
    from nbgrader.api import Gradebook

    from tito.grading.nbgrader_api import COURSE_ID

    with Gradebook(db, course_id=COURSE_ID) as gb:
        return [
            (
                nb.name,
                {c.name: (c.cell_type, c.locked, c.checksum, c.source) for c in nb.source_cells},
                {c.name: c.max_score for c in nb.grade_cells},
                {c.name for c in nb.solution_cells},
            )
            for nb in gb.find_assignment(assignment).notebooks
        ]


def _edited_locked(nb, sources: dict, released: dict, name: str) -> tuple:
    """({grade_id: index} of the cells present, notes on edited locked cells)."""
    from nbgrader.utils import compute_checksum

    present, notes = {}, []
    for index, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid in sources and gid not in present:
            present[gid] = index
            if sources[gid][1]:
                try:
                    same = compute_checksum(cell) in (
                        released.get(gid),
                        sources[gid][2],
                    )  # as released, or the source
                except Exception:  # noqa: BLE001 - metadata damaged beyond checksumming
                    same = False
                if not same:
                    notes.append(
                        f"locked cell '{gid}' of {name} was edited (nbgrader checksum differs); "
                        f"it was graded with the original cell"
                    )
    return present, notes


def _restore_missing(
    nb, order: list, present: dict, sources: dict, grades: dict, solutions: set, name: str
) -> list:
    """Put back missing graded or locked cells (placeholders that nbgrader fills from the gradebook);
    notes."""
    import nbformat

    notes = []
    missing = [
        gid for gid in order if gid in sources and gid not in present and (gid in grades or sources[gid][1])
    ]
    for gid in missing:
        cell_type, locked, _, source = sources[gid]
        after = [
            present[g] for g in order[order.index(gid) + 1 :] if g in present
        ]  # right before the next one
        before = [present[g] for g in order[: order.index(gid)] if g in present]  # (so after its fixtures)
        at = min(after) if after else (max(before) + 1 if before else len(nb.cells))
        meta = {
            "grade": gid in grades,
            "grade_id": gid,
            "locked": bool(locked),
            "schema_version": 3,
            "solution": gid in solutions,
            "task": False,
        }
        if gid in grades:
            meta["points"] = grades[gid]
        text = PLACEHOLDER if locked else source  # locked: nbgrader restores the gradebook's version
        cell = nbformat.v4.new_code_cell(text) if cell_type == "code" else nbformat.v4.new_markdown_cell(text)
        cell.metadata["nbgrader"] = meta
        nb.cells.insert(at, cell)
        present.update({g: (i + 1 if i >= at else i) for g, i in present.items()})
        present[gid] = at
        notes.append(
            f"{'graded' if gid in grades else 'locked'} cell '{gid}' was missing from {name}; "
            f"it was restored from the gradebook and graded"
        )
    return notes


def prepare_submission(
    course: Path, assignment: str, student: str, folder: Path, db: str | None = None
) -> tuple:
    """({notebook file name: text to grade}, [notes]) for the student's submission folder; `db` is the
    gradebook URL to read the assignment from (default: the course's).

    Raises SubmissionError for a missing or unreadable notebook."""
    import nbformat

    from tito.grading.nbgrader_api import db_url

    prepared, notes = {}, []
    for name, sources, grades, solutions in _gradebook_cells(db or db_url(course), assignment):
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            raise SubmissionError(f"no {name}.ipynb in the submission folder {folder}")
        nb = read_notebook(path)
        notes += dedupe_cells(nb, path.name)
        present, edited = _edited_locked(nb, sources, _release_checksums(course, assignment, name), path.name)
        order = _source_order(course, assignment, name) or list(sources)
        notes += edited + _restore_missing(nb, order, present, sources, grades, solutions, path.name)
        prepared[f"{name}.ipynb"] = nbformat.writes(nb)
    return prepared, notes


STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
ID_RULE = "a student id is 1-64 ASCII letters, digits, '_', '.', '-', starting with a letter or digit"


def inbox(folder: Path) -> tuple:
    """([(student, path)], [skipped rows], [invalid rows]) of a folder of <student>.ipynb files; nothing
    changes."""
    files, skipped, invalid = [], [], []
    for src in sorted(Path(folder).iterdir()):
        if src.suffix != ".ipynb" or not src.is_file():
            skipped.append([src.name, "skipped: not a <student>.ipynb file"])
        elif not STUDENT_ID.fullmatch(src.stem):
            invalid.append([src.name, f"INVALID: {ID_RULE}"])
        else:
            files.append((src.stem, src))
    return files, skipped, invalid


def collect_one(src: Path, dest: Path, student: str) -> list:
    """Copy one submission into place. The new file is written in full next to `dest` first; an existing
    different file is then kept as a timestamped .bak (a hard link, or a copy) and the new one replaces it in
    one rename, so `dest` is never missing and a full disk leaves the current submission as it was."""
    import os
    import shutil
    import tempfile

    from tito import state

    dest.parent.mkdir(parents=True, exist_ok=True)
    data = src.read_bytes()
    if dest.exists() and dest.read_bytes() == data:
        return [student, "unchanged"]
    fd, staged = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(staged, 0o644)
        note = "new"
        if dest.exists():
            kept = dest.with_name(f"{dest.stem}.{state.timestamp()}.ipynb.bak")
            try:
                os.link(dest, kept)
            except (
                OSError
            ):  # no hard links here: a copy (which may fail on a full disk: nothing changed then)
                shutil.copy2(dest, kept)
            note = f"replaced (previous kept as {kept.name})"
        os.replace(staged, dest)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
    try:
        read_notebook(dest)
    except SubmissionError as err:
        note += f"; WARNING {err} (autograde will report it)"
    return [student, note]


def clean_staged(submitted: Path, assignment: str) -> None:
    """Remove the partial files (.<name>.*.tmp) that a killed collect left in submitted/*/<assignment>/."""
    for path in Path(submitted).glob(f"*/{assignment}/.*.tmp"):
        path.unlink(missing_ok=True)
