"""tinytorch.core.selection (exact k-th smallest by a sampled bracket and a chunked scan) and the fast path
magnitude_prune_fast of module 16, which must give exactly what the graded magnitude_prune gives.

selection.CHUNK and selection.SAMPLE are lowered (and SIGMAS narrowed) so that small arrays run through the
chunked scan, several chunks per parameter, and the retry after a missed bracket."""

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinytorch.compression import magnitude_prune
from tinytorch.compression.scaling import magnitude_prune_fast
from tinytorch.core import selection
from tinytorch.core.module import Module, Parameter

DEFAULT_SIGMAS = selection.SIGMAS


class Weights(Module):
    """A bare Module whose Parameters are the given arrays, registered as w0, w1, ... in order."""

    def __init__(self, arrays_):
        super().__init__()
        for i, a in enumerate(arrays_):
            setattr(self, f"w{i}", Parameter(a))


def _small_selection(mp, chunk=64, sample=50, sigmas=None):
    """Lower the selection constants so small arrays take the chunked / bracketed code."""
    mp.setattr(selection, "CHUNK", chunk)
    mp.setattr(selection, "SAMPLE", sample)
    if sigmas is not None:
        mp.setattr(selection, "SIGMAS", sigmas)


def _spy(mp, name):
    """Replace selection.<name> by a wrapper that records (args, result) of every call."""
    calls, original = [], getattr(selection, name)

    def spy(*args):
        out = original(*args)
        calls.append((args, out))
        return out

    mp.setattr(selection, name, spy)
    return calls


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
# kth_smallest
# ----------------------------------------------------------------------------------------------------
@pytest.mark.library
@pytest.mark.parametrize("k, expected", [(1, 1.0), (2, 2.0), (3, 2.0), (4, 3.0)])
def test_kth_smallest_of_3_1_2_2_is_hand_checked_value(k, expected):
    values = np.array([3.0, 1.0, 2.0, 2.0])
    assert selection.kth_smallest(values, k) == expected
    np.testing.assert_array_equal(values, [3.0, 1.0, 2.0, 2.0])


@pytest.mark.library
@pytest.mark.parametrize("k, expected", [(1, 1.0), (10, 1.0), (11, 2.0), (30, 2.0), (31, 3.0), (40, 3.0)])
def test_kth_smallest_of_ten_copies_of_3_1_2_2_is_exact_on_the_chunked_path(monkeypatch, k, expected):
    _small_selection(monkeypatch, chunk=4, sample=10)  # 40 values > 8 * CHUNK = 32: chunked, 10 chunks
    scans = _spy(monkeypatch, "_scan")
    values = np.tile([3.0, 1.0, 2.0, 2.0], 10)
    result = selection.kth_smallest(values, k)
    assert result == expected and type(result) is np.float64
    assert len(scans) >= 1  # the chunked scan ran
    np.testing.assert_array_equal(values, np.tile([3.0, 1.0, 2.0, 2.0], 10))


@st.composite
def _values_and_k(draw):
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    n = draw(st.integers(1, 400))
    kind = draw(st.sampled_from(["few", "wide", "inf"]))
    if kind == "few":  # a few values: many ties, signed zeros
        elements = st.sampled_from([-2.0, -1.0, -0.0, 0.0, 1.0, 2.0])
    elif kind == "wide":
        elements = st.floats(-1e4, 1e4, width=16 if dtype == np.float16 else 32)
    else:  # infinities: the brackets can all miss, then the final partition answers
        elements = st.sampled_from([-np.inf, -1.0, 0.0, 1.0, np.inf])
    values = draw(arrays(dtype, n, elements=elements))
    return values, draw(st.integers(1, n))


@pytest.mark.library
@settings(max_examples=150, deadline=None)
@given(
    _values_and_k(),
    st.sampled_from([2, 4, 16]),
    st.sampled_from([1, 7, 50]),
    st.sampled_from([DEFAULT_SIGMAS, (0.0, None), (0.0, 0.0, None)]),
)
def test_kth_smallest_equals_np_partition_on_chunked_arrays(values_and_k, chunk, sample, sigmas):
    values, k = values_and_k
    original = values.copy()
    with pytest.MonkeyPatch.context() as mp:
        _small_selection(mp, chunk=chunk, sample=sample, sigmas=sigmas)
        result = selection.kth_smallest(values, k)
    expected = np.partition(values, k - 1)[k - 1]
    assert (
        result == expected
    )  # exact (== does not tell -0.0 from 0.0; np.partition's choice between them is arbitrary)
    assert type(result) is type(expected)
    np.testing.assert_array_equal(values, original)
    assert np.array_equal(np.signbit(values), np.signbit(original))


@pytest.mark.library
def test_kth_smallest_accepts_a_numpy_integer_k_and_a_list(monkeypatch):
    _small_selection(monkeypatch, chunk=2, sample=5)
    values = [float(v) for v in range(40, 0, -1)]  # 40, 39, ..., 1
    assert selection.kth_smallest(values, np.int64(7)) == 7.0


@pytest.mark.library
def test_kth_smallest_with_inf_falls_back_to_a_full_partition_after_every_bracket_misses(monkeypatch):
    _small_selection(monkeypatch, chunk=4, sample=10)
    picks = _spy(monkeypatch, "pick")
    values = np.array([1.0] * 10 + [np.inf] * 30)
    assert selection.kth_smallest(values, 40) == np.inf
    assert [out for _, out in picks] == [None] * len(DEFAULT_SIGMAS)  # inf is never < hi: all brackets miss


@pytest.mark.library
@pytest.mark.parametrize(
    "values",
    [np.ones((6, 6)), np.arange(40), np.arange(40, dtype=np.int32), np.array([True, False] * 20)],
    ids=["2-D", "int64", "int32", "bool"],
)
def test_kth_smallest_rejects_non_1d_or_non_float_values_with_typeerror_naming_values(monkeypatch, values):
    _small_selection(monkeypatch, chunk=2, sample=5)
    original = values.copy()
    with pytest.raises(TypeError, match=r"^values"):
        selection.kth_smallest(values, 1)
    np.testing.assert_array_equal(values, original)


@pytest.mark.library
@pytest.mark.parametrize("k", [0, 41, -1, True, False, 1.5, 2.0, "3", None])
def test_kth_smallest_rejects_k_outside_1_to_n_or_not_an_int_with_valueerror_naming_k(monkeypatch, k):
    _small_selection(monkeypatch, chunk=2, sample=5)
    values = np.linspace(1.0, 0.0, 40)
    original = values.copy()
    with pytest.raises(ValueError, match=r"^k\b.*\[1, 40\]"):
        selection.kth_smallest(values, k)
    np.testing.assert_array_equal(values, original)


# ----------------------------------------------------------------------------------------------------
# bracket, pick, sample_indices
# ----------------------------------------------------------------------------------------------------
@pytest.mark.library
def test_bracket_of_0_to_99_at_the_median_is_47_to_just_above_52():
    # sigmas = 0: margin = 2 / 100; i = floor(0.48 * 99) = 47, j = ceil(0.52 * 99) = 52
    lo, hi = selection.bracket(np.arange(100.0), 0.5, np.float64, 0.0)
    assert lo == 47.0 and hi == np.nextafter(52.0, np.inf)
    assert type(lo) is np.float64 and type(hi) is np.float64


@pytest.mark.library
def test_bracket_is_cast_to_the_requested_dtype_and_moves_hi_one_float32_up():
    lo, hi = selection.bracket(np.arange(100.0), 0.5, np.float32, 0.0)
    assert type(lo) is np.float32 and type(hi) is np.float32
    assert lo == np.float32(47.0) and hi == np.nextafter(np.float32(52.0), np.float32(np.inf))


@pytest.mark.library
def test_bracket_of_a_constant_sample_holds_that_value():
    # m = 1000, q = 0.3: margin = 4 * sqrt(0.21 / 1000) + 0.002 = 0.060; i = 239, j = 360, both inside
    lo, hi = selection.bracket(np.full(1000, 2.0), 0.3, np.float64, 4.0)
    assert lo == 2.0 and hi == np.nextafter(2.0, np.inf)
    assert lo <= 2.0 < hi


@pytest.mark.library
def test_bracket_past_the_ends_of_the_sample_is_infinite():
    # q = 0.999, sigmas = 4: j = ceil((0.999 + margin) * 99) > 99, so hi = inf; i = floor(0.9664 * 99) = 95
    lo, hi = selection.bracket(np.arange(100.0), 0.999, np.float64, 4.0)
    assert lo == 95.0 and hi == np.inf
    lo, hi = selection.bracket(np.arange(100.0), 0.001, np.float64, 4.0)
    assert lo == -np.inf and hi == np.nextafter(4.0, np.inf)  # j = ceil(0.0336 * 99) = 4


@pytest.mark.library
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_bracket_without_sigmas_is_minus_inf_to_inf_of_the_dtype(dtype):
    lo, hi = selection.bracket(np.arange(5.0), 0.5, dtype, None)
    assert lo == -np.inf and hi == np.inf
    assert type(lo) is dtype and type(hi) is dtype


@pytest.mark.library
@settings(max_examples=100, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 200), elements=st.integers(-5, 5).map(float)),
    st.data(),
    st.sampled_from([0.0, 4.0, 8.0]),
)
def test_bracket_of_the_whole_population_always_holds_its_kth_smallest(population, data, sigmas):
    k = data.draw(st.integers(1, population.size))
    lo, hi = selection.bracket(population, k / population.size, np.float64, sigmas)
    assert lo <= np.sort(population)[k - 1] < hi


@pytest.mark.library
@pytest.mark.parametrize("below, k, expected", [(2, 3, 3.0), (2, 4, 4.0), (2, 5, 5.0), (0, 1, 3.0)])
def test_pick_returns_the_kth_smallest_overall_from_the_band_and_the_count_below(below, k, expected):
    band = np.array([5.0, 3.0, 4.0])
    assert selection.pick(band, below, k) == expected


@pytest.mark.library
@pytest.mark.parametrize(
    "band, below, k",
    [([5.0, 3.0, 4.0], 2, 2), ([5.0, 3.0, 4.0], 2, 6), ([5.0, 3.0, 4.0], 0, 4), ([], 0, 1), ([], 3, 3)],
)
def test_pick_returns_none_when_the_kth_smallest_lies_outside_the_band(band, below, k):
    assert selection.pick(np.array(band), below, k) is None


@pytest.mark.library
def test_sample_indices_are_every_index_in_order_when_the_sample_is_as_large_as_the_population():
    np.testing.assert_array_equal(selection.sample_indices(7, 7), np.arange(7))
    np.testing.assert_array_equal(selection.sample_indices(7, 100, seed=3), np.arange(7))


@pytest.mark.library
def test_sample_indices_are_seeded_draws_within_the_population():
    idx = selection.sample_indices(1000, 50, seed=5)
    np.testing.assert_array_equal(idx, np.random.default_rng(5).integers(0, 1000, size=50))
    assert idx.shape == (50,) and idx.min() >= 0 and idx.max() < 1000
    np.testing.assert_array_equal(idx, selection.sample_indices(1000, 50, seed=5))
    assert not np.array_equal(idx, selection.sample_indices(1000, 50, seed=6))


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
        _small_selection(mp, chunk=chunk, sample=sample, sigmas=sigmas)
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
    _small_selection(monkeypatch)
    model = _tied_model()
    graded, fast = _prune_both(model, sparsity)
    _assert_same(graded, fast)
    k = sparsity if isinstance(sparsity, int) else round(sparsity * 400)
    assert sum(int(np.count_nonzero(~m)) for m in fast[1].values()) == k
    assert list(fast[1]) == ["w0", "w2"]  # the bias w1 (1-D) is not prunable


@pytest.mark.library
def test_fast_path_prunes_tied_weights_across_a_float32_and_a_float64_parameter_in_flat_order(monkeypatch):
    _small_selection(monkeypatch)
    model = Weights([np.ones((10, 10), dtype=np.float32), np.ones((10, 10), dtype=np.float64)])
    graded, fast = _prune_both(model, 0.75)  # 150 of 200 ties: all of w0, then the first 50 of w1
    _assert_same(graded, fast)
    np.testing.assert_array_equal(fast[1]["w0"], np.zeros((10, 10), dtype=bool))
    np.testing.assert_array_equal(fast[1]["w1"].ravel(), np.arange(100) >= 50)
    assert fast[0].w0.data.dtype == np.float32 and fast[0].w1.data.dtype == np.float64


@pytest.mark.library
def test_fast_path_second_call_is_cumulative_and_a_smaller_target_prunes_nothing_more(monkeypatch):
    _small_selection(monkeypatch)
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
    _small_selection(monkeypatch)
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
    _small_selection(monkeypatch, chunk=64, sample=1, sigmas=(0.0, None))
    w = np.random.default_rng(2).permutation(600).reshape(20, 30).astype(np.float64) + 1.0
    sampled = w.ravel()[selection.sample_indices(600, 1, seed=0)[0]]
    k = 100 if sampled != np.sort(w.ravel())[99] else 101
    picks = _spy(monkeypatch, "pick")
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
    _small_selection(monkeypatch)
    model = Weights([np.array([[1.0, 2.0], [3.0, 4.0]])])
    model.w0.mask = np.array([[True, True], [False, True]])  # masks 3.0, not zeroed
    graded, fast = _prune_both(model, 0.5)  # k = 2: the masked 3.0 and the smallest other, 1.0
    _assert_same(graded, fast)
    np.testing.assert_array_equal(fast[0].w0.data, [[0.0, 2.0], [0.0, 4.0]])
