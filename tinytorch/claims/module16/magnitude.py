"""Task 2 claims: magnitude_prune."""

import numpy as np

from tinytorch.core.optim import SGD, Adam
from tinytorch.core.tensor import Tensor

from .. import register
from . import nets

NEEDS = ("magnitude_prune",)
W5 = "w5"


def build(case):
    net = case["net"]
    if net == W5:
        return nets.w5_net()
    if net == "arange":
        return nets.arange_net(case["shape"])
    return nets.mlp(case["w"])


def _preset(model, case):
    for index, mask in case.get("masks", {}).items():
        model.layers[int(index)].weight.set_mask(np.array(mask, dtype=bool))


def _prune(ns, case):
    model = build(case)
    _preset(model, case)
    masks = None
    for s in case["sparsity"] if isinstance(case["sparsity"], list) else [case["sparsity"]]:
        masks = ns["magnitude_prune"](model, sparsity=s)
    return model, masks


def _weights(model):
    return [layer.weight.data.copy() for layer in model.layers[::2]]


@register(
    "test-magnitude-count",
    "16",
    "magnitude_prune zeros exactly k = round(s * N) weights (an int s is a count).",
    NEEDS,
    [
        {"label": f"N={a * b}, sparsity={s!r}", "net": "arange", "shape": [a, b], "sparsity": s}
        for (a, b), s in (((5, 5), 0.75), ((7, 1), 0.5), ((10, 10), 0.29), ((4, 4), 3))
    ],
)
def count(ns, case):
    model, _ = _prune(ns, case)
    return {"zeros": int(sum(np.count_nonzero(w == 0) for w in _weights(model)))}


@register(
    "test-magnitude-smallest",
    "16",
    "magnitude_prune removes the weights of smallest absolute value, whatever their sign.",
    NEEDS,
    [{"label": "w5 (+-1..25) at sparsity 0.75", "net": W5, "sparsity": 0.75}],
)
def smallest(ns, case):
    model, _ = _prune(ns, case)
    return {"kept flat indices": np.flatnonzero(_weights(model)[0]).tolist()}


@register(
    "test-magnitude-global",
    "16",
    "magnitude_prune ranks all weights of all layers together (global), not layer by layer.",
    NEEDS,
    [
        {
            "label": "50 % of a small-valued and a large-valued layer",
            "net": "mlp",
            "w": [[[0.1, 0.2], [0.3, 0.4]], [[1, 2], [3, 4]]],
            "sparsity": 0.5,
        },
    ],
)
def global_rank(ns, case):
    model, _ = _prune(ns, case)
    return {"zeros per layer": [int(np.count_nonzero(w == 0)) for w in _weights(model)]}


@register(
    "test-magnitude-ties",
    "16",
    "Equal |w| are pruned in flat order: the lower index first, the earlier parameter first.",
    NEEDS,
    [
        {"label": "seven equal weights at s=0.5", "net": "mlp", "w": [[[1]] * 7], "sparsity": 0.5},
        {
            "label": "weights [[1, 4], [2, 6]] and [[1, 5], [3, 2]], 3 pruned (the tie at |w| = 2)",
            "net": "mlp",
            "w": [[[1, 4], [2, 6]], [[1, 5], [3, 2]]],
            "sparsity": 3,
        },
    ],
)
def ties(ns, case):
    model, _ = _prune(ns, case)
    return {"weights": [w.tolist() for w in _weights(model)]}


@register(
    "test-magnitude-masks",
    "16",
    "magnitude_prune leaves biases alone and stores each weight's bool mask (True = kept), which it returns.",
    NEEDS,
    [
        {"label": "w5 at 0.75", "net": W5, "sparsity": 0.75},
        {
            "label": "weights [[0, 0, 3], [4, 5, 6]], 1 pruned: the zero at index 1 is kept",
            "net": "mlp",
            "w": [[[0, 0, 3], [4, 5, 6]]],
            "sparsity": 1,
        },
    ],
)
def masks(ns, case):
    model, returned = _prune(ns, case)
    first = model.layers[0]
    mask = first.weight.mask
    return {
        "returned names": sorted(returned),
        "mask": None if mask is None else np.asarray(mask),
        "returned mask is weight.mask": bool(np.array_equal(returned["layers.0.weight"], mask)),
        "biases": first.bias.data.tolist(),
        "bias masks": [layer.bias.mask is None for layer in model.layers[::2]],
    }


@register(
    "test-magnitude-cumulative",
    "16",
    "A second, smaller target prunes nothing more and revives nothing; a larger one counts the weights "
    "already pruned, masks set before included.",
    NEEDS,
    [
        {"label": "w5 at 0.5 then 0.2", "net": W5, "sparsity": [0.5, 0.2]},
        {"label": "w5 at 0.5 then 0.8", "net": W5, "sparsity": [0.5, 0.8]},
        {
            "label": "[[1, 4], [2, 6]] with the 4 masked by hand (still stored), then 2 pruned",
            "net": "mlp",
            "w": [[[1, 4], [2, 6]], [[1, 5], [3, 2]]],
            "masks": {"0": [[True, False], [True, True]]},
            "sparsity": 2,
        },
    ],
)
def cumulative(ns, case):
    model, returned = _prune(ns, case)
    return {"masks": {k: np.asarray(v) for k, v in sorted(returned.items())}}


@register(
    "test-magnitude-finetune",
    "16",
    "Pruned weights stay exactly 0 after optimizer steps with non-zero gradients (the masks are in place).",
    NEEDS,
    [{"label": "w5 at 0.75, two SGD steps", "net": W5, "sparsity": 0.75, "optimizer": "sgd", "steps": 2}],
)
def finetune(ns, case):
    model, _ = _prune(ns, case)
    weights = [layer.weight for layer in model.layers[::2]]
    masked = [np.zeros(w.data.shape, bool) if w.mask is None else ~np.asarray(w.mask) for w in weights]
    params = model.parameters()
    optimizer = SGD(params, lr=0.1) if case["optimizer"] == "sgd" else Adam(params, lr=0.1)
    x = Tensor(np.ones((2, weights[0].data.shape[0]), dtype=np.float32))
    for _ in range(case["steps"]):
        optimizer.zero_grad()
        (model(x) ** 2).sum().backward()
        optimizer.step()
    return {
        "some weights are masked": bool(any(m.any() for m in masked)),
        "masked weights that are non-zero after the steps": int(
            sum(np.count_nonzero(w.data[m]) for w, m in zip(weights, masked))
        ),
    }
