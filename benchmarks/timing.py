"""The benchmarks' one timer: functions timed in turn, round after round, so that every one of them sees the
same machine load (the machine is shared), keeping the best time of each."""

import time


def interleaved_best(fns, rounds=10, before=None, warmup=True):
    """Best wall time in seconds of each of `fns`, timed alternately for `rounds` rounds.

    `before[i]`, when given and not None, runs untimed before each timed call of `fns[i]` (e.g. to restore
    the weights a pruning call changes); `warmup` adds one untimed call of `fns[i]` before each timed one."""
    before = list(before) if before is not None else [None] * len(fns)
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, (fn, setup) in enumerate(zip(fns, before)):
            if setup is not None:
                setup()
            if warmup:
                fn()
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best
