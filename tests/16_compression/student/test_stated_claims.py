"""Student tests: each one checks a claim the notebook states in its self-check text, on the tiny exact case
the notebook gives (its docstring quotes the notebook). They import your exported code from
tinytorch.compression; `tito module complete 16` exports it and runs them.

No reference implementation lives here: the expected values are the notebook's own hand-checkable numbers."""

import numpy as np
import pytest

from tinytorch.compression import (
    KnowledgeDistillation,
    factorize_linear,
    low_rank_approximate,
    magnitude_prune,
    measure_sparsity,
    structured_prune,
)
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.tensor import Tensor


def _count(model):
    return sum(p.data.size for p in model.parameters())


@pytest.mark.measure_sparsity
def test_linear_4x4_with_weights_1_to_16_reads_20_and_0_then_40_and_25_after_zeroing_a_row():
    """`Sequential(Linear(4, 4))` with weights 1..16 and its 4 zero biases reads 20.0 % over all
    parameters and 0.0 % over weights; zeroing one row of 4 weights makes that 40.0 % and 25.0 %."""
    lin = Linear(4, 4)
    lin.weight.data = np.arange(1, 17, dtype=np.float32).reshape(4, 4)
    lin.bias.data[:] = 0
    net = Sequential(lin)
    got = (measure_sparsity(net), measure_sparsity(net, weights_only=True))
    assert got[0] == 20.0, f"measure_sparsity: expected 20.0, got {got[0]}"
    assert got[1] == 0.0, f"measure_sparsity(weights_only=True): expected 0.0, got {got[1]}"
    lin.weight.data[0, :] = 0
    got = (measure_sparsity(net), measure_sparsity(net, weights_only=True))
    assert got[0] == 40.0, f"measure_sparsity after zeroing a row: expected 40.0, got {got[0]}"
    assert got[1] == 25.0, (
        f"measure_sparsity(weights_only=True) after zeroing a row: expected 25.0, got {got[1]}"
    )


@pytest.mark.magnitude_prune
def test_magnitude_prune_of_w5_at_075_removes_19_and_keeps_flat_indices_19_to_24():
    """`w5` is a 5x5 weight holding +-1..25 (signs alternate): at s = 0.75 `round(18.75) = 19`
    weights go and flat indices 19..24 (|w| = 20..25) stay."""
    lin = Linear(5, 5)
    signs = np.where(np.arange(25) % 2, 1, -1).reshape(5, 5)
    lin.weight.data = (np.arange(1, 26, dtype=np.float32).reshape(5, 5) * signs).astype(np.float32)
    magnitude_prune(Sequential(lin), sparsity=0.75)
    zeros = int(np.sum(lin.weight.data == 0))
    assert zeros == 19, f"zeros: expected 19, got {zeros}"
    kept = np.flatnonzero(lin.weight.data).tolist()
    assert kept == list(range(19, 25)), f"kept flat indices: expected 19..24, got {kept}"


@pytest.mark.magnitude_prune
def test_magnitude_prune_of_seven_equal_weights_at_05_prunes_the_first_four():
    """Seven equal weights at s = 0.5: the first four go."""
    net = Sequential(Linear(7, 1))
    net.layers[0].weight.data[:] = 1.0
    magnitude_prune(net, sparsity=0.5)
    got = net.layers[0].weight.data.ravel().tolist()
    assert got == [0, 0, 0, 0, 1, 1, 1], f"weights: expected [0, 0, 0, 0, 1, 1, 1], got {got}"


def _neuron_net():
    net = Sequential(Linear(2, 4), ReLU(), Linear(4, 3))
    net.layers[0].weight.data = np.array([[3.0, 2.0, 1.0, 0.0], [0.0, 2.0, 0.0, 2.9]], dtype=np.float32)
    return net


@pytest.mark.structured_prune
def test_structured_prune_at_05_removes_neurons_2_and_1_and_keeps_0_and_3():
    """`Sequential(Linear(2, 4), ReLU(), Linear(4, 3))` whose first weight has
    columns `(3, 0)`, `(2, 2)`, `(1, 0)`, `(0, 2.9)`: L2 norms 3, 2.83, 1, 2.9 (L1 norms would be
    3, 4, 1, 2.9). At `prune_ratio=0.5` neurons 2 and 1 go and 0, 3 stay"""
    got = np.asarray(structured_prune(_neuron_net(), prune_ratio=0.5)["layers.0"]).tolist()
    assert got == [0, 3], f"kept neurons of layers.0: expected [0, 3], got {got}"


@pytest.mark.structured_prune
def test_physical_structured_prune_makes_the_model_2_2_3_and_removes_12_parameters():
    """physically the model becomes 2-2-3 and loses
    `2 * (2 + 1) + 2 * 3 = 12` parameters."""
    net = _neuron_net()
    before = _count(net)
    structured_prune(net, prune_ratio=0.5, physical=True)
    shapes = [tuple(net.layers[i].weight.data.shape) for i in (0, 2)]
    assert shapes == [(2, 2), (2, 3)], f"weight shapes: expected [(2, 2), (2, 3)], got {shapes}"
    removed = before - _count(net)
    assert removed == 12, f"parameters removed: expected 12, got {removed}"


@pytest.mark.knowledge_distillation
def test_distillation_loss_of_the_stated_logits_is_0_783941():
    """student logits `s = [[1, 2, 3], [0, 0, 0]]`,
    teacher logits `t = [[3, 2, 1], [1, 0, -1]]`, labels `[2, 0]`, `T = 2`, `alpha = 0.7`:
    `KL(p_t || p_s) = 0.199289`, `T^2 KL = 0.797155`, `CE = 0.753109`, loss `0.7 * 0.797155 + 0.3 * 0.753109
    = 0.783941`."""
    kd = KnowledgeDistillation(Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature=2.0, alpha=0.7)
    student = Tensor(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), requires_grad=True)
    loss = kd.distillation_loss(student, np.array([[3.0, 2.0, 1.0], [1.0, 0.0, -1.0]]), np.array([2, 0]))
    got = round(float(loss.item()), 6)
    assert got == 0.783941, f"loss: expected 0.783941, got {got}"


@pytest.mark.low_rank_approximate
def test_low_rank_of_diag_5_3_1_at_one_third_keeps_5_with_error_3_162278():
    """for `diag(5, 3, 1)`, `rank_ratio=1/3` keeps `S = [5]` and the Frobenius error of
    `U diag(S) Vh` is `sqrt(3**2 + 1**2) = 3.162278`"""
    w = np.diag([5.0, 3.0, 1.0])
    u, s, vh = low_rank_approximate(w, rank_ratio=1 / 3)
    assert np.asarray(s).tolist() == [5.0], f"S: expected [5.0], got {np.asarray(s).tolist()}"
    got = round(float(np.linalg.norm(w - u @ np.diag(s) @ vh)), 6)
    assert got == 3.162278, f"Frobenius error: expected 3.162278, got {got}"


@pytest.mark.low_rank_approximate
def test_low_rank_of_diag_5_3_1_at_energy_09_keeps_rank_2():
    """`energy=0.9` keeps k = 2 (energies 0.714, 0.971, 1.0)."""
    _, s, _ = low_rank_approximate(np.diag([5.0, 3.0, 1.0]), energy=0.9)
    assert len(s) == 2, f"rank kept: expected 2, got {len(s)}"


@pytest.mark.factorize_linear
def test_factorize_linear_4x3_at_rank_1_gives_shapes_4x1_and_1x3_and_10_parameters():
    """factorizing a `Linear(4, 3)` at rank 1 gives layers of weight shapes (4, 1) and (1, 3), no bias
    on the first, and `1 * (4 + 3) + 3 = 10` parameters"""
    pair = factorize_linear(Linear(4, 3), 1)
    shapes = [tuple(layer.weight.data.shape) for layer in pair.layers]
    assert shapes == [(4, 1), (1, 3)], f"weight shapes: expected [(4, 1), (1, 3)], got {shapes}"
    assert pair.layers[0].bias is None, "first layer: expected no bias, got one"
    assert _count(pair) == 10, f"parameters: expected 10, got {_count(pair)}"


@pytest.mark.factorize_linear
def test_factorize_linear_4x3_at_rank_3_reproduces_the_layer():
    """at rank 3 it reproduces the layer's outputs."""
    lin = Linear(4, 3)
    x = Tensor(np.arange(8, dtype=np.float32).reshape(2, 4))
    want, got = lin(x).data, factorize_linear(lin, 3)(x).data
    assert np.allclose(got, want, atol=1e-5), f"outputs: expected {want.tolist()}, got {got.tolist()}"
