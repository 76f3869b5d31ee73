"""Instructor-only fast path of Task 2 (magnitude_prune): the same result as the graded function (exactly k
pruned, same ties, cumulative, masks) in two streaming passes over cache-sized chunks, with no N-sized float
temporary. It is a working answer to a graded task, so it lives here, outside the tinytorch package, and is
not released to students. Used by benchmarks/bench_compression.py and tests/16_compression."""

import numpy as np

from tinytorch.core import selection
from tinytorch.core.checks import check_parameters
from tinytorch.core.task_checks import RANK_WHY, check_magnitude_prune

__all__ = ["magnitude_prune_fast"]


def _sample_scores(named):
    """Scores (|w|, -1 where already masked) of about selection.SAMPLE seeded random weights, spread over
    the parameters in proportion to their sizes."""
    n = sum(p.data.size for _, p in named)
    picks = []
    for i, (_, p) in enumerate(named):
        idx = selection.sample_indices(p.data.size, max(1, selection.SAMPLE * p.data.size // n), seed=i)
        s = np.abs(p.data.reshape(-1)[idx]).astype(np.float64)
        if p.mask is not None:
            s[~p.mask.reshape(-1)[idx]] = -1.0
        picks.append(s)
    return np.concatenate(picks)


def _first_pass(named, lo, hi, keeps):
    """Read every weight once, chunk by chunk: NaN/inf raise (nothing is changed yet); keeps[i] (flat bool)
    becomes the provisional mask (|w| >= lo and not masked before). Returns (below, values, positions):
    how many weights are pruned for sure, and |w| (flat order) and flat position per parameter of the
    weights inside the bracket [lo, hi)."""
    chunk = selection.CHUNK
    below, values, positions = 0, [], []
    for (name, p), keep in zip(named, keeps):
        flat = p.data.reshape(-1)
        mask = None if p.mask is None else p.mask.reshape(-1)
        s_buf, mid = np.empty(min(chunk, flat.size), dtype=flat.dtype), np.empty(chunk, dtype=bool)
        largest, pos = np.finfo(flat.dtype).max, []
        for a in range(0, flat.size, chunk):
            s = np.abs(flat[a : a + chunk], out=s_buf[: min(chunk, flat.size - a)])
            if not np.maximum.reduce(s) <= largest:  # NaN propagates through maximum
                raise ValueError(f"model parameter {name!r} contains NaN or inf; {RANK_WHY}")
            k = np.greater_equal(s, lo, out=keep[a : a + s.size])
            if mask is not None:
                np.logical_and(k, mask[a : a + s.size], out=k)
            below += s.size - int(np.count_nonzero(k))
            inside = np.flatnonzero(np.logical_and(np.less(s, hi, out=mid[: s.size]), k, out=mid[: s.size]))
            values.append(s[inside])
            pos.append(inside + a)
        positions.append(np.concatenate(pos) if pos else np.zeros(0, dtype=np.intp))
    return below, np.concatenate(values), positions


def _settle_bracket(keeps, positions, values, below, t, k):
    """Final mask entries of the weights inside the bracket: kept when |w| > t; of those equal to t, the
    first ones in flat order are pruned until exactly k are pruned, the rest kept."""
    ties = k - below - int(np.count_nonzero(values < t))
    keep_inside = values > t
    keep_inside[np.flatnonzero(values == t)[ties:]] = True
    start = 0
    for keep, pos in zip(keeps, positions):
        keep[pos] = keep_inside[start : start + pos.size]
        start += pos.size


def magnitude_prune_fast(model, sparsity=0.9):
    """magnitude_prune with the same result (exactly k pruned, same ties, cumulative, masks) in O(N) time and
    extra memory of about one bool per weight (the new masks): two streaming passes, no N-sized float array."""
    named, k = check_magnitude_prune(model, sparsity, finite=False)  # NaN/inf: tested in the first pass
    masked = sum(p.data.size - int(np.count_nonzero(p.mask)) for _, p in named if p.mask is not None)
    k = max(k, masked)
    if k == masked:  # nothing new to prune: the masks stay as they are
        check_parameters(named, why=RANK_WHY)
        keeps = [
            np.ones(p.data.size, dtype=bool) if p.mask is None else p.mask.reshape(-1).copy()
            for _, p in named
        ]
    else:
        dtypes = {p.data.dtype for _, p in named}
        dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)  # thresholds compare in this type
        keeps = [np.empty(p.data.size, dtype=bool) for _, p in named]  # all written by the first pass
        n = sum(p.data.size for _, p in named)
        t, below, values, positions = selection.select(
            lambda lo, hi: _first_pass(named, lo, hi, keeps), _sample_scores(named), n, k, dtype
        )  # t: never None (no inf)
        _settle_bracket(keeps, positions, values, below, t, k)
    old = np.setbufsize(1 << 18)  # 1 MiB cast buffers: the bool -> float cast keeps up with memory
    try:
        for (_, p), keep in zip(named, keeps):
            p.data *= keep.reshape(p.data.shape)  # zero every pruned weight, in place, one streaming pass
    finally:
        np.setbufsize(old)
    masks = {}
    for (name, p), keep in zip(named, keeps):
        p.set_mask(keep.reshape(p.data.shape), copy=False)  # the new array is the parameter's own
        masks[name] = p.mask
    return masks
