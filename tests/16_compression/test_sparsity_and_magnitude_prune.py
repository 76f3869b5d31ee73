"""measure_sparsity, count_parameters, prunable_parameters and magnitude_prune (global, exact-k, masks)."""

import numpy as np
import pytest
from nets import mlp_with_weights

import tinytorch as tt
from tinytorch import Tensor
from tinytorch.compression import count_parameters, magnitude_prune, measure_sparsity, prunable_parameters
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD


def _zeros(model):
    return sum(int(np.sum(p.data == 0)) for _, p in prunable_parameters(model))


@pytest.mark.measure_sparsity
def test_measure_sparsity_of_fresh_linear_4x4_is_20_percent_from_zero_biases():
    tt.manual_seed(0)
    net = Sequential(Linear(4, 4))
    assert measure_sparsity(net) == 20.0
    assert measure_sparsity(net, weights_only=True) == 0.0


@pytest.mark.measure_sparsity
def test_measure_sparsity_is_a_percentage_of_exact_zeros():
    net = mlp_with_weights(np.arange(1, 17).reshape(4, 4), bias=0.5)
    net.layers[0].weight.data[0] = 0
    net.layers[0].bias.data[:2] = 0
    assert measure_sparsity(net) == 100.0 * 6 / 20
    assert measure_sparsity(net, weights_only=True) == 25.0


@pytest.mark.measure_sparsity
def test_measure_sparsity_of_a_model_without_parameters_is_zero():
    assert measure_sparsity(Sequential()) == 0.0
    assert measure_sparsity(Sequential(ReLU()), weights_only=True) == 0.0


@pytest.mark.measure_sparsity
def test_count_parameters_counts_entries_and_non_zeros():
    net = mlp_with_weights(np.arange(6).reshape(2, 3), bias=0.5)
    assert count_parameters(net) == 9
    assert count_parameters(net, nonzero_only=True) == 8


@pytest.mark.measure_sparsity
def test_prunable_parameters_are_the_weights_in_model_order():
    tt.manual_seed(0)
    net = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    assert [name for name, _ in prunable_parameters(net)] == ["layers.0.weight", "layers.2.weight"]


@pytest.mark.magnitude_prune
def test_magnitude_prune_5x5_at_075_leaves_19_zeros_and_keeps_the_6_largest():
    w = (np.arange(1, 26) * np.where(np.arange(25) % 2, 1, -1)).reshape(5, 5)
    net = mlp_with_weights(w, bias=0.5)
    masks = magnitude_prune(net, sparsity=0.75)
    lin = net.layers[0]
    assert _zeros(net) == 19
    assert measure_sparsity(net, weights_only=True) == 76.0
    np.testing.assert_array_equal(np.flatnonzero(lin.weight.data), np.arange(19, 25))
    np.testing.assert_array_equal(masks["layers.0.weight"], lin.weight.data != 0)
    np.testing.assert_array_equal(lin.weight.mask, masks["layers.0.weight"])


@pytest.mark.magnitude_prune
def test_magnitude_prune_leaves_exactly_10_non_zeros_at_060_on_5x5():
    net = mlp_with_weights(np.arange(1, 26).reshape(5, 5), bias=0.5)
    magnitude_prune(net, sparsity=0.6)
    assert np.count_nonzero(net.layers[0].weight.data) == 10


@pytest.mark.magnitude_prune
def test_magnitude_prune_removes_exactly_round_s_times_n_half_to_even():
    net = mlp_with_weights(np.arange(1, 8).reshape(7, 1), bias=0.5)
    magnitude_prune(net, sparsity=0.5)  # round(3.5) == 4
    assert net.layers[0].weight.data.ravel().tolist() == [0, 0, 0, 0, 5, 6, 7]
    net = mlp_with_weights(np.arange(1, 6).reshape(5, 1), bias=0.5)
    magnitude_prune(net, sparsity=0.5)  # round(2.5) == 2
    assert _zeros(net) == 2
    net = mlp_with_weights(np.arange(1, 101).reshape(10, 10), bias=0.5)
    magnitude_prune(net, sparsity=0.29)  # round(29.0) == 29, int() would give 28
    assert _zeros(net) == 29


@pytest.mark.magnitude_prune
def test_magnitude_prune_torch_doc_anchors():
    tt.manual_seed(0)
    net = Sequential(Linear(2, 3))
    magnitude_prune(net, sparsity=0.2)  # round(1.2) == 1
    assert _zeros(net) == 1
    net = Sequential(Linear(10, 4), Linear(4, 1))
    magnitude_prune(net, sparsity=10)  # an int amount is a count, global over both layers
    assert _zeros(net) == 10


@pytest.mark.magnitude_prune
def test_magnitude_prune_ties_go_to_the_lower_flat_index():
    net = mlp_with_weights(np.ones((7, 1)), bias=0.5)
    magnitude_prune(net, sparsity=0.5)
    assert net.layers[0].weight.data.ravel().tolist() == [0, 0, 0, 0, 1, 1, 1]


@pytest.mark.magnitude_prune
def test_magnitude_prune_ties_across_layers_go_to_the_earlier_parameter():
    net = mlp_with_weights(np.full((2, 2), 3.0), np.full((2, 2), 3.0), bias=0.5)
    magnitude_prune(net, sparsity=0.75)
    assert _zeros(net) == 6
    assert np.all(net.layers[0].weight.data == 0)
    assert net.layers[2].weight.data.ravel().tolist() == [0, 0, 3, 3]


@pytest.mark.magnitude_prune
def test_magnitude_prune_is_global_across_layers():
    net = mlp_with_weights([[1, 4], [2, 6]], [[1, 5], [3, 2]], bias=0.5)
    magnitude_prune(net, sparsity=3)
    assert net.layers[0].weight.data.tolist() == [[0, 4], [0, 6]]
    assert net.layers[2].weight.data.tolist() == [[0, 5], [3, 2]]


@pytest.mark.magnitude_prune
def test_magnitude_prune_at_zero_is_a_no_op_with_all_true_masks():
    net = mlp_with_weights(np.arange(1, 7).reshape(2, 3), bias=0.5)
    before = net.state_dict()
    masks = magnitude_prune(net, sparsity=0.0)
    for k, v in before.items():
        np.testing.assert_array_equal(net.state_dict()[k], v)
    assert masks["layers.0.weight"].all()


@pytest.mark.magnitude_prune
def test_magnitude_prune_at_one_zeros_every_weight_and_no_bias():
    net = mlp_with_weights(np.arange(1, 7).reshape(2, 3), np.arange(1, 7).reshape(3, 2), bias=0.5)
    magnitude_prune(net, sparsity=1.0)
    assert all(np.all(p.data == 0) for _, p in prunable_parameters(net))
    assert np.all(net.layers[0].bias.data == 0.5) and np.all(net.layers[2].bias.data == 0.5)


@pytest.mark.magnitude_prune
def test_magnitude_prune_one_int_prunes_one_weight_but_one_float_prunes_all():
    net = mlp_with_weights(np.arange(1, 7).reshape(2, 3), bias=0.5)
    magnitude_prune(net, sparsity=1)
    assert _zeros(net) == 1
    magnitude_prune(net, sparsity=np.int64(2))
    assert _zeros(net) == 2
    magnitude_prune(net, sparsity=1.0)
    assert _zeros(net) == 6


@pytest.mark.magnitude_prune
def test_magnitude_prune_targets_are_cumulative_and_never_regrow():
    net = mlp_with_weights(np.arange(1, 9).reshape(2, 4), bias=0.5)
    magnitude_prune(net, sparsity=0.5)
    assert _zeros(net) == 4
    magnitude_prune(net, sparsity=0.75)
    assert net.layers[0].weight.data.ravel().tolist() == [0, 0, 0, 0, 0, 0, 7, 8]
    magnitude_prune(net, sparsity=0.25)
    assert _zeros(net) == 6


@pytest.mark.magnitude_prune
def test_magnitude_prune_keeps_already_masked_weights_pruned_even_when_they_are_large():
    net = mlp_with_weights([[9.0, 1.0, 2.0, 3.0]], bias=0.5)
    w = net.layers[0].weight
    w.mask = np.array([[False, True, True, True]])
    w.data[:] = [[9.0, 1.0, 2.0, 3.0]]  # data overwritten after masking: the mask still wins
    magnitude_prune(net, sparsity=0.5)
    assert w.data.tolist() == [[0, 0, 2, 3]]


@pytest.mark.magnitude_prune
def test_masked_weights_stay_zero_after_an_sgd_step_with_non_zero_gradients():
    tt.manual_seed(0)
    net = Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
    masks = magnitude_prune(net, sparsity=0.5)
    opt = SGD(net.parameters(), lr=0.5, momentum=0.9)
    x = Tensor(np.random.default_rng(0).normal(size=(16, 4)))
    for _ in range(3):
        loss = CrossEntropyLoss()(net(x), np.arange(16) % 3)
        opt.zero_grad()
        loss.backward()
        assert np.any(net.layers[0].weight.grad[~masks["layers.0.weight"]] != 0)
        opt.step()
    for name, p in prunable_parameters(net):
        assert np.all(p.data[~masks[name]] == 0)
        assert np.all(p.data[masks[name]] != 0)


@pytest.mark.magnitude_prune
def test_magnitude_prune_returns_masks_for_every_weight_and_no_bias():
    tt.manual_seed(0)
    net = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
    masks = magnitude_prune(net, sparsity=0.5)
    assert sorted(masks) == ["layers.0.weight", "layers.2.weight"]
    assert all(m.dtype == np.bool_ for m in masks.values())
    assert net.layers[0].bias.mask is None


@pytest.mark.magnitude_prune
def test_magnitude_prune_of_a_float64_model_keeps_float64():
    net = Sequential(Linear(3, 2))
    net.layers[0].weight = tt.Parameter(np.arange(1.0, 7.0).reshape(3, 2))
    magnitude_prune(net, sparsity=0.5)
    assert net.layers[0].weight.data.dtype == np.float64
    assert net.layers[0].weight.data.ravel().tolist() == [0, 0, 0, 4, 5, 6]


@pytest.mark.magnitude_prune
def test_two_calls_at_050_stay_at_050_because_the_target_is_cumulative_not_relative():
    net = mlp_with_weights(np.arange(1, 9).reshape(2, 4), bias=0.5)
    magnitude_prune(net, sparsity=0.5)
    magnitude_prune(net, sparsity=0.5)
    assert _zeros(net) == 4  # a relative amount (torch PruningContainer) would give 6 = 0.75 * 8
