"""Exact selection of the k-th smallest of many floats in O(N) time and little extra memory.

A seeded random sample brackets the k-th smallest value in [lo, hi); one pass over the values, in
cache-sized chunks, counts those below lo and keeps the few inside the bracket; np.partition of those few
gives the exact value. If the sample missed (the value is outside the bracket, probability about 6e-5 for
the first, narrow bracket), a wider bracket is tried, then every value. Used by the graded
`magnitude_prune` (through `kth_smallest`) and by the fast path of module 16 (through `select`).
Tests may lower CHUNK and SAMPLE to reach the chunked code with small arrays.
"""

import numpy as np

from .checks import check_that

SAMPLE = 200_000  # sampled values: a 4-sigma bracket then holds about 0.55 % of the values (at q = 0.9)
CHUNK = (
    1 << 18
)  # values per chunk: 1 MiB of float32 (1 << 16 .. 1 << 19 measured on 2 cores: 1 << 18 and up best)
SIGMAS = (4.0, 8.0, None)  # brackets tried in turn; None: no bracket (every value is inside)


def sample_indices(n, size, seed=0):
    """`size` seeded random flat indices into n values (every index, in order, when size >= n)."""
    return np.arange(n) if size >= n else np.random.default_rng(seed).integers(0, n, size=size)


def bracket(sample, q, dtype, sigmas):
    """(lo, hi) as scalars of `dtype` such that the q-quantile of the population lies in [lo, hi) unless the
    sample misled: the sample's quantiles q -/+ `sigmas` standard errors (-inf / inf past the ends, both
    when sigmas is None). hi is moved one float up, so that a value filling the whole bracket is inside."""
    cast = np.dtype(dtype).type
    if sigmas is None:
        return cast(-np.inf), cast(np.inf)
    m = len(sample)
    margin = sigmas * np.sqrt(q * (1.0 - q) / m) + 2.0 / m
    i, j = int(np.floor((q - margin) * (m - 1))), int(np.ceil((q + margin) * (m - 1)))
    ends = np.partition(np.asarray(sample, dtype=dtype), [max(i, 0), min(j, m - 1)])  # O(m), no sort
    lo = ends[i] if i >= 0 else cast(-np.inf)
    hi = ends[j] if j <= m - 1 else cast(np.inf)
    return cast(lo), np.nextafter(cast(hi), cast(np.inf))


def pick(band, below, k):
    """The k-th smallest value overall, from the values inside the bracket (`band`, any order; it is
    reordered) and the count of values below it; None when the k-th smallest lies outside the bracket."""
    r = k - below
    if not 1 <= r <= band.size:
        return None
    band.partition(r - 1)
    return band[r - 1]


def select(scan, sample, n, k, dtype):
    """(t, below, values, *rest): the k-th smallest of n values, trying the brackets of SIGMAS in turn.
    scan(lo, hi) reads the values once and returns (count below lo, the values in [lo, hi) in a fixed order,
    anything else the caller needs); t is None only when even the last bracket missed (inf among the
    values)."""
    for sigmas in SIGMAS:
        below, values, *rest = scan(*bracket(sample, k / n, dtype, sigmas))
        t = pick(values.copy(), below, k)  # a copy: `values` keeps its order for the caller
        if t is not None:
            break
    return (t, below, values, *rest)


def _scan(values, lo, hi):
    """(count of values < lo, the values in [lo, hi)) in one chunked pass."""
    low, mid = np.empty(CHUNK, dtype=bool), np.empty(CHUNK, dtype=bool)
    below, band = 0, []
    for start in range(0, values.size, CHUNK):
        v = values[start : start + CHUNK]
        x, y = np.less(v, lo, out=low[: v.size]), np.less(v, hi, out=mid[: v.size])
        below += int(np.count_nonzero(x))
        band.append(v[np.flatnonzero(np.logical_xor(x, y, out=y))])  # lo <= v < hi
    return below, np.concatenate(band)


def kth_smallest(values, k):
    """The k-th smallest (k = 1 is the minimum) of the 1-D float array `values` (no NaN): exactly
    np.partition(values, k - 1)[k - 1], several times faster for large arrays. `values` is not changed."""
    values = np.asarray(values)
    check_that(
        values.ndim == 1 and values.dtype.kind == "f", "values", values, "a 1-D float array", TypeError
    )
    ok = isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 1 <= k <= values.size
    check_that(ok, "k", k, f"an int in [1, {values.size}] (the size of values)")
    if values.size <= 8 * CHUNK:  # small: one partition is as fast
        return np.partition(values, k - 1)[k - 1]
    sample = values[sample_indices(values.size, SAMPLE)]
    t = select(lambda lo, hi: _scan(values, lo, hi), sample, values.size, k, values.dtype)[0]
    return np.partition(values, k - 1)[k - 1] if t is None else t  # None only with inf among the values
