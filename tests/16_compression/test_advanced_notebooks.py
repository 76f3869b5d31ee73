"""The advanced module-16 notebooks run top to bottom, and every exported file matches its notebook."""

import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbdev.export import nb_export

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "modules" / "16_compression"
TOPICS = ["sparse", "randomized", "nm", "schedule", "sensitivity", "conv_prune", "lottery", "report"]
pytestmark = pytest.mark.slow  # executes the companions: `tito test --all`, not `tito module complete`


def _sources(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.parametrize("topic", TOPICS)
def test_notebook_executes_without_errors(topic, monkeypatch):
    # One BLAS thread: the cells run many tiny matmuls, where OpenBLAS threads only add contention.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    nb = nbformat.read(MODULE / f"{topic}_dev.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(MODULE)}}
    ).execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert errors == []


@pytest.mark.parametrize("topic", TOPICS)
def test_percent_script_and_notebook_hold_the_same_cells(topic):
    py = jupytext.read(MODULE / f"{topic}_dev.py")
    ipynb = nbformat.read(MODULE / f"{topic}_dev.ipynb", as_version=4)
    assert _sources(py) == _sources(ipynb)


@pytest.mark.parametrize("topic", TOPICS)
def test_exported_module_is_in_sync_with_its_notebook(topic, tmp_path):
    nb_dir = tmp_path / "modules" / "16_compression"
    nb_dir.mkdir(parents=True)
    shutil.copy(MODULE / f"{topic}_dev.ipynb", nb_dir)
    nb_export(str(nb_dir / f"{topic}_dev.ipynb"), lib_path=str(tmp_path / "tinytorch"))
    fresh = (tmp_path / "tinytorch" / "compression" / f"{topic}.py").read_bytes()
    assert fresh == (ROOT / "tinytorch" / "compression" / f"{topic}.py").read_bytes()


@pytest.mark.parametrize("topic", TOPICS)
def test_exported_module_is_small_and_print_free(topic):
    text = (ROOT / "tinytorch" / "compression" / f"{topic}.py").read_text()
    assert len(text.splitlines()) <= 300
    assert "print(" not in text and text.isascii()
