# %% [markdown]
# # Module 16, beyond the core: sparse storage and sparse inference (CSR)
#
# Magnitude pruning leaves zeros *inside* dense arrays: a 90 %-sparse weight still occupies 4 bytes per
# entry and a dense matmul still multiplies every zero. Two questions decide whether pruning pays:
#
# 1. **Storage**: how many bytes does a sparse format need, once the *indices* are counted?
# 2. **Speed**: at which sparsity does a sparse matmul beat NumPy's dense BLAS, and at which batch size?
#
# This notebook builds the compressed sparse row (CSR) format, counts its bytes exactly (fp32 values
# with int32 or int16 column indices, and int8 values), a `SparseLinear` layer whose forward pass is a
# vectorised CSR matmul, and measures the break-even sparsity against dense at batch 1, 32 and 256.
#
# Exported to `tinytorch/compression/sparse.py`.

# %%
#| default_exp compression.sparse
#| export
import os
import time

import numpy as np

from tinytorch.core.checks import check_array, check_bool, check_int, check_real
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.module import Module
from tinytorch.core.tensor import Tensor
from tinytorch.quantization import quantize_int8


# %% [markdown]
# ## 1. The CSR format
#
# A matrix `A` (m x n) with `nnz` non-zeros is stored as three arrays:
#
# ```
# A = [[0, 2, 0, 0],      data    = [2, 1, 3, 4]      values, row by row
#      [1, 0, 3, 0],      indices = [1, 0, 2, 3]      column of each value
#      [0, 0, 0, 0],      indptr  = [0, 1, 3, 3, 4]   row r is data[indptr[r]:indptr[r+1]]
#      [0, 0, 0, 4]]
# ```
#
# `indptr` has m + 1 entries and `indptr[-1] == nnz`; an empty row has `indptr[r] == indptr[r+1]`.
# Bytes: `value_bytes*nnz + index_bytes*nnz + 4*(m+1)` (row pointers are int32 here).
#
# | format | bytes | smaller than dense fp32 (4mn) when |
# |---|---|---|
# | CSR fp32 values + int32 indices | 8 nnz + 4(m+1) | density < ~1/2 |
# | CSR fp32 values + int16 indices | 6 nnz + 4(m+1) | density < ~2/3 |
# | CSR int8 values + int16 indices (+ 4-byte scale) | 3 nnz + 4(m+1) + 4 | vs dense int8 (mn): density < ~1/3 |

# %%
#| export
_INDEX_DTYPES = (np.dtype(np.int16), np.dtype(np.int32))


def _index_dtype(index_dtype):
    try:
        dt = np.dtype(index_dtype)
    except TypeError:
        dt = None
    if dt not in _INDEX_DTYPES:
        raise ValueError(f"index_dtype={index_dtype!r} is not allowed; expected np.int16 or np.int32")
    return dt


def csr_nbytes(nnz, n_rows, value_bytes=4, index_bytes=4, pointer_bytes=4):
    """Bytes of a CSR matrix: (value_bytes + index_bytes) * nnz + pointer_bytes * (n_rows + 1).

    e.g. 1000 x 1000 at 90 % sparsity (nnz = 100,000), fp32 values, int32 indices: 804,004.
    """
    nnz = check_int("nnz", nnz, low=0)
    n_rows = check_int("n_rows", n_rows, low=0)
    value_bytes = check_int("value_bytes", value_bytes, low=1)
    index_bytes = check_int("index_bytes", index_bytes, low=1)
    pointer_bytes = check_int("pointer_bytes", pointer_bytes, low=1)
    return (value_bytes + index_bytes) * nnz + pointer_bytes * (n_rows + 1)


# %%
#| export
class CSRMatrix:
    """A 2-D matrix of shape (m, n) in compressed sparse row form.

    data (nnz,): the non-zero values row by row (float, or int8 when `scale` is set: value = data * scale);
    indices (nnz,): their column ids, int16 or int32; indptr (m + 1,) int32: row r holds
    data[indptr[r]:indptr[r + 1]], indptr[0] == 0, indptr[-1] == nnz.
    """

    def __init__(self, data, indices, indptr, shape, scale=None):
        if not isinstance(shape, (tuple, list)) or len(shape) != 2:
            raise ValueError(f"shape={shape!r} must be a pair (rows, cols)")
        m = check_int("shape[0]", shape[0], low=0)
        n = check_int("shape[1]", shape[1], low=0)
        data = check_array("data", data, ndim=1)
        indices, indptr = np.asarray(indices), np.asarray(indptr)
        if indices.dtype not in _INDEX_DTYPES or indices.shape != data.shape:
            raise ValueError(f"indices must be int16/int32 of shape {data.shape}, got {indices.dtype} {indices.shape}")
        if indptr.dtype != np.int32 or indptr.shape != (m + 1,):
            raise ValueError(f"indptr must be int32 of shape ({m + 1},), got {indptr.dtype} {indptr.shape}")
        if indptr[0] != 0 or indptr[-1] != data.size or np.any(np.diff(indptr) < 0):
            raise ValueError(f"indptr must rise from 0 to nnz={data.size}, got {indptr[0]} .. {indptr[-1]}")
        if data.size and (indices.min() < 0 or indices.max() >= n):
            raise ValueError(f"indices must lie in [0, {n - 1}], got [{indices.min()}, {indices.max()}]")
        if scale is not None:
            check_real("scale", scale, low=0.0, low_open=True)
        if (scale is None) != (data.dtype != np.int8):
            raise ValueError(f"scale={scale!r} must be given exactly when data is int8 (data dtype {data.dtype})")
        self.data, self.indices, self.indptr, self.shape = data, indices, indptr, (m, n)
        self.scale = None if scale is None else np.float32(scale)
        # Kernel caches (not stored data): intp column ids for np.take, float values, non-empty rows.
        counts = np.diff(indptr)
        self._take = indices.astype(np.intp)
        self._values = data if scale is None else data.astype(np.float32) * self.scale
        self._rows = counts > 0
        self._starts = indptr[:-1][self._rows].astype(np.intp)

    @classmethod
    def from_dense(cls, dense, index_dtype=np.int32):
        """CSR of a 2-D array, keeping its exact non-zeros in row-major order."""
        a = check_array("dense", dense, ndim=2)
        dt = _index_dtype(index_dtype)
        if a.shape[1] > np.iinfo(dt).max + 1:
            raise ValueError(f"dense has {a.shape[1]} columns; index_dtype={dt.name} holds at most "
                             f"{np.iinfo(dt).max + 1}")
        rows, cols = np.nonzero(a)
        counts = np.bincount(rows, minlength=a.shape[0])
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        return cls(a[rows, cols], cols.astype(dt), indptr, a.shape)

    def to_dense(self):
        """The (m, n) array (int8 values dequantized to float32)."""
        out = np.zeros(self.shape, dtype=self._values.dtype)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        out[rows, self._take] = self._values
        return out

    @property
    def nnz(self):
        return int(self.data.size)

    @property
    def nbytes(self):
        """Stored bytes: data + indices + indptr (+ 4 for the float32 scale of int8 values)."""
        return int(self.data.nbytes + self.indices.nbytes + self.indptr.nbytes + (4 if self.scale is not None else 0))

    def quantize_int8(self):
        """A copy with symmetric int8 values (one float32 scale, zero point 0) and int16 indices when they fit."""
        q, scale = quantize_int8(self._values.astype(np.float32))
        idx = self.indices.astype(np.int16) if self.shape[1] <= 32768 else self.indices
        return CSRMatrix(q, idx, self.indptr, self.shape, scale=float(scale))

    def __repr__(self):
        return (f"CSRMatrix(shape={self.shape}, nnz={self.nnz}, data={self.data.dtype}, "
                f"indices={self.indices.dtype}, nbytes={self.nbytes})")


# %% [markdown]
# The 4x4 example above, round-tripped:

# %%
A = np.array([[0, 2, 0, 0], [1, 0, 3, 0], [0, 0, 0, 0], [0, 0, 0, 4]], dtype=np.float32)
csr = CSRMatrix.from_dense(A)
print("data   ", csr.data)
print("indices", csr.indices)
print("indptr ", csr.indptr)
assert np.array_equal(csr.to_dense(), A) and csr.indptr[-1] == csr.nnz == 4
assert csr.nbytes == csr_nbytes(4, 4) == 8 * 4 + 4 * 5

# %% [markdown]
# ## 2. Exact byte accounting: 1000 x 1000 at 90 % sparsity
#
# Expected (formula): dense fp32 4,000,000 B; CSR fp32/int32 804,004 B (4.98x); CSR fp32/int16 604,004 B;
# CSR int8/int16 304,004 B + 4 B scale. The popular "10x pruning x 4x int8 = 40x" counts values only.

# %%
rng = np.random.default_rng(0)
W = rng.standard_normal((1000, 1000)).astype(np.float32)
W.ravel()[rng.permutation(W.size)[:900_000]] = 0.0  # exactly 90 % zeros
dense_bytes = W.nbytes
variants = {
    "CSR fp32 + int32 idx": CSRMatrix.from_dense(W, np.int32),
    "CSR fp32 + int16 idx": CSRMatrix.from_dense(W, np.int16),
    "CSR int8 + int16 idx": CSRMatrix.from_dense(W, np.int16).quantize_int8(),
}
print(f"{'format':24s} {'bytes':>10s} {'vs dense fp32':>14s}")
print(f"{'dense fp32':24s} {dense_bytes:>10,d} {1.0:>13.2f}x")
for name, c in variants.items():
    assert c.nnz == 100_000
    print(f"{name:24s} {c.nbytes:>10,d} {dense_bytes / c.nbytes:>13.2f}x")
print(f"{'values only (int8)':24s} {variants['CSR int8 + int16 idx'].nnz:>10,d} "
      f"{dense_bytes / variants['CSR int8 + int16 idx'].nnz:>13.2f}x   <- the optimistic '40x'")
assert variants["CSR fp32 + int32 idx"].nbytes == 804_004
assert variants["CSR int8 + int16 idx"].nbytes == 304_004 + 4
q8 = variants["CSR int8 + int16 idx"]
print(f"int8 scale {q8.scale:.4f}: {np.count_nonzero(q8.data == 0):,d} of {q8.nnz:,d} stored values round to 0 "
      "(|w| < scale/2); the pattern is kept, so the byte count does not change")


# %% [markdown]
# ## 3. Sparse inference: a CSR matmul and `SparseLinear`
#
# A Linear computes `y = x @ W` with W (in, out). Storing the CSR of `W.T` (out, in) makes each output
# neuron one CSR row, so `y[:, j] = sum over row j of value * x[:, column]`. Vectorised in three NumPy
# passes over the non-zeros, with no Python loop over weights:
#
# 1. gather `g = x[:, indices]` (`np.take`), 2. `g *= values`, 3. `np.add.reduceat(g, row_starts, axis=1)`.
#
# Work is O(batch x nnz) instead of O(batch x in x out), but every non-zero costs a gather, a multiply and
# an add in separate memory passes, while BLAS streams dense rows with fused SIMD multiply-adds on all cores.

# %%
#| export
def csr_matmul(x, a):
    """x @ a.T for a CSRMatrix a (m, n) and x (n,) or (B, n); returns (m,) or (B, m).

    For a Linear weight W (in, out), a = CSRMatrix.from_dense(W.T) gives csr_matmul(x, a) == x @ W.
    Gathers x[:, indices], multiplies by the values and sums each row segment (np.add.reduceat);
    the batch is processed in chunks of about 4M gathered entries to bound memory.
    """
    if not isinstance(a, CSRMatrix):
        raise TypeError(f"a must be a CSRMatrix, got {type(a).__name__}")
    x = check_array("x", x, finite=False)
    if x.ndim not in (1, 2) or x.shape[-1] != a.shape[1]:
        raise ValueError(f"x must have shape ({a.shape[1]},) or (B, {a.shape[1]}), got {x.shape}")
    dtype = np.result_type(x.dtype, a._values.dtype, np.float32)
    x2 = x.reshape(1, -1) if x.ndim == 1 else x
    x2 = x2.astype(dtype, copy=False)
    out = np.zeros((x2.shape[0], a.shape[0]), dtype=dtype)
    if a.nnz:
        if x2.shape[0] == 1:
            g = np.take(x2[0], a._take, mode="clip")
            g *= a._values
            out[0, a._rows] = np.add.reduceat(g, a._starts)
        else:
            step = max(1, (1 << 22) // a.nnz)
            for b in range(0, x2.shape[0], step):
                g = np.take(x2[b:b + step], a._take, axis=1, mode="clip")
                g *= a._values
                out[b:b + step, a._rows] = np.add.reduceat(g, a._starts, axis=1)
    return out[0] if x.ndim == 1 else out


class SparseLinear(Module):
    """Inference-only Linear: y = x @ W + b with W (in, out) stored as the CSR of W.T (out, in).

    weight_csr: CSRMatrix (out, in); bias: float32 array (out,) or None (not a Parameter: no training).
    """

    def __init__(self, weight, bias=None, index_dtype=np.int32, quantize=False):
        super().__init__()
        w = check_array("weight", weight, ndim=2)
        _index_dtype(index_dtype)
        quantize = check_bool("quantize", quantize)
        self.in_features, self.out_features = w.shape
        csr = CSRMatrix.from_dense(w.T, index_dtype)
        self.weight_csr = csr.quantize_int8() if quantize else csr
        if bias is not None:
            bias = check_array("bias", bias, ndim=1).astype(np.float32)
            if bias.shape != (self.out_features,):
                raise ValueError(f"bias must have shape ({self.out_features},), got {bias.shape}")
        self.bias = bias

    @classmethod
    def from_linear(cls, linear, index_dtype=np.int32, quantize=False):
        if not isinstance(linear, Linear):
            raise TypeError(f"linear must be a Linear, got {type(linear).__name__}")
        _index_dtype(index_dtype)
        check_bool("quantize", quantize)
        bias = None if linear.bias is None else linear.bias.data
        return cls(linear.weight.data, bias, index_dtype=index_dtype, quantize=quantize)

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be a Tensor, got {type(x).__name__}")
        y = csr_matmul(x.data, self.weight_csr)
        return Tensor(y if self.bias is None else y + self.bias)

    @property
    def nnz(self):
        return self.weight_csr.nnz

    @property
    def nbytes(self):
        """CSR weight bytes + float32 bias bytes."""
        return self.weight_csr.nbytes + (0 if self.bias is None else 4 * self.bias.size)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, nnz={self.nnz}"


def to_sparse(model, index_dtype=np.int32, quantize=False):
    """A new Sequential in which every Linear of `model` (a Sequential) is a SparseLinear; other layers are shared."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential, got {type(model).__name__}")
    _index_dtype(index_dtype)
    check_bool("quantize", quantize)
    return Sequential([SparseLinear.from_linear(m, index_dtype, quantize) if isinstance(m, Linear) else m
                       for m in model.layers])


# %%
x = rng.standard_normal((5, 1000)).astype(np.float32)
sl = SparseLinear(W, bias=np.arange(1000, dtype=np.float32))
err = np.max(np.abs(sl(Tensor(x)).data - (x @ W + np.arange(1000))))
print(f"max |SparseLinear(x) - (x @ W + b)| = {err:.2e}")
assert err < 1e-3


# %% [markdown]
# ## 4. When is CSR faster? Break-even sparsity at batch 1, 32 and 256
#
# Timing hygiene: warm-up calls, best of several repeats, `time.perf_counter`, the same random inputs
# for both kernels timed alternately, and the BLAS thread setting reported (it must be set before NumPy is
# imported; unset means OpenBLAS uses every core). Speedup = dense time / CSR time (> 1: CSR faster).
# The stored outputs were produced with `OPENBLAS_NUM_THREADS=1` on a shared 2-core machine (one core
# each for BLAS and for the CSR kernel, which is single-threaded NumPy); `python benchmarks/run_all.py`
# measures the same kernels with BLAS on both cores.

# %%
#| export
def best_time(fn, repeats=10, warmup=2):
    """Best wall time in seconds of fn() over `repeats` timed calls after `warmup` untimed ones."""
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    repeats = check_int("repeats", repeats, low=1)
    warmup = check_int("warmup", warmup, low=0)
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def blas_threads():
    """BLAS thread settings: OPENBLAS/OMP/MKL_NUM_THREADS (None = unset: all cores) and os.cpu_count()."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    out = {name: os.environ.get(name) for name in names}
    out["cpu_count"] = os.cpu_count()
    return out


def csr_speedup_table(n=1024, sparsities=(0.8, 0.9, 0.95, 0.98, 0.99), batch_sizes=(1, 32, 256),
                      repeats=10, seed=0):
    """Dense (x @ W) vs CSR (csr_matmul) time for a random n x n float32 W with exactly round(s*n*n) zeros.

    Returns rows {n, batch, sparsity, dense_ms, csr_ms, speedup = dense / csr}; big batches use fewer repeats;
    the two kernels are timed alternately (one warm-up call before each timed call), best time kept.
    """
    n = check_int("n", n, low=1)
    repeats = check_int("repeats", repeats, low=1)
    seed = check_int("seed", seed, low=0)
    sps = check_array("sparsities", sparsities, ndim=1).astype(np.float64)
    if sps.size == 0 or sps.min() < 0 or sps.max() > 1:
        raise ValueError(f"sparsities={sparsities!r} must be a non-empty sequence of floats in [0, 1]")
    if not isinstance(batch_sizes, (list, tuple, np.ndarray)):
        raise TypeError(f"batch_sizes must be a sequence of ints >= 1, got {batch_sizes!r} of type "
                        f"{type(batch_sizes).__name__}")
    if len(batch_sizes) == 0:
        raise ValueError(f"batch_sizes={batch_sizes!r} is empty; expected at least one int >= 1")
    batches = [check_int(f"batch_sizes[{i}]", b, low=1) for i, b in enumerate(batch_sizes)]
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal((n, n)).astype(np.float32)
    order = rng.permutation(n * n)
    rows = []
    for s in sps.tolist():
        w = w0.copy()
        w.ravel()[order[:round(s * n * n)]] = 0.0
        a = CSRMatrix.from_dense(w.T)
        for b in batches:
            x = rng.standard_normal((b, n)).astype(np.float32)
            r = max(1, repeats // (1 + b // 32))
            td = tc = float("inf")
            for _ in range(r):  # interleaved, so both kernels see the same machine load
                td = min(td, best_time(lambda: x @ w, repeats=1, warmup=1))
                tc = min(tc, best_time(lambda: csr_matmul(x, a), repeats=1, warmup=1))
            rows.append(dict(n=n, batch=b, sparsity=s, dense_ms=1e3 * td, csr_ms=1e3 * tc, speedup=td / tc))
    return rows


def break_even_sparsity(table, batch):
    """Smallest sparsity of `table` (rows from csr_speedup_table) at `batch` from which CSR is faster at
    every larger tabulated sparsity; None when CSR never wins at the largest one."""
    if not isinstance(table, (list, tuple)):
        raise TypeError(f"table must be the list of rows returned by csr_speedup_table, got {table!r} of type "
                        f"{type(table).__name__}")
    batch = check_int("batch", batch, low=1)
    for i, r in enumerate(table):
        if not isinstance(r, dict):
            raise TypeError(f"table[{i}] must be a dict (a row of csr_speedup_table), got {type(r).__name__}")
        missing = [k for k in ("batch", "sparsity", "speedup") if k not in r]
        if missing:
            raise ValueError(f"table[{i}]={r!r} is missing keys {missing}; expected rows of csr_speedup_table")
        for k in ("sparsity", "speedup"):
            check_real(f"table[{i}][{k!r}]", r[k])
    rows = sorted((r for r in table if r["batch"] == batch), key=lambda r: r["sparsity"])
    if not rows:
        raise ValueError(f"batch={batch} does not occur in table")
    best = None
    for r in reversed(rows):
        if r["speedup"] < 1.0:
            break
        best = r["sparsity"]
    return best


# %%
print("BLAS threads:", blas_threads())
table = csr_speedup_table(n=1024, sparsities=(0.8, 0.9, 0.95, 0.98, 0.99, 0.995), repeats=10)
print(f"{'batch':>5s} {'sparsity':>8s} {'dense ms':>9s} {'CSR ms':>9s} {'speedup':>8s}")
for r in table:
    print(f"{r['batch']:>5d} {r['sparsity']:>8.3f} {r['dense_ms']:>9.3f} {r['csr_ms']:>9.3f} {r['speedup']:>7.2f}x")
for b in (1, 32, 256):
    print(f"n=1024, batch {b:>3d}: CSR faster from sparsity {break_even_sparsity(table, b)}")

# %% [markdown]
# A 1024 x 1024 fp32 weight (4 MB) stays in cache between calls, so dense BLAS is at its best; a
# 4096 x 4096 weight (64 MB) must stream from memory on every call at batch 1, which is where reading 5 %
# of the weights pays off:

# %%
big = csr_speedup_table(n=4096, sparsities=(0.9, 0.95, 0.99), batch_sizes=(1,), repeats=10)
for r in big:
    print(f"n=4096 batch 1 sparsity {r['sparsity']:.2f}: dense {r['dense_ms']:.3f} ms, "
          f"CSR {r['csr_ms']:.3f} ms, speedup {r['speedup']:.2f}x")

# %% [markdown]
# **Reading the numbers.** The values above are measured on this machine when the notebook runs, so
# exact figures vary; the pattern is what to take away:
#
# - Batch 1 is a matrix-vector product limited by memory traffic: CSR reads about 16 bytes per
#   non-zero (value, index and the gathered input) where dense reads 4 bytes per weight, so CSR wins
#   only at high sparsity (the break-even printed above), and earlier once the dense weight no longer
#   fits in cache (the 4096 x 4096 rows).
# - At batch 32 and 256 dense BLAS reuses each weight for many inputs (compute bound, SIMD, all cores);
#   the three-pass NumPy CSR kernel loses until very high sparsity, or at every tabulated sparsity.
# - So unstructured sparsity is mainly a *storage* win on a CPU; speed needs structure
#   (removing whole neurons or channels, see `conv_prune_dev`) or sparse hardware (2:4 tensor cores, see `nm_dev`).
