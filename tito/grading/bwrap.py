"""bubblewrap (bwrap) around a grading kernel: what the kernel can see, and its resource limits.

Inside the sandbox the kernel sees only: the system (/usr, /lib*, /bin, /sbin, /etc) and the Python
environment (base interpreter, venv, the `tinytorch` package it imports), all read-only; its own working
folder and the folder of its ZMQ sockets, read-write; a private /tmp, /proc and /dev. No network (its
own empty network namespace), its own PID namespace (it cannot see or signal any other process), no
environment variable of the grader. Inside, a small launcher (`python -c LAUNCHER`) sets the limits
(address space, processes, CPU time, file size) and, when tito runs as root, drops to an unprivileged uid
of its own (bwrap keeps only CAP_SETUID/CAP_SETGID for that), then execs the kernel: the kernel is not
root on the host, and its process limit counts only its own processes."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

INSTALL = "apt-get install -y bubblewrap"  # Debian/Ubuntu package; Fedora: dnf install bubblewrap
PACKAGES = ("tinytorch",)  # packages a graded notebook imports; mounted read-only where Python finds them
# root: kernel uid = KERNEL_UID_BASE + the grading process's pid. Live pids are unique and below PID_MAX_LIMIT
# (2**22, Linux's ceiling for kernel.pid_max), so concurrent kernels never share a uid; the uids used lie in
# [KERNEL_UID_BASE, KERNEL_UID_BASE + PID_MAX_LIMIT). A dead kernel's uid owns nothing that outlives it.
KERNEL_UID_BASE = 200_000
PID_MAX_LIMIT = 2**22

NOT_PROTECTED = (
    "--no-sandbox: student code runs with your operating-system rights. It can read the gradebook and the "
    "hidden cases (course/gradebook.db, grading/) by absolute path, overwrite other submissions and "
    "the tinytorch package later students are graded with, use the network, read your home folder and "
    "environment variables, and has no memory, process or CPU-time limit. Grade in a throw-away VM, or "
    f"install bubblewrap (`{INSTALL}`) and drop --no-sandbox."
)


@dataclass(frozen=True)
class Limits:
    """Per-kernel resource limits (setrlimit): address space, tasks, CPU seconds, largest file written."""

    memory_mb: int = 4096
    processes: int = 64
    cpu_seconds: int = 1800
    file_mb: int = 512


LAUNCHER = """\
import json, os, resource, sys
lim = json.loads(sys.argv[1])
for name, value in (("RLIMIT_AS", lim["memory_mb"] << 20), ("RLIMIT_NPROC", lim["processes"]),
                    ("RLIMIT_CPU", lim["cpu_seconds"]), ("RLIMIT_FSIZE", lim["file_mb"] << 20),
                    ("RLIMIT_CORE", 0)):
    resource.setrlimit(getattr(resource, name), (value, value))
if lim.get("uid") is not None:
    os.setgroups([])
    os.setgid(lim["uid"])
    os.setuid(lim["uid"])
os.execv(sys.argv[2], sys.argv[2:])  # all capabilities are gone after setuid to a non-root uid
"""


def find() -> str | None:
    return shutil.which("bwrap")


def check() -> tuple:
    """(ok, detail): bwrap is installed and can create the namespaces tito uses."""
    exe = find()
    if exe is None:
        return False, f"bubblewrap (bwrap) is not installed; install it with `{INSTALL}` (as root)"
    probe = [
        exe,
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "true",
    ]
    try:
        proc = subprocess.run(probe, check=False, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{exe} does not run: {exc}"
    if proc.returncode != 0:
        return False, (
            f"{exe} cannot create user/pid/network namespaces here: {proc.stderr.strip()[:300]} "
            "(enable unprivileged user namespaces, e.g. sysctl kernel.unprivileged_userns_clone=1)"
        )
    version = subprocess.run([exe, "--version"], check=False, capture_output=True, text=True).stdout.strip()
    return True, f"{version} at {exe}"


def kernel_uid() -> int | None:
    """The uid the kernel runs as: None (unchanged) unless tito runs as root."""
    if os.geteuid() != 0:
        return None
    pid = os.getpid()
    if not 0 < pid < PID_MAX_LIMIT:
        raise RuntimeError(
            f"pid {pid} is outside 1..{PID_MAX_LIMIT - 1}: no collision-free kernel uid for it"
        )
    return KERNEL_UID_BASE + pid


def _package_dirs() -> list:
    """Folders of the packages in PACKAGES as the kernel will import them (PYTHONPATH first, then
    installs)."""
    import importlib.util

    found = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            found += [Path(p).resolve() for p in spec.submodule_search_locations]
    return found


def unreadable_package_files(limit: int = 5) -> list:
    """Files of the packages that a kernel running under another uid cannot read (no read bit for others)."""
    found = []
    for folder in _package_dirs():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.stat().st_mode & 0o004 and "__pycache__" not in path.parts:
                found.append(path)
                if len(found) >= limit:
                    return found
    return found


def _python_dirs() -> list:
    dirs = {
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(sys.executable).resolve().parent.parent,
    }
    return sorted(dirs)


def _env(folder: Path, pythonpath: list, extra: dict) -> list:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "IPYTHONDIR": "/tmp/.ipython",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MALLOC_ARENA_MAX": "2",
        "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath),
        **extra,
    }
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NBGRADER_EXECUTION"):
        if name in os.environ:
            env.setdefault(name, os.environ[name])
    out = ["--clearenv"]
    for key, value in env.items():
        out += ["--setenv", key, value]
    return out


def _parents(paths: list, made: set) -> list:
    """--dir for every missing ancestor of the mount points, mode 0755 (bwrap's default is 0700, which an
    unprivileged kernel uid could not traverse)."""
    out = []
    for path in paths:
        for parent in reversed(Path(path).parents):
            if str(parent) not in made and parent != Path("/"):
                made.add(str(parent))
                out += ["--perms", "0755", "--dir", str(parent)]
    return out


def wrap(
    cmd: list, folder: Path, sockets: Path, limits: Limits, uid: int | None, overlays: dict | None = None
) -> list:
    """The full argv: launcher (limits, uid) -> bwrap (namespaces, mounts) -> the kernel command.

    overlays: {subfolder: folder} mounted read-only over <package>/<subfolder> (the stub export of the
    graded modules, so that the kernel cannot import the instructor's solutions)."""
    exe = find()
    if exe is None:
        raise RuntimeError(f"bubblewrap (bwrap) is not installed: {INSTALL}")
    argv = [
        exe,
        "--die-with-parent",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "grading",
    ]
    argv += ["--unshare-user"] if uid is None else ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    for path in ("/usr", "/etc"):
        argv += ["--ro-bind", path, path]
    for path in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        argv += (
            ["--ro-bind-try", path, path]
            if not Path(path).is_symlink()
            else ["--symlink", os.readlink(path), path]
        )
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    packages = _package_dirs()
    readonly, writable = _python_dirs() + packages, [folder, sockets]
    argv += _parents(readonly + writable, {"/usr", "/etc", "/proc", "/dev", "/tmp"})
    for path in readonly:
        argv += ["--ro-bind-try", str(path), str(path)]
    for sub, source in (overlays or {}).items():
        argv += [
            arg for pkg in packages if (pkg / sub).is_dir() for arg in ("--ro-bind", source, str(pkg / sub))
        ]
    for path in writable:
        argv += ["--bind", str(path), str(path)]
    argv += ["--chdir", str(folder), *_env(folder, sorted({p.parent for p in packages}), {})]
    lim = {**asdict(limits), "uid": uid}
    return [*argv, "--", sys.executable, "-c", LAUNCHER, json.dumps(lim), *cmd]
