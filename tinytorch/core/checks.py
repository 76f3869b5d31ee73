"""Argument checks shared by every public function: each is a short composition of `check_that`, raises
TypeError or ValueError as "name=<value>: expected <what>" and returns the value normalised (a Python
float/int)."""

import math
import numbers

import numpy as np

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
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:77] + "..."


def check_that(ok, name, value, expected, error=ValueError):
    """The one generic check: unless `ok`, raise `error` (ValueError, or TypeError for a wrong kind of value)
    as "name=<value>: expected <expected>", naming the argument and showing its value (and its type for a
    TypeError). Returns `value`, so that a check can sit inside an expression."""
    if not ok:
        kind = f" of type {type(value).__name__}" if error is TypeError else ""
        raise error(f"{name}={shown(value)}{kind}: expected {expected}")
    return value


def _all_finite(arr):
    """True when every entry is finite: a finite sum proves it in one pass with no temporary array (an
    overflowing sum of finite entries falls back to the entry-wise test)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(arr, axis=None)):
            return True
    return bool(np.all(np.isfinite(arr)))


def _is_real(value, kinds=(numbers.Real, np.floating, np.integer)):
    return isinstance(value, kinds) and not isinstance(value, (bool, np.bool_))


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number (bool and str rejected) inside [low, high]; open ends when low_open/high_open."""
    check_that(_is_real(value), name, value, "a real number", TypeError)
    v, lo, hi = float(value), -math.inf if low is None else low, math.inf if high is None else high
    inside = math.isfinite(v) and (lo < v if low_open else lo <= v) and (v < hi if high_open else v <= hi)
    check_that(inside, name, value, f"a finite value in {'[('[low_open]}{lo}, {hi}{'])'[high_open]}")
    return v


def check_fraction(name, value, *, low_open=False, high_open=False):
    """A float in [0, 1] (ends open on request), e.g. a pruning ratio or a distillation weight."""
    return check_real(name, value, low=0.0, high=1.0, low_open=low_open, high_open=high_open)


def check_int(name, value, *, low=None, high=None):
    """An integer (Python or NumPy; bool rejected) inside [low, high]."""
    check_that(_is_real(value, (numbers.Integral, np.integer)), name, value, "an int", TypeError)
    lo, hi = -math.inf if low is None else low, math.inf if high is None else high
    return check_that(lo <= value <= hi, name, int(value), f"an int in [{lo}, {hi}]")


def check_amount(name, value, n):
    """torch-style pruning amount: a float in [0, 1] is a fraction of n, an int >= 0 a count <= n.

    Returns the number of entries to prune, k = round(value * n) (Python round, half to even) for
    floats and the int itself for counts.
    """
    check_that(_is_real(value), name, value, "a float in [0, 1] or an int count", TypeError)
    count = isinstance(value, (numbers.Integral, np.integer))
    ok = 0 <= value <= n if count else 0.0 <= value <= 1.0  # NaN fails
    check_that(ok, name, value, f"an int count in [0, {n}]" if count else "a float in [0, 1]")
    return int(value) if count else round(float(value) * n)


def check_choice(name, value, choices):
    """One of a fixed set of values (compared with ==)."""
    return check_that(value in choices, name, value, f"one of {', '.join(sorted(map(repr, choices)))}")


def check_array(name, value, *, ndim=None, finite=True):
    """A real-valued NumPy array (or array-like) with the given number of dimensions and finite entries."""
    arr = np.asarray(getattr(value, "data", value))
    check_that(arr.dtype.kind in "fiu", name, value, f"a real-valued array, not dtype {arr.dtype}", TypeError)
    check_that(ndim is None or arr.ndim == ndim, name, arr, f"{ndim} dimensions")
    ok = not finite or arr.dtype.kind != "f" or not arr.size or _all_finite(arr)
    return check_that(ok, name, arr, "finite entries (no NaN or inf)")


def check_tensor(name, value):
    """A tinytorch Tensor (layers and functional ops take Tensors, not arrays)."""
    from .tensor import Tensor  # lazy: tensor.py imports this module

    return check_that(isinstance(value, Tensor), name, value, "a Tensor", TypeError)


def check_bool(name, value):
    """True or False (NumPy bools too); 0/1, None and strings are rejected."""
    return bool(check_that(isinstance(value, (bool, np.bool_)), name, value, "True or False", TypeError))


def check_loader(name, value):
    """An iterable of (x, y) batches that has a length (a DataLoader, a list of pairs); str/bytes/arrays
    rejected."""
    ok = hasattr(value, "__iter__") and hasattr(value, "__len__")
    ok = ok and not isinstance(value, (str, bytes, np.ndarray))
    return check_that(ok, name, value, "an iterable of (x, y) batches with a length", TypeError)


def check_nonempty_loader(name, value):
    """check_loader plus ValueError when the loader holds no batches (len == 0)."""
    n = len(check_loader(name, value))
    return check_that(n > 0, name, value, "a non-empty loader (at least one batch)")


def check_module(name, value, cls=None):
    """An instance of cls (default tinytorch Module), e.g. check_module("linear", layer, Linear)."""
    from .module import Module  # lazy: module.py imports this module

    cls = Module if cls is None else cls
    return check_that(isinstance(value, cls), name, value, f"a tinytorch {cls.__name__}", TypeError)


def check_optimizer(name, value, owner=None):
    """An object with callable step() and zero_grad() (SGD, Adam) whose `params` (when it lists them) include
    one that requires grad (a fully frozen model has nothing to train) and, with `owner` (a Module), belong
    to that module only."""
    ok = callable(getattr(value, "step", None)) and callable(getattr(value, "zero_grad", None))
    check_that(ok, name, value, "an optimizer with step() and zero_grad(), e.g. SGD", TypeError)
    params = list(getattr(value, "params", None) or ())
    trains = not params or any(getattr(p, "requires_grad", False) for p in params)
    check_that(trains, name, value, f"a parameter that requires grad (all {len(params)} are frozen)")
    own = {id(p) for p in owner.parameters()} if owner is not None else None
    foreign = [i for i, p in enumerate(params) if own is not None and id(p) not in own]
    own_only = f"the model's parameters only; params{foreign[:5]} are not the model's"
    return check_that(not foreign, name, value, own_only)


def check_loss_fn(name, value):
    """A callable loss, e.g. CrossEntropyLoss(); strings such as "ce" are rejected."""
    return check_that(callable(value), name, value, "a callable loss, e.g. CrossEntropyLoss()", TypeError)


def check_parameter(name, param, *, finite=True, writable=True, why=""):
    """One model parameter (name as in named_parameters, e.g. "layers.2.weight") that can be pruned or
    trained in place: a floating dtype (bool, int, complex rejected), at least one entry, writable (unless
    writable=False), a mask (if any) that is bool and of the data's shape, finite entries (unless
    finite=False; `why` is appended to that message)."""
    data, name = getattr(param, "data", None), f"model parameter {name!r}"
    check_that(isinstance(data, np.ndarray), name, param, "a tinytorch Parameter", TypeError)
    check_that(data.dtype.kind == "f", name, param, "a floating dtype (float16/32/64)", TypeError)
    check_that(data.size, name, param, "at least one entry (zero size)")
    check_that(data.flags.writeable or not writable, name, param, "a writable (not read-only) array")
    mask = getattr(param, "mask", None)
    ok = mask is None or (np.shape(mask) == data.shape and np.asarray(mask).dtype == np.bool_)
    check_that(ok, name, mask, f"a bool mask of the data's shape {data.shape}, or mask None")
    ok = not finite or _all_finite(data)
    return check_that(ok, name, param, "finite entries (no NaN or inf)" + (f"; {why}" if why else ""))


def check_parameters(named, *, finite=True, writable=True, why=""):
    """check_parameter on every (name, Parameter) of `named` (all checked before the caller changes any)."""
    return [(name, check_parameter(name, p, finite=finite, writable=writable, why=why)) for name, p in named]


def check_unshared(name, model, layers=None):
    """ValueError when a layer (of `layers`, default the model's modules) or a Parameter occurs twice
    in the model, e.g. the same Linear at layers.0 and layers.2 (operations that rebuild layers need
    each one to be distinct)."""
    from .module import Parameter

    seen, owners, found = {}, {}, []
    for i, layer in enumerate(model.layers if layers is None else layers):
        first = seen.setdefault(id(layer), i)
        found += [f"the same {type(layer).__name__} at positions {first} and {i}"] if first != i else []
    for pre, mod in model.named_modules():
        for attr in [a for a, v in vars(mod).items() if isinstance(v, Parameter)]:
            where = f"{pre}.{attr}" if pre else attr
            first = owners.setdefault(id(getattr(mod, attr)), where)
            found += [f"the same Parameter as {first} and {where}"] if first != where else []
    return check_that(not found, name, model, f"distinct layers and parameters ({'; '.join(found)})")
