"""structured_prune: hidden neurons by column L2 norm, masked vs physical removal, classifier untouched."""

import numpy as np
import pytest
from nets import random_mlp

import tinytorch as tt
from tinytorch import Tensor, no_grad
from tinytorch.compression import measure_sparsity, structured_prune
from tinytorch.core.layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD


def _tiny():
    """2-4-3 ReLU net; first-layer column norms [3, 1, 2, 1]."""
    net = Sequential(Linear(2, 4), ReLU(), Linear(4, 3))
    net.layers[0].weight.data = np.array([[3, 1, 0, -1], [0, 0, 2, 0]], dtype=np.float32)
    net.layers[0].bias.data = np.array([1, 2, 3, 4], dtype=np.float32)
    net.layers[2].weight.data = np.arange(12, dtype=np.float32).reshape(4, 3)
    net.layers[2].bias.data = np.array([0.5, -0.5, 1.0], dtype=np.float32)
    return net


def _x(n=5, d=2, seed=3):
    return Tensor(np.random.default_rng(seed).normal(size=(n, d)))


@pytest.mark.structured_prune
def test_structured_prune_drops_the_lowest_norm_columns_with_lower_index_ties_first():
    net = _tiny()
    kept = structured_prune(net, prune_ratio=0.5)
    assert list(kept) == ["layers.0"] and kept["layers.0"].tolist() == [0, 2]
    assert net.layers[0].weight.data.tolist() == [[3, 0, 0, 0], [0, 0, 2, 0]]
    assert net.layers[0].bias.data.tolist() == [1, 0, 3, 0]
    assert net.layers[0].weight.mask.tolist() == [[True, False, True, False]] * 2
    assert net.layers[0].bias.mask.tolist() == [True, False, True, False]


@pytest.mark.structured_prune
def test_structured_prune_uses_round_not_int_for_the_neuron_count():
    net = random_mlp((3, 6, 2))
    kept = structured_prune(net, prune_ratio=0.33)  # round(1.98) == 2, int() would give 1
    assert len(kept["layers.0"]) == 4


@pytest.mark.structured_prune
def test_structured_prune_ratio_06_removes_3_of_5_columns():
    net = random_mlp((4, 5, 2))
    structured_prune(net, prune_ratio=0.6)
    w = net.layers[0].weight.data
    assert int(np.sum(np.all(w == 0, axis=0))) == 3


@pytest.mark.structured_prune
def test_structured_prune_never_touches_the_classifier():
    net = random_mlp((4, 6, 5, 3))
    last = net.layers[-1].weight.data.copy(), net.layers[-1].bias.data.copy()
    kept = structured_prune(net, prune_ratio=0.5)
    assert sorted(kept) == ["layers.0", "layers.2"]
    np.testing.assert_array_equal(net.layers[-1].weight.data, last[0])
    np.testing.assert_array_equal(net.layers[-1].bias.data, last[1])
    assert net.layers[-1].weight.mask is None
    structured_prune(net, prune_ratio=0.5, physical=True)
    assert net.layers[-1].out_features == 3 and net.layers[-1].weight.shape == (3, 3)


@pytest.mark.structured_prune
def test_structured_prune_keeps_at_least_one_neuron():
    net = _tiny()
    assert structured_prune(net, prune_ratio=0.99)["layers.0"].tolist() == [0]


@pytest.mark.structured_prune
def test_structured_prune_at_zero_changes_nothing():
    net = random_mlp((3, 4, 2))
    before = net.state_dict()
    assert structured_prune(net, prune_ratio=0.0)["layers.0"].tolist() == [0, 1, 2, 3]
    for k, v in before.items():
        np.testing.assert_array_equal(net.state_dict()[k], v)


@pytest.mark.structured_prune
def test_physical_structured_prune_slices_columns_bias_and_next_rows():
    net = _tiny()
    structured_prune(net, prune_ratio=0.5, physical=True)
    first, second = net.layers[0], net.layers[2]
    assert first.weight.data.tolist() == [[3, 0], [0, 2]]
    assert first.bias.data.tolist() == [1, 3]
    assert second.weight.data.tolist() == [[0, 1, 2], [6, 7, 8]]
    assert second.bias.data.tolist() == [0.5, -0.5, 1.0]
    assert (first.in_features, first.out_features, second.in_features, second.out_features) == (2, 2, 2, 3)


@pytest.mark.structured_prune
def test_physical_structured_prune_removes_k_times_in_plus_one_plus_k_times_out_next():
    for widths, r in (((2, 4, 3), 0.5), ((7, 10, 5), 0.3), ((5, 9, 4), 0.8)):
        net = random_mlp(widths)
        k = round(r * widths[1])
        before = net.num_parameters()
        structured_prune(net, prune_ratio=r, physical=True)
        assert before - net.num_parameters() == k * (widths[0] + 1) + k * widths[2]


@pytest.mark.structured_prune
def test_physical_structured_prune_of_two_hidden_layers_has_the_narrowed_size():
    net = random_mlp((6, 8, 5, 3))
    structured_prune(net, prune_ratio=0.5, physical=True)  # 8 -> 4, 5 -> round(2.5) = 2 removed -> 3
    assert [m.weight.shape for m in net.layers if isinstance(m, Linear)] == [(6, 4), (4, 3), (3, 3)]
    assert net.num_parameters() == (6 * 4 + 4) + (4 * 3 + 3) + (3 * 3 + 3)


@pytest.mark.structured_prune
@pytest.mark.parametrize("act", [ReLU, Tanh, Sigmoid])
def test_masked_and_physical_structured_prune_give_allclose_outputs(act):
    masked, phys = (
        random_mlp((2, 8, 6, 3), act=act, dropout=True),
        random_mlp((2, 8, 6, 3), act=act, dropout=True),
    )
    structured_prune(masked, prune_ratio=0.5)
    structured_prune(phys, prune_ratio=0.5, physical=True)
    masked.eval()
    phys.eval()
    with no_grad():
        np.testing.assert_allclose(masked(_x()).data, phys(_x()).data, rtol=1e-5, atol=1e-5)


@pytest.mark.structured_prune
def test_physical_structured_prune_replaces_parameters_and_carries_masks():
    net = random_mlp((3, 4, 2))
    old = net.layers[0].weight
    net.layers[2].weight.mask = np.array([[True, False]] * 4)
    kept = structured_prune(net, prune_ratio=0.5, physical=True)["layers.0"]
    assert net.layers[0].weight is not old and old.shape == (3, 4)
    assert (
        net.layers[2].weight.mask.shape == (2, 2)
        and net.layers[2].weight.mask.tolist() == [[True, False]] * 2
    )
    assert [name for name, _ in net.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
    ]
    assert len(kept) == 2


@pytest.mark.structured_prune
def test_masked_structured_prune_zeros_whole_columns_and_fine_tuning_keeps_them_zero():
    tt.manual_seed(0)
    net = Sequential(Linear(4, 6), ReLU(), Linear(6, 3))
    kept = structured_prune(net, prune_ratio=0.5)["layers.0"]
    dead = np.setdiff1d(np.arange(6), kept)
    opt = SGD(net.parameters(), lr=0.5)
    x = Tensor(np.random.default_rng(0).normal(size=(8, 4)))
    for _ in range(3):
        loss = CrossEntropyLoss()(net(x), np.arange(8) % 3)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert np.all(net.layers[0].weight.data[:, dead] == 0) and np.all(net.layers[0].bias.data[dead] == 0)


@pytest.mark.structured_prune
def test_physical_structured_prune_model_trains_with_a_new_optimizer():
    net = random_mlp((4, 6, 3))
    structured_prune(net, prune_ratio=0.5, physical=True)
    opt = SGD(net.parameters(), lr=0.1)
    x = Tensor(np.ones((2, 4)))
    loss = CrossEntropyLoss()(net(x), np.array([0, 1]))
    loss.backward()
    opt.step()
    assert net.layers[0].weight.grad.shape == (4, 3)


@pytest.mark.structured_prune
def test_masked_structured_prune_counts_towards_measured_sparsity():
    net = _tiny()
    structured_prune(net, prune_ratio=0.5)
    # zeros: 6 in W0 ([[3, 0, 0, 0], [0, 0, 2, 0]]), 2 biases, 1 in W2 (entry 0); 8 + 4 + 12 + 3 = 27 entries
    zeros = int(np.sum(net.layers[0].weight.data == 0)) + 2 + 1
    assert zeros == 9
    assert measure_sparsity(net) == 100.0 * 9 / 27
