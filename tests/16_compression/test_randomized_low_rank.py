"""Randomized low rank (tinytorch.compression.randomized) against the exact SVD: Eckart-Young error bound on
seeded matrices, shapes and dtypes, determinism for a fixed seed, untouched global generators, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.compression import low_rank_approximate
from tinytorch.compression.randomized import (
    LOW_RANK_METHODS,
    check_low_rank_method,
    randomized_svd,
    range_finder,
)
from tinytorch.core.random import get_rng, manual_seed


def power_law(m, n, seed, alpha=1.0, noise=0.02):
    """U diag(i^-alpha) V^T + Gaussian noise (std noise / sqrt(n)): a trained-weight-like spectrum."""
    g = np.random.default_rng(seed)
    u, _ = np.linalg.qr(g.standard_normal((m, min(m, n))))
    v, _ = np.linalg.qr(g.standard_normal((n, min(m, n))))
    return (u * np.arange(1, min(m, n) + 1) ** -alpha) @ v.T + noise * g.standard_normal((m, n)) / np.sqrt(n)


def optimal_error(a, k):
    s = np.linalg.svd(a.astype(np.float64), compute_uv=False)
    return float(np.sqrt(np.sum(s[k:] ** 2)))


def error(a, u, s, vh):
    return float(np.linalg.norm(a.astype(np.float64) - (u.astype(np.float64) * s) @ vh.astype(np.float64)))


@pytest.mark.library
def test_diag_5_3_1_rank_1_keeps_5_and_has_error_sqrt_10():
    d = np.diag([5.0, 3.0, 1.0])
    u, s, vh = randomized_svd(d, 1)
    assert u.shape == (3, 1) and s.shape == (1,) and vh.shape == (1, 3)
    assert abs(s[0] - 5.0) < 1e-12
    assert abs(error(d, u, s, vh) - np.sqrt(10)) < 1e-10


@pytest.mark.library
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("shape", [(300, 200), (200, 300)])
def test_error_is_within_1_03_of_the_optimal_error_on_seeded_power_law_matrices(seed, shape):
    a = power_law(*shape, seed=seed)
    u, s, vh = randomized_svd(a, 20, n_iter=2, oversample=10, seed=seed)
    opt = optimal_error(a, 20)
    assert opt <= error(a, u, s, vh) <= 1.03 * opt


@pytest.mark.library
def test_more_power_iterations_bring_the_error_closer_to_optimal():
    a = power_law(400, 300, seed=7, alpha=0.5, noise=0.05)
    errs = [error(a, *randomized_svd(a, 16, n_iter=q, seed=0)) for q in (0, 1, 4)]
    opt = optimal_error(a, 16)
    assert errs[0] > errs[1] > errs[2] >= opt
    assert errs[0] > 1.03 * opt  # without power iterations the slowly decaying tail costs more than 3 %


@pytest.mark.library
def test_exactly_low_rank_matrix_is_recovered_without_power_iterations_or_oversampling():
    g = np.random.default_rng(0)
    a = g.standard_normal((120, 5)) @ g.standard_normal((5, 90))
    u, s, vh = randomized_svd(a, 5, n_iter=0, oversample=0)
    assert error(a, u, s, vh) < 1e-12 * np.linalg.norm(a)
    assert np.allclose(s, np.linalg.svd(a, compute_uv=False)[:5], rtol=1e-12)


@pytest.mark.library
@pytest.mark.parametrize(
    "dtype, out",
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64), (np.int32, np.float64)],
)
def test_shapes_and_dtypes_match_the_exact_low_rank_approximate(dtype, out):
    a = (power_law(40, 30, seed=1) * 100).astype(dtype)
    ue, se, ve = low_rank_approximate(a, rank_ratio=0.25)
    u, s, vh = randomized_svd(a, len(se))
    assert (u.shape, s.shape, vh.shape) == (ue.shape, se.shape, ve.shape) == ((40, 8), (8,), (8, 30))
    assert u.dtype == s.dtype == vh.dtype == ue.dtype == se.dtype == ve.dtype == np.dtype(out)
    tol = 1e-4 if out == np.float32 else 1e-10
    assert np.allclose(u.T @ u, np.eye(8), atol=tol) and np.allclose(vh @ vh.T, np.eye(8), atol=tol)
    assert np.all(np.diff(s) <= 0) and s[-1] >= 0


@pytest.mark.library
def test_float16_input_returns_float16_computed_in_float32():
    a = power_law(30, 20, seed=2).astype(np.float16)
    u, s, vh = randomized_svd(a, 4)
    assert u.dtype == s.dtype == vh.dtype == np.float16
    u32, s32, _ = randomized_svd(a.astype(np.float32), 4)
    assert np.array_equal(s, s32.astype(np.float16)) and np.array_equal(u, u32.astype(np.float16))


@pytest.mark.library
def test_a_fixed_seed_gives_identical_results_and_another_seed_other_factors():
    a = power_law(80, 60, seed=3)
    first, again = randomized_svd(a, 6, seed=11), randomized_svd(a, 6, seed=11)
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    other = randomized_svd(a, 6, seed=12, n_iter=0, oversample=0)
    assert not np.array_equal(randomized_svd(a, 6, seed=11, n_iter=0, oversample=0)[0], other[0])


@pytest.mark.library
def test_the_global_generators_are_not_touched():
    manual_seed(5)
    before_tt, before_np = get_rng().bit_generator.state, np.random.get_state()[1].copy()
    randomized_svd(power_law(50, 40, seed=4), 5)
    range_finder(np.eye(4), 2)
    assert get_rng().bit_generator.state == before_tt
    assert np.array_equal(np.random.get_state()[1], before_np)


@pytest.mark.library
def test_input_matrix_is_left_unchanged():
    a = power_law(30, 25, seed=5)
    copy = a.copy()
    randomized_svd(a, 3, n_iter=4)
    assert np.array_equal(a, copy)


@pytest.mark.library
@pytest.mark.parametrize("shape", [(7, 12), (12, 7), (9, 9), (1, 5), (5, 1)])
def test_full_rank_reconstructs_tall_wide_and_square_matrices(shape):
    a = np.random.default_rng(6).standard_normal(shape)
    u, s, vh = randomized_svd(a, min(shape), n_iter=1, oversample=0)
    assert np.allclose((u * s) @ vh, a, atol=1e-12)


@pytest.mark.library
def test_range_finder_returns_an_orthonormal_basis_of_a_low_rank_range():
    g = np.random.default_rng(8)
    a = g.standard_normal((50, 3)) @ g.standard_normal((3, 40))
    q = range_finder(a, 4, n_iter=2, seed=1)
    assert q.shape == (50, 4) and np.allclose(q.T @ q, np.eye(4), atol=1e-12)
    assert np.allclose(q @ (q.T @ a), a, atol=1e-10)


@pytest.mark.library
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10), st.integers(1, 10), st.integers(0, 2**16), st.data())
def test_property_with_a_full_basis_the_error_is_exactly_eckart_young(m, n, seed, data):
    a = np.random.default_rng(seed).standard_normal((m, n))
    k = data.draw(st.integers(1, min(m, n)))
    u, s, vh = randomized_svd(a, k, n_iter=data.draw(st.integers(0, 3)), oversample=min(m, n), seed=seed)
    assert abs(error(a, u, s, vh) - optimal_error(a, k)) <= 1e-10 * max(1.0, np.linalg.norm(a))


@pytest.mark.library
def test_method_options_are_validated_naming_the_argument():
    assert LOW_RANK_METHODS == ("svd", "randomized")
    assert check_low_rank_method("randomized", np.int64(3), 0, 7) == ("randomized", 3, 0, 7)
    assert check_low_rank_method() == ("svd", 2, 10, 0)
    for kwargs, exc, name in (
        ({"method": "qr"}, ValueError, "method"),
        ({"method": None}, TypeError, "method"),
        ({"n_iter": -1}, ValueError, "n_iter"),
        ({"n_iter": 1.0}, TypeError, "n_iter"),
        ({"n_iter": True}, TypeError, "n_iter"),
        ({"oversample": -2}, ValueError, "oversample"),
        ({"oversample": "10"}, TypeError, "oversample"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": None}, TypeError, "seed"),
    ):
        with pytest.raises(exc, match=name):
            check_low_rank_method(**kwargs)


@pytest.mark.library
def test_bad_matrices_and_ranks_raise_errors_naming_them():
    a = np.ones((4, 3))
    for bad, exc, msg in (
        (np.array([[1.0, np.nan]]), ValueError, "weight_matrix=.*NaN"),
        (np.array([[np.inf, 1.0]]), ValueError, "weight_matrix=.*NaN or inf"),
        (np.ones(3), ValueError, "weight_matrix=.*2 dimensions"),
        (np.ones((2, 2, 2)), ValueError, "weight_matrix=.*2 dimensions"),
        (np.ones((0, 3)), ValueError, r"weight_matrix=.*\(0, 3\).*non-empty"),
        (np.array([["a", "b"]]), TypeError, "weight_matrix=.*real-valued"),
        (np.ones((2, 2), complex), TypeError, "weight_matrix=.*real-valued"),
        (np.ones((2, 2), bool), TypeError, "weight_matrix=.*real-valued"),
    ):
        with pytest.raises(exc, match=msg):
            randomized_svd(bad, 1)
    for rank, exc in (
        (0, ValueError),
        (4, ValueError),
        (1.5, TypeError),
        (True, TypeError),
        (None, TypeError),
    ):
        with pytest.raises(exc, match="rank"):
            randomized_svd(a, rank)
    with pytest.raises(ValueError, match="n_iter=-1"):
        randomized_svd(a, 1, n_iter=-1)
    with pytest.raises(TypeError, match="oversample"):
        randomized_svd(a, 1, oversample=2.0)
    with pytest.raises(ValueError, match=r"size=4.*\[1, 3\]"):
        range_finder(a, 4)
