"""The library's edge gaps of issue 19: each extreme input is either handled correctly (dtype kept, float64
accumulation, a scaled SVD) or rejected with an error naming the argument, and a rejected call changes nothing
(every parameter's data, dtype, mask, gradient and requires_grad, the layers and the train/eval modes)."""

import numpy as np
import pytest
from fast_prune import magnitude_prune_fast  # instructor-only, benchmarks/fast_prune.py

import tinytorch as tt
from tinytorch.compression import (
    KnowledgeDistillation,
    compress_model,
    factorize_linear,
    low_rank_approximate,
    low_rank_compress,
    magnitude_prune,
    structured_prune,
)
from tinytorch.compression.schedule import gradual_prune
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.module import Parameter
from tinytorch.core.optim import SGD
from tinytorch.core.tensor import Tensor
from tinytorch.data import DataLoader
from tinytorch.training import fit, train_step

X8 = np.linspace(0.0, 1.0, 32, dtype=np.float32).reshape(8, 4)
Y8 = np.array([0, 1] * 4)
F32_MAX = float(np.finfo(np.float32).max)


def _net(seed=0, widths=(4, 6, 2)):
    tt.manual_seed(seed)
    return Sequential(Linear(widths[0], widths[1]), ReLU(), Linear(widths[1], widths[2]))


def _half(net):
    for p in net.parameters():
        p.data = p.data.astype(np.float16)
    return net


def _frozen(net):
    for p in net.parameters():
        p.requires_grad = False
    return net


def _snapshot(*models):
    """Everything a rejected call must leave as it was."""
    snap = []
    for model in models:
        snap.append([type(layer) for layer in getattr(model, "layers", [])])
        snap.append([m.training for m in model.modules()])
        for name, p in model.named_parameters():
            grad = None if p.grad is None else p.grad.copy()
            mask = None if p.mask is None else p.mask.copy()
            snap.append((name, p.data.copy(), p.data.dtype, mask, grad, p.requires_grad))
    return snap


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


# ----- float16 layers: structured pruning and the low-rank family keep the dtype -----
@pytest.mark.structured_prune
def test_physical_structured_prune_of_a_float16_model_keeps_every_parameter_float16_and_the_outputs():
    net = _half(_net())
    x = Tensor(X8)
    masked = structured_prune(_half(_net()), 0.5, physical=False)
    before = _half(_net())
    structured_prune(before, 0.5, physical=False)
    kept = structured_prune(net, 0.5, physical=True)
    assert [p.data.dtype for p in net.parameters()] == [np.dtype(np.float16)] * 4
    assert kept["layers.0"].tolist() == masked["layers.0"].tolist() and net.layers[0].weight.shape == (4, 3)
    assert np.allclose(net(x).data, before(x).data, atol=1e-2)


@pytest.mark.factorize_linear
def test_factorize_linear_of_a_float16_layer_gives_float16_factors_that_reproduce_it_at_full_rank():
    lin = _half(_net()).layers[0]
    fac = factorize_linear(lin, 4)
    assert [p.data.dtype for p in fac.parameters()] == [np.dtype(np.float16)] * 3
    x = Tensor(X8.astype(np.float16))
    assert np.allclose(fac(x).data.astype(np.float32), lin(x).data.astype(np.float32), atol=1e-2)


@pytest.mark.library
def test_low_rank_compress_of_a_float16_model_replaces_layers_with_float16_factors():
    net = _half(_net(widths=(8, 8, 8)))
    assert low_rank_compress(net, rank_ratio=0.25) == {"layers.0": 2, "layers.2": 2}
    assert {p.data.dtype for p in net.parameters()} == {np.dtype(np.float16)}


@pytest.mark.compress_model
def test_compress_model_with_low_rank_on_a_float16_model_keeps_float16():
    net = _half(_net(widths=(8, 8, 8)))
    stats = compress_model(net, {"low_rank": 0.25})
    assert stats["applied_techniques"] == ["low_rank_0.25"]
    assert {p.data.dtype for p in net.parameters()} == {np.dtype(np.float16)}


@pytest.mark.factorize_linear
def test_factorize_linear_rejects_integer_weights_naming_the_weight_and_its_dtype_and_changes_nothing():
    lin = Linear(3, 2)
    lin.weight.data = np.arange(6, dtype=np.int64).reshape(3, 2)
    before = _snapshot(lin)
    with pytest.raises(TypeError, match=r"linear\.weight=.*int64"):
        factorize_linear(lin, 1)
    assert _same(_snapshot(lin), before)


# ----- a fully frozen model is rejected before anything changes -----
@pytest.mark.library
def test_train_step_of_a_fully_frozen_model_raises_before_changing_grads_or_modes():
    net = _frozen(_net())
    net.eval()
    other = _net(1)  # an optimizer over another, trainable model: the frozen model still has nothing to train
    for p in other.parameters():
        p.grad = np.ones_like(p.data)
    before = _snapshot(net, other)
    with pytest.raises(ValueError, match=r"model=Sequential.*requires grad"):
        train_step(net, Tensor(X8), Y8, CrossEntropyLoss(), SGD(other.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r"optimizer=.*requires grad"):
        train_step(net, Tensor(X8), Y8, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1))
    with pytest.raises(ValueError, match=r"model=Sequential.*requires grad"):
        fit(net, DataLoader(X8, Y8, batch_size=4), CrossEntropyLoss(), SGD(other.parameters(), lr=0.1))
    assert _same(_snapshot(net, other), before)


@pytest.mark.library
def test_gradual_prune_of_a_fully_frozen_model_raises_before_pruning_anything():
    net = _frozen(_net())
    before = _snapshot(net)
    with pytest.raises(ValueError, match=r"optimizer=.*requires grad"):
        gradual_prune(
            net, DataLoader(X8, Y8, batch_size=4), CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), 0.5, 2
        )
    assert _same(_snapshot(net), before)


@pytest.mark.knowledge_distillation
def test_kd_train_step_with_a_fully_frozen_student_raises_before_changing_modes_or_grads():
    student = _frozen(_net())
    kd = KnowledgeDistillation(_net(1), student)
    student.eval()
    kd.teacher_model.train()
    before = _snapshot(kd.teacher_model, student)
    with pytest.raises(ValueError, match=r"optimizer=.*requires grad"):
        kd.train_step(X8, Y8, SGD(student.parameters(), lr=0.1))
    assert _same(_snapshot(kd.teacher_model, student), before)


@pytest.mark.knowledge_distillation
def test_kd_train_step_rejects_an_optimizer_over_another_models_parameters_and_changes_nothing():
    kd = KnowledgeDistillation(_net(1), _net(2))
    for model in (kd.teacher_model, kd.student_model):
        for p in model.parameters():
            p.grad = np.full_like(p.data, 0.5)
    before = _snapshot(kd.teacher_model, kd.student_model)
    for params in (kd.teacher_model.parameters(), _net(3).parameters()):
        with pytest.raises(ValueError, match=r"optimizer=.*the model's parameters"):
            kd.train_step(X8, Y8, SGD(params, lr=0.1))
    assert _same(_snapshot(kd.teacher_model, kd.student_model), before)


# ----- empty distillation batches name the argument -----
@pytest.mark.knowledge_distillation
def test_an_empty_distillation_batch_is_rejected_naming_the_argument_and_its_shape():
    kd = KnowledgeDistillation(_net(1), _net(2))
    with pytest.raises(
        ValueError,
        match=r"teacher_logits=.*\(0, 2\).*batch >= 1",
    ):
        kd.distillation_loss(Tensor(np.zeros((0, 2))), np.zeros((0, 2)), np.zeros(0, dtype=np.int64))
    before = _snapshot(kd.teacher_model, kd.student_model)
    with pytest.raises(ValueError, match=r"x=.*\(0, 4\).*at least one sample"):
        kd.train_step(X8[:0], Y8[:0], SGD(kd.student_model.parameters(), lr=0.1))
    assert _same(_snapshot(kd.teacher_model, kd.student_model), before)


# ----- the energy rule and the SVD near the float maximum -----
@pytest.mark.low_rank_approximate
def test_energy_1_keeps_the_full_rank_of_a_float32_matrix_whose_last_energy_is_below_float32_resolution():
    w = np.diag(np.array([1.0, 1e-4], dtype=np.float32))  # 1 + 1e-8 == 1 in float32
    assert len(low_rank_approximate(w, energy=1.0)[1]) == 2
    assert len(low_rank_approximate(w, energy=0.9)[1]) == 1


@pytest.mark.low_rank_approximate
@pytest.mark.parametrize("energy", [0.1, 0.5, 1.0])
def test_an_all_zero_matrix_keeps_every_rank_under_the_energy_rule(energy):
    u, s, vh = low_rank_approximate(np.zeros((3, 5), dtype=np.float32), energy=energy)
    assert (u.shape, s.tolist(), vh.shape) == ((3, 3), [0.0, 0.0, 0.0], (3, 5))


@pytest.mark.low_rank_approximate
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_low_rank_approximate_of_a_full_matrix_near_the_float_maximum_is_finite_and_exact(dtype):
    big = np.finfo(dtype).max
    rng = np.random.default_rng(0)
    w = (rng.uniform(-1, 1, (4, 3)) * (big / 8)).astype(dtype)  # squares overflow; singular values fit
    u, s, vh = low_rank_approximate(w, rank_ratio=1.0)
    assert all(np.all(np.isfinite(f)) for f in (u, s, vh)) and s.dtype == dtype
    scaled = np.linalg.svd(w.astype(np.float64) / (big / 8), compute_uv=False)
    assert np.allclose(s.astype(np.float64) / (big / 8), scaled, rtol=1e-5)
    assert np.allclose((u * (s / (big / 8))) @ vh, w / (big / 8), atol=1e-5)


@pytest.mark.low_rank_approximate
def test_a_singular_value_above_the_dtype_maximum_is_rejected_naming_the_matrix():
    w = np.full((3, 3), F32_MAX / 2, dtype=np.float32)  # S[0] = 3 * max / 2
    keep = w.copy()
    with pytest.raises(ValueError, match=r"weight_matrix=.*float32.*5\.1\d*e\+38"):
        low_rank_approximate(w, rank_ratio=0.5)
    assert np.array_equal(w, keep)


@pytest.mark.factorize_linear
def test_factorize_linear_of_a_layer_near_the_float_maximum_reproduces_it_at_full_rank():
    lin = Linear(3, 3, bias=False)
    lin.weight.data = (np.eye(3) * (F32_MAX / 4)).astype(np.float32)
    fac = factorize_linear(lin, 3)
    assert all(np.all(np.isfinite(p.data)) for p in fac.parameters())
    x = Tensor(np.eye(3, dtype=np.float32))
    assert np.allclose(fac(x).data / (F32_MAX / 4), lin(x).data / (F32_MAX / 4), atol=1e-6)


# ----- a zero-size parameter next to a normal one is skipped -----
@pytest.mark.magnitude_prune
@pytest.mark.parametrize("prune", [magnitude_prune, magnitude_prune_fast], ids=["graded", "fast"])
def test_magnitude_prune_skips_a_zero_size_weight_next_to_a_normal_one(prune):
    net = _net()
    net.layers[0].extra = Parameter(np.zeros((0, 3), dtype=np.float32))
    masks = prune(net, 0.5)
    assert sorted(masks) == ["layers.0.weight", "layers.2.weight"]
    assert sum(int(np.count_nonzero(~m)) for m in masks.values()) == round(0.5 * (24 + 12))
    assert net.layers[0].extra.mask is None and net.layers[0].extra.shape == (0, 3)
