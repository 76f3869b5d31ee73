"""Module 16 compression benchmarks: every measured ratio next to its target, in one run.

1. global magnitude pruning at 90 % on 10 M and 100 M float32 weights, both versions: the graded
   `tinytorch.compression.magnitude_prune` (readable: one concatenated score array, its k-th smallest from
   `tinytorch.core.selection.kth_smallest`) and the fast path `benchmarks/fast_prune.py`
   (`magnitude_prune_fast`)
   (two chunked passes). Exact k checked for both (and identical results), time vs a single-pass memory floor
   (np.abs(w, out=buf), timed alternately with the pruning): <= 30x graded, <= 5x fast path at 100 M; peak
   extra memory (tracemalloc) in units of the weights' bytes; the seed's list-and-percentile algorithm at 10 M
   for comparison.
2. physical structured removal (50 %) of a 3-layer 1024-wide MLP vs dense, batch 256.
3. a rank n/8 factorized Linear vs the dense 1024 x 1024 Linear, batch 256.
4. CSR SparseLinear kernel vs dense at 95 % sparsity, batch 1 (4096 x 4096, and 1024 x 1024 for reference).
5. distillation loss forward + backward (batch 256, 10 classes) vs a closed-form NumPy version of the same
   loss and gradient (conventions section 6): <= 2x; plain cross-entropy for reference.

Run: python benchmarks/bench_compression.py [--quick]
  --quick   1 M / 10 M weights instead of 10 M / 100 M (a smoke run)
Exit status 1 when a target is missed (a miss is measured twice more before it counts).
Timing: timing.interleaved_best (the compared calls alternately, best of each); BLAS threads from
OPENBLAS_NUM_THREADS (unset = all cores).
"""

import argparse
import sys

import numpy as np
from guards import finish, guard, header, report
from magnitude_pruning import bench_magnitude
from timing import interleaved_best

import tinytorch
from tinytorch.compression import KnowledgeDistillation, factorize_linear, structured_prune
from tinytorch.compression.sparse import CSRMatrix, csr_matmul
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.tensor import Tensor, no_grad


def mlp(width=1024, seed=0):
    tinytorch.manual_seed(seed)
    return Sequential(Linear(width, width), ReLU(), Linear(width, width), ReLU(), Linear(width, width))


def forward_times(model_a, model_b, x, rounds=10):
    with no_grad():
        return interleaved_best((lambda: model_a(x), lambda: model_b(x)), rounds)


def speedup(label, model_a, model_b, x, rounds):
    """A measure() for guard: dense time / compressed time of two models' forward passes."""

    def measure():
        td, tc = forward_times(model_a, model_b, x, rounds)
        print(f"  {label}: dense {td * 1e3:.3f} ms, compressed {tc * 1e3:.3f} ms", flush=True)
        return td / tc

    return measure


def bench_structured():
    print(
        "\n[structured_prune physical=True] 3-layer 1024-wide MLP, 50 % of hidden neurons, batch 256",
        flush=True,
    )
    x = Tensor(np.random.default_rng(0).standard_normal((256, 1024)).astype(np.float32))
    dense, small = mlp(), mlp()
    structured_prune(small, 0.5, physical=True)
    print(f"  params {dense.num_parameters():,d} -> {small.num_parameters():,d}", flush=True)
    guard(
        "structured 50 % physical speedup, batch 256",
        speedup("structured", dense, small, x, 10),
        lambda r: r >= 1.6,
        lambda r: f"{r:.2f}x",
        ">= 1.6x",
    )


def bench_low_rank():
    print("\n[factorize_linear] 1024 x 1024 Linear vs rank 128 (n/8), batch 256", flush=True)
    tinytorch.manual_seed(0)
    dense = Linear(1024, 1024)
    low = factorize_linear(dense, 128)
    x = Tensor(np.random.default_rng(0).standard_normal((256, 1024)).astype(np.float32))
    guard(
        "low-rank n/8 speedup, batch 256",
        speedup("rank 128", dense, low, x, 20),
        lambda r: r >= 3,
        lambda r: f"{r:.2f}x",
        ">= 3x",
    )


def bench_csr():
    print("\n[csr_matmul] SparseLinear kernel vs dense x @ W at 95 % sparsity, batch 1", flush=True)
    rng = np.random.default_rng(0)
    for n, target in ((4096, 1.5), (1024, None)):
        w = rng.standard_normal((n, n), dtype=np.float32)
        w.ravel()[rng.permutation(n * n)[: round(0.95 * n * n)]] = 0
        a = CSRMatrix.from_dense(w.T)
        x = rng.standard_normal((1, n), dtype=np.float32)
        assert np.allclose(csr_matmul(x, a), x @ w, atol=1e-3)

        def measure(x=x, w=w, a=a, n=n):
            td, tc = interleaved_best((lambda: x @ w, lambda: csr_matmul(x, a)), 50)
            print(f"  n={n}: dense {td * 1e6:.0f} us, CSR {tc * 1e6:.0f} us", flush=True)
            return td / tc

        if target is None:
            report(
                f"CSR speedup at 95 %, batch 1, {n}x{n} (fits in cache)", f"{measure():.2f}x", "info", None
            )
        else:
            guard(
                f"CSR speedup at 95 %, batch 1, {n}x{n}",
                measure,
                lambda r, target=target: r >= target,
                lambda r: f"{r:.2f}x",
                f">= {target}x",
            )


def log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def kd_closed_form(zs, zt, y, T, alpha):
    """The distillation loss and its gradient w.r.t. the student logits in plain NumPy (conventions
    section 6)."""
    b, rows = len(y), np.arange(len(y))
    lpt, lps, lp = log_softmax(zt / T), log_softmax(zs / T), log_softmax(zs)
    pt = np.exp(lpt)
    loss = alpha * T * T * float(np.sum(pt * (lpt - lps))) / b - (1 - alpha) * float(lp[rows, y].mean())
    hard = np.exp(lp)
    hard[rows, y] -= 1
    return loss, (alpha * T * (np.exp(lps) - pt) + (1 - alpha) * hard) / b


def bench_distillation():
    print("\n[KnowledgeDistillation.distillation_loss] forward + backward, batch 256, 10 classes", flush=True)
    rng = np.random.default_rng(0)
    zt = rng.standard_normal((256, 10)).astype(np.float32)
    zs_data = rng.standard_normal((256, 10)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    tinytorch.manual_seed(0)
    kd = KnowledgeDistillation(Linear(2, 2), Linear(2, 2), temperature=3.0, alpha=0.7)
    ce = CrossEntropyLoss()

    def kd_step():
        zs = Tensor(zs_data, requires_grad=True)
        loss = kd.distillation_loss(zs, zt, y)
        loss.backward()
        return float(loss.data), zs.grad

    def ce_step():
        zs = Tensor(zs_data, requires_grad=True)
        ce(zs, y).backward()

    loss, grad = kd_step()
    ref_loss, ref_grad = kd_closed_form(zs_data, zt, y, 3.0, 0.7)
    assert abs(loss - ref_loss) < 1e-5 and np.allclose(
        np.asarray(getattr(grad, "data", grad)), ref_grad, atol=1e-6
    )

    def ratio():
        tk, tn = interleaved_best((kd_step, lambda: kd_closed_form(zs_data, zt, y, 3.0, 0.7)), 50)
        print(
            f"  distillation {tk * 1e6:.0f} us/batch = {256 / tk:,.0f} samples/s; closed-form NumPy "
            f"{tn * 1e6:.0f} us/batch",
            flush=True,
        )
        return tk / tn

    guard(
        "distillation fwd+bwd / closed-form NumPy time",
        ratio,
        lambda r: r <= 2.0,
        lambda r: f"{r:.2f}x",
        "<= 2x",
    )
    tk, tc = interleaved_best((kd_step, ce_step), 50)
    report("distillation / plain cross-entropy time per batch", f"{tk / tc:.2f}x", "info", None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 M and 10 M weights instead of 10 M and 100 M")
    args = parser.parse_args()
    header("bench_compression: module 16 speed and memory targets")
    small, big = (1_000_000, 10_000_000) if args.quick else (10_000_000, 100_000_000)
    bench_magnitude(small, compare_seed=True)
    bench_magnitude(big, compare_seed=False)
    print(
        f"  (seed algorithm not run at {big / 1e6:.0f} M: its Python list of floats would take about "
        f"{big * 32 / 2**30:.1f} GiB and minutes; the {small / 1e6:.0f} M comparison above shows the gap)",
        flush=True,
    )
    bench_structured()
    bench_low_rank()
    bench_csr()
    bench_distillation()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
