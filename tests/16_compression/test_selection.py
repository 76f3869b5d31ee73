"""tinytorch.core.selection: the exact k-th smallest by a sampled bracket and a chunked scan.

selection.CHUNK and selection.SAMPLE are lowered (and SIGMAS narrowed) so that small arrays run through the
chunked scan, several chunks per array, and the retry after a missed bracket."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from selection_helpers import DEFAULT_SIGMAS, small_selection, spy_on

from tinytorch.core import selection


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
    small_selection(monkeypatch, chunk=4, sample=10)  # 40 values > 8 * CHUNK = 32: chunked, 10 chunks
    scans = spy_on(monkeypatch, "_scan")
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
        small_selection(mp, chunk=chunk, sample=sample, sigmas=sigmas)
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
    small_selection(monkeypatch, chunk=2, sample=5)
    values = [float(v) for v in range(40, 0, -1)]  # 40, 39, ..., 1
    assert selection.kth_smallest(values, np.int64(7)) == 7.0


@pytest.mark.library
def test_kth_smallest_with_inf_falls_back_to_a_full_partition_after_every_bracket_misses(monkeypatch):
    small_selection(monkeypatch, chunk=4, sample=10)
    picks = spy_on(monkeypatch, "pick")
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
    small_selection(monkeypatch, chunk=2, sample=5)
    original = values.copy()
    with pytest.raises(TypeError, match=r"^values"):
        selection.kth_smallest(values, 1)
    np.testing.assert_array_equal(values, original)


@pytest.mark.library
@pytest.mark.parametrize("k", [0, 41, -1, True, False, 1.5, 2.0, "3", None])
def test_kth_smallest_rejects_k_outside_1_to_n_or_not_an_int_with_valueerror_naming_k(monkeypatch, k):
    small_selection(monkeypatch, chunk=2, sample=5)
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
