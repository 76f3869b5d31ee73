"""The UCI handwritten digits (8x8 images, 1,797 samples) shipped with the package, and a split."""

import functools
import gzip
import math
from pathlib import Path

import numpy as np

from ..core.checks import check_array, check_fraction, check_int, check_that

__all__ = ["load_digits", "train_test_split"]

_CSV = Path(__file__).with_name("digits.csv.gz")


@functools.lru_cache(maxsize=1)
def _read():
    with gzip.open(_CSV, "rt") as fh:
        raw = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    raw.setflags(write=False)
    return raw


def load_digits():
    """Returns (X float32 (1797, 64) = pixel / 16 in [0, 1], y int64 (1797,) in 0..9); fresh copies."""
    raw = _read()
    X = (raw[:, :64] / 16.0).astype(np.float32)
    y = raw[:, 64].astype(np.int64)
    return X, y


def _split_counts(counts, n_test):
    """Per-class test counts summing to n_test, proportional to counts (largest remainder, ties by class)."""
    quota = counts * (n_test / counts.sum())
    base = np.floor(quota).astype(np.int64)
    rest = n_test - base.sum()
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:rest]] += 1
    return base


def train_test_split(X, y, test_size=0.25, seed=0):
    """Stratified, deterministic split -> (X_train, X_test, y_train, y_test).

    X: (N, ...) array or array-like; y: (N,) integer labels. test_size: float in (0, 1) (the test
    set gets ceil(test_size * N) samples, as in scikit-learn) or an int count in [1, N-1]. Each
    class contributes to the test set in proportion to its size (largest remainder); the samples
    within a class and the order of both outputs are shuffled with np.random.default_rng(seed).
    """
    X = check_array("X", X, finite=False)
    y = check_array("y", y, ndim=1)
    check_that(y.dtype.kind in "iu", "y", y, "integer labels", TypeError)
    n = len(y)
    check_that(X.ndim >= 1 and len(X) == n, "X", X, f"{n} samples, as y of shape {y.shape}")
    check_that(n >= 2, "y", y, "at least 2 samples to split")
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = check_int("test_size", test_size, low=1, high=n - 1)
    else:
        frac = check_fraction("test_size", test_size, low_open=True, high_open=True)
        n_test = min(max(math.ceil(frac * n), 1), n - 1)
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    per_class = _split_counts(counts, n_test)
    test_idx, train_idx = [], []
    for c, k in zip(classes, per_class):
        idx = rng.permutation(np.flatnonzero(y == c))
        test_idx.append(idx[:k])
        train_idx.append(idx[k:])
    test_idx = rng.permutation(np.concatenate(test_idx))
    train_idx = rng.permutation(np.concatenate(train_idx))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
