"""Dense layers, activations, Flatten, Dropout and Sequential."""

import numpy as np

from .checks import check_bool, check_fraction, check_int, check_module, check_tensor, check_that
from .module import Module, Parameter
from .random import get_rng
from .tensor import Tensor

__all__ = ["Dropout", "Flatten", "Linear", "ReLU", "Sequential", "Sigmoid", "Tanh"]


class Linear(Module):
    """y = x @ W + b with x (..., in_features), W (in_features, out_features), b (out_features,).

    W ~ U(-1/sqrt(in), 1/sqrt(in)) from the global generator, b = 0; bias=False -> `bias` is None.
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = check_int("in_features", in_features, low=1)
        self.out_features = check_int("out_features", out_features, low=1)
        bias = check_bool("bias", bias)
        bound = 1.0 / np.sqrt(self.in_features)
        w = get_rng().uniform(-bound, bound, (self.in_features, self.out_features))
        self.weight = Parameter(w.astype(np.float32))
        self.bias = Parameter(np.zeros(self.out_features, dtype=np.float32)) if bias else None

    def forward(self, x):
        n_in = self.weight.shape[0]
        ok = check_tensor("x", x).ndim >= 1 and x.shape[-1] == n_in
        check_that(ok, "x", x, f"shape (..., {n_in}) for weight shape {self.weight.shape}")
        y = x @ self.weight
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class ReLU(Module):
    """max(x, 0), elementwise; any shape."""

    def forward(self, x):
        return check_tensor("x", x).relu()


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise; any shape."""

    def forward(self, x):
        return check_tensor("x", x).sigmoid()


class Tanh(Module):
    """tanh(x), elementwise; any shape."""

    def forward(self, x):
        return check_tensor("x", x).tanh()


class Flatten(Module):
    """(B, d1, d2, ...) -> (B, d1*d2*...); the batch dimension is kept."""

    def forward(self, x):
        check_that(check_tensor("x", x).ndim >= 1, "x", x, "a batch dimension")
        return x.reshape(x.shape[0], -1)


class Dropout(Module):
    """Inverted dropout: in training zero each entry with probability p and scale the rest by 1/(1-p);
    identity in eval mode (and when p == 0). Draws from the global generator."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = check_fraction("p", p)

    def forward(self, x):
        check_tensor("x", x)
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * np.zeros(x.shape, dtype=x.dtype)
        keep = get_rng().random(x.shape) >= self.p
        return x * (keep / (1.0 - self.p)).astype(x.dtype)

    def extra_repr(self):
        return f"p={self.p}"


class Sequential(Module):
    """Applies `layers` in order; `Sequential(a, b)` or `Sequential([a, b])`. Parameter names are
    `layers.<i>.<name>`."""

    def __init__(self, *layers):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self.layers = [check_module(f"Sequential layer {i}", layer) for i, layer in enumerate(layers)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def append(self, layer):
        self.layers.append(check_module("layer", layer))
        return self

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Sequential(self.layers[i])
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)


ELEMENTWISE = ("ReLU", "Sigmoid", "Tanh", "Dropout", "Flatten")


def zero_response(layers):
    """Output f(0) of the element-wise `layers` (between two Linears) for an input of 0; Dropout is skipped
    (it is the identity in eval mode)."""
    from .autograd import no_grad

    z = Tensor(np.zeros((1, 1)))
    with no_grad():
        for layer in layers:
            if type(layer).__name__ != "Dropout":
                z = layer(z)
    return float(z.data.ravel()[0])
