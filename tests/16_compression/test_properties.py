"""Hypothesis properties: pruning never adds non-zeros, zeros are max(round(s*N), existing), sparsity is
monotone in the target, structured zeros are whole columns, low-rank error never grows with the rank."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from nets import mlp_with_weights

import tinytorch as tt
from tinytorch.compression import low_rank_approximate, magnitude_prune, prunable_parameters, structured_prune
from tinytorch.core.layers import Linear, ReLU, Sequential

# small integers make ties and exact zeros common
values = st.integers(-4, 4).map(float)
weights = st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4)).flatmap(
    lambda d: st.tuples(
        arrays(np.float64, (d[0], d[1]), elements=values), arrays(np.float64, (d[1], d[2]), elements=values)
    )
)


def _nonzeros(net):
    return sum(int(np.count_nonzero(p.data)) for _, p in prunable_parameters(net))


@pytest.mark.magnitude_prune
@given(weights, st.floats(0, 1), st.floats(0, 1))
def test_pruning_never_adds_non_zeros_and_zeros_are_max_of_target_and_existing(ws, s1, s2):
    net = mlp_with_weights(*ws)
    n = ws[0].size + ws[1].size
    existing = n - _nonzeros(net)
    magnitude_prune(net, s1)
    assert n - _nonzeros(net) == max(round(s1 * n), existing)
    before = _nonzeros(net)
    magnitude_prune(net, s2)
    assert _nonzeros(net) <= before
    assert n - _nonzeros(net) == max(round(s1 * n), round(s2 * n), existing)


@pytest.mark.measure_sparsity
@given(weights, st.floats(0, 1), st.floats(0, 1))
def test_sparsity_is_monotone_in_the_target(ws, s1, s2):
    lo, hi = sorted((s1, s2))
    a, b = mlp_with_weights(*ws), mlp_with_weights(*ws)
    magnitude_prune(a, lo)
    magnitude_prune(b, hi)
    assert _nonzeros(a) >= _nonzeros(b)
    kept_b = np.concatenate([p.mask.ravel() for _, p in prunable_parameters(b)])
    kept_a = np.concatenate([p.mask.ravel() for _, p in prunable_parameters(a)])
    assert np.all(kept_a[kept_b])  # the weights kept at the higher target are kept at the lower one too


@pytest.mark.magnitude_prune
@given(weights, st.floats(0, 1))
def test_magnitude_prune_keeps_every_weight_at_least_as_large_as_any_pruned_one(ws, s):
    net = mlp_with_weights(*ws)
    magnitude_prune(net, s)
    mags = np.concatenate([np.abs(ws[0]).ravel(), np.abs(ws[1]).ravel()])
    kept = np.concatenate([p.mask.ravel() for _, p in prunable_parameters(net)])
    if kept.any() and (~kept).any():
        assert mags[kept].min() >= mags[~kept].max()


@pytest.mark.structured_prune
@given(st.integers(2, 6), st.integers(2, 8), st.integers(1, 4), st.floats(0, 0.99), st.integers(0, 1000))
def test_structured_zeros_are_whole_columns_and_exactly_k_of_them(n_in, hidden, n_out, r, seed):
    tt.manual_seed(seed)
    net = Sequential(Linear(n_in, hidden), ReLU(), Linear(hidden, n_out))
    structured_prune(net, r)
    w, b = net.layers[0].weight.data, net.layers[0].bias.data
    dead = np.all(w == 0, axis=0)
    assert int(dead.sum()) == min(round(r * hidden), hidden - 1)
    assert np.all(b[dead] == 0)
    assert np.all(
        np.all(w[:, ~dead] != 0, axis=0)
    )  # surviving columns are untouched (random init has no zeros)


@pytest.mark.low_rank_approximate
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 7), st.integers(1, 7)),
        elements=st.floats(-10, 10, allow_nan=False),
    )
)
def test_low_rank_error_is_non_increasing_in_the_rank(w):
    r = min(w.shape)
    errors = []
    for k in range(1, r + 1):
        u, s, vh = low_rank_approximate(w, rank_ratio=k / r)
        assert len(s) == k
        errors.append(np.linalg.norm(w - u @ np.diag(s) @ vh))
    assert all(e2 <= e1 + 1e-9 for e1, e2 in zip(errors, errors[1:]))
    assert errors[-1] < 1e-9 * max(1.0, np.linalg.norm(w))
