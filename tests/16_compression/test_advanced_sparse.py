"""SparseLinear (a Linear on CSR weights), to_sparse, their argument checks and the timing table
(tinytorch.compression.sparse); the CSR format itself is tested in test_advanced_csr.py."""

import re

import numpy as np
import pytest
from nets import CSR_A as A

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
