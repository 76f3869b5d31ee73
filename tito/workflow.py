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
    stems = [s for s in module.dev_notebooks() if any(p.exists() for p in notebooks.pair_paths(module.folder, s))]
    if not stems:
        raise TitoError(f"{module.folder} has no *_dev.py / *_dev.ipynb notebook to export")
    done = []
    for stem in stems:  # sync all first: a refused sync must stop before anything is exported
        py, ipynb = notebooks.pair_paths(module.folder, stem)
        done.append([stem, notebooks.sync_pair(module.root, py, ipynb), []])
    # plan every export first (nbdev into a temp dir): a notebook that fails to export stops the command before
    # any package file is written, so tinytorch/ never mixes new and old modules
    plans = [notebooks.planned_export(module.root, module.folder / f"{item[0]}.ipynb") for item in done]
    for item, plan in zip(done, plans):
        item[2] = notebooks.write_export(module.root, plan)
    return [tuple(item) for item in done]


def print_export(done: list) -> None:
    rows = [[stem, action, ", ".join(f"tinytorch/{rel}" + ("" if changed else " (unchanged)") for rel, changed in files)]
            for stem, action, files in done]
    output.table("Sync and export", ["notebook", "sync", "exported"], rows)


def pytest(root: Path, targets: list, extra: list | None = None) -> int:
    """Run pytest on targets in a child process (repo first on sys.path); returns its exit code."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    cmd = [sys.executable, "-m", "pytest", "-q", *[str(t) for t in targets], *(extra or [])]
    output.say("$ " + " ".join(["python", "-m", "pytest", "-q", *[str(Path(t).relative_to(root)) if Path(t).is_absolute() else str(t) for t in targets], *(extra or [])]))
    try:
        code = subprocess.call(cmd, cwd=root, env=env)
    except OSError as exc:
        output.warn(f"could not start pytest: {exc}")
        code = 1
    if code < 0:  # killed by a signal: a crash is a failure
        code = 1
    key = ",".join(str(Path(t).relative_to(root)) if Path(t).is_absolute() else str(t) for t in targets)
    state.update(root, "tests", key, {"exit": code, "when": datetime.now().isoformat(timespec="seconds")})
    return code
