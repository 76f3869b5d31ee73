"""DataLoader: mini-batches of (Tensor x, ndarray y) over in-memory arrays."""

import math

import numpy as np

from ..core.checks import check_array, check_bool, check_int, check_that
from ..core.random import get_rng
from ..core.tensor import Tensor

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate (Tensor x (b, ...), ndarray y (b,)) batches; len() = number of batches.

    shuffle=True draws a new permutation each epoch, from np.random.default_rng(seed) created once
    here (so the sequence of epochs is reproducible) or from the global generator when seed is None.
    drop_last=True skips a final incomplete batch.
    """

    def __init__(self, X, y, batch_size=32, shuffle=False, seed=None, drop_last=False):
        X = check_array("X", X, finite=False)
        y = check_array("y", y, finite=False)
        ok = X.ndim >= 1 and y.ndim >= 1 and len(X) == len(y)
        check_that(ok, "y", y, f"as many samples as X of shape {X.shape}")
        self.X, self.y = X, y
        self.batch_size = check_int("batch_size", batch_size, low=1)
        self.shuffle = check_bool("shuffle", shuffle)
        self.seed = None if seed is None else check_int("seed", seed, low=0)
        self.drop_last = check_bool("drop_last", drop_last)
        self._rng = None if seed is None else np.random.default_rng(self.seed)

    def __len__(self):
        n = len(self.y)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.y)
        if self.shuffle:
            order = (self._rng or get_rng()).permutation(n)
        else:
            order = None
        for b in range(len(self)):
            sl = slice(b * self.batch_size, (b + 1) * self.batch_size)
            idx = sl if order is None else order[sl]
            yield Tensor(self.X[idx]), self.y[idx]
