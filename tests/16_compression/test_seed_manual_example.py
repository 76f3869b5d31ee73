"""The module spec's "Manual Testing Examples" block runs verbatim (imports pointed at the package) and
prints the sparsities the functions define."""

import contextlib
import io

import numpy as np
import pytest

import tinytorch as tt

SEED_BLOCK = """
from tinytorch.compression import (
magnitude_prune, structured_prune,
measure_sparsity, KnowledgeDistillation
)
from tinytorch.core.layers import Sequential, Linear
# Test magnitude pruning
model = Sequential(Linear(100, 50), Linear(50, 10))
print(f"Initial sparsity: {measure_sparsity(model):.1f}%")
magnitude_prune(model, sparsity=0.9)
print(f"After pruning: {measure_sparsity(model):.1f}%")
# Test structured pruning
structured_prune(model, prune_ratio=0.3)
print(f"After structured: {measure_sparsity(model):.1f}%")
# Test knowledge distillation
teacher = Sequential(Linear(100, 200), Linear(200, 50))
student = Sequential(Linear(100, 50)) # 3× smaller
kd = KnowledgeDistillation(teacher, student)
"""


def _numpy_oracle():
    """The same three steps in plain NumPy on the same initial weights (manual_seed(0))."""
    tt.manual_seed(0)
    from tinytorch.core.layers import Linear

    w0, w1 = Linear(100, 50).weight.data.astype(np.float64), Linear(50, 10).weight.data.astype(np.float64)
    flat = np.concatenate([np.abs(w0).ravel(), np.abs(w1).ravel()])
    keep = np.ones(flat.size, dtype=bool)
    keep[np.argsort(flat, kind="stable")[: round(0.9 * flat.size)]] = False
    w0, w1 = w0 * keep[:5000].reshape(100, 50), w1 * keep[5000:].reshape(50, 10)
    dead = np.argsort(np.linalg.norm(w0, axis=0), kind="stable")[: round(0.3 * 50)]
    w0[:, dead] = 0
    return w0, w1


@pytest.mark.library
def test_seed_manual_testing_example_runs_and_prints_the_defined_sparsities():
    tt.manual_seed(0)
    scope = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(SEED_BLOCK, scope)
    model = scope["model"]
    w0, w1 = _numpy_oracle()
    np.testing.assert_array_equal(model.layers[0].weight.data, w0)
    np.testing.assert_array_equal(model.layers[1].weight.data, w1)
    total = 100 * 50 + 50 + 50 * 10 + 10  # 5,560 entries, 60 of them zero biases at the start
    zeros = int(np.sum(w0 == 0)) + int(np.sum(w1 == 0)) + 60
    lines = out.getvalue().splitlines()
    assert lines == [
        f"Initial sparsity: {100 * 60 / total:.1f}%",
        f"After pruning: {100 * (4950 + 60) / total:.1f}%",
        f"After structured: {100 * zeros / total:.1f}%",
    ]
    assert lines[:2] == ["Initial sparsity: 1.1%", "After pruning: 90.1%"]
    assert model.layers[1].weight.shape == (50, 10) and np.all(model.layers[1].bias.data == 0)
    assert scope["kd"].temperature == 3.0 and scope["kd"].alpha == 0.7
    assert scope["kd"].teacher_model.training is False
