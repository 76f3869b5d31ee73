"""The graded functions at the edges: dtypes (float16, float64), memory ownership, overflow near the dtype's
maximum, frozen and shared parameters, the labels people pass, and the method option of the low-rank tasks."""

import numpy as np
import pytest
from nets import shared_linear_net

import tinytorch as tt
from tinytorch import Tensor
from tinytorch.compression import (
    KnowledgeDistillation,
    compress_model,
    factorize_linear,
    low_rank_approximate,
    low_rank_compress,
    magnitude_prune,
    structured_prune,
)
from tinytorch.core.layers import Linear, ReLU, Sequential

S = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
T = np.array([[3.0, 2.0, 1.0], [1.0, 0.0, -1.0]])


def _kd():
    return KnowledgeDistillation(
        Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature=2.0, alpha=0.7
    )


@pytest.mark.knowledge_distillation
@pytest.mark.parametrize(
    "labels",
    [np.array([2, 0]), Tensor(np.array([2, 0])), np.eye(3)[[2, 0]], Tensor(np.eye(3)[[2, 0]])],
    ids=["ints", "int Tensor", "one-hot", "one-hot Tensor"],
)
def test_distillation_loss_is_0_783941_for_int_tensor_and_one_hot_labels(labels):
    assert abs(_kd().distillation_loss(Tensor(S), T, labels).item() - 0.783941) < 1e-6


@pytest.mark.knowledge_distillation
def test_distillation_rejects_a_temperature_outside_the_finite_range_with_the_range_in_the_message():
    for bad in (0.01, 1e4):
        with pytest.raises(ValueError, match=r"temperature=.*\[0\.05, 100\.0\]"):
            KnowledgeDistillation(Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature=bad)


@pytest.mark.knowledge_distillation
@pytest.mark.parametrize("temperature", [0.05, 100.0])
def test_distillation_loss_and_gradient_are_finite_at_both_ends_of_the_temperature_range(temperature):
    kd = KnowledgeDistillation(
        Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature=temperature, alpha=0.5
    )
    s = Tensor(S * 1e3, requires_grad=True)
    loss = kd.distillation_loss(s, T * 1e3, np.array([2, 0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(s.grad))


@pytest.mark.knowledge_distillation
@pytest.mark.parametrize("temperature", [0.05, 1.0, 100.0])
def test_distillation_loss_is_finite_up_to_the_largest_logits_it_accepts_and_rejects_larger_ones(temperature):
    kd = KnowledgeDistillation(
        Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature=temperature, alpha=0.5
    )
    limit = 0.999 * float(np.finfo(np.float32).max) / 8 * min(temperature, 1.0 / temperature)
    big = np.array([[limit, -limit, 0.0], [0.0, limit / 2, -limit]], dtype=np.float32)
    s = Tensor(big, requires_grad=True)
    loss = kd.distillation_loss(s, big[::-1].copy(), np.array([2, 0]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(s.grad))
    with pytest.raises(ValueError, match=r"student_logits=.*float32.*\|z\| <= .* got "):
        kd.distillation_loss(Tensor(big * 1.02), big, np.array([2, 0]))


@pytest.mark.low_rank_approximate
def test_low_rank_approximate_of_float16_input_returns_float16_factors_close_to_the_float32_ones():
    w = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float16)
    u, s, vh = low_rank_approximate(w, rank_ratio=0.5)
    assert (u.dtype, s.dtype, vh.dtype) == (np.float16,) * 3
    exact = np.linalg.svd(w.astype(np.float32), compute_uv=False)[:2]
    assert np.allclose(s.astype(np.float32), exact, rtol=1e-3)


@pytest.mark.low_rank_approximate
def test_low_rank_approximate_returns_arrays_that_own_their_memory():
    for factor in low_rank_approximate(np.random.default_rng(0).normal(size=(50, 40)), rank_ratio=0.1):
        assert factor.base is None and factor.flags.owndata


@pytest.mark.low_rank_approximate
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_low_rank_approximate_near_the_dtype_maximum_stays_finite_and_picks_the_energy_rank(dtype):
    big = np.finfo(dtype).max / 4
    w = np.diag(np.array([big, big / 2, big / 1e6], dtype=dtype))
    u, s, vh = low_rank_approximate(w, energy=0.9)
    assert len(s) == 2 and np.all(np.isfinite(s)) and np.all(np.isfinite(u)) and np.all(np.isfinite(vh))


@pytest.mark.low_rank_approximate
def test_randomized_low_rank_matches_the_exact_factors_on_an_exactly_low_rank_matrix():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(40, 3)) @ rng.normal(size=(3, 30))
    exact = low_rank_approximate(w, rank_ratio=0.1)
    fast = low_rank_approximate(w, rank_ratio=0.1, method="randomized", seed=3)
    assert [f.shape for f in fast] == [f.shape for f in exact] == [(40, 3), (3,), (3, 30)]
    assert np.allclose(fast[1], exact[1]) and np.allclose((fast[0] * fast[1]) @ fast[2], w)
    again = low_rank_approximate(w, rank_ratio=0.1, method="randomized", seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(fast, again))


@pytest.mark.low_rank_approximate
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"method": "fast"}, ValueError, "method"),
        ({"method": 1}, TypeError, "method"),
        ({"method": "randomized", "n_iter": -1}, ValueError, "n_iter"),
        ({"method": "randomized", "oversample": 2.5}, TypeError, "oversample"),
        (
            {"method": "randomized", "energy": 0.9},
            ValueError,
            "energy=0.9: expected None with method='randomized'",
        ),
    ],
)
def test_low_rank_approximate_rejects_bad_method_options_naming_them(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        low_rank_approximate(np.eye(4), **kwargs)


@pytest.mark.factorize_linear
def test_factorize_linear_and_low_rank_compress_take_the_randomized_method():
    tt.manual_seed(0)
    lin = Linear(8, 6)
    x = Tensor(np.random.default_rng(1).normal(size=(3, 8)))
    assert np.allclose(factorize_linear(lin, 6, method="randomized")(x).data, lin(x).data, atol=1e-5)
    net = Sequential(Linear(20, 20), ReLU(), Linear(20, 3))
    assert low_rank_compress(net, rank_ratio=0.25, method="randomized") == {"layers.0": 5, "layers.2": 1}


def _float64_net_with_a_frozen_first_weight():
    tt.manual_seed(0)
    net = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    for p in net.parameters():
        p.data = p.data.astype(np.float64)
    net.layers[0].weight.requires_grad = False
    return net


@pytest.mark.structured_prune
def test_physical_structured_pruning_keeps_dtype_and_requires_grad():
    net = _float64_net_with_a_frozen_first_weight()
    structured_prune(net, prune_ratio=0.5, physical=True)
    assert [p.data.dtype for p in net.parameters()] == [np.float64] * 4
    assert [p.requires_grad for p in net.parameters()] == [False, True, True, True]


@pytest.mark.factorize_linear
def test_factorization_keeps_dtype_and_requires_grad():
    net = _float64_net_with_a_frozen_first_weight()
    f = factorize_linear(net.layers[0], 1)
    assert [p.data.dtype for p in f.parameters()] == [np.float64] * 3
    assert [p.requires_grad for p in f.parameters()] == [False, False, True]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda m: structured_prune(m, 0.5, physical=True),
            id="structured_prune physical",
            marks=pytest.mark.structured_prune,
        ),
        pytest.param(
            lambda m: low_rank_compress(m, rank_ratio=0.25), id="low_rank_compress", marks=pytest.mark.library
        ),
        pytest.param(
            lambda m: compress_model(m, {"structured_prune": 0.5}),
            id="compress_model",
            marks=pytest.mark.compress_model,
        ),
    ],
)
def test_calls_that_rebuild_layers_reject_a_shared_layer_and_change_nothing(call):
    model = shared_linear_net()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match="model=.*distinct layers"):
        call(model)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))


@pytest.mark.magnitude_prune
def test_magnitude_prune_counts_a_shared_layer_once():
    model = shared_linear_net()
    masks = magnitude_prune(model, sparsity=0.5)
    assert sorted(masks) == ["layers.0.weight", "layers.4.weight"]
    zeros = int(np.sum(model.layers[0].weight.data == 0)) + int(np.sum(model.layers[4].weight.data == 0))
    assert zeros == round(0.5 * (16 + 8))


@pytest.mark.compress_model
def test_compress_model_lists_low_rank_only_when_a_layer_was_replaced():
    tt.manual_seed(0)
    square = Sequential(Linear(8, 8))
    assert compress_model(square, {"low_rank": 0.5})["applied_techniques"] == []
    assert compress_model(Sequential(Linear(8, 8)), {"low_rank": 0.25})["applied_techniques"] == [
        "low_rank_0.25"
    ]
