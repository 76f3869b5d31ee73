"""A point only for behaviour: an implementation that does nothing earns nothing. For each no-op of a graded
function (returns None, returns its input unchanged, 0.0, an empty dict, a zero loss, the layer itself),
the judge fails every claim of that function, visible and hidden cases decided as in grading, and no other
claim. Scored with the harness of test_grading_catches_mutants.py (the exported modules, one solution
region replaced)."""

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "grading_harness", Path(__file__).with_name("test_grading_catches_mutants.py")
)
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

RETURNS_NONE = "    return None"
NOOPS = {  # solution grade id -> {what the no-op does: replacement of the function's first solution region}
    "measure-sparsity": {
        "returns None": RETURNS_NONE,
        "returns 0.0": "    return 0.0",
    },
    "magnitude-prune": {
        "returns None": RETURNS_NONE,
        "returns an empty dict": "    return {}",
        "returns the masks it was given, changes nothing": "    return {name: p.mask for name, p in named}",
        "returns all-True masks, changes nothing": (
            "    return {name: np.ones(p.data.shape, dtype=bool) for name, p in named}"
        ),
    },
    "structured-prune": {
        "returns None": RETURNS_NONE,
        "returns an empty dict": "    return {}",
        "reports every neuron kept, changes nothing": (
            '    return {f"layers.{a}": np.arange(model.layers[a].weight.data.shape[1]) for a in pos[:-1]}'
        ),
    },
    "knowledge-distillation": {
        "loss returns None": "        return None",
        "loss returns Tensor(0.0)": "        return Tensor(0.0)",
        "loss returns 0 * the student logits' sum": "        return student_logits.sum() * 0.0",
    },
    "low-rank-approximate": {
        "returns None": "        return None",
        "returns its input unchanged": "        return weight_matrix",
    },
    "factorize-linear": {
        "returns None": RETURNS_NONE,
        "returns the layer itself": "    return linear",
    },
    "compress-model": {
        "returns None": RETURNS_NONE,
        "returns an empty dict": "    return {}",
        "returns the config unchanged": "    return compression_config",
    },
}
CASES = [
    pytest.param(task, what, marks=harness.MARK[task], id=f"{task}: {what}")
    for task, variants in NOOPS.items()
    for what in variants
]


def claims_of_task(task):
    return {gid for gid in harness.CLAIMS if gid.startswith(harness.TASK_OF[task])}


@pytest.mark.parametrize("task, what", CASES)
def test_a_noop_graded_function_fails_every_claim_of_its_task_and_no_other(task, what):
    lost = harness.lost_points({task: NOOPS[task][what]})
    assert set(lost) == claims_of_task(task), f"{what}: lost {sorted(lost)}"


@pytest.mark.library
def test_a_notebook_whose_graded_functions_all_return_none_earns_no_point_in_tasks_1_to_7():
    bodies = {task: variants[next(w for w in variants if "None" in w)] for task, variants in NOOPS.items()}
    lost = harness.lost_points(bodies)
    assert set(lost) == set(harness.CLAIMS)
    assert sum(lost.values()) == sum(harness.POINTS[gid] for gid in harness.CLAIMS)


@pytest.mark.library
def test_there_is_a_noop_for_every_graded_task():
    assert set(NOOPS) == set(harness.TASK_OF)
