"""Steps shared by several commands: sync + export a module, run pytest as a subprocess."""

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from tito import notebooks, output, state
from tito.errors import TitoError
from tito.paths import Module


def sync_and_export(module: Module) -> list:
    """jupytext --sync every dev notebook pair of the module, then nbdev-export each .ipynb into tinytorch/.

    Returns [(notebook stem, sync action, [(package file, changed?)])]."""
    stems = [
        s for s in module.dev_notebooks() if any(p.exists() for p in notebooks.pair_paths(module.folder, s))
    ]
    if not stems:
        raise TitoError(f"{module.folder} has no *_dev.py / *_dev.ipynb notebook to export")
    done = []
    for stem in stems:  # sync all first: a refused sync must stop before anything is exported
        py, ipynb = notebooks.pair_paths(module.folder, stem)
        done.append([stem, notebooks.sync_pair(module.root, py, ipynb), []])
    # plan every export first (nbdev into a temp dir): a notebook that fails to export stops the command
    # before any package file is written, so tinytorch/ never mixes new and old modules
    plans = [notebooks.planned_export(module.root, module.folder / f"{item[0]}.ipynb") for item in done]
    for item, plan in zip(done, plans):
        item[2] = notebooks.write_export(module.root, plan)
    return [tuple(item) for item in done]


def print_export(done: list) -> None:
    rows = [
        [
            stem,
            action,
            ", ".join(f"tinytorch/{rel}" + ("" if changed else " (unchanged)") for rel, changed in files),
        ]
        for stem, action, files in done
    ]
    output.table("Sync and export", ["notebook", "sync", "exported"], rows)


def _rel(root: Path, target) -> str:
    return str(Path(target).relative_to(root)) if Path(target).is_absolute() else str(target)


def pytest(
    root: Path,
    targets: list,
    extra: list | None = None,
    log: Path | None = None,
    echo: bool = True,
    progress: bool = False,
) -> int:
    """Run pytest on targets in a child process (repo first on sys.path); returns its exit code.

    log: its output is also appended to this file; echo=False then keeps it off the terminal, except, with
    progress=True, one line per test file as it finishes (tito/pytest_progress.py)."""
    from tito import pytest_progress

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(root), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    )
    extra = [*(["-p", "tito.pytest_progress"] if progress else []), *(extra or [])]
    cmd = [sys.executable, "-m", "pytest", "-q", *[str(t) for t in targets], *extra]
    shown = " ".join(["python", "-m", "pytest", "-q", *[_rel(root, t) for t in targets], *extra])
    if echo:
        output.say("$ " + shown)
    output.append(log, "$ " + shown)
    try:
        if log is None:
            code = subprocess.call(cmd, cwd=root, env=env)
        else:
            with (
                subprocess.Popen(
                    cmd,
                    cwd=root,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    errors="replace",
                ) as proc,
                open(log, "a", encoding="utf-8") as handle,
            ):
                for line in proc.stdout:
                    handle.write(line)
                    if echo:
                        print(line, end="", flush=True)
                    elif progress and pytest_progress.PREFIX in line:  # (-q: after the file's dots)
                        print("  " + line.split(pytest_progress.PREFIX, 1)[1], end="", flush=True)
            code = proc.returncode
    except OSError as exc:
        output.warn(f"could not start pytest: {exc}")
        code = 1
    if code < 0:  # killed by a signal: a crash is a failure
        code = 1
    key = ",".join(_rel(root, t) for t in targets)
    state.update(root, "tests", key, {"exit": code, "when": datetime.now().isoformat(timespec="seconds")})
    return code


def junit_summary(path: Path) -> dict:
    """{"counts": {passed, failed, errors, skipped},
    "problems": [(test, "not done yet"|"FAIL"|"ERROR", first line)]}
    from a pytest --junitxml file ({"counts": {}, "problems": []} when pytest wrote none)."""
    import xml.etree.ElementTree as ET

    if not path.is_file():
        return {"counts": {}, "problems": []}
    counts, problems = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}, []
    for case in ET.parse(path).getroot().iter("testcase"):
        bad = case.find("failure")
        bad = bad if bad is not None else case.find("error")
        if case.find("skipped") is not None:
            counts["skipped"] += 1
        elif bad is None:
            counts["passed"] += 1
        else:
            counts["failed" if bad.tag == "failure" else "errors"] += 1
            text = (bad.get("message") or bad.text or "").strip()
            first = " ".join(text.splitlines()[0].split()) if text else bad.tag
            status = (
                "not done yet"
                if "NotImplementedError" in text
                else ("FAIL" if bad.tag == "failure" else "ERROR")
            )
            problems.append((case.get("name") or case.get("classname") or "?", status, first[:200]))
    return {"counts": counts, "problems": problems}
