"""Notebook plumbing over jupytext (pairing) and nbdev (export). Heavy imports happen inside the functions."""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from tito import state
from tito.errors import TitoError

# Built from parts so that tito's own source never contains the markers (the bundle audit greps for them).
SOLUTION_MARK = "### BEGIN " + "SOLUTION"
HIDDEN_MARK = "### BEGIN " + "HIDDEN TESTS"


def read_py(path: Path):
    import jupytext

    return jupytext.read(str(path))


def read_ipynb(path: Path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def fingerprint(nb) -> str:
    """Hash of the notebook's inputs (cell types and sources); outputs and metadata do not count."""
    cells = [[c.cell_type, c.source.strip()] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode("utf-8")).hexdigest()


def has_solutions(path: Path) -> bool:
    return path.exists() and SOLUTION_MARK in path.read_text(encoding="utf-8")


# The kernel every notebook names: the venv's ipykernel registers it, nbgrader and nbclient run it.
KERNEL = "python3"
KERNELSPEC = {"name": KERNEL, "display_name": "Python 3 (ipykernel)", "language": "python"}


def has_kernelspec(nb) -> bool:
    return nb.metadata.get("kernelspec", {}).get("name") == KERNEL


def pair_paths(folder: Path, stem: str):
    return folder / f"{stem}.py", folder / f"{stem}.ipynb"


def pair_state(py: Path, ipynb: Path) -> str:
    """'synced', 'differs', 'py only', 'ipynb only' or 'missing' (inputs compared, not timestamps)."""
    if not py.exists() and not ipynb.exists():
        return "missing"
    if not ipynb.exists():
        return "py only"
    if not py.exists():
        return "ipynb only"
    return "synced" if fingerprint(read_py(py)) == fingerprint(read_ipynb(ipynb)) else "differs"


def _jupytext(args: list) -> None:
    from jupytext.cli import jupytext

    try:
        jupytext(["--quiet", *args])
    except SystemExit as exc:  # the CLI function exits on errors
        if exc.code:
            raise TitoError(f"jupytext {' '.join(args)} failed (exit {exc.code})") from None
    except Exception as exc:  # noqa: BLE001 - surface jupytext's own message
        raise TitoError(f"jupytext {' '.join(args)} failed: {exc}") from None


def sync_pair(root: Path, py: Path, ipynb: Path) -> str:
    """jupytext --sync the pair; refuse when both sides changed since tito last synced them. Returns what
    happened."""
    key = str(py.relative_to(root))
    if not py.exists() and not ipynb.exists():
        raise TitoError(f"neither {py.name} nor {ipynb.name} exists in {py.parent}")
    record = state.load(root).get("sync", {}).get(key)
    action = "created " + (ipynb.name if py.exists() else py.name)
    if py.exists() and ipynb.exists():
        fp_py, fp_nb = fingerprint(read_py(py)), fingerprint(_readable_ipynb(ipynb, py))
        if fp_py == fp_nb:
            action = "already in sync"
        elif record:
            py_changed, nb_changed = fp_py != record["py"], fp_nb != record["ipynb"]
            if py_changed and nb_changed:
                raise TitoError(
                    f"both {py.name} and {ipynb.name} changed since the last sync, so neither side can win "
                    f"without losing edits. Keep one: copy your edits into one file, then delete the other "
                    f"(or restore it from .tito/backups/) and run the command again."
                )
            newer = py if py_changed else ipynb
            os.utime(newer)  # make the edited side the newest, which jupytext --sync takes as the source
            action = f"{newer.name} -> {(ipynb if newer is py else py).name}"
        else:
            newer = py if py.stat().st_mtime >= ipynb.stat().st_mtime else ipynb
            action = (
                f"{newer.name} -> {(ipynb if newer is py else py).name} (newer file wins: no sync record yet)"
            )
    kernel = [] if ipynb.exists() and has_kernelspec(_readable_ipynb(ipynb, py)) else ["--set-kernel", KERNEL]
    if action != "already in sync":
        saved = state.backup(
            root, [py, ipynb], f"sync-{py.stem}"
        )  # jupytext rewrites one side: keep both first
        _jupytext(["--sync", *kernel, str(py if py.exists() else ipynb)])
        if saved:
            action += f" (backup in {saved.relative_to(root)})"
    elif kernel:  # inputs equal, only the kernelspec is missing: jupytext adds it (cell ids kept)
        _jupytext(["--sync", *kernel, str(py)])
        action += f" (kernelspec {KERNEL} added)"
    state.update(root, "sync", key, {"py": fingerprint(read_py(py)), "ipynb": fingerprint(read_ipynb(ipynb))})
    return action


def _readable_ipynb(ipynb: Path, py: Path):
    """The .ipynb as a notebook, or a TitoError explaining how to recover (nothing is written)."""
    try:
        return read_ipynb(ipynb)
    except Exception as exc:  # noqa: BLE001 - JSON, encoding or schema errors
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise TitoError(
            f"{ipynb.name} is not a readable notebook ({type(exc).__name__}: {first}). "
            f"Nothing was synced or exported. If {py.name} holds your work, delete {ipynb.name} and "
            f"run the command again (it is rebuilt from {py.name}); earlier versions are in "
            f".tito/backups/."
        ) from None


def _fresh_module_maker():
    """nbdev's ModuleMaker writing every target module whole, with its header and __all__: the export runs in
    an empty temp tree, and nbdev would otherwise only append the cells of `#| export other.module` to a
    file that already exists (one notebook may export several modules, e.g. compression.pruning)."""
    from nbdev.maker import ModuleMaker

    class FreshModule(ModuleMaker):
        def __init__(self, *args, is_new=True, **kwargs):
            super().__init__(*args, is_new=True, **kwargs)

    return FreshModule


def _export_to(tmp: Path, ipynb: Path, rel_nb: Path) -> Path:
    """Run nbdev's nb_export on a copy of the notebook at tmp/<rel_nb>, into tmp/tinytorch. Returns
    tmp/tinytorch."""
    from nbdev.export import nb_export

    nb_copy = tmp / rel_nb
    nb_copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ipynb, nb_copy)
    lib = tmp / "tinytorch"
    lib.mkdir(exist_ok=True)
    cwd = os.getcwd()
    os.chdir(tmp)  # nbdev looks for config upwards from the cwd; keep it inside the temp tree
    try:
        nb_export(str(nb_copy), lib_path=str(lib), mod_maker=_fresh_module_maker())
    except Exception as exc:  # noqa: BLE001
        raise TitoError(f"nbdev export of {rel_nb} failed: {exc}") from None
    finally:
        os.chdir(cwd)
    return lib


def planned_export(root: Path, ipynb: Path, rel_nb: Path | None = None) -> dict:
    """{path relative to tinytorch/: text} that nbdev would write for this notebook (nothing is written)."""
    rel_nb = rel_nb or ipynb.resolve().relative_to(root.resolve())
    with tempfile.TemporaryDirectory(prefix="tito-export-") as tmp:
        lib = _export_to(Path(tmp), ipynb, rel_nb)
        return {str(p.relative_to(lib)): p.read_text(encoding="utf-8") for p in sorted(lib.rglob("*.py"))}


def export(root: Path, ipynb: Path, lib: Path | None = None, rel_nb: Path | None = None) -> list:
    """Export one notebook with nbdev into lib (default <root>/tinytorch), replacing each file atomically.

    Returns [(relative path, changed?)]."""
    return write_export(root, planned_export(root, ipynb, rel_nb), lib)


def write_export(root: Path, plan: dict, lib: Path | None = None) -> list:
    """Write a planned_export() result: each file via a temp file in its folder + os.replace (never
    half-written)."""
    lib = lib or root / "tinytorch"
    result = []
    for rel, text in plan.items():
        target = lib / rel
        changed = not target.exists() or target.read_text(encoding="utf-8") != text
        if changed:
            state.atomic_write(target, text)
        result.append((rel, changed))
    return result


def export_state(root: Path, ipynb: Path) -> str:
    """'in sync', 'stale: <files>' or 'not exported: <files>' for the package files of one notebook."""
    stale, missing = [], []
    for rel, text in planned_export(root, ipynb).items():
        target = root / "tinytorch" / rel
        if not target.exists():
            missing.append(rel)
        elif target.read_text(encoding="utf-8") != text:
            stale.append(rel)
    if missing:
        return "not exported: " + ", ".join(missing)
    return "stale: " + ", ".join(stale) if stale else "in sync"


def write_pair(root: Path, nb, py: Path, ipynb: Path) -> None:
    """Write notebook `nb` as the .ipynb (atomically) and regenerate its .py pair with jupytext."""
    import nbformat

    nb.metadata.pop("jupytext", None)
    if not has_kernelspec(nb):  # without it JupyterLab opens the notebook behind a "Select Kernel" dialog
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
    state.atomic_write(ipynb, nbformat.writes(nb) + "\n")
    if py.exists():
        py.unlink()
    _jupytext(["--sync", str(ipynb)])
    state.update(
        root,
        "sync",
        str(py.relative_to(root)),
        {"py": fingerprint(read_py(py)), "ipynb": fingerprint(read_ipynb(ipynb))},
    )


def source_from_py(py: Path):
    """Notebook built from the percent .py with metadata.jupytext dropped; cell ids kept from a synced
    .ipynb."""
    nb = read_py(py)
    nb.metadata.pop("jupytext", None)
    ipynb = py.with_suffix(".ipynb")
    if ipynb.exists():
        old = read_ipynb(ipynb)
        if [c.source for c in old.cells] == [c.source for c in nb.cells]:
            for new_cell, old_cell in zip(nb.cells, old.cells):
                if "id" in old_cell:
                    new_cell["id"] = old_cell["id"]
    return nb


def graded_cells(nb) -> list:
    """[(grade_id, points)] of graded test cells, in notebook order (read from nbgrader metadata)."""
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            cells.append((meta.get("grade_id"), float(meta.get("points", 0))))
    return cells
