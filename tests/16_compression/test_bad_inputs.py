"""Every public function rejects bad arguments with TypeError/ValueError naming the argument, the
value and the allowed range, and a rejected call leaves the model (state_dict and masks) unchanged."""
import numpy as np
import pytest

import tinytorch as tt
from tinytorch import Tensor
from tinytorch.compression import (KnowledgeDistillation, compress_model, factorize_linear, low_rank_approximate,
                                   low_rank_compress, magnitude_prune, measure_sparsity, structured_prune)
from tinytorch.core.layers import Linear
from tinytorch.core.layers import Flatten, ReLU, Sequential
from tinytorch.core.optim import SGD


def _net():
    tt.manual_seed(0)
    net = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    net.layers[0].weight.mask = np.array([[True, False, True, True]] * 3)
    net.layers[0].weight.data[:, 1] = 0
    return net


def _snapshot(net):
    return ({k: v.copy() for k, v in net.state_dict().items()},
            {n: None if p.mask is None else p.mask.copy() for n, p in net.named_parameters()},
            [type(layer) for layer in net.layers])


def _assert_unchanged(net, snap):
    state, masks, types = snap
    now = net.state_dict()
    assert list(now) == list(state)
    for k, v in state.items():
        np.testing.assert_array_equal(now[k], v)
    for n, p in net.named_parameters():
        if masks[n] is None:
            assert p.mask is None
        else:
            np.testing.assert_array_equal(p.mask, masks[n])
    assert [type(layer) for layer in net.layers] == types


SPARSITY_CASES = [
    (-0.1, ValueError, r"sparsity=-0\.1 .*\[0, 1\]"),
    (1.5, ValueError, r"sparsity=1\.5 .*\[0, 1\]"),
    (float("nan"), ValueError, r"sparsity=nan .*\[0, 1\]"),
    (float("inf"), ValueError, r"sparsity=inf"),
    (-1, ValueError, r"sparsity=-1 .*non-negative integer"),
    (21, ValueError, r"sparsity=21 .*number of parameters to prune=20"),
    ("0.9", TypeError, r"sparsity: '0\.9'.*float in \[0, 1\]"),
    (True, TypeError, r"sparsity: True.*float in \[0, 1\]"),
    (None, TypeError, r"sparsity: None"),
]


@pytest.mark.parametrize("value,exc,match", SPARSITY_CASES)
def test_magnitude_prune_rejects_bad_sparsity_and_changes_nothing(value, exc, match):
    net = _net()
    snap = _snapshot(net)
    with pytest.raises(exc, match=match):
        magnitude_prune(net, sparsity=value)
    _assert_unchanged(net, snap)


def test_magnitude_prune_rejects_a_model_without_prunable_weights():
    net = Sequential(ReLU(), Flatten())
    with pytest.raises(ValueError, match="no prunable weights"):
        magnitude_prune(net, 0.5)


@pytest.mark.parametrize("model", [None, "model", Linear])
def test_functions_reject_a_non_module_model(model):
    for call in (lambda: magnitude_prune(model), lambda: measure_sparsity(model),
                 lambda: structured_prune(model), lambda: compress_model(model, {})):
        with pytest.raises(TypeError, match="model must be a tinytorch"):
            call()


def test_measure_sparsity_rejects_a_non_bool_weights_only():
    with pytest.raises(TypeError, match="weights_only must be True or False, got 'yes'"):
        measure_sparsity(_net(), weights_only="yes")


@pytest.mark.parametrize("value,exc,match", [
    (1.0, ValueError, r"prune_ratio=1\.0 is out of range; expected a value in \[0\.0, 1\.0\)"),
    (1.5, ValueError, r"prune_ratio=1\.5 is out of range"),
    (-0.1, ValueError, r"prune_ratio=-0\.1 is out of range"),
    (float("nan"), ValueError, r"prune_ratio=nan is not finite"),
    ("0.5", TypeError, r"prune_ratio must be a real number, got '0\.5'"),
    (True, TypeError, r"prune_ratio must be a real number, got True"),
])
def test_structured_prune_rejects_bad_prune_ratio_and_changes_nothing(value, exc, match):
    net = _net()
    snap = _snapshot(net)
    with pytest.raises(exc, match=match):
        structured_prune(net, prune_ratio=value, physical=True)
    _assert_unchanged(net, snap)


def test_structured_prune_rejects_non_bool_physical_and_changes_nothing():
    net = _net()
    snap = _snapshot(net)
    with pytest.raises(TypeError, match="physical must be True or False, got 1"):
        structured_prune(net, 0.5, physical=1)
    _assert_unchanged(net, snap)


def test_structured_prune_needs_a_hidden_linear_layer():
    tt.manual_seed(0)
    net = Sequential(Linear(3, 4))
    snap = _snapshot(net)
    with pytest.raises(ValueError, match=r">= 2 Linear layers .* got 1"):
        structured_prune(net, 0.5)
    _assert_unchanged(net, snap)
    with pytest.raises(TypeError, match="model must be a tinytorch Sequential, got Linear"):
        structured_prune(Linear(3, 4), 0.5)


def test_structured_prune_rejects_a_non_elementwise_layer_between_linears():
    tt.manual_seed(0)
    inner = Sequential(Linear(4, 4))
    net = Sequential(Linear(3, 4), inner, Linear(4, 2))
    snap = _snapshot(net)
    with pytest.raises(ValueError, match=r"layer 1 \(Sequential\) between Linear layers 0 and 2"):
        structured_prune(net, 0.5, physical=True)
    _assert_unchanged(net, snap)


def test_structured_prune_physical_with_sigmoid_needs_a_next_bias_and_changes_nothing():
    from tinytorch.core.layers import Sigmoid
    tt.manual_seed(0)
    net = Sequential(Linear(3, 4), Linear(4, 4), Sigmoid(), Linear(4, 2, bias=False))
    snap = _snapshot(net)
    with pytest.raises(ValueError, match="layer 3 has no bias"):
        structured_prune(net, 0.5, physical=True)
    _assert_unchanged(net, snap)


@pytest.mark.parametrize("kwargs,match", [
    ({"rank_ratio": 0}, r"rank_ratio=0 is out of range; expected a value in \(0\.0, 1\.0\]"),
    ({"rank_ratio": 1.5}, r"rank_ratio=1\.5 is out of range"),
    ({"rank_ratio": -0.5}, r"rank_ratio=-0\.5 is out of range"),
    ({"energy": 0.0}, r"energy=0\.0 is out of range; expected a value in \(0\.0, 1\.0\]"),
    ({"energy": 1.01}, r"energy=1\.01 is out of range"),
])
def test_low_rank_approximate_rejects_ratios_outside_zero_one(kwargs, match):
    with pytest.raises(ValueError, match=match):
        low_rank_approximate(np.eye(3), **kwargs)


def test_low_rank_approximate_rejects_bad_matrices():
    with pytest.raises(ValueError, match=r"weight_matrix must have 2 dimensions, got shape \(3,\)"):
        low_rank_approximate(np.ones(3))
    with pytest.raises(ValueError, match="weight_matrix must be non-empty"):
        low_rank_approximate(np.ones((0, 3)))
    with pytest.raises(ValueError, match="weight_matrix contains NaN or inf"):
        low_rank_approximate(np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match="rank_ratio must be a real number"):
        low_rank_approximate(np.eye(2), rank_ratio="half")


@pytest.mark.parametrize("rank,exc,match", [
    (0, ValueError, r"rank=0 is out of range; expected an int in \[1, 3\]"),
    (4, ValueError, r"rank=4 is out of range; expected an int in \[1, 3\]"),
    (2.0, TypeError, r"rank must be an int, got 2\.0"),
    (True, TypeError, r"rank must be an int, got True"),
])
def test_factorize_linear_rejects_bad_ranks(rank, exc, match):
    tt.manual_seed(0)
    with pytest.raises(exc, match=match):
        factorize_linear(Linear(5, 3), rank)


def test_low_rank_compress_rejects_bad_ratios_and_changes_nothing():
    net = _net()
    snap = _snapshot(net)
    with pytest.raises(ValueError, match=r"rank_ratio=0 is out of range"):
        low_rank_compress(net, rank_ratio=0)
    _assert_unchanged(net, snap)


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"temperature": 0}, ValueError, r"temperature=0 is out of range; expected a value in \(0\.0, inf\]"),
    ({"temperature": -1.0}, ValueError, r"temperature=-1\.0 is out of range"),
    ({"temperature": "3"}, TypeError, r"temperature must be a real number, got '3'"),
    ({"alpha": 1.5}, ValueError, r"alpha=1\.5 is out of range; expected a value in \[0\.0, 1\.0\]"),
    ({"alpha": -0.1}, ValueError, r"alpha=-0\.1 is out of range"),
    ({"alpha": float("nan")}, ValueError, r"alpha=nan is not finite"),
])
def test_knowledge_distillation_rejects_bad_temperature_and_alpha(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        KnowledgeDistillation(_net(), _net(), **kwargs)


def test_knowledge_distillation_rejects_non_module_models():
    with pytest.raises(TypeError, match="student_model must be a tinytorch Module, got str"):
        KnowledgeDistillation(_net(), "student")


def test_distillation_loss_rejects_mismatched_logit_shapes():
    kd = KnowledgeDistillation(_net(), _net())
    with pytest.raises(ValueError, match=r"student_logits shape \(2, 3\) and teacher_logits shape \(2, 4\)"):
        kd.distillation_loss(Tensor(np.zeros((2, 3))), np.zeros((2, 4)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"teacher_logits must have 2 dimensions"):
        kd.distillation_loss(Tensor(np.zeros((2, 3))), np.zeros(6), np.array([0, 1]))


@pytest.mark.parametrize("labels,exc,match", [
    (np.array([0, 3]), ValueError, r"true_labels contains 3; expected class indices in \[0, 2\]"),
    (np.array([-1, 0]), ValueError, r"true_labels contains -1; expected class indices in \[0, 2\]"),
    (np.array([0, 1, 2]), ValueError, r"true_labels shape \(3,\) must be \(2,\)"),
    (np.array([0.0, 1.0]), TypeError, r"true_labels must be an integer array"),
])
def test_distillation_loss_rejects_bad_labels(labels, exc, match):
    kd = KnowledgeDistillation(_net(), _net())
    with pytest.raises(exc, match=match):
        kd.distillation_loss(Tensor(np.zeros((2, 3))), np.zeros((2, 3)), labels)


def test_train_step_with_out_of_range_labels_leaves_both_models_unchanged():
    teacher, student = _net(), _net()
    kd = KnowledgeDistillation(teacher, student)
    snaps = _snapshot(teacher), _snapshot(student)
    with pytest.raises(ValueError, match=r"true_labels contains 5"):
        kd.train_step(np.ones((2, 3)), np.array([0, 5]), SGD(student.parameters(), lr=0.1))
    _assert_unchanged(teacher, snaps[0])
    _assert_unchanged(student, snaps[1])


@pytest.mark.parametrize("config,exc,match", [
    ({"magnitude_prune": 0.5, "quantize": 8}, ValueError, r"unknown compression_config key 'quantize'"),
    ({"magnitude_prune": 1.5}, ValueError, r"magnitude_prune=1\.5 is out of range"),
    ({"magnitude_prune": 0.5, "structured_prune": 1.0}, ValueError, r"structured_prune=1\.0 is out of range"),
    ({"magnitude_prune": 0.5, "low_rank": 0}, ValueError, r"low_rank=0 is out of range"),
    ({"magnitude_prune": "0.5"}, TypeError, r"magnitude_prune must be a real number"),
    ([("magnitude_prune", 0.5)], TypeError, r"compression_config must be a dict, got list"),
])
def test_compress_model_validates_the_whole_config_before_changing_anything(config, exc, match):
    net = _net()
    snap = _snapshot(net)
    with pytest.raises(exc, match=match):
        compress_model(net, config)
    _assert_unchanged(net, snap)


def test_compress_model_rejects_structured_pruning_of_an_unsuitable_model_before_magnitude():
    tt.manual_seed(0)
    net = Sequential(Linear(3, 4))
    snap = _snapshot(net)
    with pytest.raises(ValueError, match=">= 2 Linear layers"):
        compress_model(net, {"magnitude_prune": 0.5, "structured_prune": 0.5})
    _assert_unchanged(net, snap)
