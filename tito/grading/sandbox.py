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
import re
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Dict, Unicode

MAX_OUTPUT_CHARS = 100_000  # per cell, all outputs together; tracebacks and error names are always kept
MAX_ERROR_CHARS = 4_000
SANDBOX_DEPTH = (
    "sandbox",
    "grading",
)  # course root = <tmp>/sandbox/grading/course: ../ x6 from the kernel stays inside
NOTES: list = []
SOCKETS = "sockets-"  # prefix of the kernels' socket folders
OWN_FILES = (
    "gradebook",
    "result.json",
    "result.tmp",
    "judge",
    "judge-stubs",
)  # what the grader itself keeps at the top of tmp


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


class SandboxKernelManager(AsyncKernelManager):
    """A kernel started under bubblewrap (tito/grading/bwrap.py), talking over ZMQ ipc sockets in
    `sockets`."""

    def __init__(self, folder: Path, sockets: Path, limits: dict, uid, **kwargs):
        super().__init__(transport="ipc", ip=str(sockets / "k"), **kwargs)
        self.connection_file = str(sockets / "kernel.json")
        self._folder, self._sockets, self._limits, self._uid = folder, sockets, limits, uid

    def format_kernel_cmd(self, extra_arguments=None):
        from tito.grading import bwrap

        cmd = super().format_kernel_cmd(extra_arguments)
        if self._uid is not None and os.path.exists(self.connection_file):  # written just before, mode 600
            os.chown(self.connection_file, self._uid, self._uid)
        limits = dict(self._limits)
        overlays = limits.pop("overlays", {})  # package subfolders shown as their release (stub) export
        return bwrap.wrap(cmd, self._folder, self._sockets, bwrap.Limits(**limits), self._uid, overlays)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        import subprocess

        kw["stdout"] = (
            subprocess.DEVNULL
        )  # ipykernel's banner for kernels without a parent poller; stderr is kept
        return await super()._async_launch_kernel(kernel_cmd, **kw)


class CappedExecute(Execute):
    """nbgrader's Execute with outputs capped while they arrive (a cell printing 50 MB keeps ~100 kB)
    and notes on timeouts and dead kernels. A capped stream keeps its name, so a test cell that wrote to
    stderr still scores 0 as in nbgrader; error outputs are kept (with clipped text).
    With sandbox=True the kernel runs under bubblewrap with `limits` (see tito/grading/bwrap.py)."""

    sandbox = Bool(False).tag(config=True)
    limits = Dict().tag(config=True)
    socket_dir = Unicode("").tag(config=True)  # parent of the kernels' socket folders (short path)

    def create_kernel_manager(self):
        if not self.sandbox and os.name != "posix":
            return super().create_kernel_manager()
        if not self.kernel_name:  # as nbclient does: the notebook's kernelspec, else the manager's default
            self.kernel_name = (self.nb.metadata.get("kernelspec") or {}).get("name") or ""
        named = {"kernel_name": self.kernel_name} if self.kernel_name else {}
        parent = self.socket_dir if self.socket_dir and len(self.socket_dir) < 80 else "/tmp"
        sockets = Path(
            tempfile.mkdtemp(prefix=SOCKETS, dir=parent)
        )  # short: unix socket paths are <= 107 bytes
        if (
            not self.sandbox
        ):  # ipc sockets too: a TCP port picked as free can be taken by a kernel started meanwhile
            self.km = AsyncKernelManager(transport="ipc", ip=str(sockets / "k"), config=self.config, **named)
            self.km.connection_file = str(sockets / "kernel.json")
            return self.km
        from tito.grading import bwrap

        folder = Path(self.resources.get("metadata", {}).get("path") or os.getcwd()).resolve()
        uid = bwrap.kernel_uid()
        if (
            uid is not None
        ):  # root: the kernel runs as its own unprivileged uid and must write these two folders
            for path in (folder, sockets):
                os.chown(path, uid, uid)
        self.km = SandboxKernelManager(folder, sockets, self.limits, uid, config=self.config, **named)
        return self.km

    def preprocess_cell(self, cell, resources, index):
        self._current = _label(cell, index)
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            NOTES.append(
                f"the kernel died while running {self._current} (os._exit, a crash or out of memory)"
            )
            raise DeadKernelError(f"the kernel died while running {self._current}") from None
        except (
            CellTimeoutError
        ):  # interrupted after the timeout but still busy: nbclient gives up, the kernel is killed
            NOTES.append(
                f"the kernel did not stop when {self._current} was interrupted after the timeout "
                f"(the cell ignores KeyboardInterrupt); it was killed"
            )
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
                    NOTES.append(
                        f"output of {getattr(self, '_current', f'cell {cell_index}')} was truncated "
                        f"at {MAX_OUTPUT_CHARS} characters"
                    )
                used[2].add(content.get("name"))
                marker = f"\n... [output truncated by tito at {MAX_OUTPUT_CHARS} characters]\n"
                content["text"] = text[: max(room, 0)] + marker
            used[1] += len(content["text"])
        elif kind == "error":
            label = getattr(self, "_current", f"cell {cell_index}")
            if content.get("ename") == "MemoryError":
                limit = (
                    f"; the kernel's limit is {self.limits['memory_mb']} MB"
                    if self.sandbox and self.limits
                    else ""
                )
                NOTES.append(f"{label} ran out of memory (MemoryError{limit})")
            if self.sandbox:
                _note_blocked(content, label, self.resources.get("metadata", {}).get("path", ""))
            content["evalue"] = _clip(str(content.get("evalue", "")), MAX_ERROR_CHARS)
            content["traceback"] = [_clip(str(t), MAX_ERROR_CHARS) for t in content.get("traceback", [])[:60]]
        elif kind in ("display_data", "execute_result", "update_display_data"):
            size = sum(len(str(v)) for v in content.get("data", {}).values())
            if size > room:
                if not used[2]:
                    NOTES.append(
                        f"output of {getattr(self, '_current', f'cell {cell_index}')} was truncated "
                        f"at {MAX_OUTPUT_CHARS} characters"
                    )
                used[2].add(kind)
                text = str(content.get("data", {}).get("text/plain", ""))
                content["data"] = {"text/plain": text[: max(room, 0)] + "... [output truncated by tito]"}
                content["metadata"] = {}
                size = len(content["data"]["text/plain"])
            used[1] += size
        return super().output(outs, msg, display_id, cell_index)


BLOCKED = re.compile(r"\[Errno (13|30|2|1)\] [^:']*: '(/[^']*)'")


def _note_blocked(content: dict, label: str, folder: str) -> None:
    """A cell error that is the sandbox at work (read-only file system, permission denied, or a host path that
    the kernel cannot see) becomes a note for the instructor."""
    evalue = str(content.get("evalue", ""))
    match = BLOCKED.search(evalue)
    if not match or (folder and Path(match.group(2)).is_relative_to(folder)):
        return
    hidden = match.group(1) == "2"
    if hidden and not os.path.lexists(match.group(2)):
        return  # an ordinary missing file
    what = "a path outside the sandbox" if hidden else "a write or access that the sandbox blocked"
    NOTES.append(f"{label} tried {what}: {content.get('ename', 'Error')}: {evalue[:200]}")


def stray_files(tmp: Path, root: Path, assignment: str, student: str) -> list:
    """Files the kernel left in the private tree outside its own folder (relative to the kernel's folder)."""
    own = root / "autograded" / student / assignment
    allowed = (own, root / "submitted" / student / assignment, root / "source" / assignment)
    found = []
    for dirpath, dirnames, filenames in os.walk(tmp):
        if Path(dirpath) == Path(tmp):
            dirnames[:] = [d for d in dirnames if d not in OWN_FILES and not d.startswith(SOCKETS)]
            filenames = [f for f in filenames if f not in OWN_FILES]
        for name in filenames:
            path = Path(dirpath) / name
            if not any(path.is_relative_to(a) for a in allowed):
                found.append(os.path.relpath(path, own))
    return sorted(found)
