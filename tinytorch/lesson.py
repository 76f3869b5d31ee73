"""Shared set-up of the lesson notebooks: one definition each of the MLP-from-widths builder, the digits
train/test split and the interleaved timer (with its speedup summary).

make_mlp(widths, seed=0): a ReLU MLP such as (64, 256, 256, 10), initialised from `seed` (None: as is).
digits_split(seed=0): X_train, X_test, y_train, y_test of the 8x8 digits, test_size=0.25.
interleaved_runs(fns, rounds=9, inner=1, warmup=True): per-round seconds of callables, A B A B, one BLAS thread.
interleaved_ms(models, x, rounds=9, inner=5): per-round forward ms of models, built on interleaved_runs.
speedup(reference, candidate): (median, min, max) of the per-round time ratio reference / candidate.
graded(name, fn=None, arg=None): fn, or the graded function `name` of tinytorch.compression looked up at
call time (in the student bundle: the student's own export), for companions that build on it.
"""

import importlib
import time

import numpy as np
from threadpoolctl import threadpool_limits

from .core.checks import check_int, check_module
from .core.layers import Linear, ReLU, Sequential
from .core.random import manual_seed
from .core.tensor import Tensor, no_grad
from .data import load_digits, train_test_split

__all__ = ["digits_split", "graded", "interleaved_ms", "interleaved_runs", "make_mlp", "speedup"]


def make_mlp(widths, seed=0):
    """A ReLU MLP with the given layer widths, e.g. (64, 256, 256, 10), initialised from `seed`
    (seed=None: from the global generator as it stands, e.g. seeded by the caller)."""
    if not isinstance(widths, (list, tuple)) or len(widths) < 2:
        raise ValueError(f"widths={widths!r} must be a list or tuple of at least two ints >= 1")
    widths = [check_int(f"widths[{i}]", w, low=1) for i, w in enumerate(widths)]
    if seed is not None:
        manual_seed(check_int("seed", seed, low=0))
    layers = []
    for i in range(len(widths) - 1):
        layers.append(Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def digits_split(seed=0):
    """(X_train, X_test, y_train, y_test) of the 1797 digits: a stratified split with test_size=0.25."""
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.25, seed=seed)


def interleaved_runs(fns, rounds=9, inner=1, warmup=True):
    """({name: per-round seconds (rounds,)}, {name: last result}) of the zero-argument callables `fns`, timed
    interleaved: each round calls every one in turn (the mean of `inner` calls), after one untimed warm-up
    call each when `warmup`. BLAS runs on one thread while timing."""
    if not isinstance(fns, dict) or not fns or not all(map(callable, fns.values())):
        raise ValueError(f"fns must be a non-empty dict name -> zero-argument callable, got {fns!r}")
    rounds, inner = check_int("rounds", rounds, low=1), check_int("inner", inner, low=1)
    times, results = {name: [] for name in fns}, {}
    with threadpool_limits(1):
        for name, fn in fns.items():
            if warmup:
                results[name] = fn()
        for _ in range(rounds):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                for _ in range(inner):
                    results[name] = fn()
                times[name].append((time.perf_counter() - t0) / inner)
    return {name: np.array(t) for name, t in times.items()}, results


def interleaved_ms(models, x, rounds=9, inner=5):
    """{name: per-round ms (rounds,)} of one forward pass of batch x per model, timed interleaved: each round
    runs every model in turn (the mean of `inner` calls), after one warm-up call each (interleaved_runs).
    BLAS runs on one thread and no_grad is on while timing; every module's train/eval mode is restored."""
    if not isinstance(models, dict) or not models:
        raise ValueError(f"models must be a non-empty dict name -> model, got {models!r}")
    for name, model in models.items():
        check_module(f"models[{name!r}]", model)
    x = x if isinstance(x, Tensor) else Tensor(x)
    modes = [(m, m.training) for model in models.values() for m in model.modules()]
    try:
        with no_grad():
            for model in models.values():
                model.eval()
            fns = {name: (lambda m=model: m(x)) for name, model in models.items()}
            seconds, _ = interleaved_runs(fns, rounds, inner)
    finally:
        for m, mode in modes:
            m.training = mode
    return {name: 1000 * t for name, t in seconds.items()}


def speedup(reference, candidate):
    """(median, min, max) of the per-round ratio reference / candidate: both timed under the same load."""
    r = np.asarray(reference, dtype=np.float64) / np.asarray(candidate, dtype=np.float64)
    return float(np.median(r)), float(r.min()), float(r.max())


_GRADED = {
    "measure_sparsity": "sparsity",
    "magnitude_prune": "magnitude",
    "structured_prune": "structured",
    "KnowledgeDistillation": "distillation",
    "low_rank_approximate": "low_rank",
    "factorize_linear": "low_rank",
    "compress_model": "pipeline",
}


def graded(name, fn=None, arg=None):
    """`fn` when given (checked callable; `arg` names it in the error), else the graded function `name`
    (e.g. "magnitude_prune") of tinytorch.compression, looked up now rather than at import time, so a
    companion always calls the package's current export: in the student bundle, the student's own."""
    if name not in _GRADED:
        raise ValueError(f"name={name!r} is not a graded function; expected one of {sorted(_GRADED)}")
    if fn is None:
        return getattr(importlib.import_module(f"tinytorch.compression.{_GRADED[name]}"), name)
    if not callable(fn):
        raise TypeError(
            f"{arg or name} must be None or a callable like {name}, got {fn!r} of type {type(fn).__name__}"
        )
    return fn
