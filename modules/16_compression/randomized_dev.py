# %% [markdown]
# # Module 16, beyond the core: randomized low rank (range finder with power iterations)
#
# `low_rank_approximate` computes a full SVD, `O(m n min(m, n))` work, and then keeps k of the
# `min(m, n)` singular triplets. For rank 128 of a 2048 x 2048 weight that throws away 94 % of
# the work. Halko, Martinsson and Tropp ("Finding structure with randomness", SIAM Review 2011)
# get the top k triplets from a few matrix products instead:
#
# 1. **Range finder.** Multiply A (m x n) by a Gaussian test matrix Omega (n x l), l = k + p with a
#    small oversampling p: the columns of `Y = A @ Omega` are random mixtures of A's columns, so they
#    lie mostly in the span of the top singular vectors. `Q, _ = qr(Y)` is an orthonormal basis (m x l).
# 2. **Project and solve small.** `B = Q.T @ A` is only l x n; its SVD `B = Ub S Vh` is cheap, and
#    `A ~ Q Q.T A = (Q Ub) S Vh`. Keep the first k: `U = (Q @ Ub)[:, :k]`, `S[:k]`, `Vh[:k]`.
#
# Cost: about `2 (1 + 2q) m n l` flops for q power iterations (below), versus a full SVD.
# Exported to `tinytorch/compression/randomized.py`; `low_rank_approximate(..., method="randomized")`
# calls `randomized_svd`.

# %%
#| default_exp compression.randomized
#| export
import numpy as np

from tinytorch.core.checks import check_array, check_choice, check_int, check_that

LOW_RANK_METHODS = ("svd", "randomized")


# %% [markdown]
# ## 1. Validation in one place
#
# The options are checked before anything is computed; `check_low_rank_method` is also what
# `low_rank_approximate`, `factorize_linear` and `low_rank_compress` call for their `method`,
# `n_iter`, `oversample` and `seed` arguments, so every entry point rejects bad input the same way.


# %%
#| export
def check_low_rank_method(method="svd", n_iter=2, oversample=10, seed=0):
    """Validated (method, n_iter, oversample, seed): method "svd" (exact) or "randomized";
    n_iter (power iterations), oversample and seed are ints >= 0 (bool rejected)."""
    check_that(isinstance(method, str), "method", method, f"one of {LOW_RANK_METHODS}", TypeError)
    check_choice("method", method, LOW_RANK_METHODS)
    n_iter = check_int("n_iter", n_iter, low=0)
    oversample = check_int("oversample", oversample, low=0)
    seed = check_int("seed", seed, low=0)
    return method, n_iter, oversample, seed


def _float_matrix(weight_matrix):
    """A non-empty finite 2-D float array: float32/float64 kept, integers in float64, float16 in float32
    (LAPACK has no float16). Returns (work array, dtype of the results)."""
    w = check_array("weight_matrix", weight_matrix, ndim=2)
    check_that(w.size, "weight_matrix", w, "a non-empty matrix")
    out = w.dtype if np.issubdtype(w.dtype, np.floating) else np.dtype(np.float64)
    work = np.float32 if out.itemsize <= 4 else np.float64
    return w.astype(work, copy=False), out


# %% [markdown]
# ## 2. The range finder, with power iterations
#
# When the spectrum decays slowly (trained weights: a power law with a noise floor), `A @ Omega`
# also picks up plenty of the tail directions, and Q misses part of the top. **Power iterations** run
# the range finder on `(A A^T)^q A` instead, which has the same singular vectors but singular values
# `sigma_i^(2q+1)`: the gap between the kept and the discarded values is raised to the power 2q + 1.
# Multiplying by A and A^T repeatedly in floating point would collapse every column onto the top
# singular vector (all directions below `eps^(1/(2q+1))` of it are lost), so the basis is
# re-orthonormalised with a QR after every product (HMT Algorithm 4.4).


# %%
#| export
def range_finder(weight_matrix, size, n_iter=2, seed=0):
    """Orthonormal Q (m, size) whose span approximates the top-`size` range of A (m, n).

    Y = A @ Omega (Omega Gaussian n x size from np.random.default_rng(seed): the global generators are
    not touched), then n_iter times Q = qr(A.T @ Q), Q = qr(A @ Q). size in [1, min(m, n)].
    """
    a, _ = _float_matrix(weight_matrix)
    size = check_int("size", size, low=1, high=min(a.shape))
    _, n_iter, _, seed = check_low_rank_method("randomized", n_iter, 0, seed)
    omega = np.random.default_rng(seed).standard_normal((a.shape[1], size), dtype=a.dtype)
    q, _ = np.linalg.qr(a @ omega)
    for _ in range(n_iter):
        q, _ = np.linalg.qr(a.T @ q)
        q, _ = np.linalg.qr(a @ q)
    return q


def randomized_svd(weight_matrix, rank, n_iter=2, oversample=10, seed=0):
    """Approximate rank-k truncated SVD of a 2-D (m, n) matrix: U (m, k), S (k,) descending, Vh (k, n).

    The basis has l = min(rank + oversample, m, n) columns (range_finder with n_iter power iterations);
    the SVD of the small l x n matrix Q.T @ A gives the triplets. rank in [1, min(m, n)]; a fixed seed
    gives the same result every call. Float input keeps its dtype; integers are computed in float64.
    """
    a, out = _float_matrix(weight_matrix)
    rank = check_int("rank", rank, low=1, high=min(a.shape))
    _, n_iter, oversample, seed = check_low_rank_method("randomized", n_iter, oversample, seed)
    q = range_finder(a, min(rank + oversample, *a.shape), n_iter, seed)
    ub, s, vh = np.linalg.svd(q.T @ a, full_matrices=False)
    return (
        (q @ ub[:, :rank]).astype(out, copy=False),
        s[:rank].astype(out, copy=False),
        vh[:rank].astype(out, copy=False),
    )


# %% [markdown]
# Self-check on the conventions' anchor `diag(5, 3, 1)`: with the default oversampling the basis has
# all 3 columns, so rank 1 is exact: `S = [5]`, Frobenius error `sqrt(3**2 + 1**2)`. On an exactly
# rank-5 matrix a rank-5 factorization reconstructs it to rounding error.

# %%
d = np.diag([5.0, 3.0, 1.0])
u1, s1, v1 = randomized_svd(d, rank=1)
print("S =", s1, " error =", np.linalg.norm(d - u1 @ np.diag(s1) @ v1), " sqrt(10) =", np.sqrt(10))
assert u1.shape == (3, 1) and v1.shape == (1, 3) and abs(s1[0] - 5) < 1e-12
assert abs(np.linalg.norm(d - (u1 * s1) @ v1) - np.sqrt(10)) < 1e-10
rng = np.random.default_rng(0)
low5 = rng.standard_normal((300, 5)) @ rng.standard_normal((5, 200))
u5, s5, v5 = randomized_svd(low5, rank=5, n_iter=0, oversample=0)
rel = np.linalg.norm(low5 - (u5 * s5) @ v5) / np.linalg.norm(low5)
print(f"rank-5 matrix, rank 5, no power iteration, no oversampling: relative error {rel:.1e}")
assert rel < 1e-12

# %% [markdown]
# ## 3. Error against time for n_iter = 0, 1, 2, 4
#
# The test matrix has the shape of a trained layer's spectrum rather than a flat Gaussian one
# (on which low rank is pointless): `A = U diag(i^-1) V^T + noise`, with random orthogonal U, V
# (1024 x 1024, float32) and Gaussian noise of standard deviation `0.02 / sqrt(n)`, whose singular
# values fill a bulk up to about 0.04 (the Marchenko-Pastur edge `2 * 0.02`). Rank k = 64 (n/16).
# The optimal error is Eckart-Young's `sqrt(sum(S[k:]**2))` from the exact SVD, which is also timed
# (`np.linalg.svd(A, full_matrices=False)`, what `low_rank_approximate` runs). The methods are timed
# interleaved (SVD, then each n_iter, three rounds) on one BLAS thread; the median is kept.

# %%
import io

from IPython.display import Image, display
from matplotlib.figure import Figure
from threadpoolctl import threadpool_info

from tinytorch.lesson import interleaved_runs, planted_power_law

n, k = 1024, 64
A = planted_power_law(n)
fns = {"svd": lambda: np.linalg.svd(A, full_matrices=False)}
fns |= {q: (lambda q=q: randomized_svd(A, k, n_iter=q, seed=0)) for q in (0, 1, 2, 4)}
seconds, results = interleaved_runs(fns, rounds=3, warmup=False)  # A B C ..., one BLAS thread
times = {name: float(np.median(t)) for name, t in seconds.items()}
t_svd, s_all = times["svd"], results["svd"][1]
opt = float(np.sqrt(np.sum(s_all.astype(np.float64)[k:] ** 2)))
print("BLAS:", [(i["internal_api"], i["num_threads"]) for i in threadpool_info()], "(timed on 1 thread)")
print(
    f"full SVD of {n}x{n} float32: {1e3 * t_svd:.0f} ms; optimal rank-{k} error {opt:.4f} "
    f"({opt / np.linalg.norm(A):.3f} of ||A||_F)"
)
print(f"{'n_iter':>6s} {'ms':>7s} {'time / SVD':>10s} {'error / optimal':>15s}")
curve = []
for q in (0, 1, 2, 4):
    t, (u, s, vh) = times[q], results[q]
    assert u.dtype == s.dtype == vh.dtype == np.float32 and u.shape == (n, k) and vh.shape == (k, n)
    err = float(np.linalg.norm(A.astype(np.float64) - (u * s).astype(np.float64) @ vh))
    curve.append((q, t, err / opt))
    print(f"{q:>6d} {1e3 * t:>7.1f} {t / t_svd:>9.3f}x {err / opt:>14.4f}x")
print(
    f"n_iter=2: {curve[2][2] - 1:.1%} above the optimal error in {curve[2][1] / t_svd:.1%} of the full SVD's time"
)

# %%
fig = Figure(figsize=(9, 3.4))
ax1, ax2 = fig.subplots(1, 2)
ax1.loglog(np.arange(1, n + 1), s_all, label="singular values of A")
ax1.axvline(k, color="gray", ls=":", label=f"rank k = {k}")
ax1.set(xlabel="index i", ylabel="sigma_i", title="spectrum: power law + noise bulk")
ax1.legend(fontsize=8)
ax2.plot([1e3 * t for _, t, _ in curve], [r for _, _, r in curve], "o-")
for q, t, r in curve:
    ax2.annotate(f"n_iter={q}", (1e3 * t, r), textcoords="offset points", xytext=(5, 5), fontsize=8)
ax2.axhline(1.0, color="gray", ls=":")
ax2.set(
    xlabel="time (ms)",
    ylabel="error / optimal (Eckart-Young)",
    title=f"randomized rank {k}; full SVD {1e3 * t_svd:.0f} ms",
)
buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
display(Image(buf.getvalue()))

# %% [markdown]
# **Reading the numbers** (measured above, so they vary from run to run): without power iterations
# the basis is polluted by the slowly decaying tail and the error sits well above optimal; each
# power iteration costs two more products with A and brings the error closer to Eckart-Young's,
# and already at n_iter = 1 or 2 the extra error is a few percent or less, at a small fraction of a
# full SVD. The larger the matrix, the larger the saving, since the SVD grows like n^3 and the
# randomized method like n^2 k: `python benchmarks/run_all.py` checks rank 128 of 2048 x 2048 against
# the targets (<= 0.10x the full SVD's time, <= 1.03x the optimal error).
#
# The randomized factors are approximate singular vectors: for a layer you fine-tune afterwards
# (section 7 of the conventions), that difference is usually well inside what fine-tuning recovers.
