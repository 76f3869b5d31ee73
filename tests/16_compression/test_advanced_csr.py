"""The CSR format (tinytorch.compression.csr): textbook arrays, exact round trips, byte counts, INT8 values,
and csr_matmul equal to the dense product across shapes, dtypes, sparsities and batch sizes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from nets import CSR_A as A
from nets import sparse_matrix

from tinytorch.compression.sparse import (
    CSRMatrix,
    csr_matmul,
    csr_nbytes,
)


@pytest.mark.library
def test_csr_from_dense_gives_the_textbook_arrays():
    c = CSRMatrix.from_dense(A)
    assert c.data.tolist() == [2, 1, 3, 4]
    assert c.indices.tolist() == [1, 0, 2, 3] and c.indices.dtype == np.int32
    assert c.indptr.tolist() == [0, 1, 3, 3, 4] and c.indptr.dtype == np.int32
    assert c.nnz == 4 and c.shape == (4, 4)


@pytest.mark.library
def test_csr_round_trip_is_exact_and_indptr_ends_at_nnz():
    w = sparse_matrix((37, 53), 0.8)
    for dt in (np.int16, np.int32):
        c = CSRMatrix.from_dense(w, dt)
        assert np.array_equal(c.to_dense(), w)
        assert c.indptr[-1] == c.nnz == np.count_nonzero(w)
        assert c.indices.dtype == dt


@pytest.mark.library
def test_csr_bytes_1000x1000_at_90_percent_is_804004_with_int32_indices():
    w = sparse_matrix((1000, 1000), 0.9)
    assert csr_nbytes(100_000, 1000) == 804_004
    assert CSRMatrix.from_dense(w, np.int32).nbytes == 804_004
    assert CSRMatrix.from_dense(w, np.int16).nbytes == 604_004 == csr_nbytes(100_000, 1000, 4, 2)
    q = CSRMatrix.from_dense(w, np.int16).quantize_int8()
    assert q.nbytes == 304_004 + 4  # int8 values + int16 indices + int32 indptr + one float32 scale
    assert round(4_000_000 / 804_004, 2) == 4.98 and round(4_000_000 / 304_004, 1) == 13.2


@pytest.mark.library
def test_quantized_csr_keeps_pattern_and_error_within_half_a_scale():
    w = sparse_matrix((20, 30), 0.7, seed=3)
    q = CSRMatrix.from_dense(w).quantize_int8()
    assert q.data.dtype == np.int8 and q.indices.dtype == np.int16 and q.nnz == np.count_nonzero(w)
    assert np.all(np.abs(q.to_dense() - w) <= q.scale / 2 + 1e-7)
    assert np.all(q.to_dense()[w == 0] == 0)


@pytest.mark.library
def test_empty_rows_and_all_zero_matrix_multiply_to_zero():
    x = np.arange(4, dtype=np.float32)
    assert np.allclose(csr_matmul(x, CSRMatrix.from_dense(A)), A @ x)
    z = CSRMatrix.from_dense(np.zeros((3, 4), np.float32))
    assert z.nnz == 0 and np.array_equal(csr_matmul(np.ones((2, 4), np.float32), z), np.zeros((2, 3)))


@pytest.mark.library
@pytest.mark.parametrize("batch", [1, 2, 3, 32, 257])
@pytest.mark.parametrize("sparsity", [0.0, 0.5, 0.9, 0.99])
def test_csr_matmul_matches_dense_across_batch_sizes_and_sparsities(batch, sparsity):
    w = sparse_matrix((96, 80), sparsity, seed=1)  # W (in=96, out=80)
    w[:, 5] = 0  # an empty CSR row (output neuron with no inputs)
    a = CSRMatrix.from_dense(w.T)
    x = np.random.default_rng(2).standard_normal((batch, 96)).astype(np.float32)
    y = csr_matmul(x, a)
    assert y.shape == (batch, 80) and y.dtype == np.float32 and y.flags.c_contiguous
    assert np.allclose(y, x.astype(np.float64) @ w, atol=1e-5)
    assert np.all(y[:, 5] == 0)
    assert np.array_equal(csr_matmul(x, a), y)  # the cached ELL blocks give the same result on the next call


@pytest.mark.library
def test_csr_matmul_1d_input_and_empty_batch():
    w = sparse_matrix((96, 80), 0.9, seed=1)
    a = CSRMatrix.from_dense(w.T)
    x1 = np.random.default_rng(2).standard_normal(96).astype(np.float32)
    assert csr_matmul(x1, a).shape == (80,) and np.allclose(csr_matmul(x1, a), x1 @ w, atol=1e-5)
    assert csr_matmul(np.zeros((0, 96), np.float32), a).shape == (0, 80)


@pytest.mark.library
@pytest.mark.parametrize(
    "x_dtype, w_dtype, out",
    [
        (np.float32, np.float32, np.float32),
        (np.float64, np.float32, np.float64),
        (np.float32, np.float64, np.float64),
        (np.int64, np.float32, np.float64),
        (np.float16, np.float32, np.float32),
    ],
)
@pytest.mark.parametrize("batch", [1, 8])
def test_csr_matmul_result_dtype_follows_numpy_promotion(x_dtype, w_dtype, out, batch):
    w = sparse_matrix((40, 30), 0.8, seed=3).astype(w_dtype)
    x = np.random.default_rng(4).integers(-3, 4, (batch, 40)).astype(x_dtype)
    y = csr_matmul(x, CSRMatrix.from_dense(w.T))
    assert y.dtype == out
    assert np.allclose(y, x.astype(np.float64) @ w.astype(np.float64), rtol=1e-5, atol=1e-4)


@pytest.mark.library
def test_rows_of_very_different_lengths_across_several_row_blocks():
    # 600 output rows (3 blocks of 256 after sorting by length): one dense row, many empty, the rest random.
    rng = np.random.default_rng(9)
    wt = np.where(rng.random((600, 50)) < rng.random((600, 1)) ** 3, rng.standard_normal((600, 50)), 0.0)
    wt[17] = rng.standard_normal(50)
    wt[100:300] = 0
    a = CSRMatrix.from_dense(wt.astype(np.float32))
    for batch in (1, 5, 64):
        x = rng.standard_normal((batch, 50)).astype(np.float32)
        assert np.allclose(csr_matmul(x, a), x @ wt.T, atol=1e-5)


@pytest.mark.library
def test_quantized_matrix_multiplies_with_its_dequantized_values():
    w = sparse_matrix((64, 48), 0.9, seed=6)
    q = CSRMatrix.from_dense(w.T).quantize_int8()
    x = np.random.default_rng(7).standard_normal((16, 64)).astype(np.float32)
    for xb in (x, x[:1]):
        assert np.allclose(csr_matmul(xb, q), xb @ q.to_dense().T, atol=1e-5)


@pytest.mark.library
def test_all_zero_matrix_gives_zeros_for_every_batch_size():
    z = CSRMatrix.from_dense(np.zeros((30, 20), np.float32))
    for batch in (1, 2, 40):
        y = csr_matmul(np.ones((batch, 20), np.float32), z)
        assert y.shape == (batch, 30) and np.array_equal(y, np.zeros((batch, 30)))


@pytest.mark.library
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 12), st.integers(1, 12)),
        elements=st.sampled_from([0.0, 0.0, 0.0, -1.5, 0.25, 2.0, 3.0]),
    ),
    st.integers(1, 5),
)
def test_property_round_trip_and_matmul_agree_with_dense(w, batch):
    c = CSRMatrix.from_dense(w)
    assert np.array_equal(c.to_dense(), w)
    assert c.nbytes == csr_nbytes(np.count_nonzero(w), w.shape[0])
    x = np.linspace(-1, 1, batch * w.shape[1], dtype=np.float32).reshape(batch, w.shape[1])
    assert np.allclose(csr_matmul(x, c), x @ w.T, atol=1e-5)
