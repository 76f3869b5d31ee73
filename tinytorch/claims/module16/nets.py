"""Small networks with hand-set weights, built from plain case data (lists), for the module-16 claims."""

import numpy as np

from tinytorch.core.layers import Linear, ReLU, Sequential, Sigmoid
from tinytorch.core.module import Module, Parameter

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid}


def linear(w, b=None, dtype="float32"):
    """Linear(in, out) with weight w (in, out) and bias b (zeros when None)."""
    w = np.array(w, dtype=dtype)
    layer = Linear(*w.shape)
    layer.weight.data = w
    layer.bias.data = np.zeros(w.shape[1], dtype=dtype) if b is None else np.array(b, dtype=dtype)
    return layer


def mlp(weights, biases=None, act="relu", dtype="float32"):
    """Sequential(Linear, act, Linear, ...) with the given weight matrices (and biases)."""
    biases = biases or [None] * len(weights)
    layers = []
    for i, (w, b) in enumerate(zip(weights, biases)):
        layers.append(linear(w, b, dtype))
        if i < len(weights) - 1:
            layers.append(ACTIVATIONS[act]())
    return Sequential(*layers)


def arange_net(shape):
    """Sequential(Linear(*shape)) whose weights are 1..N in flat order, biases 0.5."""
    n = shape[0] * shape[1]
    return mlp([np.arange(1, n + 1).reshape(shape)], [[0.5] * shape[1]])


def w5_net():
    """Linear(5, 5) holding +-1..25, signs alternating (odd flat index positive), biases 0.5."""
    w = np.arange(1, 26).reshape(5, 5) * np.where(np.arange(25) % 2, 1, -1).reshape(5, 5)
    return mlp([w], [[0.5] * 5])


def neuron_net(act="relu"):
    """2-4-3 net whose first weight has columns (3, 0), (2, 2), (1, 0), (0, 2.9)."""
    first = [[3, 2, 1, 0], [0, 2, 0, 2.9]]
    second = np.arange(12).reshape(4, 3)
    return mlp([first, second], [[1, 2, 3, 4], [0.5, -0.5, 1.0]], act)


class Scaled(Module):
    """A layer with a 1-D parameter named `weight` and a 2-D one named `mix` (names say nothing of ndim)."""

    def __init__(self, weight, mix):
        super().__init__()
        self.weight = Parameter(np.array(weight, dtype=np.float32))
        self.mix = Parameter(np.array(mix, dtype=np.float32))

    def forward(self, x):
        return (x * self.weight) @ self.mix


def seeded(widths, seed):
    """A ReLU MLP with the given widths, initialised from `seed` (the global RNG is restored after)."""
    from tinytorch.core.random import get_rng
    from tinytorch.lesson import make_mlp

    rng = get_rng()
    state = rng.bit_generator.state
    model = make_mlp(widths, seed)
    rng.bit_generator.state = state
    return model
