"""One submission as bytes for a grading machine that shares no filesystem with the course, and its result
as bytes back (tito/grading/cluster.py).

Course bytes: a gzipped tar of a small course folder, what tito.grading.worker.grade reads:
submitted/<student>/<a>/, source/<a>/, release/<a>/, gradebook.db (a private SQLite snapshot for this student,
tito/grading/gradebook_db.py) and stubs/<subfolder>/ (the release export sandboxed kernels import). Result
bytes: result.json, the private gradebook nbgrader wrote and the autograded notebooks (only .ipynb files and
timestamp.txt)."""

import io
import json
import shutil
import tarfile
import tempfile
from pathlib import Path

RESULT = "result.json"
STUBS = "stubs"
GRADEBOOK = "gradebook.db"
GRADED = "autograded"


def _tar(members: list) -> bytes:
    """A .tar.gz of [(path on disk, name in the archive)]; folders are added with their contents."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, name in members:
            tar.add(path, arcname=name, recursive=True)
    return buffer.getvalue()


def _untar(data: bytes, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tar.extractall(dest, filter="data")  # no absolute paths, no links out, no device files
        else:
            for member in tar.getmembers():
                name = Path(member.name)
                if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
                    raise ValueError(f"refusing tar member {member.name!r}")
            tar.extractall(dest)
    return dest


CACHE = ".tito-cache"  # = tito.grading.worker.CACHE (not imported here: the worker imports nbgrader)


def pack_course(
    course: Path, assignment: str, student: str, db: str | None, overlays: dict, template: Path | None = None
) -> bytes:
    """The course folder one submission's grading needs, as bytes (the gradebook: a snapshot from `db`;
    template: the batch's cache of the assignment's gradebook structure, see gradebook_db.snapshot)."""
    from tito.grading import gradebook_db
    from tito.grading.nbgrader_api import db_url

    course = Path(course)
    submitted = course / "submitted" / student / assignment
    if not submitted.is_dir():
        raise FileNotFoundError(f"no submission folder {submitted}")
    tmp = Path(tempfile.mkdtemp(prefix="tito-pack-"))
    try:
        gradebook_db.snapshot(db or db_url(course), assignment, student, tmp / GRADEBOOK, template)
        members = [(submitted, f"submitted/{student}/{assignment}"), (tmp / GRADEBOOK, GRADEBOOK)]
        for folder in ("source", "release"):
            if (course / folder / assignment).is_dir():
                members.append((course / folder / assignment, f"{folder}/{assignment}"))
        members += [(Path(path), f"{STUBS}/{sub}") for sub, path in sorted(overlays.items())]
        if (course / CACHE).is_dir():  # the reference's expected values, computed once for the batch
            members.append((course / CACHE, CACHE))
        return _tar(members)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def unpack_course(data: bytes, dest: Path) -> Path:
    return _untar(data, Path(dest))


def overlays(course: Path) -> dict:
    """{subfolder: folder} of the stub export shipped with the course bytes."""
    stubs = Path(course) / STUBS
    return {p.name: str(p) for p in sorted(stubs.iterdir()) if p.is_dir()} if stubs.is_dir() else {}


def pack_result(work: Path, assignment: str, student: str, failed: dict | None, exitcode=None) -> bytes:
    """Result bytes of a grading run in `work` (tito.grading.worker.grade's tmp); `failed` overrides its
    result."""
    from tito.grading import worker

    result = failed
    if result is None:
        try:
            result = json.loads((Path(work) / RESULT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            how = f"exit code {exitcode}" if exitcode is None or exitcode >= 0 else f"signal {-exitcode}"
            message = f"its grading process died ({how}): the notebook killed it, or memory ran out"
            result = {"student": student, "ok": False, "message": message, "notes": []}
    members = []
    if result["ok"]:
        members.append((worker.private_db(work), GRADEBOOK))
        graded = worker.graded_dir(work, assignment, student)
        files = sorted(graded.glob("*.ipynb")) + sorted(graded.glob("timestamp.txt"))
        members += [(p, f"{GRADED}/{p.name}") for p in files if p.is_file() and not p.is_symlink()]
    tmp = Path(tempfile.mkdtemp(prefix="tito-result-"))
    try:
        (tmp / RESULT).write_text(json.dumps(result), encoding="utf-8")
        return _tar([(tmp / RESULT, RESULT), *members])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def unpack_result(data: bytes, tmp: Path, assignment: str, student: str) -> dict:
    """Lay result bytes out in tmp as tito.grading.worker.grade leaves them (private_db, graded_dir); the
    result
    dict."""
    from tito.grading import worker

    box = _untar(data, Path(tmp) / "unpacked")
    result = json.loads((box / RESULT).read_text(encoding="utf-8"))
    if result.get("student") != student:
        raise ValueError(f"result for {result.get('student')!r} came back for student {student!r}")
    if (box / GRADEBOOK).is_file():
        worker.private_db(tmp).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(box / GRADEBOOK, worker.private_db(tmp))
    graded = worker.graded_dir(tmp, assignment, student)
    graded.mkdir(parents=True, exist_ok=True)
    for path in sorted((box / GRADED).glob("*")) if (box / GRADED).is_dir() else []:
        shutil.move(path, graded / path.name)
    return result
