"""Module 16 against the libraries people use, measured side by side in one process.

1. randomized_svd (tinytorch.compression.randomized) rank 128 of a 2048 x 2048 float32 matrix vs the full SVD
   of the same matrix (np.linalg.svd(full_matrices=False), what low_rank_approximate runs): time <= 0.10x,
   Frobenius error <= 1.03x Eckart-Young's optimum. The matrix has a trained-weight-like spectrum: singular
   values i^-1 on random orthogonal factors, plus Gaussian noise of std 0.02/sqrt(n) (a noise bulk up to
   0.04).
2. csr_matmul (tinytorch.compression.sparse) vs SciPy's csr_matrix @ x and dense x @ W, 4096 x 4096 float32
   at 95 % sparsity: batch 1 <= 1.5x SciPy's time; batch 32 <= 3x SciPy's time and faster than dense.

Run: python benchmarks/bench_libraries.py   (exit 1 when a target is missed after two re-measurements)
BLAS: OPENBLAS_NUM_THREADS defaults to 1 here (single thread, conventions section 8: SciPy's CSR kernel is
single-threaded); set it before the run to change that, e.g. OPENBLAS_NUM_THREADS=2.
"""

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy is imported

import numpy as np
from guards import finish, guard, header, report
from scipy import sparse as sp
from timing import interleaved_best

from tinytorch.compression.randomized import randomized_svd
from tinytorch.compression.sparse import CSRMatrix, csr_matmul
from tinytorch.lesson import planted_power_law


def bench_randomized(n=2048, k=128):
    print(
        f"\n[randomized_svd] rank {k} of {n} x {n} float32 (power law i^-1 + noise) vs full np.linalg.svd",
        flush=True,
    )
    a = planted_power_law(n)
    a64 = a.astype(np.float64)
    s_exact = np.linalg.svd(a, compute_uv=False).astype(np.float64)
    opt = float(np.sqrt(np.sum(s_exact[k:] ** 2)))

    def measure():
        randomized_svd(a, k, n_iter=2, oversample=10, seed=0)  # warm-up
        t_svd, t_rand = interleaved_best(
            (
                lambda: np.linalg.svd(a, full_matrices=False),
                lambda: randomized_svd(a, k, n_iter=2, oversample=10, seed=0),
            ),
            rounds=2,
            warmup=False,
        )
        u, s, vh = randomized_svd(a, k, n_iter=2, oversample=10, seed=0)
        err = float(np.linalg.norm(a64 - (u.astype(np.float64) * s) @ vh))
        print(
            f"  full SVD {t_svd:.3f} s, randomized (n_iter=2, oversample=10) {t_rand:.3f} s; "
            f"error {err:.5f} vs optimal {opt:.5f}",
            flush=True,
        )
        return t_rand / t_svd, err / opt

    def ok(r):
        return r[0] <= 0.10 and r[1] <= 1.03

    ratio = guard(
        f"randomized rank {k} of {n}^2: time / full SVD", measure, ok, lambda r: f"{r[0]:.3f}x", "<= 0.10x"
    )
    report(
        f"randomized rank {k} of {n}^2: error / optimal (same run)",
        f"{ratio[1]:.4f}x",
        "<= 1.03x",
        ratio[1] <= 1.03,
    )


def bench_csr(n=4096, sparsity=0.95):
    print(
        f"\n[csr_matmul] ours vs SciPy csr_matrix @ x vs dense x @ W, {n} x {n} float32 at {sparsity:.0%}",
        flush=True,
    )
    rng = np.random.default_rng(0)
    w = rng.standard_normal((n, n), dtype=np.float32)
    w.ravel()[rng.permutation(n * n)[: round(sparsity * n * n)]] = 0
    ours, theirs = CSRMatrix.from_dense(w.T), sp.csr_matrix(w.T)  # both (out, in): y = (W.T @ x.T).T
    for batch, limit in ((1, 1.5), (32, 3.0)):
        x = rng.standard_normal((batch, n), dtype=np.float32)
        ref = x.astype(np.float64) @ w
        assert np.allclose(csr_matmul(x, ours), ref, atol=1e-3) and np.allclose(
            (theirs @ x.T).T, ref, atol=1e-3
        )
        rounds = 50 if batch == 1 else 15

        def vs_scipy(x=x, batch=batch, rounds=rounds):
            t_ours, t_scipy = interleaved_best(
                (lambda: csr_matmul(x, ours), lambda: (theirs @ x.T).T), rounds
            )
            print(f"  batch {batch}: ours {t_ours * 1e3:.3f} ms, SciPy {t_scipy * 1e3:.3f} ms", flush=True)
            return t_ours / t_scipy

        guard(
            f"CSR ours / SciPy time, batch {batch}",
            vs_scipy,
            lambda r, limit=limit: r <= limit,
            lambda r: f"{r:.2f}x",
            f"<= {limit}x",
        )
        if batch > 1:

            def vs_dense(x=x, batch=batch, rounds=rounds):
                t_ours, t_dense = interleaved_best((lambda: csr_matmul(x, ours), lambda: x @ w), rounds)
                print(
                    f"  batch {batch}: ours {t_ours * 1e3:.3f} ms, dense {t_dense * 1e3:.3f} ms", flush=True
                )
                return t_ours / t_dense

            guard(
                f"CSR ours / dense time, batch {batch}",
                vs_dense,
                lambda r: r < 1.0,
                lambda r: f"{r:.2f}x",
                "< 1x",
            )


def main():
    header("bench_libraries: module 16 vs NumPy's full SVD, SciPy's CSR and dense BLAS")
    bench_randomized()
    bench_csr()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
