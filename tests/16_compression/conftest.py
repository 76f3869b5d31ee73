"""One pytest marker per graded task of module 16 (`pytest -m magnitude_prune` runs that task's tests).

A test gets the marker of the task its name is about (the first task whose keywords occur in the name, in the
order below); the mutation tests get the marker of the task they mutate."""

import pytest

TASK_MARKERS = {  # marker -> keywords in test names, most specific first
    "compress_model": ("compress_model", "pipeline"),
    "factorize_linear": ("factoriz",),
    "low_rank_approximate": ("low_rank", "lowrank", "eckart", "singular", "svd"),
    "knowledge_distillation": ("distill", "kd_", "teacher", "student", "temperature"),
    "structured_prune": ("structured", "neuron"),
    "magnitude_prune": ("magnitude", "prune"),
    "measure_sparsity": ("sparsity", "count_parameters", "prunable"),
}
MUTANT_TASKS = {
    "measure-sparsity": "measure_sparsity",
    "magnitude-prune": "magnitude_prune",
    "structured-prune": "structured_prune",
    "knowledge-distillation": "knowledge_distillation",
    "low-rank-approximate": "low_rank_approximate",
    "factorize-linear": "factorize_linear",
    "compress-model": "compress_model",
}


def pytest_configure(config):
    for marker in TASK_MARKERS:
        config.addinivalue_line("markers", f"{marker}: tests of the graded task {marker} (module 16)")


def task_marker(item):
    """The graded-task marker of a collected test, or None (tests of the notebook itself, advanced topics)."""
    if item.module.__name__.endswith("test_grading_catches_mutants") and hasattr(item, "callspec"):
        name = item.callspec.params.get("name")
        return MUTANT_TASKS[item.module.MUTANTS[name][0]] if name else None
    if "advanced" in item.module.__name__ or "notebook" in item.module.__name__:
        return None
    name = item.originalname.lower()
    return next((m for m, words in TASK_MARKERS.items() if any(w in name for w in words)), None)


def pytest_collection_modifyitems(items):
    for item in items:
        marker = task_marker(item)
        if marker:
            item.add_marker(getattr(pytest.mark, marker))
