"""CSR storage, byte accounting, csr_matmul, SparseLinear and the timing helpers
(tinytorch.compression.sparse)."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tinytorch
from tinytorch.compression.sparse import (
    CSRMatrix,
    SparseLinear,
    best_time,
    blas_threads,
    break_even_sparsity,
    csr_matmul,
    csr_nbytes,
    csr_speedup_table,
    to_sparse,
)
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.tensor import Tensor

A = np.array([[0, 2, 0, 0], [1, 0, 3, 0], [0, 0, 0, 0], [0, 0, 0, 4]], dtype=np.float32)


def sparse_matrix(shape, sparsity, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape).astype(np.float32)
    w.ravel()[rng.permutation(w.size)[: round(sparsity * w.size)]] = 0.0
    return w


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


@pytest.mark.library
def test_sparse_linear_equals_the_linear_it_was_built_from():
    tinytorch.manual_seed(0)
    lin = Linear(24, 12)
    lin.weight.data[np.abs(lin.weight.data) < 0.15] = 0
    lin.bias.data[:] = np.arange(12, dtype=np.float32)
    x = Tensor(np.random.default_rng(0).standard_normal((7, 24)).astype(np.float32))
    sl = SparseLinear.from_linear(lin)
    assert sl.nnz == np.count_nonzero(lin.weight.data)
    assert sl.nbytes == sl.weight_csr.nbytes + 4 * 12
    assert np.allclose(sl(x).data, lin(x).data, atol=1e-5)
    sq = SparseLinear.from_linear(lin, index_dtype=np.int16, quantize=True)
    assert sq.weight_csr.data.dtype == np.int8 and np.allclose(sq(x).data, lin(x).data, atol=0.05)


@pytest.mark.library
def test_to_sparse_replaces_every_linear_and_keeps_outputs():
    tinytorch.manual_seed(1)
    model = Sequential(Linear(8, 16), ReLU(), Linear(16, 4))
    sp = to_sparse(model)
    assert [type(m).__name__ for m in sp.layers] == ["SparseLinear", "ReLU", "SparseLinear"]
    x = Tensor(np.random.default_rng(1).standard_normal((5, 8)).astype(np.float32))
    assert np.allclose(sp(x).data, model(x).data, atol=1e-5)


@pytest.mark.library
def test_bad_arguments_raise_errors_naming_them():
    with pytest.raises(ValueError, match="index_dtype"):
        CSRMatrix.from_dense(A, np.int64)
    with pytest.raises(ValueError, match=r"dense.*\(3,\)"):
        CSRMatrix.from_dense(np.ones(3))
    with pytest.raises(ValueError, match="40000 columns"):
        CSRMatrix.from_dense(np.ones((1, 40000)), np.int16)
    with pytest.raises(ValueError, match=r"x=.*\(5,\).*\(4,\)"):
        csr_matmul(np.ones(5), CSRMatrix.from_dense(A))
    with pytest.raises(TypeError, match=r"\ba=.*CSRMatrix"):
        csr_matmul(np.ones(4), A)
    with pytest.raises(ValueError, match=r"indptr=.*nnz=2"):
        CSRMatrix(np.ones(2, np.float32), np.array([0, 1], np.int32), np.array([0, 1, 3], np.int32), (2, 2))
    with pytest.raises(ValueError, match=r"indices.*\b5\b"):
        CSRMatrix(np.ones(1, np.float32), np.array([5], np.int32), np.array([0, 1], np.int32), (1, 2))
    with pytest.raises(ValueError, match="nnz=-1"):
        csr_nbytes(-1, 3)
    with pytest.raises(TypeError, match=r"model.*Linear"):
        to_sparse(Linear(2, 2))
    with pytest.raises(ValueError, match="repeats=0"):
        best_time(lambda: None, repeats=0)


@pytest.mark.library
def test_speedup_table_rows_baselines_and_break_even_rule():
    calls = []

    def baseline(w):
        calls.append(w.shape)
        return lambda x: x @ w

    rows = csr_speedup_table(
        n=64, sparsities=(0.5, 0.99), batch_sizes=(1, 4), repeats=1, baselines={"mine": baseline}
    )
    assert [(r["batch"], r["sparsity"]) for r in rows] == [(1, 0.5), (4, 0.5), (1, 0.99), (4, 0.99)]
    assert calls == [(64, 64), (64, 64)]  # one baseline kernel per sparsity
    assert all(r["speedup"] == pytest.approx(r["dense_ms"] / r["csr_ms"]) and r["mine_ms"] > 0 for r in rows)
    table = [
        dict(batch=1, sparsity=s, dense_ms=1.0, csr_ms=c, scipy_ms=p, speedup=1.0 / c)
        for s, c, p in ((0.8, 0.8, 2.0), (0.9, 1.2, 0.9), (0.95, 0.9, 0.5), (0.99, 0.2, 0.1))
    ]
    assert break_even_sparsity(table, 1) == 0.95
    assert break_even_sparsity(table, 1, "scipy") == 0.9
    assert break_even_sparsity([dict(batch=1, sparsity=0.9, speedup=0.5)], 1) is None
    with pytest.raises(ValueError, match="batch=2"):
        break_even_sparsity(table, 2)
    with pytest.raises(ValueError, match="kernel='torch'"):
        break_even_sparsity(table, 1, "torch")
    with pytest.raises(TypeError, match="table='rows'"):
        break_even_sparsity("rows", 1)
    with pytest.raises(TypeError, match=r"baselines.*\['scipy'\]"):
        csr_speedup_table(n=8, baselines=["scipy"])
    with pytest.raises(ValueError, match="batch_sizes"):
        csr_speedup_table(n=8, batch_sizes=())
    with pytest.raises(TypeError, match=r"batch_sizes\[1\]"):
        csr_speedup_table(n=8, batch_sizes=(1, 2.5))
    assert blas_threads()["cpu_count"] >= 1


@pytest.mark.library
def test_quantize_flag_takes_python_and_numpy_bools_only():
    w = np.array([[0.0, 1.0], [2.0, 0.0]], dtype=np.float32)
    assert SparseLinear(w, quantize=np.True_).weight_csr.data.dtype == np.int8
    assert SparseLinear(w, quantize=False).weight_csr.data.dtype == np.float32
    for bad in (1, 0.0, "False", None):
        with pytest.raises(TypeError, match=r"quantize.*" + re.escape(repr(bad))):
            SparseLinear(w, quantize=bad)


@pytest.mark.library
def test_int8_csr_scale_must_be_a_positive_finite_number():
    args = (np.array([3], np.int8), np.array([0], np.int32), np.array([0, 1], np.int32), (1, 1))
    assert CSRMatrix(*args, scale=0.5).to_dense().tolist() == [[1.5]]
    for bad, exc in (
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (-0.5, ValueError),
        ("a", TypeError),
    ):
        with pytest.raises(exc, match="scale"):
            CSRMatrix(*args, scale=bad)


@pytest.mark.library
def test_from_dense_names_dense_for_int8_input_and_builds_nothing():
    with pytest.raises(TypeError, match=r"dense.*int8"):
        CSRMatrix.from_dense(np.ones((2, 3), dtype=np.int8))
    q = CSRMatrix.from_dense(np.array([[0.0, 2.0], [1.0, 0.0]], np.float32)).quantize_int8()
    assert q.data.dtype == np.int8 and np.allclose(q.to_dense(), [[0.0, 2.0], [1.0, 0.0]], atol=q.scale / 2)


@pytest.mark.library
def test_sparse_re_exports_the_csr_format_defined_in_compression_csr():
    from tinytorch.compression import csr, sparse

    assert sparse.CSRMatrix is csr.CSRMatrix and sparse.csr_matmul is csr.csr_matmul
    assert sparse.csr_nbytes is csr.csr_nbytes and set(csr.__all__) == {
        "CSRMatrix",
        "csr_matmul",
        "csr_nbytes",
    }


@pytest.mark.library
def test_speedup_table_times_every_kernel_on_one_blas_thread():
    from threadpoolctl import threadpool_info

    seen = []

    def probe(w):
        def f(x):
            seen.append([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"])
            return x @ w

        return f

    csr_speedup_table(n=8, sparsities=(0.5,), batch_sizes=(1,), repeats=2, baselines={"probe": probe})
    assert seen and all(threads == [1] * len(threads) for threads in seen)
    assert all(n == 1 for threads in seen for n in threads) and seen[0] != []
