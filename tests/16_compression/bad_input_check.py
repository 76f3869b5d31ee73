"""The check behind every bad-input row: the call raises the row's exception, its message names the
argument and shows the offending value, and the call changed nothing.

"Names the argument": the argument's name occurs in the message as a word. "Shows the value": the message
contains the value's repr or str (for a TypeError also its type's name; for an array its dtype or shape,
or NaN/inf when it holds them). A row whose message shows the value by a property (a dtype, an offending
entry) or names a part of the argument (a config key, a layer, a parameter of the model) lists the words
the message must contain: `said`, a tuple of short
literal fragments (matched ignoring case), never a whole sentence, so the wording around them is free to
change.

"Changed nothing": the global random generator is where it was, and for every model involved, each
parameter's data (bit for bit, dtype and writeable flag), mask, gradient and requires_grad, and the layer
layout are exactly as before.
"""

import re

import numpy as np
import pytest
from bad_input_calls import CALLS
from bad_input_values import Make, base_net, sgd

from tinytorch.compression import KnowledgeDistillation
from tinytorch.core.module import Module, Parameter
from tinytorch.core.random import get_rng


def word(name):
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")


def shown(value, exc):
    """The texts any of which shows `value` in an error message."""
    if isinstance(value, Make):
        return []
    texts = {repr(value), str(value)}
    if exc is TypeError:
        texts.add(type(value).__name__)
    if isinstance(value, type):
        texts.add(value.__name__)
    data = getattr(value, "data", value)
    if isinstance(data, np.ndarray):
        texts |= {str(data.dtype), str(data.shape)}
        if data.dtype.kind in "fc" and not np.all(np.isfinite(data)):
            texts |= {"nan", "NaN", "inf"}
    return [t for t in texts if t]


def assert_names_argument_and_value(message, arg, bad, exc, said=None):
    if said is not None:
        missing = [s for s in said if s.lower() not in message.lower()]  # NaN or nan: either shows it
        assert not missing, f"message {message!r} does not contain {missing}"
        return
    assert word(arg).search(message), f"message {message!r} does not name {arg!r}"
    texts = shown(bad, exc)
    assert any(t in message for t in texts), f"message {message!r} shows none of {texts}"


def row_id(row):
    target, arg, bad, exc = row[:4]
    text = repr(bad)
    if isinstance(bad, np.ndarray):
        text = (
            f"array{bad.shape}{bad.dtype}"
            if bad.size > 6 or bad.dtype == object
            else repr(bad.ravel().tolist())
        )
    if isinstance(bad, type):
        text = bad.__name__
    return f"{target}-{arg}={text[:40]}-{exc.__name__}"


def params(rows):
    """pytest.param per row (target, arg, bad, exc[, said]), with its id."""
    return [pytest.param(*row[:4], row[4] if len(row) > 4 else None, id=row_id(row)) for row in rows]


def check_rejects(target, arg, bad, exc, said):
    """Call `target` with valid arguments but `arg` = `bad`: it raises `exc` naming the argument and the
    value, and changes no model involved."""
    net = base_net()
    kwargs = CALLS[target][1](net)
    kwargs[arg] = bad.factory() if isinstance(bad, Make) else bad
    if target == "KD.train_step" and arg == "kd":  # the optimizer must hold that pair's own student
        kwargs["optimizer"] = sgd(kwargs["kd"].student_model)
    with rejected(kwargs.values(), net) as err:
        CALLS[target][0](**kwargs)
    assert err.type is exc, f"raised {err.type.__name__}: {err.value}; expected {exc.__name__}"
    assert_names_argument_and_value(str(err.value), arg, bad, exc, said)


class rejected:
    """`with rejected(values, *models) as err:` the block raises TypeError or ValueError (`err` is
    pytest's ExceptionInfo) and leaves every model among `values` and `models`, and the global random
    generator, unchanged."""

    def __init__(self, values, *models):
        self.watched = modules_in(list(values)) + [m for m in models if m is not None]

    def __enter__(self):
        self.snaps = [snapshot(m) for m in self.watched]
        self.rng = get_rng().bit_generator.state  # a rejected call does not reseed or draw from it either
        self.raises = pytest.raises((TypeError, ValueError))
        return self.raises.__enter__()

    def __exit__(self, *exc_info):
        suppressed = self.raises.__exit__(*exc_info)
        for m, snap in zip(self.watched, self.snaps):
            assert_unchanged(m, snap)
        assert get_rng().bit_generator.state == self.rng, "the rejected call changed the global generator"
        return suppressed


def modules_in(values):
    out = []
    for v in values:
        candidates = [v]
        if isinstance(v, KnowledgeDistillation):
            candidates = [v.teacher_model, v.student_model]
        elif isinstance(v, dict):
            candidates = list(v.values())
        elif isinstance(v, (list, tuple)):
            candidates = list(v)
        elif isinstance(v, Parameter):
            candidates = []
        for c in candidates:
            c = c[0] if isinstance(c, tuple) and c else c
            if isinstance(c, Module) and all(c is not o for o in out):
                out.append(c)
    return out


def _copy(a):
    return None if a is None else np.array(a, copy=True)


def snapshot(model):
    """Per parameter: name, data, dtype, writeable flag, mask, grad, requires_grad; plus the layer layout."""
    return (
        [
            (
                name,
                _copy(p.data),
                p.data.dtype,
                p.data.flags.writeable,
                _copy(p.mask),
                _copy(p.grad),
                p.requires_grad,
            )
            for name, p in model.named_parameters()
        ],
        [
            (type(m), getattr(m, "in_features", None), getattr(m, "out_features", None))
            for m in model.modules()
        ],
    )


def _same(a, b):
    return (a is None and b is None) or (
        a is not None
        and b is not None
        and a.dtype == b.dtype
        and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    )


def assert_unchanged(model, snap):
    params, layout = snap
    now, now_layout = snapshot(model)
    assert [row[0] for row in now] == [row[0] for row in params]
    for before, after in zip(params, now):
        name = before[0]
        assert before[2:4] == after[2:4] and before[6] == after[6], (
            f"{name}: dtype, writeable or requires_grad changed"
        )
        for what, x, y in (
            ("data", before[1], after[1]),
            ("mask", before[4], after[4]),
            ("grad", before[5], after[5]),
        ):
            assert _same(x, y), f"{name}: {what} changed"
    assert now_layout == layout
