"""Argument checks shared by every public function: each raises TypeError or ValueError naming the
argument, the bad value and the allowed range, and returns the value normalised (a Python float/int)."""

import math
import numbers

import numpy as np

from .tensor import Tensor

__all__ = [
    "check_amount",
    "check_array",
    "check_bool",
    "check_choice",
    "check_fraction",
    "check_int",
    "check_loader",
    "check_loss_fn",
    "check_module",
    "check_nonempty_loader",
    "check_optimizer",
    "check_parameter",
    "check_parameters",
    "check_real",
    "check_tensor",
    "check_that",
    "check_unshared",
]


def shown(value):
    """A short text for a value in an error message: an array or tensor by its shape and dtype, anything
    else by its repr, cut to 80 characters."""
    data = value if isinstance(value, np.ndarray) else getattr(value, "data", None)
    if isinstance(data, np.ndarray) and data.ndim:
        bad = ", with NaN/inf" if data.dtype.kind == "f" and data.size and not _all_finite(data) else ""
        return f"<{type(value).__name__} shape {data.shape} dtype {data.dtype}{bad}>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_that(ok, name, value, expected, error=ValueError):
    """The one generic check: unless `ok`, raise `error` (ValueError, or TypeError for a wrong kind of value)
    as "name=<value>: expected <expected>", naming the argument and showing its value (and its type for a
    TypeError). Returns `value`, so that a check can sit inside an expression."""
    if not ok:
        kind = f" of type {type(value).__name__}" if error is TypeError else ""
        raise error(f"{name}={shown(value)}{kind}: expected {expected}")
    return value


def _is_real(value):
    return isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number (bool and str rejected) inside [low, high]; open ends when low_open/high_open."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    v, lo, hi = float(value), -math.inf if low is None else low, math.inf if high is None else high
    inside = (lo < v if low_open else lo <= v) and (v < hi if high_open else v <= hi)
    if not (math.isfinite(v) and inside):
        rng = f"{'(' if low_open else '['}{'-inf' if low is None else low}, {'inf' if high is None else high}"
        why = "is out of range" if math.isfinite(v) else "is not finite"
        raise ValueError(f"{name}={value!r} {why}; expected a value in {rng}{')' if high_open else ']'}")
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
    if not _is_real(value):
        raise TypeError(
            f"Invalid type for {name}: {value!r} of type {type(value).__name__}; "
            "expected a float in [0, 1] or a non-negative int"
        )
    count = isinstance(value, (numbers.Integral, np.integer))
    if count and 0 <= value <= n or not count and 0.0 <= value <= 1.0:  # NaN fails both
        return int(value) if count else round(float(value) * n)
    shown = int(value) if count else repr(value)
    if count and value > n:
        raise ValueError(f"{name}={shown} should be smaller than the number of parameters to prune={n}")
    raise ValueError(f"{name}={shown} should either be a float in the range [0, 1] or a non-negative integer")


def check_choice(name, value, choices):
    """One of a fixed set of values (compared with ==)."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not allowed; expected one of {sorted(map(repr, choices))}")
    return value


def check_array(name, value, *, ndim=None, finite=True):
    """A real-valued NumPy array (or array-like) with the given number of dimensions and finite entries."""
    arr = np.asarray(getattr(value, "data", value))
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real-valued array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if finite and arr.dtype.kind == "f" and arr.size and not _all_finite(arr):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def _all_finite(arr):
    """True when every entry is finite: a finite sum proves it in one pass with no temporary array (an
    overflowing sum of finite entries falls back to the entry-wise test)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(arr, axis=None)):
            return True
    return bool(np.all(np.isfinite(arr)))


def check_tensor(name, value):
    """A tinytorch Tensor (layers and functional ops take Tensors, not arrays)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(value).__name__}")
    return value


def check_bool(name, value):
    """True or False (NumPy bools too); 0/1, None and strings are rejected."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} of type {type(value).__name__}")
    return bool(value)


def check_loader(name, value):
    """An iterable of (x, y) batches that has a length (a DataLoader, a list of pairs); str/bytes/arrays
    rejected."""
    if isinstance(value, (str, bytes, np.ndarray)) or not (
        hasattr(value, "__iter__") and hasattr(value, "__len__")
    ):
        raise TypeError(
            f"{name} must be an iterable of (x, y) batches with a length, such as a DataLoader; "
            f"got {value!r} of type {type(value).__name__}"
        )
    return value


def check_nonempty_loader(name, value):
    """check_loader plus ValueError when the loader holds no batches (len == 0)."""
    if len(check_loader(name, value)) == 0:
        raise ValueError(f"{name} is empty (len 0); expected at least one (x, y) batch")
    return value


def check_module(name, value, cls=None):
    """An instance of cls (default tinytorch Module), e.g. check_module("linear", layer, Linear)."""
    if cls is None:
        from .module import Module  # lazy: module.py -> tensor.py must not import checks at load time

        cls = Module
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be a tinytorch {cls.__name__}, got {type(value).__name__}")
    return value


def check_optimizer(name, value, owner=None):
    """An object with callable step() and zero_grad() (SGD, Adam) whose `params` (when it lists them) include
    one that requires grad (a fully frozen model has nothing to train) and, with `owner` (a Module), belong
    to that module only."""
    if not (callable(getattr(value, "step", None)) and callable(getattr(value, "zero_grad", None))):
        raise TypeError(
            f"{name} must be an optimizer with step() and zero_grad() (e.g. SGD or Adam), "
            f"got {value!r} of type {type(value).__name__}"
        )
    params = list(getattr(value, "params", None) or ())
    if params and not any(getattr(p, "requires_grad", False) for p in params):
        raise ValueError(
            f"{name}={value!r} holds {len(params)} parameters and none requires grad (a fully frozen "
            "model?); nothing would be trained"
        )
    if owner is not None and params:
        own = {id(p) for p in owner.parameters()}
        foreign = [i for i, p in enumerate(params) if id(p) not in own]
        if foreign:
            raise ValueError(
                f"{name}={value!r} holds parameters that are not the model's (params{foreign[:5]}); "
                "build it from the trained model's parameters()"
            )
    return value


def check_loss_fn(name, value):
    """A callable loss, e.g. CrossEntropyLoss(); strings such as "ce" are rejected."""
    if not callable(value):
        raise TypeError(
            f"{name} must be callable (e.g. CrossEntropyLoss()), got {value!r} of type {type(value).__name__}"
        )
    return value


def check_parameter(name, param, *, finite=True, writable=True, why=""):
    """One model parameter (name as in named_parameters, e.g. "layers.2.weight") that can be pruned or
    trained in place: a floating dtype (bool, int, complex rejected), at least one entry, writable (unless
    writable=False), a mask (if any) that is bool and of the data's shape, finite entries (unless
    finite=False; `why` is appended to that message)."""
    data = getattr(param, "data", None)
    if not isinstance(data, np.ndarray):
        raise TypeError(f"{name} must be a tinytorch Parameter, got {type(param).__name__}")
    if not np.issubdtype(data.dtype, np.floating):
        raise TypeError(
            f"model parameter {name!r} has dtype {data.dtype}; expected a floating dtype "
            "(float16, float32 or float64); bool, int and complex weights are not supported"
        )
    if data.size == 0:
        raise ValueError(f"model parameter {name!r} has zero size (shape {data.shape}); expected >= 1 entry")
    if writable and not data.flags.writeable:
        raise ValueError(
            f"model parameter {name!r} is read-only (writeable=False); expected a writable array, "
            "e.g. p.data = p.data.copy()"
        )
    mask = getattr(param, "mask", None)
    if mask is not None and (np.shape(mask) != data.shape or np.asarray(mask).dtype != np.bool_):
        raise ValueError(
            f"model parameter {name!r} has a mask of shape {np.shape(mask)} and dtype "
            f"{np.asarray(mask).dtype} for data of shape {data.shape}; expected a bool mask of "
            "the data's shape (clear a stale mask with p.mask = None)"
        )
    if finite and data.size and not _all_finite(data):
        raise ValueError(f"model parameter {name!r} contains NaN or inf" + (f"; {why}" if why else ""))
    return param


def check_parameters(named, *, finite=True, writable=True, why=""):
    """check_parameter on every (name, Parameter) of `named` (all checked before the caller changes any)."""
    named = list(named)
    for name, p in named:
        check_parameter(name, p, finite=finite, writable=writable, why=why)
    return named


def check_unshared(name, model, layers=None):
    """ValueError when a layer (of `layers`, default the model's modules) or a Parameter occurs twice
    in the model, e.g. the same Linear at layers.0 and layers.2 (operations that rebuild layers need
    each one to be distinct)."""
    from .module import Parameter

    seen, found = {}, []
    for i, layer in enumerate(model.layers if layers is None else layers):
        if id(layer) in seen:
            found.append(f"the same {type(layer).__name__} at positions {seen[id(layer)]} and {i}")
        seen.setdefault(id(layer), i)
    owners = {}
    for pre, mod in model.named_modules():
        for attr, value in vars(mod).items():
            if isinstance(value, Parameter):
                where = f"{pre}.{attr}" if pre else attr
                if id(value) in owners:
                    found.append(f"the same Parameter as {owners[id(value)]} and {where}")
                owners.setdefault(id(value), where)
    if found:
        raise ValueError(
            f"{name} shares layers or parameters ({'; '.join(found)}); this operation rebuilds "
            "layers one by one and needs each to be distinct (copy.deepcopy the shared one)"
        )
    return model
