"""Numerical robustness of pruning: exact-count, deterministic pruning on float16/float32/float64,
all-zero and constant (tied) weights, up to 150,000 weights."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from nets import mlp_with_weights

import tinytorch as tt
from tinytorch.compression import magnitude_prune, measure_sparsity, structured_prune
from tinytorch.compression.nm import is_nm_sparse, nm_mask, nm_prune
from tinytorch.core.layers import Linear, ReLU, Sequential

TEMPERATURES = [0.5, 1.0, 2.0, 5.0, 20.0]
DTYPES = [np.float16, np.float32, np.float64]


# ----------------------------------------------------------------------------------------------------
# Pruning: dtypes, all-zero and constant weights, exact counts, stable ties
# ----------------------------------------------------------------------------------------------------
def _net(dtype, fill=None, seed=0):
    """Linear(4, 3) -> ReLU -> Linear(3, 2) (N = 12 + 6 = 18 prunable weights) with weights of `dtype`:
    distinct non-zero magnitudes, or the constant `fill`."""
    tt.manual_seed(seed)
    net = Sequential(Linear(4, 3), ReLU(), Linear(3, 2))
    rng = np.random.default_rng(seed)
    for layer in (net.layers[0], net.layers[2]):
        shape = layer.weight.shape
        if fill is None:
            w = rng.permutation(np.arange(1, 1 + np.prod(shape))).reshape(shape) / 8.0
            w = w * rng.choice([-1.0, 1.0], size=shape)
        else:
            w = np.full(shape, fill)
        layer.weight.data = w.astype(dtype)
        layer.bias.data = np.ones(layer.bias.shape, dtype=dtype)
    return net


def _flat_mask(masks):
    return np.concatenate([m.ravel() for m in masks.values()])


def _flat_weights(net):
    return np.concatenate([net.layers[0].weight.data.ravel(), net.layers[2].weight.data.ravel()])


SPARSITIES = [0.0, 0.05, 0.25, 0.29, 0.5, 0.75, 0.9, 1.0]


@pytest.mark.magnitude_prune
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s", SPARSITIES)
def test_magnitude_prune_zeros_exactly_round_s_times_n_weights_in_every_float_dtype(dtype, s):
    net = _net(dtype)
    before = _flat_weights(net).copy()
    k = round(s * 18)
    masks = magnitude_prune(net, s)
    after = _flat_weights(net)
    assert after.dtype == dtype and net.layers[0].weight.data.dtype == dtype
    assert np.count_nonzero(after == 0) == k
    assert np.count_nonzero(~_flat_mask(masks)) == k
    smallest = np.argsort(np.abs(before.astype(np.float64)), kind="stable")[:k]
    np.testing.assert_array_equal(np.flatnonzero(after == 0), np.sort(smallest))
    np.testing.assert_array_equal(after[after != 0], before[after != 0])
    np.testing.assert_array_equal(net.layers[0].bias.data, np.ones(3, dtype=dtype))


@pytest.mark.magnitude_prune
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fill", [0.0, 0.5, -0.25])
@pytest.mark.parametrize("s", [0.0, 0.29, 0.5, 1.0])
def test_magnitude_prune_on_constant_weights_prunes_the_first_k_flat_indices_in_parameter_order(
    dtype, fill, s
):
    net = _net(dtype, fill=fill)
    k = round(s * 18)
    masks = magnitude_prune(net, s)
    expected = np.arange(18) >= k
    np.testing.assert_array_equal(_flat_mask(masks), expected)
    np.testing.assert_array_equal(
        np.concatenate([p.mask.ravel() for p in (net.layers[0].weight, net.layers[2].weight)]), expected
    )
    np.testing.assert_array_equal(_flat_weights(net), np.where(expected, fill, 0.0).astype(dtype))


@pytest.mark.measure_sparsity
@pytest.mark.parametrize("dtype", DTYPES)
def test_measure_sparsity_of_all_zero_weights_is_exactly_100_percent_and_pruning_them_masks_k(dtype):
    net = _net(dtype, fill=0.0)
    assert measure_sparsity(net, weights_only=True) == 100.0
    assert measure_sparsity(net) == 100.0 * 18 / 23
    masks = magnitude_prune(net, 7)
    assert np.count_nonzero(~_flat_mask(masks)) == 7


@pytest.mark.magnitude_prune
def test_magnitude_prune_breaks_ties_between_opposite_signs_by_lower_flat_index():
    net = _net(np.float32)
    net.layers[0].weight.data[:] = np.array([[-1, 1, -1], [1, -1, 1], [-1, 1, -1], [1, -1, 1]], np.float32)
    net.layers[2].weight.data[:] = 1.0
    masks = magnitude_prune(net, 5)
    np.testing.assert_array_equal(masks["layers.0.weight"].ravel(), np.arange(12) >= 5)
    assert masks["layers.2.weight"].all()


@pytest.mark.structured_prune
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fill", [0.0, 0.5])
@pytest.mark.parametrize("ratio,kept", [(0.34, [1, 2]), (0.5, [2]), (0.9, [2])])
def test_structured_prune_on_tied_column_norms_drops_the_lowest_neuron_indices(dtype, fill, ratio, kept):
    net = _net(dtype, fill=fill)
    keeps = structured_prune(net, ratio)
    np.testing.assert_array_equal(keeps["layers.0"], kept)
    w = net.layers[0].weight.data
    assert w.dtype == dtype
    dropped = [j for j in range(3) if j not in kept]
    np.testing.assert_array_equal(w[:, dropped], np.zeros((4, len(dropped)), dtype=dtype))
    np.testing.assert_array_equal(w[:, kept], np.full((4, len(kept)), fill, dtype=dtype))
    np.testing.assert_array_equal(net.layers[0].bias.data, np.isin(np.arange(3), kept).astype(dtype))
    np.testing.assert_array_equal(net.layers[2].weight.data, np.full((3, 2), fill, dtype=dtype))


@pytest.mark.structured_prune
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_physical_structured_prune_keeps_the_weight_dtype_and_tied_neuron_order(dtype):
    net = _net(dtype, fill=0.5)
    structured_prune(net, 0.34, physical=True)
    assert [p.data.dtype for p in net.parameters()] == [dtype] * 4
    assert net.layers[0].weight.shape == (4, 2) and net.layers[2].weight.shape == (2, 2)


@pytest.mark.library
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fill", [0.0, 0.5, -2.0])
def test_nm_mask_on_constant_groups_keeps_the_last_two_of_every_group_of_four(dtype, fill):
    mask = nm_mask(np.full((8, 3), fill, dtype=dtype))
    np.testing.assert_array_equal(mask, np.tile(np.array([0, 0, 1, 1], bool)[:, None], (2, 3)))


@pytest.mark.library
@pytest.mark.parametrize("dtype", DTYPES)
def test_nm_prune_is_exactly_half_sparse_and_keeps_the_dtype(dtype):
    tt.manual_seed(0)
    net = Sequential(Linear(8, 4), ReLU(), Linear(4, 2))
    for layer in (net.layers[0], net.layers[2]):
        layer.weight.data = layer.weight.data.astype(dtype)
    nm_prune(net)
    for layer in (net.layers[0], net.layers[2]):
        w = layer.weight.data
        assert w.dtype == dtype
        assert np.count_nonzero(w) == w.size // 2
        assert is_nm_sparse(w)


# ----------------------------------------------------------------------------------------------------
# Hypothesis: pruning equals an independent lexsort oracle on weights full of ties and zeros
# ----------------------------------------------------------------------------------------------------
def _tied(shape):
    return hnp.arrays(np.int8, shape, elements=st.integers(-3, 3))


@pytest.mark.magnitude_prune
@given(w0=_tied((4, 3)), w2=_tied((3, 2)), dtype=st.sampled_from(DTYPES), s=st.floats(0.0, 1.0))
def test_magnitude_prune_masks_the_first_k_of_a_lexsort_by_magnitude_then_flat_index(w0, w2, dtype, s):
    net = _net(dtype)
    net.layers[0].weight.data = w0.astype(dtype)
    net.layers[2].weight.data = w2.astype(dtype)
    flat = np.concatenate([w0.ravel(), w2.ravel()]).astype(np.float64)
    k = round(s * 18)
    masks = magnitude_prune(net, s)
    expected = np.ones(18, bool)
    expected[np.lexsort((np.arange(18), np.abs(flat)))[:k]] = False
    np.testing.assert_array_equal(_flat_mask(masks), expected)
    np.testing.assert_array_equal(_flat_weights(net), np.where(expected, flat, 0.0).astype(dtype))


@pytest.mark.structured_prune
@given(w0=_tied((4, 6)), dtype=st.sampled_from(DTYPES), r=st.floats(0.0, 0.99))
def test_structured_prune_drops_the_first_k_of_a_lexsort_by_column_norm_then_index(w0, dtype, r):
    tt.manual_seed(0)
    net = Sequential(Linear(4, 6), ReLU(), Linear(6, 2))
    net.layers[0].weight.data = w0.astype(dtype)
    k = min(round(r * 6), 5)
    norms = np.sqrt((w0.astype(np.float64) ** 2).sum(axis=0))
    dropped = np.lexsort((np.arange(6), norms))[:k]
    keeps = structured_prune(net, r)
    np.testing.assert_array_equal(keeps["layers.0"], np.setdiff1d(np.arange(6), dropped))


@pytest.mark.library
@given(w=_tied((8, 3)), dtype=st.sampled_from(DTYPES))
def test_nm_mask_prunes_the_two_smallest_of_each_group_with_lower_index_first(w, dtype):
    mask = nm_mask(w.astype(dtype))
    groups = np.abs(w.astype(np.float64)).reshape(2, 4, 3)
    for g in range(2):
        for j in range(3):
            order = np.lexsort((np.arange(4), groups[g, :, j]))
            expected = np.ones(4, bool)
            expected[order[:2]] = False
            np.testing.assert_array_equal(mask[4 * g : 4 * g + 4, j], expected)


# ----------------------------------------------------------------------------------------------------
# Large layers: ties that span chunk boundaries and parameters (selection must still be exact)
# ----------------------------------------------------------------------------------------------------
@pytest.mark.magnitude_prune
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s", [0.3, 0.5, 0.61])
def test_magnitude_prune_on_150k_constant_weights_prunes_exactly_the_first_k_flat_indices(dtype, s):
    w = np.full(150_000, 0.5)
    net = mlp_with_weights(w[:90_000].reshape(300, 300), w[90_000:].reshape(300, 200), dtype=dtype)
    k = round(s * 150_000)
    masks = magnitude_prune(net, s)
    np.testing.assert_array_equal(_flat_mask(masks), np.arange(150_000) >= k)


@pytest.mark.magnitude_prune
@pytest.mark.parametrize("dtype", DTYPES)
def test_magnitude_prune_on_150k_heavily_tied_weights_equals_the_lexsort_oracle(dtype):
    w = np.random.default_rng(3).integers(-4, 5, size=150_000).astype(np.float64)
    net = mlp_with_weights(w[:90_000].reshape(300, 300), w[90_000:].reshape(300, 200), dtype=dtype)
    k = round(0.45 * 150_000)
    expected = np.ones(150_000, bool)
    expected[np.lexsort((np.arange(150_000), np.abs(w)))[:k]] = False
    masks = magnitude_prune(net, 0.45)
    np.testing.assert_array_equal(_flat_mask(masks), expected)
    assert np.count_nonzero(_flat_weights(net) == 0) == max(k, np.count_nonzero(w == 0))


@pytest.mark.magnitude_prune
def test_second_magnitude_prune_on_150k_weights_keeps_earlier_masks_and_reaches_the_cumulative_count():
    w = np.random.default_rng(4).integers(-4, 5, size=150_000).astype(np.float64)
    net = mlp_with_weights(w[:90_000].reshape(300, 300), w[90_000:].reshape(300, 200))  # N = 150,000
    first = _flat_mask(magnitude_prune(net, 0.2)).copy()
    second = _flat_mask(magnitude_prune(net, 0.7))
    assert np.count_nonzero(~second) == round(0.7 * 150_000)
    assert not np.any(second & ~first)  # nothing regrows
