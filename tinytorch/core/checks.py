"""Argument checks shared by every public function: each raises TypeError or ValueError naming the
argument, the bad value and the allowed range, and returns the value normalised (a Python float/int)."""
import math
import numbers

import numpy as np

__all__ = ["check_real", "check_fraction", "check_int", "check_amount", "check_choice", "check_array",
           "check_bool", "check_loader", "check_optimizer", "check_loss_fn"]


def _is_real(value):
    return isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number (bool and str rejected) inside [low, high]; open ends when low_open/high_open."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    v = float(value)
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    rng = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
    if not math.isfinite(v):
        raise ValueError(f"{name}={value!r} is not finite; expected a value in {rng}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name}={value!r} is out of range; expected a value in {rng}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name}={value!r} is out of range; expected a value in {rng}")
    return v


def check_fraction(name, value, *, low_open=False, high_open=False):
    """A float in [0, 1] (ends open on request), e.g. a pruning ratio or a distillation weight."""
    return check_real(name, value, low=0.0, high=1.0, low_open=low_open, high_open=high_open)


def check_int(name, value, *, low=None, high=None):
    """An integer (Python or NumPy; bool rejected) inside [low, high]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r} of type {type(value).__name__}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        rng = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        raise ValueError(f"{name}={v} is out of range; expected an int in {rng}")
    return v


def check_amount(name, value, n):
    """torch-style pruning amount: a float in [0, 1] is a fraction of n, an int >= 0 a count <= n.

    Returns the number of entries to prune, k = round(value * n) (Python round, half to even) for
    floats and the int itself for counts.
    """
    if isinstance(value, (bool, np.bool_)) or not _is_real(value):
        raise TypeError(
            f"Invalid type for {name}: {value!r} of type {type(value).__name__}; "
            "expected a float in [0, 1] or a non-negative int")
    if isinstance(value, (numbers.Integral, np.integer)):
        k = int(value)
        if k < 0:
            raise ValueError(f"{name}={k} should either be a float in the range [0, 1] or a non-negative integer")
        if k > n:
            raise ValueError(f"{name}={k} should be smaller than the number of parameters to prune={n}")
        return k
    v = float(value)
    if not math.isfinite(v) or v < 0.0 or v > 1.0:
        raise ValueError(f"{name}={value!r} should either be a float in the range [0, 1] or a non-negative integer")
    return round(v * n)


def check_choice(name, value, choices):
    """One of a fixed set of values (compared with ==)."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not allowed; expected one of {sorted(map(repr, choices))}")
    return value


def check_array(name, value, *, ndim=None, finite=True):
    """A real-valued NumPy array (or array-like) with the given number of dimensions and finite entries."""
    arr = np.asarray(getattr(value, "data", value))
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real-valued array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if finite and arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def check_bool(name, value):
    """True or False (NumPy bools too); 0/1, None and strings are rejected."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} of type {type(value).__name__}")
    return bool(value)


def check_loader(name, value):
    """An iterable of (x, y) batches that has a length (a DataLoader, a list of pairs); str/bytes/arrays rejected."""
    if isinstance(value, (str, bytes, np.ndarray)) or not (hasattr(value, "__iter__") and hasattr(value, "__len__")):
        raise TypeError(f"{name} must be an iterable of (x, y) batches with a length, such as a DataLoader; "
                        f"got {value!r} of type {type(value).__name__}")
    return value


def check_optimizer(name, value):
    """An object with callable step() and zero_grad() (SGD, Adam)."""
    if not (callable(getattr(value, "step", None)) and callable(getattr(value, "zero_grad", None))):
        raise TypeError(f"{name} must be an optimizer with step() and zero_grad() (e.g. SGD or Adam), "
                        f"got {value!r} of type {type(value).__name__}")
    return value


def check_loss_fn(name, value):
    """A callable loss, e.g. CrossEntropyLoss(); strings such as "ce" are rejected."""
    if not callable(value):
        raise TypeError(f"{name} must be callable (e.g. CrossEntropyLoss()), got {value!r} of type "
                        f"{type(value).__name__}")
    return value
