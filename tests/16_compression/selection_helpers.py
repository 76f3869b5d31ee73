"""Shared by test_selection.py and test_fast_path.py: a bare Module of given arrays, and monkeypatch helpers
that lower tinytorch.core.selection's constants or record its calls."""

from tinytorch.core import selection
from tinytorch.core.module import Module, Parameter

DEFAULT_SIGMAS = selection.SIGMAS


class Weights(Module):
    """A bare Module whose Parameters are the given arrays, registered as w0, w1, ... in order."""

    def __init__(self, arrays_):
        super().__init__()
        for i, a in enumerate(arrays_):
            setattr(self, f"w{i}", Parameter(a))


def small_selection(mp, chunk=64, sample=50, sigmas=None):
    """Lower the selection constants so small arrays take the chunked / bracketed code."""
    mp.setattr(selection, "CHUNK", chunk)
    mp.setattr(selection, "SAMPLE", sample)
    if sigmas is not None:
        mp.setattr(selection, "SIGMAS", sigmas)


def spy_on(mp, name):
    """Replace selection.<name> by a wrapper that records (args, result) of every call."""
    calls, original = [], getattr(selection, name)

    def spy(*args):
        out = original(*args)
        calls.append((args, out))
        return out

    mp.setattr(selection, name, spy)
    return calls
