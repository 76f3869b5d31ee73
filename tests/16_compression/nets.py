"""The networks the module-16 tests build, defined once (imported by name: tests/16_compression is on
pytest's pythonpath)."""

import numpy as np

import tinytorch as tt
from tinytorch.core.conv import Conv2d, MaxPool2d
from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
from tinytorch.lesson import make_mlp as mlp


def random_mlp(widths, act=ReLU, seed=0, dropout=False):
    """mlp(widths) with every parameter, biases included, drawn from N(0, 1) (so zeroing one is visible)."""
    net = mlp(widths, seed, act, dropout)
    for p in net.parameters():
        p.data[...] = np.random.default_rng(seed + 1).normal(size=p.data.shape)
    return net


def mlp_with_weights(*weights, dtype=np.float32, bias=None):
    """An mlp whose Linear layers hold the given (in, out) weights (as `dtype`); biases set to `bias`
    (of that dtype) when given, else as initialised."""
    weights = [np.asarray(w) for w in weights]
    net = mlp([w.shape[0] for w in weights] + [weights[-1].shape[1]])
    for layer, w in zip([m for m in net.layers if isinstance(m, Linear)], weights):
        layer.weight.data = w.astype(dtype)
        if bias is not None:
            layer.bias.data = np.full(layer.bias.shape, bias, dtype=dtype)
    return net


def cnn(seed=0, c1=4, c2=6):
    """Conv(1->c1) ReLU Conv(c1->c2) ReLU MaxPool(2) Flatten Linear(c2*4*4, 3) for 8x8 inputs; conv biases
    drawn from N(0, 1)."""
    tt.manual_seed(seed)
    model = Sequential(
        Conv2d(1, c1, 3, padding=1),
        ReLU(),
        Conv2d(c1, c2, 3, padding=1),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(c2 * 4 * 4, 3),
    )
    rng = np.random.default_rng(seed)
    for conv in (model.layers[0], model.layers[2]):
        conv.bias.data[:] = rng.standard_normal(conv.bias.shape).astype(np.float32)
    return model


def shared_linear_net():
    """Linear(4, 4) used twice (positions 0 and 2), then Linear(4, 2)."""
    lin = Linear(4, 4)
    return Sequential(lin, ReLU(), lin, ReLU(), Linear(4, 2))


# a 4x4 matrix whose CSR arrays are checked by hand (an empty row included)
CSR_A = np.array([[0, 2, 0, 0], [1, 0, 3, 0], [0, 0, 0, 0], [0, 0, 0, 4]], dtype=np.float32)


def sparse_matrix(shape, sparsity, seed=0):
    """A float32 normal matrix with round(sparsity * size) entries, chosen at random, set to 0."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape).astype(np.float32)
    w.ravel()[rng.permutation(w.size)[: round(sparsity * w.size)]] = 0.0
    return w
