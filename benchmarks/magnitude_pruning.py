"""The magnitude-pruning part of bench_compression.py: the graded magnitude_prune and the fast path at
10 M and 100 M weights against a single-pass memory floor (time and peak memory), and the seed's
list-and-percentile algorithm for comparison."""

import gc
import tracemalloc

import numpy as np
from fast_prune import magnitude_prune_fast  # the instructor-only fast path, next to this file
from guards import guard, report
from timing import interleaved_best

from tinytorch.compression import magnitude_prune
from tinytorch.core.module import Module, Parameter

FAST_SOURCE = "benchmarks/fast_prune.py magnitude_prune_fast"


class Weights(Module):
    """A bare Module holding `parts` 2-D float32 Parameters that together have n entries."""

    def __init__(self, n, parts=4, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        cols = 1000
        rows = n // (parts * cols)
        for i in range(parts):
            setattr(self, f"w{i}", Parameter(rng.standard_normal((rows, cols), dtype=np.float32)))


def seed_magnitude_prune(model, sparsity=0.9):
    """The seed module's algorithm (ABOUT.md), verbatim in behaviour: Python list + np.percentile + >=."""
    all_weights, weight_params = [], []
    for param in model.parameters():
        if len(param.shape) > 1:
            all_weights.extend(param.data.flatten())
            weight_params.append(param)
    magnitudes = np.abs(all_weights)
    threshold = np.percentile(magnitudes, sparsity * 100)
    for param in weight_params:
        param.data = param.data * (np.abs(param.data) >= threshold)


def run_pruned(model, fn, restore):
    """Restore the weights, prune 90 % with fn once under tracemalloc: (peak extra bytes, pruned data
    copies)."""
    restore()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn(model, 0.9)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, [p.data.copy() for p in model.parameters()]


def compare_with_seed(model, restore, k):
    """Time the seed's list-and-percentile algorithm against the graded magnitude_prune (information)."""
    graded, seed = interleaved_best(
        (lambda: magnitude_prune(model, 0.9), lambda: seed_magnitude_prune(model, 0.9)),
        rounds=1,
        before=(restore, restore),
        warmup=False,
    )
    times = {"graded": graded, "seed": seed}
    zeros = sum(int(np.count_nonzero(p.data == 0)) for p in model.parameters())
    print(f"  seed list + percentile: {times['seed']:.3f} s, {zeros:,d} zeros (exact k = {k:,d})", flush=True)
    report(
        f"seed algorithm time / graded magnitude_prune at {k / 0.9e6:.0f} M",
        f"{times['seed'] / times['graded']:.1f}x",
        "> 1x (info)",
        None,
    )


def bench_magnitude(n, compare_seed):
    print(
        f"\n[magnitude pruning] {n:,d} float32 weights in 4 parameters, sparsity 0.9; "
        f"fast path: {FAST_SOURCE}",
        flush=True,
    )
    model = Weights(n)
    params = model.parameters()
    originals = [p.data.copy() for p in params]
    weight_bytes = sum(p.data.nbytes for p in params)
    k = round(0.9 * n)

    def restore():
        for p, o in zip(params, originals):
            p.data[...] = o
            p.mask = None

    judged = n >= 100_000_000  # the targets are set at 100 M; smaller floors run partly from cache
    results = {}
    for label, fn, limit in (
        ("graded magnitude_prune", magnitude_prune, 30),
        ("fast path", magnitude_prune_fast, 5),
    ):
        peak, pruned = run_pruned(model, fn, restore)
        zeros = sum(int(np.count_nonzero(d == 0)) for d in pruned)
        results[label] = pruned
        report(
            f"{label}: exact k at {n / 1e6:.0f} M (zeros == round(0.9 N))",
            f"{zeros:,d}",
            f"{k:,d}",
            zeros == k,
        )

        def ratio(rounds=4, fn=fn, label=label):
            bufs = [np.empty_like(p.data) for p in params]

            def floor_pass():
                for p, b in zip(params, bufs):
                    np.abs(p.data, out=b)

            floor_pass()  # warm-up: the buffers' pages are mapped
            # floor and pruning alternately (same machine state); pruning on the original weights
            floor, best = interleaved_best(
                (floor_pass, lambda: fn(model, 0.9)), rounds, before=(None, restore), warmup=False
            )
            print(
                f"  {label}: floor {floor:.3f} s, pruning {best:.3f} s (best of {rounds}, alternating)",
                flush=True,
            )
            return best / floor

        name = f"{label}: time / memory floor at {n / 1e6:.0f} M"
        if judged:
            guard(name, ratio, lambda r, limit=limit: r <= limit, lambda r: f"{r:.1f}x", f"<= {limit}x")
        else:
            report(name, f"{ratio():.1f}x", "info", None)
        fast = label == "fast path"
        report(
            f"{label}: peak extra memory at {n / 1e6:.0f} M (x weight bytes)",
            f"{peak / weight_bytes:.2f}x",
            "<= 1.25x" if fast else "info",
            peak / weight_bytes <= 1.25 if fast else None,
        )
    same = all(np.array_equal(a, b) for a, b in zip(*results.values()))
    report(f"fast path == graded result at {n / 1e6:.0f} M (every weight)", str(same), "True", same)
    del results
    if compare_seed:
        compare_with_seed(model, restore, k)
    gc.collect()
