"""What runs around a student's kernel during autograding: a private course copy, capped outputs, notes.

nbgrader executes student code with the grader's OS rights. What tito adds (see README, "What the grader
protects and what it does not"):
- the kernel runs in a private, temporary course tree holding only the student's own submission: the
  instructor's source notebook, the gradebook and other students' files are not at any relative path
  inside it (the gradebook is reached by nbgrader through its absolute db_url);
- the sanitized notebook (locked cells and hidden tests restored by nbgrader) is removed from disk before
  the kernel starts, so the kernel's folder holds no hidden test; after the run the folder is emptied (links
  included) before nbgrader writes the autograded notebook, and only regular .ipynb files are copied back;
- per-cell timeout (interrupts the kernel), output capped per cell while it streams in;
- a kernel that dies or a cell that times out becomes a note or a clear per-student error.
Everything observed is appended to NOTES (per worker process, reset for each submission)."""
import os
import tempfile
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

MAX_OUTPUT_CHARS = 100_000  # per cell, all outputs together; tracebacks and error names are always kept
MAX_ERROR_CHARS = 4_000
SANDBOX_DEPTH = ("sandbox", "grading")  # course root = <tmp>/sandbox/grading/course: ../ x6 from the kernel stays inside
NOTES: list = []


def _label(cell, index: int) -> str:
    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {index}" + (f" ({gid})" if gid else "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n... [truncated {len(text) - limit} characters]"


class RemoveSanitizedCopy(NbGraderPreprocessor):
    """First autograde step: nbgrader has written the sanitized notebook (hidden tests restored) into the
    kernel's folder and read it back into memory; delete the file before any student code runs."""

    def preprocess(self, nb, resources):
        meta = resources.get("metadata", {})
        path = Path(meta.get("path", "")) / f"{meta.get('name', '')}.ipynb"
        if path.is_file():
            path.unlink()
        return nb, resources


class ClearKernelFolder(NbGraderPreprocessor):
    """Right after execution (kernel shut down): delete whatever the notebook left in its folder, symlinks
    included, so that nbgrader writes the autograded notebook as a new regular file and never through a
    link planted by student code (e.g. to another student's submission)."""

    def preprocess(self, nb, resources):
        import shutil

        folder = Path(resources.get("metadata", {}).get("path", ""))
        if folder.is_dir() and folder.name:
            for entry in folder.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        return nb, resources


class CappedExecute(Execute):
    """nbgrader's Execute with outputs capped while they arrive (a cell printing 50 MB keeps ~100 kB)
    and notes on timeouts and dead kernels. A capped stream keeps its name, so a test cell that wrote to
    stderr still scores 0 as in nbgrader; error outputs are kept (with clipped text)."""

    def preprocess_cell(self, cell, resources, index):
        self._current = _label(cell, index)
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            NOTES.append(f"the kernel died while running {self._current} (os._exit, a crash or out of memory)")
            raise DeadKernelError(f"the kernel died while running {self._current}") from None
        except CellTimeoutError:  # interrupted after the timeout but still busy: nbclient gives up, the kernel is killed
            NOTES.append(f"the kernel did not stop when {self._current} was interrupted after the timeout "
                         f"(the cell ignores KeyboardInterrupt); it was killed")
            raise

    async def _async_handle_timeout(self, timeout, cell=None):
        NOTES.append(f"{getattr(self, '_current', 'a cell')} was interrupted after the {timeout} s timeout")
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        used = getattr(self, "_used", None)
        if used is None or used[0] != cell_index:
            used = self._used = [cell_index, 0, set()]  # cell, characters kept, streams already truncated
        kind, content = msg["msg_type"], msg["content"]
        room = MAX_OUTPUT_CHARS - used[1]
        if kind == "stream":
            text = content.get("text", "")
            if len(text) > room:
                if content.get("name") in used[2] and any(o.get("name") == content.get("name") for o in outs):
                    return None  # this stream was already truncated: drop the rest
                if not used[2]:
                    NOTES.append(f"output of {getattr(self, '_current', f'cell {cell_index}')} was truncated "
                                 f"at {MAX_OUTPUT_CHARS} characters")
                used[2].add(content.get("name"))
                marker = f"\n... [output truncated by tito at {MAX_OUTPUT_CHARS} characters]\n"
                content["text"] = text[:max(room, 0)] + marker
            used[1] += len(content["text"])
        elif kind == "error":
            content["evalue"] = _clip(str(content.get("evalue", "")), MAX_ERROR_CHARS)
            content["traceback"] = [_clip(str(t), MAX_ERROR_CHARS) for t in content.get("traceback", [])[:60]]
        elif kind in ("display_data", "execute_result", "update_display_data"):
            size = sum(len(str(v)) for v in content.get("data", {}).values())
            if size > room:
                if not used[2]:
                    NOTES.append(f"output of {getattr(self, '_current', f'cell {cell_index}')} was truncated "
                                 f"at {MAX_OUTPUT_CHARS} characters")
                used[2].add(kind)
                text = str(content.get("data", {}).get("text/plain", ""))
                content["data"] = {"text/plain": text[:max(room, 0)] + "... [output truncated by tito]"}
                content["metadata"] = {}
                size = len(content["data"]["text/plain"])
            used[1] += size
        return super().output(outs, msg, display_id, cell_index)


def make_tree() -> tuple:
    """(tmp dir, private course root inside it)."""
    tmp = Path(tempfile.mkdtemp(prefix="tito-grade-"))
    root = tmp.joinpath(*SANDBOX_DEPTH, "course")
    root.mkdir(parents=True)
    return tmp, root


def stray_files(tmp: Path, root: Path, assignment: str, student: str) -> list:
    """Files the kernel left in the private tree outside its own folder (relative to the kernel's folder)."""
    own = root / "autograded" / student / assignment
    allowed = (own, root / "submitted" / student / assignment, root / "source" / assignment)
    found = []
    for dirpath, _, filenames in os.walk(tmp):
        for name in filenames:
            path = Path(dirpath) / name
            if not any(path.is_relative_to(a) for a in allowed):
                found.append(os.path.relpath(path, own))
    return sorted(found)
