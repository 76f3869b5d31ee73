"""One writer per course: `tito grade autograde`, `collect` and `feedback` hold <course>/.tito-grade.lock.

The lock is an fcntl.flock on that file, so the operating system releases it when its holder exits, even
when killed (kill -9, power loss of the process): a lock file left behind is stale and is taken over with a
note. The file records who holds the lock (command, pid, user, host, start time) for the refusal message."""

import json
import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from tito.errors import TitoError

LOCK_FILE = ".tito-grade.lock"


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return (
            f"`tito grade {info.get('command', '?')}` (pid {info.get('pid', '?')}, "
            f"user {info.get('user', '?')}"
            f" on {info.get('host', '?')}, started {info.get('started', '?')})"
        )
    except (OSError, ValueError):
        return "another tito process (its lock record is unreadable)"


@contextmanager
def course_lock(course: Path, command: str, on_stale=None):
    """Hold the course lock for the duration of the block; TitoError (exit 1) if another process holds it.
    on_stale(text) is called when a lock file left by a process that ended is taken over."""
    import fcntl
    import getpass
    import socket

    course = Path(course)
    course.mkdir(parents=True, exist_ok=True)
    path = course / LOCK_FILE
    stale = path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TitoError(
                f"the course {course} is in use by {_holder(path)}; wait until it ends and try again "
                f"(two graders at once could overwrite each other's scores). If that process is gone, "
                f"the lock is released by itself."
            ) from None
        if stale and on_stale is not None and os.path.getsize(path):
            on_stale(f"taking over a lock left by {_holder(path)}, which ended without releasing it")
        record = {
            "command": command,
            "pid": os.getpid(),
            "user": getpass.getuser(),
            "host": socket.gethostname(),
            "started": datetime.now().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode("utf-8"), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # an empty file is a released lock
    finally:
        os.close(fd)
