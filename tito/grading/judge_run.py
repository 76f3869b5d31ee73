"""Running the claims' runner on a student's export: in a separate process, under bubblewrap when asked,
restarted after a crash or a hang so that one bad claim costs only itself. Everything read back is
untrusted: the answer file is opened without following links, capped in size, and parsed as JSON only."""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

MAX_ANSWER_BYTES = 20 << 20
STARTUP_SECONDS = 30
ANSWERS = "answers.jsonl"


def package_with(export: dict, base: Path, dest: Path, root: Path) -> Path:
    """dest/tinytorch: the package at root/tinytorch (linked) with compression/ = a copy of `base` overwritten
    by `export` ({path relative to tinytorch/: text}) and an empty __init__.py (so that one module's import
    error does not hide the others). Returns the compression folder (the sandbox's overlay)."""
    pkg = dest / "tinytorch"
    pkg.mkdir(parents=True)
    for entry in (root / "tinytorch").iterdir():
        if entry.name not in ("compression", "__pycache__"):
            (pkg / entry.name).symlink_to(entry)
    comp = pkg / "compression"
    shutil.copytree(base, comp, ignore=shutil.ignore_patterns("__pycache__"))
    for rel, text in export.items():
        if rel.startswith("compression/"):
            (pkg / rel).write_text(text, encoding="utf-8")
    (comp / "__init__.py").write_text(
        '"""Graded modules, imported one by one by the runner."""\n', encoding="utf-8"
    )
    for path in [dest, *dest.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return comp


def _command(out: Path, folder: Path, pkg_parent: Path, sandbox: bool, limits: dict | None) -> tuple:
    cmd = [sys.executable, "-m", "tinytorch.claims.runner", str(out)]
    if not sandbox:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NBGRADER", "JUPYTER"))}
        env["PYTHONPATH"] = str(pkg_parent)
        return cmd, env
    from tito.grading import bwrap

    uid = bwrap.kernel_uid()
    if uid is not None:
        os.chown(folder, uid, uid)
    overlays = {"compression": str(pkg_parent / "tinytorch" / "compression")}
    return bwrap.wrap(cmd, folder, folder, bwrap.Limits(**(limits or {})), uid, overlays), None


def _read(path: Path) -> list:
    """The answer file's JSON lines (never following a link, at most MAX_ANSWER_BYTES)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return []
    with os.fdopen(fd, "rb") as f:
        if not os.path.stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return []
        data = f.read(MAX_ANSWER_BYTES + 1)
    if len(data) > MAX_ANSWER_BYTES:
        return [{"too_large": True}]
    lines = []
    for raw in data.splitlines():
        try:
            lines.append(json.loads(raw))
        except (ValueError, RecursionError):  # junk, or nesting deep enough to exhaust the parser
            continue
    return [line for line in lines if isinstance(line, dict)]


def _with_cause(outcomes, imports_failed):
    """Outcomes whose 'X is not defined' error gets the import error that explains it, when one happened."""
    if not (isinstance(imports_failed, dict) and imports_failed and isinstance(outcomes, list)):
        return outcomes
    module, error = next(iter(imports_failed.items()))
    cause = f" (importing {str(module)[:80]} failed: {str(error)[:200]})"
    return [
        {"error": o["error"] + cause}
        if isinstance(o, dict) and isinstance(o.get("error"), str) and "is not defined" in o["error"]
        else o
        for o in outcomes
    ]


def _once(request: dict, folder: Path, pkg_parent: Path, sandbox: bool, limits, seconds: float) -> tuple:
    """One runner process over request["claims"]; returns (lines read, how it ended)."""
    out = folder / ANSWERS
    if out.exists() or out.is_symlink():
        out.unlink()
    cmd, env = _command(out, folder, pkg_parent, sandbox, limits)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=folder,
        env=env,
        start_new_session=True,
    )
    try:
        proc.communicate(json.dumps(request).encode(), timeout=seconds)
        ended = "" if proc.returncode == 0 else f"the check process ended with exit code {proc.returncode}"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        ended = f"the check took longer than {seconds:.0f} s and was stopped"
    return _read(out), ended


def run(
    module: str,
    all_cases: dict,
    imports: list,
    folder: Path,
    pkg_parent: Path,
    *,
    sandbox: bool,
    limits: dict | None = None,
    seconds: float | None = None,
    explain: bool = True,
) -> tuple:
    """Observe every case of every claim on the student's export. Returns (answers {gid: outcomes},
    problems {gid: reason}): a claim whose run crashed or hung gets a problem, the others are retried.
    seconds: a lower time limit per claim than the claims' own (tests). explain=False (a run that holds hidden
    cases): no text of the student's process (import errors) is added to any outcome or problem."""
    from tinytorch.claims import claims_of

    claims = claims_of(module)
    todo = [gid for gid in all_cases if gid in claims]
    answers, problems = {}, {}
    while todo:
        request = {
            "module": module,
            "imports": imports,
            **({"seconds": seconds} if seconds else {}),
            "claims": [{"gid": g, "cases": [c.case for c in all_cases[g]]} for g in todo],
        }
        limit = STARTUP_SECONDS + sum(
            min(claims[g].seconds, seconds or claims[g].seconds) * len(all_cases[g]) for g in todo
        )
        lines, ended = _once(request, folder, pkg_parent, sandbox, limits, limit)
        if any(line.get("too_large") for line in lines):
            problems.update({g: "the check's answer was larger than allowed" for g in todo})
            break
        imports_failed = next((line["import_errors"] for line in lines if "import_errors" in line), {})
        for line in lines:
            if line.get("gid") in todo and line["gid"] not in answers:
                outcomes = line.get("outcomes")
                answers[line["gid"]] = _with_cause(outcomes, imports_failed) if explain else outcomes
        started = [line["start"] for line in lines if line.get("start") in todo]
        unfinished = [g for g in started if g not in answers]
        culprit = unfinished[0] if unfinished else next((g for g in todo if g not in answers), None)
        if culprit is not None and culprit not in answers:
            why = ended or "the check process stopped early"
            if explain and isinstance(imports_failed, dict) and imports_failed and not started:
                why += f" (importing your export failed: {next(iter(imports_failed.values()))})"
            problems[culprit] = why
        todo = [g for g in todo if g not in answers and g not in problems]
    return answers, problems
