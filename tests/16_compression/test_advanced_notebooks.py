"""The advanced module-16 notebooks run top to bottom, and every exported file matches its notebook."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from tito.notebooks import planned_export

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "modules" / "16_compression"
TOPICS = ["sparse", "randomized", "nm", "schedule", "sensitivity", "conv_prune", "lottery", "report"]
pytestmark = pytest.mark.slow  # executes the companions: `tito test --all`, not `tito module complete`


def _sources(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.library
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


@pytest.mark.library
@pytest.mark.parametrize("topic", TOPICS)
def test_percent_script_and_notebook_hold_the_same_cells(topic):
    py = jupytext.read(MODULE / f"{topic}_dev.py")
    ipynb = nbformat.read(MODULE / f"{topic}_dev.ipynb", as_version=4)
    assert _sources(py) == _sources(ipynb)


def _modules(topic):
    """Every module the notebook exports: its default_exp and each `#| export compression.<name>` target."""
    text = (MODULE / f"{topic}_dev.py").read_text()
    extra = re.findall(r"^#\| export compression\.(\w+)$", text, flags=re.MULTILINE)
    return [topic, *dict.fromkeys(extra)]


@pytest.mark.library
def test_the_sparse_notebook_exports_the_csr_format_to_its_own_module():
    assert _modules("sparse") == ["sparse", "csr"] and _modules("nm") == ["nm"]


@pytest.mark.library
@pytest.mark.parametrize("topic", TOPICS)
def test_exported_module_is_in_sync_with_its_notebook(topic):
    plan = planned_export(ROOT, MODULE / f"{topic}_dev.ipynb")  # nbdev into a temp tree, as `tito export`
    assert sorted(plan) == sorted(f"compression/{name}.py" for name in _modules(topic))
    for rel, fresh in plan.items():
        assert fresh == (ROOT / "tinytorch" / rel).read_text(encoding="utf-8"), rel


@pytest.mark.library
@pytest.mark.parametrize("topic", TOPICS)
def test_exported_module_is_small_and_print_free(topic):
    for name in _modules(topic):
        text = (ROOT / "tinytorch" / "compression" / f"{name}.py").read_text()
        assert len(text.splitlines()) <= 300
        assert "print(" not in text and text.isascii()
