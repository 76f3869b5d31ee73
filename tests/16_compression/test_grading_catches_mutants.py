"""The graded cells catch the wrong code students really write: every mutant of mutants.py loses points (in
the instructor's notebook, hidden tests included), only in its own task's cells, and the reference loses none.

The harness runs the notebook's setup, its exported cells, self-checks and graded cells (not the "Use"
cells, which train and time), with one solution region replaced, and scores each graded cell like nbgrader:
an exception costs the cell's points."""

import contextlib
import importlib.util
import io
import re
from pathlib import Path

import jupytext
import pytest

_spec = importlib.util.spec_from_file_location("mutants", Path(__file__).with_name("mutants.py"))
_mutants = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mutants)
MUTANTS = _mutants.MUTANTS
DEV_PY = Path(__file__).resolve().parents[2] / "modules" / "16_compression" / "compression_dev.py"
REGION = re.compile(r"(### BEGIN SOLUTION\n)(.*?)(\s*### END SOLUTION)", re.S)
TASK_OF = {
    "measure-sparsity": "test-sparsity-",
    "magnitude-prune": "test-magnitude-",
    "structured-prune": "test-structured-",
    "knowledge-distillation": "test-kd-",
    "low-rank-approximate": "test-lowrank-",
    "factorize-linear": "test-factorize-",
    "compress-model": "test-pipeline-",
}


def _harness_cells():
    """[(kind, grade_id, points, source)] in notebook order: setup, exported cells, self-checks, graded
    cells."""
    cells = []
    for cell in jupytext.read(DEV_PY).cells:
        meta = cell.metadata.get("nbgrader", {})
        src = cell.source
        if cell.cell_type != "code":
            continue
        if meta.get("grade") and not meta.get("solution"):
            cells.append(("graded", meta["grade_id"], meta["points"], src))
        elif meta.get("solution"):
            cells.append(("solution", meta["grade_id"], 0, src))
        elif src.startswith("#|") or "def make_mlp" in src or "expect(" in src:
            cells.append(("given", None, 0, src))
    return cells


CELLS = _harness_cells()
SETUP = next(i for i, c in enumerate(CELLS) if "def make_mlp" in c[3])


@pytest.fixture(scope="module")
def setup_namespace():
    ns = {"__name__": "__main__", "__package__": None}
    with contextlib.redirect_stdout(io.StringIO()):
        for _kind, _, _, src in CELLS[: SETUP + 1]:
            code = "\n".join(line for line in src.splitlines() if not line.startswith("%"))  # IPython magics
            exec(compile(code, "<setup>", "exec"), ns)
    return ns


def _mutate(src, change):
    """The cell source with `change` applied inside its solution regions (a str replaces the first region)."""
    if isinstance(change, str):
        match = REGION.search(src)
        return src[: match.start(2)] + change.strip("\n") + "\n" + src[match.end(2) :]
    for old, new in change:
        regions = [m for m in REGION.finditer(src) if old in m.group(2)]
        assert regions, f"mutant patch does not apply: {old!r}"
        m = regions[0]
        src = src[: m.start(2)] + m.group(2).replace(old, new) + src[m.end(2) :]
    return src


def lost_points(setup_ns, mutant=None):
    """{grade_id: points lost} when the notebook runs with `mutant` = (solution grade_id, change) applied."""
    ns = dict(setup_ns)
    lost = {}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for kind, gid, points, src in CELLS[SETUP + 1 :]:
            if kind == "solution" and mutant and gid == mutant[0]:
                src = _mutate(src, mutant[1])
            try:
                exec(compile(src, f"<{gid or kind}>", "exec"), ns)
            except Exception:  # a failing cell, as nbgrader sees it
                if kind == "graded":
                    lost[gid] = points
    return lost


@pytest.mark.library
def test_the_reference_solution_loses_no_points(setup_namespace):
    assert lost_points(setup_namespace) == {}


@pytest.mark.library
def test_there_are_mutants_for_every_graded_task():
    assert {task for task, _ in MUTANTS.values()} == set(TASK_OF)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=getattr(pytest.mark, MUTANTS[name][0].replace("-", "_")))
        for name in sorted(MUTANTS)
    ],
)
def test_each_mutant_loses_points_only_in_its_own_task(setup_namespace, name):
    task, change = MUTANTS[name]
    lost = lost_points(setup_namespace, (task, change))
    assert lost, f"mutant {name!r} of {task} lost no points"
    assert all(gid.startswith(TASK_OF[task]) for gid in lost), (
        f"mutant {name!r} also cost points in {sorted(lost)}"
    )
