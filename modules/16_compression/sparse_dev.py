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
# vectorised CSR matmul (one formulation for batch 1, another for batches), and measures it against
# SciPy's CSR and dense BLAS, with the break-even sparsity at batch 1, 32 and 256.
#
# Exported to `tinytorch/compression/sparse.py`.

# %%
#| default_exp compression.sparse
#| export
import os
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from tinytorch.compression.csr import CSRMatrix, _index_dtype, csr_matmul, csr_nbytes
from tinytorch.core.checks import (
    check_array,
    check_bool,
    check_int,
    check_module,
    check_real,
    check_tensor,
    check_that,
)
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.module import Module
from tinytorch.core.tensor import Tensor

_all_ = [
    "CSRMatrix",
    "csr_nbytes",
    "csr_matmul",
]  # re-exported from compression.csr: old imports keep working

# %% [markdown]
# The format and its kernel (sections 1 and 3) are exported to `tinytorch/compression/csr.py`; the layer
# and the measurements to `tinytorch/compression/sparse.py`, which also re-exports `CSRMatrix`,
# `csr_nbytes` and `csr_matmul`.

# %%
#| export compression.csr
import numpy as np

from tinytorch.core.checks import check_array, check_int, check_real, check_that
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
#| export compression.csr
_INDEX_DTYPES = (np.dtype(np.int16), np.dtype(np.int32))


def _index_dtype(index_dtype):
    try:
        dt = np.dtype(index_dtype)
    except TypeError:
        dt = None
    check_that(dt in _INDEX_DTYPES, "index_dtype", index_dtype, "np.int16 or np.int32")
    return dt


def csr_nbytes(nnz, n_rows, value_bytes=4, index_bytes=4, pointer_bytes=4):
    """Bytes of a CSR matrix: (value_bytes + index_bytes) * nnz + pointer_bytes * (n_rows + 1); e.g. 1000 x 1000
    at 90 % sparsity (nnz = 100,000), fp32 values, int32 indices: 804,004."""
    nnz, n_rows = check_int("nnz", nnz, low=0), check_int("n_rows", n_rows, low=0)
    vb, ib, pb = (
        check_int(k, v, low=1)
        for k, v in (
            ("value_bytes", value_bytes),
            ("index_bytes", index_bytes),
            ("pointer_bytes", pointer_bytes),
        )
    )
    return (vb + ib) * nnz + pb * (n_rows + 1)


class CSRMatrix:
    """A 2-D matrix of shape (m, n) in compressed sparse row form:
    data (nnz,): the non-zero values row by row (float, or int8 when `scale` is set: value = data * scale);
    indices (nnz,): their column ids, int16 or int32; indptr (m + 1,) int32: row r holds
    data[indptr[r]:indptr[r + 1]], indptr[0] == 0, indptr[-1] == nnz."""

    def __init__(self, data, indices, indptr, shape, scale=None):
        ok = isinstance(shape, (tuple, list)) and len(shape) == 2
        check_that(ok, "shape", shape, "a pair (rows, cols)")
        m, n = check_int("shape[0]", shape[0], low=0), check_int("shape[1]", shape[1], low=0)
        data = check_array("data", data, ndim=1)
        indices, indptr = np.asarray(indices), np.asarray(indptr)
        valid = indices.dtype in _INDEX_DTYPES and indices.shape == data.shape
        lo, hi = (int(indices.min()), int(indices.max())) if valid and indices.size else (0, -1)
        ok = valid and 0 <= lo and hi < n
        want = f"int16/int32 ids in [0, {n - 1}], shape {data.shape} (they span [{lo}, {hi}])"
        check_that(ok, "indices", indices, want)
        ok = indptr.dtype == np.int32 and indptr.shape == (m + 1,)
        ok = ok and indptr[0] == 0 and indptr[-1] == data.size and np.all(np.diff(indptr) >= 0)
        check_that(ok, "indptr", indptr, f"int32 of shape ({m + 1},), rising from 0 to nnz={data.size}")
        if scale is not None:
            check_real("scale", scale, low=0.0, low_open=True)
        check_that((scale is None) == (data.dtype != np.int8), "scale", scale, "a scale for int8 data only")
        self.data, self.indices, self.indptr, self.shape = data, indices, indptr, (m, n)
        self.scale = None if scale is None else np.float32(scale)
        # Kernel caches (not stored data): intp column ids for np.take, float values, non-empty rows.
        self._take = indices.astype(np.intp)
        self._values = data if scale is None else data.astype(np.float32) * self.scale
        self._rows = np.diff(indptr) > 0
        self._starts = indptr[:-1][self._rows].astype(np.intp)
        self._ell = None  # row-blocked ELL copy for batched products, built on first use

    @classmethod
    def from_dense(cls, dense, index_dtype=np.int32):
        """CSR of a 2-D array, keeping its exact non-zeros in row-major order."""
        a = check_array("dense", dense, ndim=2)
        check_that(a.dtype != np.int8, "dense", a, "floats (then call .quantize_int8())", TypeError)
        dt = _index_dtype(index_dtype)
        ok = a.shape[1] <= np.iinfo(dt).max + 1
        check_that(ok, "index_dtype", dt.name, f"a dtype that indexes {a.shape[1]} columns (np.int32)")
        rows, cols = np.nonzero(a)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=a.shape[0]))]).astype(np.int32)
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
        return int(
            self.data.nbytes + self.indices.nbytes + self.indptr.nbytes + (4 if self.scale is not None else 0)
        )

    def quantize_int8(self):
        """A copy with symmetric int8 values (one float32 scale, zero point 0) and int16 indices when they fit."""
        q, scale = quantize_int8(self._values.astype(np.float32))
        idx = self.indices.astype(np.int16) if self.shape[1] <= 32768 else self.indices
        return CSRMatrix(q, idx, self.indptr, self.shape, scale=float(scale))

    def __repr__(self):
        return (
            f"CSRMatrix(shape={self.shape}, nnz={self.nnz}, data={self.data.dtype}, "
            f"indices={self.indices.dtype}, nbytes={self.nbytes})"
        )


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
print(
    f"{'values only (int8)':24s} {variants['CSR int8 + int16 idx'].nnz:>10,d} "
    f"{dense_bytes / variants['CSR int8 + int16 idx'].nnz:>13.2f}x   <- the optimistic '40x'"
)
assert variants["CSR fp32 + int32 idx"].nbytes == 804_004
assert variants["CSR int8 + int16 idx"].nbytes == 304_004 + 4
q8 = variants["CSR int8 + int16 idx"]
print(
    f"int8 scale {q8.scale:.4f}: {np.count_nonzero(q8.data == 0):,d} of {q8.nnz:,d} stored values round to 0 "
    "(|w| < scale/2); the pattern is kept, so the byte count does not change"
)


# %% [markdown]
# ## 3. Sparse inference: a CSR matmul and `SparseLinear`
#
# A Linear computes `y = x @ W` with W (in, out). Storing the CSR of `W.T` (out, in) makes each output
# neuron one CSR row, so `y[:, j] = sum over row j of value * x[:, column]`. There is no Python loop over
# weights; the formulation depends on the batch size B, because the two cases are bound by different costs:
#
# - **B = 1** (a matrix-vector product, memory bound): gather `g = x[indices]` (`np.take`), `g *= values`,
#   then `np.add.reduceat(g, row_starts)` sums each row's segment. Three streaming passes over the non-zeros
#   (`mode="wrap"` in `np.take`: the indices are valid, so it never wraps, and it is NumPy's fastest take loop).
# - **B > 1**: the same three passes on a (B, nnz) array would touch every gathered input three times.
#   Instead gather *rows* of `x.T` (n, B), so one column id brings B contiguous inputs, and let one small
#   product per output row, `values_row (1, L) @ gathered (L, B)`, multiply and add in a single pass.
#   That needs rows of equal length L: the rows are sorted by length and cut into blocks of 256 rows,
#   each padded with (column 0, value 0) to its longest row (the ELLPACK layout). Sorting first keeps
#   the padding small (at most 256 x the longest row in total); `np.matmul` runs the stack of small
#   products, and the gathered block is kept to about 1 MB so it stays in cache.
#
# Work is O(B x nnz) instead of O(B x in x out), but every non-zero still costs a gather, while dense
# BLAS streams rows with fused SIMD multiply-adds and reuses each weight for all B inputs.


# %%
#| export compression.csr
def _ell_blocks(a, rows_per_block=256):
    """Non-empty rows of `a` sorted by length, in blocks padded to their longest row: [(rows, cols, vals)]."""
    counts = np.diff(a.indptr).astype(np.intp)
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] > 0]
    blocks = []
    for r0 in range(0, order.size, rows_per_block):
        rows = order[r0 : r0 + rows_per_block]
        pos = np.arange(counts[rows[0]])
        valid = pos < counts[rows][:, None]
        src = np.where(valid, a.indptr[rows][:, None] + pos, 0)
        blocks.append(
            (rows, np.where(valid, a._take[src], 0), np.where(valid, a._values[src], 0)[:, None, :])
        )
    return blocks


def _matmat(x, a):
    if a._ell is None:
        a._ell = _ell_blocks(a)
    xt = np.ascontiguousarray(x.T)
    out = np.zeros((a.shape[0], x.shape[0]), dtype=xt.dtype)
    for rows, cols, vals in a._ell:
        step = max(1, (1 << 18) // (cols.shape[1] * max(1, xt.shape[1])))  # about 1 MB of gathered float32
        for r in range(0, rows.size, step):
            g = np.take(xt, cols[r : r + step], axis=0, mode="wrap")  # (R, L, B)
            out[rows[r : r + step]] = np.matmul(vals[r : r + step].astype(xt.dtype, copy=False), g)[:, 0]
    return np.ascontiguousarray(out.T)


def csr_matmul(x, a):
    """x @ a.T for a CSRMatrix a (m, n) and x (n,) or (B, n); returns (m,) or (B, m).
    For a Linear weight W (in, out), a = CSRMatrix.from_dense(W.T) gives csr_matmul(x, a) == x @ W. B = 1: gather,
    multiply, np.add.reduceat; B > 1: sorted ELL row blocks, (1, L) @ (L, B) per row (cached)."""
    check_that(isinstance(a, CSRMatrix), "a", a, "a CSRMatrix", TypeError)
    x = check_array("x", x, finite=False)
    ok = x.ndim in (1, 2) and x.shape[-1] == a.shape[1]
    check_that(ok, "x", x, f"shape ({a.shape[1]},) or (B, {a.shape[1]})")
    dtype = np.result_type(x.dtype, a._values.dtype, np.float32)
    x2 = (x.reshape(1, -1) if x.ndim == 1 else x).astype(dtype, copy=False)
    if x2.shape[0] != 1 or a.nnz == 0:
        out = _matmat(x2, a)
    else:  # gather, multiply, sum each row's segment
        g = np.take(x2[0], a._take, mode="wrap")
        g *= a._values
        out = np.zeros((1, a.shape[0]), dtype=g.dtype)
        out[0, a._rows] = np.add.reduceat(g, a._starts)
    return out[0] if x.ndim == 1 else out


# %%
#| export
class SparseLinear(Module):
    """Inference-only Linear y = x @ W + b: weight_csr = CSR of W.T (out, in); bias float32 (out,) or None."""

    def __init__(self, weight, bias=None, index_dtype=np.int32, quantize=False):
        super().__init__()
        w = check_array("weight", weight, ndim=2)
        quantize = check_bool("quantize", quantize)
        self.in_features, self.out_features = w.shape
        csr = CSRMatrix.from_dense(w.T, index_dtype)
        self.weight_csr = csr.quantize_int8() if quantize else csr
        if bias is not None:
            bias = check_array("bias", bias, ndim=1).astype(np.float32)
            check_that(bias.shape == (self.out_features,), "bias", bias, f"shape ({self.out_features},)")
        self.bias = bias

    @classmethod
    def from_linear(cls, linear, index_dtype=np.int32, quantize=False):
        check_module("linear", linear, Linear)
        return cls(
            linear.weight.data, None if linear.bias is None else linear.bias.data, index_dtype, quantize
        )

    def forward(self, x):
        check_tensor("x", x)
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
    check_module("model", model, Sequential)
    _index_dtype(index_dtype)
    check_bool("quantize", quantize)
    return Sequential(
        [
            SparseLinear.from_linear(m, index_dtype, quantize) if isinstance(m, Linear) else m
            for m in model.layers
        ]
    )


# %%
x = rng.standard_normal((5, 1000)).astype(np.float32)
sl = SparseLinear(W, bias=np.arange(1000, dtype=np.float32))
err = np.max(np.abs(sl(Tensor(x)).data - (x @ W + np.arange(1000))))
print(f"max |SparseLinear(x) - (x @ W + b)| = {err:.2e}")
assert err < 1e-3


# %% [markdown]
# ## 4. Ours, SciPy's and dense side by side: break-even sparsity at batch 1, 32 and 256
#
# SciPy's `csr_matrix @ x` (compiled C++, single-threaded) is what people use for this, so it is timed
# next to ours and to dense BLAS (`x @ W`). Timing hygiene: warm-up calls, best of several repeats,
# `time.perf_counter`, the same random inputs for every kernel, the kernels timed interleaved (A B C A B C
# ...), and BLAS pinned to one thread while timing (`threadpoolctl.threadpool_limits(1)`, section 8 of
# the conventions), so dense BLAS does not get both cores of a shared machine while the sparse kernels use
# one. Speedup = dense time / sparse time (> 1: sparse faster). `python benchmarks/run_all.py` checks the
# 4096 x 4096 targets.


# %%
#| export
def best_time(fn, repeats=10, warmup=2):
    """Best wall time in seconds of fn() over `repeats` timed calls after `warmup` untimed ones."""
    check_that(callable(fn), "fn", fn, "a callable", TypeError)
    repeats, warmup = check_int("repeats", repeats, low=1), check_int("warmup", warmup, low=0)
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def blas_threads():
    """BLAS thread settings: OPENBLAS/OMP/MKL_NUM_THREADS (None = unset: all cores), the threads each loaded
    BLAS uses now ("threadpools": [(api, threads)], from threadpoolctl) and os.cpu_count()."""
    out = {
        name: os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    }
    pools = [(i["internal_api"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]
    return out | {"threadpools": pools, "cpu_count": os.cpu_count()}


def csr_speedup_table(
    n=1024,
    sparsities=(0.8, 0.9, 0.95, 0.98, 0.99),
    batch_sizes=(1, 32, 256),
    repeats=10,
    seed=0,
    baselines=None,
):
    """Dense (x @ W) vs CSR (csr_matmul) time for a random n x n float32 W with exactly round(s*n*n) zeros.

    baselines: optional {name: make(W) -> f(x) computing x @ W}, e.g. SciPy's CSR, timed as `{name}_ms`.
    Returns rows {n, batch, sparsity, dense_ms, csr_ms, speedup = dense / csr, ...}; big batches use fewer repeats;
    all kernels are timed alternately on one BLAS thread (one warm-up call before each timed call), best kept."""
    n = check_int("n", n, low=1)
    repeats = check_int("repeats", repeats, low=1)
    seed = check_int("seed", seed, low=0)
    sps = check_array("sparsities", sparsities, ndim=1).astype(np.float64)
    ok = sps.size and 0 <= sps.min() and sps.max() <= 1
    check_that(ok, "sparsities", sparsities, "a non-empty sequence of floats in [0, 1]")
    ok = isinstance(batch_sizes, (list, tuple, np.ndarray))
    check_that(ok, "batch_sizes", batch_sizes, "a sequence of ints >= 1", TypeError)
    check_that(len(batch_sizes) > 0, "batch_sizes", batch_sizes, "at least one int >= 1")
    batches = [check_int(f"batch_sizes[{i}]", b, low=1) for i, b in enumerate(batch_sizes)]
    ok = baselines is None or isinstance(baselines, dict) and all(map(callable, baselines.values()))
    check_that(ok, "baselines", baselines, "None or a dict name -> callable", TypeError)
    rng = np.random.default_rng(seed)
    w0, order, rows = rng.standard_normal((n, n)).astype(np.float32), rng.permutation(n * n), []
    for s in sps.tolist():
        w = w0.copy()
        w.ravel()[order[: round(s * n * n)]] = 0.0
        a = CSRMatrix.from_dense(w.T)
        kernels = {
            "dense": lambda x, w=w: x @ w,
            "csr": lambda x, a=a: csr_matmul(x, a),
            **{name: make(w) for name, make in (baselines or {}).items()},
        }
        for b in batches:
            x = rng.standard_normal((b, n)).astype(np.float32)
            best = dict.fromkeys(kernels, float("inf"))
            with threadpool_limits(1):  # one BLAS thread: dense is timed as every other kernel
                for _ in range(max(1, repeats // (1 + b // 32))):  # interleaved: every kernel, same load
                    for name, f in kernels.items():
                        best[name] = min(best[name], best_time(lambda f=f, x=x: f(x), repeats=1, warmup=1))
            row = dict(n=n, batch=b, sparsity=s, speedup=best["dense"] / best["csr"])
            rows.append(row | {f"{name}_ms": 1e3 * t for name, t in best.items()})
    return rows


def break_even_sparsity(table, batch, kernel="csr"):
    """Smallest sparsity of `table` (rows of csr_speedup_table) at `batch` from which `kernel` ("csr": speedup, or
    a baseline: dense_ms / {name}_ms) beats dense at every larger tabulated sparsity; None if it loses at the top."""
    check_that(isinstance(table, (list, tuple)), "table", table, "the rows of csr_speedup_table", TypeError)
    batch = check_int("batch", batch, low=1)
    keys = ("speedup",) if kernel == "csr" else ("dense_ms", f"{kernel}_ms")
    for i, r in enumerate(table):
        check_that(isinstance(r, dict), f"table[{i}]", r, "a dict (a row of csr_speedup_table)", TypeError)
        missing = [k for k in ("batch", "sparsity") + keys if k not in r]
        check_that(not missing, f"table[{i}]", r, f"a row that also has {missing} (kernel={kernel!r})")
        for k in ("sparsity",) + keys:
            check_real(f"table[{i}][{k!r}]", r[k])
    rows = sorted((r for r in table if r["batch"] == batch), key=lambda r: r["sparsity"])
    check_that(rows, "batch", batch, "a batch size that occurs in table")
    best = None
    for r in reversed(rows):
        if (r["speedup"] if kernel == "csr" else r["dense_ms"] / r[f"{kernel}_ms"]) < 1.0:
            break
        best = r["sparsity"]
    return best


# %%
import io

from IPython.display import Image, display
from matplotlib.figure import Figure
from scipy import sparse as sp  # dev dependency: the library everyone uses, as the reference


def scipy_csr(w):
    s = sp.csr_matrix(w.T)  # the same (out, in) layout as ours: y = (W.T @ x.T).T
    return lambda x: (s @ x.T).T


print("BLAS threads:", blas_threads(), "(csr_speedup_table pins BLAS to 1 thread while timing)")
table = csr_speedup_table(
    n=1024, sparsities=(0.5, 0.8, 0.9, 0.95, 0.98, 0.99), repeats=6, baselines={"scipy": scipy_csr}
)
print(
    f"{'batch':>5s} {'sparsity':>8s} {'dense ms':>9s} {'ours ms':>8s} {'scipy ms':>9s} {'ours/scipy':>10s} "
    f"{'dense/ours':>10s}"
)
for r in table:
    print(
        f"{r['batch']:>5d} {r['sparsity']:>8.3f} {r['dense_ms']:>9.3f} {r['csr_ms']:>8.3f} {r['scipy_ms']:>9.3f} "
        f"{r['csr_ms'] / r['scipy_ms']:>9.2f}x {r['speedup']:>9.2f}x"
    )
for b in (1, 32, 256):
    print(
        f"n=1024, batch {b:>3d}: faster than dense from sparsity {break_even_sparsity(table, b)} (ours), "
        f"{break_even_sparsity(table, b, 'scipy')} (SciPy)"
    )

# %%
from matplotlib.ticker import FuncFormatter, NullFormatter

fig = Figure(figsize=(10, 3.4))
axes = fig.subplots(1, 3, sharey=True)
for ax, b in zip(axes, (1, 32, 256)):
    rows = [r for r in table if r["batch"] == b]
    for key, style, color in (("csr", "o-", "C0"), ("scipy", "s--", "C1")):
        name = "ours" if key == "csr" else "SciPy"
        ax.plot(
            [r["sparsity"] for r in rows],
            [r["dense_ms"] / r[f"{key}_ms"] for r in rows],
            style,
            color=color,
            label=name,
        )
        even = break_even_sparsity(table, b, key)
        if even is not None:  # the measured break-even: faster than dense from here on
            ax.axvline(even, color=color, ls=":", label=f"{name} break-even {even:g}")
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.set(yscale="log", xlabel="sparsity", title=f"n=1024, batch {b}")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=7)
axes[0].set_ylabel("dense time / sparse time")
buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
display(Image(buf.getvalue()))

# %% [markdown]
# A 1024 x 1024 fp32 weight (4 MB) stays in cache between calls, so dense BLAS is at its best; a
# 4096 x 4096 weight (64 MB) must stream from memory on every call, which is where reading 5 % of the
# weights pays off. The benchmark targets are set here, at 95 %: batch 1 within 1.5x SciPy's time,
# batch 32 within 3x SciPy's and faster than dense.

# %%
big = csr_speedup_table(
    n=4096, sparsities=(0.95, 0.99), batch_sizes=(1, 32), repeats=4, baselines={"scipy": scipy_csr}
)
for r in big:
    print(
        f"n=4096 batch {r['batch']:>2d} sparsity {r['sparsity']:.2f}: dense {r['dense_ms']:.3f} ms, "
        f"ours {r['csr_ms']:.3f} ms ({r['csr_ms'] / r['scipy_ms']:.2f}x SciPy's {r['scipy_ms']:.3f} ms), "
        f"{r['speedup']:.2f}x faster than dense"
    )
small = {r["batch"]: r["speedup"] for r in table if r["sparsity"] == 0.95}
large = {r["batch"]: r["speedup"] for r in big if r["sparsity"] == 0.95}
for b in (1, 32):
    print(
        f"95 %, batch {b:>2d}: ours vs dense {small[b]:.2f}x at n=1024 (4 MB), {large[b]:.2f}x at n=4096 (64 MB)"
    )

# %% [markdown]
# **Reading the numbers.** The values above are measured on this machine when the notebook runs (one
# run on a shared machine, so compare them with their noise in mind); what to look for:
#
# - Batch 1 is a matrix-vector product limited by memory traffic: CSR reads about 16 bytes per
#   non-zero (value, index and the gathered input) where dense reads 4 bytes per weight, so CSR can win
#   only at high sparsity (the break-even lines printed above). A weight that no longer fits in cache
#   makes dense pay for memory on every call: the last two lines compare 95 % at both sizes.
#   The ours/scipy column shows how far three NumPy passes are from SciPy's single compiled loop.
# - At batch 32 and 256 dense BLAS reuses each weight for many inputs (compute bound, SIMD), and ours
#   pays for gathering B inputs per non-zero before the small products, where SciPy's loop multiplies
#   as it reads: compare the break-even sparsity printed for each batch size.
# - So unstructured sparsity is mainly a *storage* win on a CPU at moderate sparsity; speed needs very
#   high sparsity, structure (removing whole neurons or channels, see `conv_prune_dev`) or sparse
#   hardware (2:4 tensor cores, see `nm_dev`).
