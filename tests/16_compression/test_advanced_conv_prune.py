"""CNN channel pruning with conv->conv and flatten->linear dependencies (tinytorch.compression.conv_prune)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nets import cnn

from tinytorch.compression.conv_prune import channel_prune, filter_norms
from tinytorch.core.conv import Conv2d
from tinytorch.core.layers import Flatten, Linear, Sequential, Sigmoid
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD
from tinytorch.core.tensor import Tensor, no_grad


def _x(seed=0, n=5):
    return Tensor(np.random.default_rng(seed).standard_normal((n, 1, 8, 8)).astype(np.float32))


@pytest.mark.library
def test_filter_norms_are_the_l2_norms_of_whole_filters():
    conv = Conv2d(2, 3, 2)
    conv.weight.data[:] = 0
    conv.weight.data[0, 0, 0, 0], conv.weight.data[0, 1, 1, 1] = 3.0, 4.0
    conv.weight.data[2] = 1.0
    assert filter_norms(conv).tolist() == [5.0, 0.0, np.sqrt(8.0)]


@pytest.mark.library
def test_physical_pruning_removes_filters_next_conv_inputs_and_linear_row_blocks():
    model = cnn()
    w1, b1 = model.layers[0].weight.data.copy(), model.layers[0].bias.data.copy()
    w2, wl = model.layers[2].weight.data.copy(), model.layers[6].weight.data.copy()
    for o, s in enumerate([0.1, 3.0, 0.2, 2.0]):  # conv1 filters 0 and 2 are the weakest
        model.layers[0].weight.data[o] *= s
        w1[o] *= s
    for o, s in enumerate([5, 1, 4, 1, 3, 2]):  # conv2: filters 1 and 3 (tie, lower index first) then 5
        model.layers[2].weight.data[o] *= s / np.linalg.norm(model.layers[2].weight.data[o])
        w2[o] = model.layers[2].weight.data[o]
    kept = channel_prune(model, 0.5)
    assert kept["layers.0"].tolist() == [1, 3] and kept["layers.2"].tolist() == [0, 2, 4]
    assert np.array_equal(model.layers[0].weight.data, w1[[1, 3]])
    assert np.array_equal(model.layers[0].bias.data, b1[[1, 3]])
    assert np.array_equal(model.layers[2].weight.data, w2[[0, 2, 4]][:, [1, 3]])
    rows = np.concatenate([np.arange(16) + 16 * c for c in (0, 2, 4)])
    assert np.array_equal(model.layers[6].weight.data, wl[rows])
    assert (model.layers[0].out_channels, model.layers[2].in_channels, model.layers[2].out_channels) == (
        2,
        2,
        3,
    )
    assert model.layers[6].in_features == 48 and model.layers[6].weight.shape == (48, 3)


@pytest.mark.library
def test_parameter_count_after_removal_matches_the_formula():
    model = cnn(c1=8, c2=8)
    channel_prune(model, 0.25)  # 8 -> 6 filters in both convs
    expected = (6 * 1 * 9 + 6) + (6 * 6 * 9 + 6) + (6 * 16 * 3 + 3)
    assert model.num_parameters() == expected


@pytest.mark.library
@given(st.integers(0, 50), st.sampled_from([0.0, 0.25, 0.5, 0.75, 0.9]))
def test_property_masked_and_physically_pruned_models_give_the_same_outputs(seed, ratio):
    masked, small = cnn(seed), cnn(seed)
    km, kp = channel_prune(masked, ratio, physical=False), channel_prune(small, ratio, physical=True)
    assert all(np.array_equal(km[k], kp[k]) for k in km)
    conv = masked.layers[0]
    pruned = np.setdiff1d(np.arange(4), km["layers.0"])
    assert np.all(conv.weight.data[pruned] == 0) and np.all(conv.bias.data[pruned] == 0)
    with no_grad():
        assert np.allclose(masked(_x(seed)).data, small(_x(seed)).data, atol=1e-5)


@pytest.mark.library
def test_pruned_model_keeps_training_and_masked_filters_stay_zero():
    masked, small = cnn(1), cnn(1)
    channel_prune(masked, 0.5, physical=False)
    channel_prune(small, 0.5)
    y = np.array([0, 1, 2, 0, 1])
    for m in (masked, small):
        opt = SGD(m.parameters(), lr=0.1)
        CrossEntropyLoss()(m(_x(1)), y).backward()
        opt.step()
    assert np.all(masked.layers[0].weight.data[~masked.layers[0].weight.mask] == 0)
    assert small(_x(2)).shape == (5, 3)


@pytest.mark.library
def test_ratio_keeps_at_least_one_filter():
    model = cnn()
    kept = channel_prune(model, 0.99)
    assert [len(v) for v in kept.values()] == [1, 1]


@pytest.mark.library
def test_bad_models_and_arguments_raise_and_change_nothing():
    model = cnn()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"prune_ratio=1\.0"):
        channel_prune(model, 1.0)
    with pytest.raises(TypeError, match=r"physical.*'yes'"):
        channel_prune(model, 0.5, physical="yes")
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
    bad = Sequential(Conv2d(1, 2, 3), Sigmoid(), Conv2d(2, 2, 3))
    with pytest.raises(ValueError, match=r"model\.layers\[1\]=Sigmoid"):
        channel_prune(bad)
    with pytest.raises(ValueError, match=r"(?s)model=Sequential.*Linear.*a Conv2d that feeds"):
        channel_prune(Sequential(Linear(2, 2)))
    with pytest.raises(ValueError, match=r"in_features=10.*\b4\b"):
        channel_prune(Sequential(Conv2d(1, 4, 3), Flatten(), Linear(10, 2)))
    with pytest.raises(TypeError, match=r"model.*Conv2d"):
        channel_prune(Conv2d(1, 2, 3))


@pytest.mark.library
@pytest.mark.parametrize("physical", [True, False])
def test_channel_pruning_keeps_requires_grad_and_dtype_of_every_parameter_it_builds(physical):
    model = cnn()
    model.layers[0].weight.requires_grad = False  # a frozen first conv stays frozen
    model.layers[6].weight.data = model.layers[6].weight.data.astype(np.float64)
    before = [(n, p.requires_grad, p.data.dtype) for n, p in model.named_parameters()]
    channel_prune(model, 0.5, physical=physical)
    assert [(n, p.requires_grad, p.data.dtype) for n, p in model.named_parameters()] == before
    assert model.layers[0].weight.shape[0] == (2 if physical else 4)


@pytest.mark.library
def test_channel_pruning_a_frozen_conv_then_training_leaves_it_unchanged():
    model = cnn()
    for p in (model.layers[0].weight, model.layers[0].bias):
        p.requires_grad = False
    channel_prune(model, 0.5)
    frozen = model.layers[0].weight.data.copy()
    loss = CrossEntropyLoss()(model(_x()), np.array([0, 1, 2, 0, 1]))
    opt = SGD(model.parameters(), lr=0.5)
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert model.layers[0].weight.grad is None
    np.testing.assert_array_equal(model.layers[0].weight.data, frozen)
