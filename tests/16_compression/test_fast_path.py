"""The fast path magnitude_prune_fast (benchmarks/fast_prune.py, instructor-only) must give exactly what
the graded magnitude_prune gives.

selection.CHUNK and selection.SAMPLE are lowered (and SIGMAS narrowed) so that small arrays run through the
chunked scan, several chunks per parameter, and the retry after a missed bracket."""

import copy

import numpy as np
import pytest
from fast_prune import magnitude_prune_fast
from hypothesis import given, settings
from hypothesis import strategies as st
from selection_helpers import DEFAULT_SIGMAS, Weights, small_selection, spy_on

from tinytorch.compression import magnitude_prune
from tinytorch.core import selection


def _oracle_masks(model, sparsity):
    """Expected masks of magnitude_prune, computed independently: scores |w| (-1 where masked), the
    k = max(target, masked) smallest pruned, ties by flat position (parameter order, then C order)."""
    named = [(n, p) for n, p in model.named_parameters() if p.data.ndim >= 2]
    scores = np.concatenate(
        [
            np.where(p.mask if p.mask is not None else True, np.abs(p.data.astype(np.float64)), -1.0).ravel()
            for _, p in named
        ]
    )
    n = scores.size
    k = sparsity if isinstance(sparsity, int) else round(sparsity * n)
    k = max(k, int(np.count_nonzero(scores < 0)))
    keep = np.ones(n, dtype=bool)
    keep[np.lexsort((np.arange(n), scores))[:k]] = False
    out, start = {}, 0
    for name, p in named:
        out[name] = keep[start : start + p.data.size].reshape(p.data.shape)
        start += p.data.size
    return out


def _prune_both(model, sparsity):
    """Run the graded and the fast path on deep copies of `model`; returns ((graded, masks), (fast, masks))
    after checking that the fast path changed every parameter's data in place."""
    graded, fast = copy.deepcopy(model), copy.deepcopy(model)
    before = [(p, p.data) for p in fast.parameters()]
    graded_masks = magnitude_prune(graded, sparsity)
    fast_masks = magnitude_prune_fast(fast, sparsity)
    for p, data in before:
        assert p.data is data  # zeroed in place, same array (and so the same memory layout)
    return (graded, graded_masks), (fast, fast_masks)


def _assert_same(graded_result, fast_result):
    """Same returned keys, same data (values, dtype, layout, sign of zeros) and masks of every parameter."""
    (graded, graded_masks), (fast, fast_masks) = graded_result, fast_result
    assert list(fast_masks) == list(graded_masks)
    g_named, f_named = graded.named_parameters(), fast.named_parameters()
    assert [n for n, _ in f_named] == [n for n, _ in g_named]
    for (name, g), (_, f) in zip(g_named, f_named):
        assert f.data.dtype == g.data.dtype and f.data.shape == g.data.shape, name
        assert f.data.flags.f_contiguous == g.data.flags.f_contiguous, name
        np.testing.assert_array_equal(f.data, g.data, err_msg=name)
        np.testing.assert_array_equal(np.signbit(f.data), np.signbit(g.data), err_msg=name)
        if g.mask is None:
            assert f.mask is None, name
        else:
            assert f.mask.dtype == np.bool_ and f.mask.shape == g.mask.shape, name
            np.testing.assert_array_equal(f.mask, g.mask, err_msg=name)
            assert not f.mask.flags.writeable  # as the graded version's: read-only
    f_params = dict(f_named)
    for name, mask in fast_masks.items():
        assert mask is f_params[name].mask


# ----------------------------------------------------------------------------------------------------
# magnitude_prune_fast == magnitude_prune
# ----------------------------------------------------------------------------------------------------
@st.composite
def _models(draw):
    """1-4 prunable parameters (2-D or 3-D, float16/32/64, some Fortran-ordered, some with a random mask) with
    |w| from a few integer levels (ties across chunks and parameters, zeros) or spread out, and 1-D biases
    (not prunable) between them."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    levels = draw(st.sampled_from([1, 2, 4, None]))  # None: practically no ties
    arrays_ = []
    for _ in range(draw(st.integers(1, 4))):
        shape = draw(
            st.one_of(
                st.tuples(st.integers(1, 40), st.integers(1, 40)),
                st.tuples(st.integers(1, 8), st.integers(1, 8), st.integers(1, 8)),
            )
        )
        dtype = draw(st.sampled_from([np.float32, np.float64, np.float16]))
        arrays_.append(
            (
                rng.standard_normal(shape)
                if levels is None
                else rng.integers(-levels, levels + 1, size=shape) * 0.5
            ).astype(dtype)
        )
        if draw(st.booleans()):
            arrays_.append(rng.standard_normal(shape[-1]).astype(dtype))
    model = Weights(arrays_)
    for p in model.parameters():
        if p.data.ndim < 2:
            continue
        if draw(st.booleans()):  # Parameter copies its data in C order; some become Fortran-ordered
            p.data = np.asfortranarray(p.data)
        if draw(st.booleans()):  # a hand-set mask at random places, the weights under it zeroed
            p.mask = rng.random(p.data.shape) >= draw(st.sampled_from([0.1, 0.5, 0.9]))
            p.data[~p.mask] = 0
    return model


def _sparsity(n):
    return st.one_of(st.floats(0.0, 1.0), st.integers(0, n), st.sampled_from([0.0, 1.0, 0, n]))


@pytest.mark.library
@settings(max_examples=120, deadline=None)
@given(
    _models(),
    st.data(),
    st.sampled_from([16, 64]),
    st.sampled_from([1, 3, 50]),
    st.sampled_from([DEFAULT_SIGMAS, (0.0, None), (0.0, 0.0, None)]),
)
def test_fast_path_matches_graded_magnitude_prune_with_ties_and_masks(model, data, chunk, sample, sigmas):
    n = sum(p.data.size for p in model.parameters() if p.data.ndim >= 2)
    first, second = data.draw(_sparsity(n), label="first"), data.draw(_sparsity(n), label="second")
    biases = [p.data.copy() for p in model.parameters() if p.data.ndim < 2]
    with pytest.MonkeyPatch.context() as mp:
        small_selection(mp, chunk=chunk, sample=sample, sigmas=sigmas)
        expected = _oracle_masks(model, first)
        graded, fast = _prune_both(model, first)
        _assert_same(graded, fast)
        for name, mask in graded[1].items():
            np.testing.assert_array_equal(mask, expected[name])
        # again, on the pruned models (cumulative: the masks of the first call count and never regrow)
        expected = _oracle_masks(graded[0], second)
        graded_masks, fast_masks = magnitude_prune(graded[0], second), magnitude_prune_fast(fast[0], second)
        _assert_same((graded[0], graded_masks), (fast[0], fast_masks))
    for name, mask in graded_masks.items():
        np.testing.assert_array_equal(mask, expected[name])
    after = [p.data for p in fast[0].parameters() if p.data.ndim < 2]
    assert len(after) == len(biases) and all(np.array_equal(a, b) for a, b in zip(after, biases))


def _tied_model():
    """w0: float32 (4, 50) with |w| in {0, 0.5, 1, 1.5}; w1: a float64 bias (8,); w2: float64 (25, 8),
    same levels."""
    rng = np.random.default_rng(7)
    return Weights(
        [
            (rng.integers(-3, 4, size=(4, 50)) * 0.5).astype(np.float32),
            rng.standard_normal(8),
            (rng.integers(-3, 4, size=(25, 8)) * 0.5).astype(np.float64),
        ]
    )


@pytest.mark.library
@pytest.mark.parametrize("sparsity", [0.0, 1.0, 0, 1, 199, 200, 399, 400, 0.25, 0.5, 0.9])
def test_fast_path_matches_graded_magnitude_prune_at_the_ends_and_for_int_counts(monkeypatch, sparsity):
    small_selection(monkeypatch)
    model = _tied_model()
    graded, fast = _prune_both(model, sparsity)
    _assert_same(graded, fast)
    k = sparsity if isinstance(sparsity, int) else round(sparsity * 400)
    assert sum(int(np.count_nonzero(~m)) for m in fast[1].values()) == k
    assert list(fast[1]) == ["w0", "w2"]  # the bias w1 (1-D) is not prunable


@pytest.mark.library
def test_fast_path_prunes_tied_weights_across_a_float32_and_a_float64_parameter_in_flat_order(monkeypatch):
    small_selection(monkeypatch)
    model = Weights([np.ones((10, 10), dtype=np.float32), np.ones((10, 10), dtype=np.float64)])
    graded, fast = _prune_both(model, 0.75)  # 150 of 200 ties: all of w0, then the first 50 of w1
    _assert_same(graded, fast)
    np.testing.assert_array_equal(fast[1]["w0"], np.zeros((10, 10), dtype=bool))
    np.testing.assert_array_equal(fast[1]["w1"].ravel(), np.arange(100) >= 50)
    assert fast[0].w0.data.dtype == np.float32 and fast[0].w1.data.dtype == np.float64


@pytest.mark.library
def test_fast_path_second_call_is_cumulative_and_a_smaller_target_prunes_nothing_more(monkeypatch):
    small_selection(monkeypatch)
    graded, fast = _prune_both(_tied_model(), 0.3)
    _assert_same(graded, fast)
    first = {name: mask.copy() for name, mask in fast[1].items()}
    for target, pruned in [(0.6, 240), (0.2, 240), (0, 240), (0.6, 240), (300, 300)]:
        graded_masks, fast_masks = magnitude_prune(graded[0], target), magnitude_prune_fast(fast[0], target)
        _assert_same((graded[0], graded_masks), (fast[0], fast_masks))
        assert sum(int(np.count_nonzero(~m)) for m in fast_masks.values()) == pruned
        for name, mask in fast_masks.items():
            assert not np.any(mask & ~first[name])  # nothing pruned by the first call regrows


@pytest.mark.library
def test_fast_path_zeroes_non_contiguous_parameter_data_in_place(monkeypatch):
    small_selection(monkeypatch)
    rng = np.random.default_rng(11)
    model = Weights([rng.standard_normal((30, 20)), rng.standard_normal((9, 40)).astype(np.float32)])
    model.w0.data = np.asfortranarray(model.w0.data)
    model.w1.data = rng.standard_normal((9, 80)).astype(np.float32)[:, ::2]  # a strided view
    assert not model.w0.data.flags.c_contiguous and not model.w1.data.flags.c_contiguous
    graded, fast = _prune_both(model, 0.6)  # _prune_both checks that p.data is the same array
    _assert_same(graded, fast)
    assert fast[0].w0.data.flags.f_contiguous
    assert sum(int(np.count_nonzero(p.data == 0)) for p in fast[0].parameters()) == round(0.6 * 960)


@pytest.mark.library
def test_fast_path_matches_graded_when_the_first_bracket_misses(monkeypatch):
    # one parameter, SAMPLE = 1 and sigmas 0: the first bracket is [v, next float after v) for the one sampled
    # weight v; with distinct weights and k-th smallest != v it misses, and the retry (no bracket) answers
    small_selection(monkeypatch, chunk=64, sample=1, sigmas=(0.0, None))
    w = np.random.default_rng(2).permutation(600).reshape(20, 30).astype(np.float64) + 1.0
    sampled = w.ravel()[selection.sample_indices(600, 1, seed=0)[0]]
    k = 100 if sampled != np.sort(w.ravel())[99] else 101
    picks = spy_on(monkeypatch, "pick")
    graded, fast = _prune_both(Weights([w]), k)
    _assert_same(graded, fast)
    # graded (through kth_smallest), then fast path: each a miss, then the retry that answers
    assert [out is None for _, out in picks] == [True, False, True, False]
    assert sum(int(np.count_nonzero(~m)) for m in fast[1].values()) == k
    np.testing.assert_array_equal(fast[1]["w0"], w > k)  # weights 1..k pruned


def _hand_masked():
    model = Weights([np.array([[1.0, 2.0], [3.0, 4.0]])])
    model.w0.mask = np.array([[False, True], [True, True]])  # 1.0 masked but not zeroed
    return model


@pytest.mark.magnitude_prune
def test_graded_magnitude_prune_zeroes_weights_under_a_hand_set_mask_when_the_target_is_already_reached():
    model = _hand_masked()
    masks = magnitude_prune(model, 0.25)  # k = 1 = the masked count
    np.testing.assert_array_equal(model.w0.data, [[0.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(masks["w0"], [[False, True], [True, True]])


@pytest.mark.library
@pytest.mark.parametrize("sparsity", [0.25, 0.0, 1])
def test_fast_path_zeroes_weights_under_a_hand_set_mask_like_the_graded_version(sparsity):
    graded, fast = _prune_both(_hand_masked(), sparsity)
    _assert_same(graded, fast)


@pytest.mark.library
def test_fast_path_zeroes_weights_under_a_hand_set_mask_when_it_prunes_more(monkeypatch):
    small_selection(monkeypatch)
    model = Weights([np.array([[1.0, 2.0], [3.0, 4.0]])])
    model.w0.mask = np.array([[True, True], [False, True]])  # masks 3.0, not zeroed
    graded, fast = _prune_both(model, 0.5)  # k = 2: the masked 3.0 and the smallest other, 1.0
    _assert_same(graded, fast)
    np.testing.assert_array_equal(fast[0].w0.data, [[0.0, 2.0], [0.0, 4.0]])
