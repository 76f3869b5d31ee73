"""Bad values and the networks they are tried on, for the bad-input tables (test_bad_inputs_*.py).

Every value is built fresh for each row (`Make`), so no row can see another row's changes."""

import numpy as np

import tinytorch as tt
from tinytorch.compression import KnowledgeDistillation
from tinytorch.core.conv import Conv2d
from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
from tinytorch.core.module import Module, Parameter
from tinytorch.core.optim import SGD
from tinytorch.data import DataLoader

NAN, INF = float("nan"), float("inf")
X8 = np.linspace(0.0, 1.0, 32, dtype=np.float32).reshape(8, 4)
Y8 = np.array([0, 1] * 4)


# ----------------------------------------------------------------------------------------------------
# Fixtures, built fresh for every row
# ----------------------------------------------------------------------------------------------------
def base_net():
    """Sequential(Linear(4, 4), ReLU(), Linear(4, 2)): column 1 of the first weight pruned (masked), the
    first bias frozen, a gradient on every trainable parameter."""
    tt.manual_seed(0)
    net = Sequential(Linear(4, 4), ReLU(), Linear(4, 2))
    net.layers[0].weight.mask = np.array([[True, False, True, True]] * 4)
    net.layers[0].weight.data[:, 1] = 0
    net.layers[0].bias.requires_grad = False
    for i, p in enumerate(net.parameters()):
        p.grad = None if not p.requires_grad else np.full(p.shape, 0.25 * (i + 1), dtype=p.dtype)
    return net


def poisoned(value, pos=2):
    def make():
        net = base_net()
        net.layers[pos].weight.data[3, 1] = value
        return net

    return make


def late(kind, make=base_net, pos=2):
    """`make()` whose layers[pos].weight (late in the model) is read-only, bool, int, complex, has a stale
    mask (data replaced by one of another shape) or has zero size."""

    def build():
        net = make()
        p = net.layers[pos].weight
        if kind == "read-only":
            p.data.flags.writeable = False
        elif kind == "stale mask":
            p.mask = np.ones(p.shape, dtype=bool)
            p.data = np.ones((3, 3), dtype=np.float32)
        elif kind == "zero size":
            p.data = np.zeros((0,) + p.shape[1:], dtype=np.float32)
        else:
            p.data = {
                "bool": p.data > 0,
                "int": np.round(10 * p.data).astype(np.int64),
                "complex": p.data.astype(np.complex128),
            }[kind]
        p.grad = None
        return net

    return build


def linear_with(value):
    def make():
        tt.manual_seed(0)
        layer = Linear(3, 3)
        layer.weight.data[1, 2] = value
        return layer

    return make


def conv_net():
    tt.manual_seed(0)
    return Sequential(Conv2d(1, 4, 3), ReLU(), Conv2d(4, 2, 3), Flatten(), Linear(2 * 4 * 4, 3))


def conv_net_with(pos, value):
    def make():
        net = conv_net()
        net.layers[pos].weight.data.reshape(-1)[1] = value
        return net

    return make


def shared_conv(share_parameter):
    """Conv(1->4) ReLU Conv(4->4) ReLU Conv(4->4) Flatten Linear: the two 4->4 convs are one layer, or two
    layers holding the same weight Parameter."""
    tt.manual_seed(0)
    a, b = Conv2d(4, 4, 3, padding=1), Conv2d(4, 4, 3, padding=1)
    if share_parameter:
        b.weight = a.weight
    else:
        b = a
    return Sequential(Conv2d(1, 4, 3), ReLU(), a, ReLU(), b, Flatten(), Linear(4 * 6 * 6, 3))


def nan_conv():
    tt.manual_seed(0)
    conv = Conv2d(1, 2, 3)
    conv.weight.data[1, 0, 2, 2] = NAN
    return conv


def nan_parameter():
    p = Parameter(np.ones((2, 3)))
    p.data[0, 1] = NAN
    return p


class Overflow(Module):
    """A diverged model: the wrapped network's outputs times inf (finite input, non-finite loss)."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x) * np.float32(INF)


def nan_loss(logits, y):
    return logits.sum() * NAN


def loader(x=X8):
    return DataLoader(x, Y8, batch_size=4)


def report_row(**change):
    row = dict(
        technique="dense",
        accuracy=0.9,
        params=10,
        nonzeros=8,
        weight_sparsity=20.0,
        dense=40,
        csr=60,
        int8=20,
        stored_as="dense",
        size=40,
        ratio=1.0,
        latency_ms=0.1,
        speedup=1.0,
    )
    row.update(change)
    return {k: v for k, v in row.items() if v is not DROP}


DROP = object()


class Make:
    """A bad value built fresh for each test (models, arrays that must not be shared between rows)."""

    def __init__(self, label, factory):
        self.label, self.factory = label, factory

    def __repr__(self):
        return self.label


EMPTY = Make("Sequential()", Sequential)
NO_WEIGHTS = Make("Sequential(ReLU())", lambda: Sequential(ReLU()))
NAN_NET = Make("net with a NaN weight", poisoned(NAN))
INF_NET = Make("net with an inf weight", poisoned(INF))
LINEAR = Make("Linear(4, 2)", lambda: Linear(4, 2))
ONE_LINEAR = Make("Sequential(Linear(3, 4))", lambda: (tt.manual_seed(0), Sequential(Linear(3, 4)))[1])


def kd(net, **kw):
    tt.manual_seed(1)
    teacher = Sequential(Linear(4, 4), ReLU(), Linear(4, 2))
    return KnowledgeDistillation(teacher, net, **kw)


def sgd(net):
    return SGD(net.parameters(), lr=0.1)


# A parameter late in the model (layers.2.weight, after a valid layers.0.weight) that cannot be changed
# in place or ranked: every call that would change it rejects the whole call first.
KINDS = {"read-only": ValueError, "bool": TypeError, "int": TypeError, "complex": TypeError}
KINDS.update({"stale mask": ValueError, "zero size": ValueError})
ALL, NOT_RO = tuple(KINDS), tuple(k for k in KINDS if k != "read-only")
NOT_EMPTY = tuple(k for k in KINDS if k != "zero size")  # magnitude pruning skips zero-size weights

OTHER_SGD = Make("SGD over another model's parameters", lambda: SGD(base_net().parameters(), lr=0.1))
NAN_LOSS = Make("loss_fn returning NaN", lambda: nan_loss)
DIVERGED = Make("model whose outputs are inf", lambda: Overflow(base_net()))


def late_rows(target, kinds, make=base_net, pos=2):
    """Rows (target, "model", model with a bad layers.<pos>.weight, exception, what the message says)."""
    said = ("model", f"'layers.{pos}.weight'")
    return [
        (target, "model", Make(f"{k} layers.{pos}.weight", late(k, make, pos)), KINDS[k], said) for k in kinds
    ]


def kd_late_rows():
    """The same bad student parameters, met by KnowledgeDistillation.train_step."""
    return [
        (
            "KD.train_step",
            "kd",
            Make(f"KD with a {k} student layers.2.weight", lambda k=k: kd(late(k)())),
            KINDS[k],
            ("'layers.2.weight'",),
        )
        for k in ALL
    ]
