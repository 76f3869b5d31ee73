"""Every test of module 16 carries exactly one marker: its graded task's, or `library` for everything else
(given library code, companions, notebooks, tooling). Markers are written on the tests, never inferred, so
`pytest -m magnitude_prune tests/16_compression` runs that task's tests and nothing else."""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULE_TESTS = "tests/16_compression"
PLUGIN = """
import json, os

def pytest_collection_finish(session):
    marks = {item.nodeid: sorted({m.name for m in item.iter_markers()}) for item in session.items}
    with open(os.environ["MARKERS_OUT"], "w") as f:
        json.dump(marks, f)
"""


def _registered():
    """The task markers and `library`, as registered in pyproject.toml ([tool.pytest.ini_options] markers)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    return {line.split(":", 1)[0] for line in config["markers"]}


def _collect(tmp_path, *args):
    """{node id: marker names} of the tests that `pytest --collect-only -q *args tests/16_compression`
    lists."""
    (tmp_path / "markers_plugin.py").write_text(PLUGIN)
    out = tmp_path / f"markers{len(list(tmp_path.iterdir()))}.json"
    env = dict(
        os.environ,
        MARKERS_OUT=str(out),
        PYTHONPATH=f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    )
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "markers_plugin",
        *args,
        MODULE_TESTS,
    ]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    return _collect(tmp_path_factory.mktemp("markers"))


def test_the_eight_tasks_and_library_are_registered_markers():
    assert _registered() - {"scale"} == {
        "measure_sparsity",
        "magnitude_prune",
        "structured_prune",
        "knowledge_distillation",
        "low_rank_approximate",
        "factorize_linear",
        "compress_model",
        "design_compression",
        "library",
    }


def test_every_module_16_test_carries_exactly_one_task_marker_or_library(collected):
    allowed = _registered()
    wrong = {node: sorted(set(marks) & allowed) for node, marks in collected.items()}
    wrong = {node: marks for node, marks in wrong.items() if len(marks) != 1}
    assert len(collected) > 1000
    assert wrong == {}


def test_each_graded_task_has_tests(collected):
    used = {m for marks in collected.values() for m in marks} & _registered()
    assert used >= _registered() - {"design_compression", "scale"}  # scale: tests/tito, not module 16


def test_selecting_magnitude_prune_lists_exactly_the_tests_marked_with_it(collected, tmp_path):
    selected = _collect(tmp_path, "-m", "magnitude_prune")
    assert set(selected) == {node for node, marks in collected.items() if "magnitude_prune" in marks}
    assert all(marks.count("magnitude_prune") == 1 for marks in selected.values())
    assert any("test_bad_inputs" in node for node in selected)


def test_the_readme_gives_the_command_that_runs_one_tasks_tests():
    assert "pytest -m magnitude_prune tests/16_compression" in (ROOT / "README.md").read_text()
