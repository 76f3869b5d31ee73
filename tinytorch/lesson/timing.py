"""Interleaved timing (A B A B, one BLAS thread) and the speedup summary of its per-round ratios."""

import time

import numpy as np
from threadpoolctl import threadpool_limits

from ..core.checks import check_int, check_module, check_that
from ..core.tensor import Tensor, no_grad


def interleaved_runs(fns, rounds=9, inner=1, warmup=True):
    """({name: per-round seconds (rounds,)}, {name: last result}) of the zero-argument callables `fns`, timed
    interleaved: each round calls every one in turn (the mean of `inner` calls), after one untimed warm-up
    call each when `warmup`. BLAS runs on one thread while timing."""
    ok = isinstance(fns, dict) and fns and all(map(callable, fns.values()))
    check_that(ok, "fns", fns, "a non-empty dict name -> zero-argument callable")
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
    check_that(isinstance(models, dict) and models, "models", models, "a non-empty dict name -> model")
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
