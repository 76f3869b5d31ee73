"""Student work is never destroyed by `tito module start|reset|complete` or `tito export`: backups before
every overwrite, a refusal when both sides of the .py/.ipynb pair changed, and package files replaced
atomically."""

import os

import nbformat
import pytest

from tito import notebooks, state, workflow
from tito.errors import TitoError
from tito.paths import resolve_module

WORK = "\n\n# %%\nmy_answer = 42  # the student's work\n"


def _pair(root, h):
    folder = root / "modules" / h.MODULE
    return folder / "compression_dev.py", folder / "compression_dev.ipynb"


def _backups(root, label, old=()):
    """Backup folders made for `label`, leaving out those in `old` (made before the step under test)."""
    return sorted(set((root / ".tito" / "backups").glob(f"*-{label}")) - set(old))


@pytest.mark.parametrize("verb", ["reset", "start"])
def test_start_and_reset_back_up_the_edited_pair_before_overwriting_it(verb, started_repo, tmp_path, h):
    root = h.copy_repo(started_repo, tmp_path / "repo")
    py, ipynb = _pair(root, h)
    release_py = py.read_text()
    py.write_text(release_py + WORK)
    edited_py, old_ipynb = py.read_bytes(), ipynb.read_bytes()
    old = _backups(root, f"{verb}-16_compression")
    result = h.tito(["module", verb, "16"] + (["--force"] if verb == "start" else []), root)
    assert result.returncode == 0, result.stdout + result.stderr
    [backup] = _backups(root, f"{verb}-16_compression", old)
    assert (backup / "modules" / h.MODULE / py.name).read_bytes() == edited_py
    assert (backup / "modules" / h.MODULE / ipynb.name).read_bytes() == old_ipynb
    assert py.read_text() == release_py and "my_answer" not in ipynb.read_text()


def test_start_without_force_refuses_to_replace_edits_and_writes_nothing(started_repo, tmp_path, h):
    root = h.copy_repo(started_repo, tmp_path / "repo")
    py, ipynb = _pair(root, h)
    py.write_text(py.read_text() + WORK)
    before = h.tree_digest(root / "modules"), h.tree_digest(root / ".tito")
    result = h.tito(["module", "start", "16"], root)
    assert result.returncode == 1 and "does not replace work in progress" in result.stderr
    assert (h.tree_digest(root / "modules"), h.tree_digest(root / ".tito")) == before


def test_export_backs_up_both_files_before_jupytext_rewrites_the_older_side(started_repo, tmp_path, h):
    root = h.copy_repo(started_repo, tmp_path / "repo")
    py, ipynb = _pair(root, h)
    py.write_text(py.read_text() + WORK)
    edited_py, old_ipynb = py.read_bytes(), ipynb.read_bytes()
    old = _backups(root, "sync-compression_dev")
    result = h.tito(["export", "16"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    [backup] = _backups(root, "sync-compression_dev", old)
    assert (backup / "modules" / h.MODULE / py.name).read_bytes() == edited_py
    assert (backup / "modules" / h.MODULE / ipynb.name).read_bytes() == old_ipynb
    assert "my_answer = 42" in ipynb.read_text() and py.read_bytes() == edited_py


def test_complete_refuses_when_both_sides_of_the_pair_changed_and_changes_nothing(started_repo, tmp_path, h):
    root = h.copy_repo(started_repo, tmp_path / "repo")
    py, ipynb = _pair(root, h)
    py.write_text(py.read_text() + WORK)
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("other_answer = 7  # typed in Jupyter"))
    nbformat.write(nb, ipynb)
    before = (h.tree_digest(root / "modules"), h.tree_digest(root / "tinytorch"))
    result = h.tito(["module", "complete", "16"], root)
    assert result.returncode == 1
    assert f"both {py.name} and {ipynb.name} changed since the last sync" in result.stderr
    assert "Keep one: copy your edits into one file" in result.stderr
    assert (h.tree_digest(root / "modules"), h.tree_digest(root / "tinytorch")) == before


def test_unreadable_notebook_stops_complete_before_any_package_file_is_written(started_repo, tmp_path, h):
    root = h.copy_repo(started_repo, tmp_path / "repo")
    py, ipynb = _pair(root, h)
    assert h.tito(["export", "16"], root).returncode == 0
    py.write_text(py.read_text() + "\n\n# %%\n#| export\nNEW_CODE = 1\n")
    ipynb.write_bytes(b'{"cells": [ this is not json')
    before = (h.tree_digest(root / "tinytorch"), py.read_bytes())
    result = h.tito(["module", "complete", "16"], root)
    assert result.returncode == 1
    assert (
        f"{ipynb.name} is not a readable notebook" in result.stderr
        and "Nothing was synced or exported" in result.stderr
    )
    assert (h.tree_digest(root / "tinytorch"), py.read_bytes()) == before


def test_export_failing_in_a_later_notebook_leaves_every_package_file_as_it_was(
    started_repo, tmp_path, h, monkeypatch
):
    root = h.copy_repo(started_repo, tmp_path / "repo")
    module = resolve_module(root, "16")
    assert len(module.dev_notebooks()) >= 2, "needs a module with several dev notebooks"
    workflow.sync_and_export(module)
    py, _ = _pair(root, h)
    py.write_text(
        py.read_text() + "\n\n# %%\n#| export\nNEW_CODE = 1\n"
    )  # the first notebook's export changes
    before = h.tree_digest(root / "tinytorch")
    last = module.dev_notebooks()[-1]
    real = notebooks._export_to

    def failing(tmp, ipynb, rel_nb):
        if ipynb.stem == last:
            raise TitoError(f"nbdev export of {rel_nb} failed: simulated")
        return real(tmp, ipynb, rel_nb)

    monkeypatch.setattr(notebooks, "_export_to", failing)
    with pytest.raises(TitoError, match="simulated"):
        workflow.sync_and_export(module)
    assert h.tree_digest(root / "tinytorch") == before


def test_atomic_write_that_fails_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "pkg" / "mod.py"
    state.atomic_write(target, "old = 1\n")

    def broken_replace(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="simulated"):
        state.atomic_write(target, "new = 2\n")
    assert target.read_text() == "old = 1\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["mod.py"]
