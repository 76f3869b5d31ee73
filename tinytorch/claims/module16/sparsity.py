"""Task 1 claims: measure_sparsity."""

import numpy as np

from tinytorch.core.layers import Linear, ReLU, Sequential

from .. import register
from . import nets

NEEDS = ("measure_sparsity",)


def build(case):
    """The model a sparsity case describes."""
    kind = case["net"]
    if kind == "empty":
        return Sequential()
    if kind == "relu":
        return Sequential(ReLU())
    if kind == "scaled":  # 1-D `weight` and 2-D `mix`: which one is a weight is told by ndim, not by name
        return Sequential(nets.linear(case["w"], case["b"]), nets.Scaled(case["scale"], case["mix"]))
    return nets.mlp(case["w"], case.get("b"))


def _percent(ns, case):
    return {"percent": ns["measure_sparsity"](build(case), weights_only=case.get("weights_only", False))}


SIXTEEN = np.arange(1, 17).reshape(4, 4).tolist()
ROW_ZERO = [[0, 0, 0, 0]] + SIXTEEN[1:]

register(
    "test-sparsity-percent",
    "16",
    "measure_sparsity counts exact zeros over all parameters, as a percentage (not a fraction).",
    NEEDS,
    [
        {"label": "Linear(4, 4), weights 1..16, 4 zero biases", "net": "mlp", "w": [SIXTEEN], "b": [[0] * 4]},
        {"label": "the same with one row of weights zeroed", "net": "mlp", "w": [ROW_ZERO], "b": [[0] * 4]},
        {
            "label": "weights 1e-8 and biases 1e-30 are not zero",
            "net": "mlp",
            "w": [[[1e-8, 0], [2, 3]]],
            "b": [[0, 1e-30]],
        },
    ],
)(_percent)

register(
    "test-sparsity-weights-only",
    "16",
    "measure_sparsity(weights_only=True) counts only the weights (ndim >= 2), never the biases.",
    NEEDS,
    [
        {
            "label": "Linear(4, 4), weights 1..16, weights only",
            "net": "mlp",
            "w": [SIXTEEN],
            "b": [[0] * 4],
            "weights_only": True,
        },
        {
            "label": "one row of weights zeroed, weights only",
            "net": "mlp",
            "w": [ROW_ZERO],
            "b": [[0] * 4],
            "weights_only": True,
        },
        {
            "label": "a 1-D parameter named 'weight' (zeros) and a 2-D one named 'mix', weights only",
            "net": "scaled",
            "w": [[1, 0], [2, 3]],
            "b": [0, 0],
            "scale": [0, 0],
            "mix": [[0, 1], [2, 3]],
            "weights_only": True,
        },
    ],
)(_percent)

register(
    "test-sparsity-empty",
    "16",
    "measure_sparsity returns 0.0 when there is nothing to count, and still counts when there is.",
    NEEDS,
    [
        {"label": "a model with no parameters", "net": "empty"},
        {
            "label": "an all-zero Linear(2, 2), weights only",
            "net": "mlp",
            "w": [[[0, 0], [0, 0]]],
            "weights_only": True,
        },
    ],
)(_percent)


def linear_count(shape):  # used by hidden cases: a Linear with its own default initialisation
    return Linear(*shape)
