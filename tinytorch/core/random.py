"""The global random generator: layer initialisation, Dropout and shuffling draw from it."""

import numpy as np

from .checks import check_int

__all__ = ["get_rng", "manual_seed"]

_STATE = {"rng": np.random.default_rng()}


def manual_seed(seed):
    """Reset the global generator to `np.random.default_rng(seed)`; seed is an int >= 0."""
    seed = check_int("seed", seed, low=0)
    _STATE["rng"] = np.random.default_rng(seed)


def get_rng():
    """The global `np.random.Generator` (replaced by `manual_seed`, so do not cache it across seeds)."""
    return _STATE["rng"]
