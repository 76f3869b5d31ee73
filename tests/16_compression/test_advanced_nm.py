"""N:M (2:4) semi-structured pruning along the input axis (tinytorch.compression.nm)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tinytorch
from tinytorch.compression import measure_sparsity
from tinytorch.compression.nm import is_nm_sparse, nm_mask, nm_nbytes, nm_prune
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.optim import SGD
from tinytorch.core.tensor import Tensor


@pytest.mark.library
def test_2_4_mask_keeps_the_two_largest_magnitudes_of_a_group():
    assert nm_mask(np.array([0.1, -0.5, 0.3, 0.2])).astype(int).tolist() == [0, 1, 1, 0]


@pytest.mark.library
def test_2_4_all_equal_group_prunes_the_lower_indices_first():
    assert nm_mask(np.full(4, 0.7)).astype(int).tolist() == [0, 0, 1, 1]
    assert nm_mask(np.array([1.0, -1.0, 1.0, 0.5])).astype(int).tolist() == [0, 1, 1, 0]


@pytest.mark.library
def test_groups_run_along_axis_0_the_input_axis():
    w = np.array([[0.1, 9.0], [-0.5, 8.0], [0.3, 1.0], [0.2, 2.0]])  # (in=4, out=2)
    assert nm_mask(w).astype(int).tolist() == [[0, 1], [1, 1], [1, 0], [0, 0]]


@pytest.mark.library
def test_general_n_m_keeps_exactly_n_per_group():
    w = np.arange(1, 17, dtype=np.float64).reshape(8, 2)
    m = nm_mask(w, n=1, m=8)
    assert m.sum(axis=0).tolist() == [1, 1] and m[7].all()


@pytest.mark.library
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 6).map(lambda g: 4 * g), st.integers(1, 5)),
        elements=st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, -3.0]),
    )
)
def test_property_exactly_half_kept_and_every_group_has_at_most_two_nonzeros(w):
    mask = nm_mask(w)
    assert mask.sum() == w.size // 2
    assert is_nm_sparse(w * mask)
    groups = np.abs(w).reshape(-1, 4, w.shape[1])
    kept_min = np.where(mask.reshape(groups.shape), groups, np.inf).min(axis=1)
    pruned_max = np.where(~mask.reshape(groups.shape), groups, -np.inf).max(axis=1)
    assert np.all(kept_min >= pruned_max)


@pytest.mark.library
def test_nm_prune_makes_a_model_exactly_50_percent_sparse_and_fine_tuning_keeps_it():
    tinytorch.manual_seed(0)
    model = Sequential(Linear(8, 12), ReLU(), Linear(12, 4))
    masks = nm_prune(model)
    assert list(masks) == ["layers.0.weight", "layers.2.weight"]
    assert measure_sparsity(model, weights_only=True) == 50.0
    x = Tensor(np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32))
    opt = SGD(model.parameters(), lr=0.5)
    (model(x) ** 2).mean().backward()
    opt.step()
    assert all(is_nm_sparse(m.weight.data) for m in (model.layers[0], model.layers[2]))


@pytest.mark.library
def test_nm_prune_never_regrows_an_earlier_mask():
    tinytorch.manual_seed(0)
    model = Sequential(Linear(4, 1))
    model.layers[0].weight.data[:] = np.array([[4.0], [3.0], [2.0], [1.0]])
    model.layers[0].weight.mask = np.array([[False], [True], [True], [True]])
    model.layers[0].weight.data[0] = 0
    nm_prune(model)
    assert model.layers[0].weight.mask.ravel().tolist() == [False, True, True, False]


@pytest.mark.library
def test_in_not_a_multiple_of_4_raises_naming_in_and_changes_nothing():
    tinytorch.manual_seed(0)
    model = Sequential(Linear(8, 6), ReLU(), Linear(6, 2))
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match="in=6"):
        nm_prune(model)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
    with pytest.raises(ValueError, match="in=5"):
        nm_mask(np.ones((5, 2)))
    with pytest.raises(ValueError, match="n=5"):
        nm_mask(np.ones((4, 2)), n=5, m=4)
    with pytest.raises(TypeError, match=r"model.*ndarray"):
        nm_prune(np.ones((4, 4)))


@pytest.mark.library
def test_compressed_size_is_9_16_of_dense_fp16_and_10_16_of_int8():
    assert nm_nbytes((1024, 1024), value_bits=16) * 16 == 9 * 1024 * 1024 * 2
    assert nm_nbytes((1024, 1024), value_bits=8) * 16 == 10 * 1024 * 1024


@pytest.mark.library
def test_nm_prune_of_a_model_using_one_linear_twice_prunes_it_once_and_the_model_still_runs():
    tinytorch.manual_seed(0)
    shared = Linear(4, 4)
    model = Sequential(shared, ReLU(), shared)
    expected = nm_mask(shared.weight.data)
    masks = nm_prune(model)
    assert list(masks) == ["layers.0.weight"]
    np.testing.assert_array_equal(shared.weight.mask, expected)
    assert model(Tensor(np.ones((2, 4), np.float32))).shape == (2, 4)


@pytest.mark.library
def test_nm_prune_of_two_linears_sharing_a_weight_prunes_that_weight_once():
    tinytorch.manual_seed(0)
    a, b = Linear(4, 4), Linear(4, 4)
    b.weight = a.weight
    expected = nm_mask(a.weight.data)
    masks = nm_prune(Sequential(a, ReLU(), b))
    assert list(masks) == ["layers.0.weight"]
    np.testing.assert_array_equal(b.weight.mask, expected)
