"""Task 3 claims: structured_prune. The mask and physical claims are checked against the neurons the
student's own function reports as kept, so that a scoring bug costs only the scoring claims."""

import copy

import numpy as np

from tinytorch.core.tensor import Tensor

from .. import register
from . import nets

NEEDS = ("structured_prune",)
NEURON = {"net": "neuron"}
X3 = [[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0]]
# pruning layer 0 drops neuron 0; the second layer's column norms rank differently without row 0
AFTER = {
    "net": "mlp",
    "w": [
        [[0.1, 2, 3], [0.1, 2, 3]],
        [[10, 0, 0, 0], [1, 3, 2, 4], [1, 3, 2, 4]],
        [[1, 1], [1, 1], [1, 1], [1, 1]],
    ],
}


def build(case):
    if case["net"] == "neuron":
        net = nets.neuron_net(case.get("act", "relu"))
    elif case["net"] == "uniform":
        net = nets.mlp([np.ones(case["shape"]), np.ones((case["shape"][1], 3))])
    else:
        net = nets.mlp(case["w"], case.get("b"), case.get("act", "relu"))
    for attr, key in (("weight", "masks"), ("bias", "bias_masks")):
        for index, mask in case.get(key, {}).items():
            param = getattr(net.layers[int(index)], attr)
            param.set_mask(np.array(mask, dtype=bool))
            param.data[~param.mask] = 0
    return net


def _kept(ns, case, physical=False):
    net = build(case)
    kept = ns["structured_prune"](net, prune_ratio=case["ratio"], physical=physical)
    return net, {name: sorted(int(i) for i in np.asarray(v).ravel()) for name, v in kept.items()}


@register(
    "test-structured-scores",
    "16",
    "structured_prune drops the neurons whose weight columns have the smallest L2 norm, scored before any "
    "layer changes.",
    NEEDS,
    [
        {"label": "columns (3, 0), (2, 2), (1, 0), (0, 2.9) at 0.5", **NEURON, "ratio": 0.5},
        {
            "label": "a 2-3-4-2 net at 0.34, physical (score layer 2 with all its rows)",
            **AFTER,
            "ratio": 0.34,
            "physical": True,
        },
    ],
)
def scores(ns, case):
    return {"kept": _kept(ns, case, case.get("physical", False))[1]}


@register(
    "test-structured-count",
    "16",
    "structured_prune drops k = round(ratio * out) neurons per hidden layer, ties to the lower index, at "
    "least one kept.",
    NEEDS,
    [
        {"label": "four equal neurons at 0.25", "net": "uniform", "shape": [2, 4], "ratio": 0.25},
        {"label": "neuron_net at 0.99 keeps one", **NEURON, "ratio": 0.99},
        {
            "label": "five equal neurons at 0.3 (round(1.5) = 2)",
            "net": "uniform",
            "shape": [2, 5],
            "ratio": 0.3,
        },
    ],
)
def count(ns, case):
    kept = _kept(ns, case)[1]
    if case["net"] == "uniform":  # equal norms: which neurons go is the tie rule
        return {"kept": kept}
    return {"neurons kept per layer": {name: len(v) for name, v in kept.items()}}


@register(
    "test-structured-classifier",
    "16",
    "structured_prune prunes every hidden Linear and never the last one (the classes).",
    NEEDS,
    [
        {
            "label": "a 3-4-4-2 net at 0.5",
            "net": "mlp",
            "w": [
                np.arange(12).reshape(3, 4).tolist(),
                np.arange(16).reshape(4, 4).tolist(),
                np.arange(1, 9).reshape(4, 2).tolist(),
            ],
            "ratio": 0.5,
        }
    ],
)
def classifier(ns, case):
    net, kept = _kept(ns, case)
    return {
        "pruned layers": sorted(kept),
        "all-zero columns per hidden Linear": [
            int(np.count_nonzero(~net.layers[i].weight.data.any(axis=0)))
            for i in range(0, len(net.layers) - 1, 2)
        ],
        "classifier zeros": int(np.count_nonzero(net.layers[-1].weight.data == 0)),
    }


def _others(size, kept):
    return [j for j in range(size) if j not in kept]


@register(
    "test-structured-masked",
    "16",
    "physical=False zeros each dropped neuron's column and bias and ANDs them into the masks.",
    NEEDS,
    [
        {"label": "neuron_net at 0.5", **NEURON, "ratio": 0.5},
        {
            "label": "neuron_net at 0.25 with weight [1, 0] masked before",
            **NEURON,
            "ratio": 0.25,
            "masks": {"0": [[True, True, True, True], [False, True, True, True]]},
        },
    ],
)
def masked(ns, case):
    before = build(case).layers[0]
    net, kept = _kept(ns, case)
    layer, keep = net.layers[0], kept["layers.0"]
    drop = _others(layer.weight.data.shape[1], keep)
    w_mask = np.ones(layer.weight.data.shape, bool) if layer.weight.mask is None else layer.weight.mask
    b_mask = np.ones(layer.bias.data.shape, bool) if layer.bias.mask is None else layer.bias.mask
    old = np.ones(w_mask.shape, bool) if before.weight.mask is None else before.weight.mask
    return {
        "some neuron was dropped": len(drop) > 0,
        "dropped columns and biases are 0": bool(
            not layer.weight.data[:, drop].any() and not layer.bias.data[drop].any()
        ),
        "kept columns unchanged": bool(
            np.array_equal(layer.weight.data[:, keep], before.weight.data[:, keep])
        ),
        "weight mask is the old mask AND the kept columns": bool(
            np.array_equal(w_mask, old & np.isin(np.arange(w_mask.shape[1]), keep)[None, :])
        ),
        "bias mask is the kept neurons": bool(np.array_equal(b_mask, np.isin(np.arange(b_mask.size), keep))),
    }


def _same_mask(new, old, index):
    want = np.ones(new.data.shape, bool) if old.mask is None else np.asarray(old.mask)[index]
    got = np.ones(new.data.shape, bool) if new.mask is None else np.asarray(new.mask)
    return bool(got.shape == want.shape and np.array_equal(got, want))


@register(
    "test-structured-physical",
    "16",
    "physical=True builds smaller layers (kept columns and biases, the next Linear's kept rows), masks kept.",
    NEEDS,
    [
        {"label": "neuron_net at 0.5, physical", **NEURON, "ratio": 0.5},
        {
            "label": "neuron_net at 0.5 with weight [0, 3] (a 0) masked before, physical",
            **NEURON,
            "ratio": 0.5,
            "masks": {"0": [[True, True, True, False], [True, True, True, True]]},
        },
        {
            "label": "neuron_net at 0.5 with masks on the bias and the next Linear, physical",
            **NEURON,
            "ratio": 0.5,
            "masks": {
                "2": [[True, False, True], [True, True, True], [False, True, True], [True, True, False]]
            },
            "bias_masks": {"0": [True, True, True, False]},
        },
    ],
)
def physical(ns, case):
    before = build(case)
    net, kept = _kept(ns, case, physical=True)
    first, nxt, keep = net.layers[0], net.layers[2], kept["layers.0"]
    b0, b2 = before.layers[0], before.layers[2]
    dropped = 4 - len(keep)
    shapes = [first.weight.data.shape, first.bias.data.shape, nxt.weight.data.shape]
    return {
        "some neuron was removed": dropped > 0,
        "shapes (2, kept), (kept,), (kept, 3) and in/out_features follow": bool(
            shapes == [(2, len(keep)), (len(keep),), (len(keep), 3)]
            and first.out_features == nxt.in_features == len(keep)
        ),
        "kept columns, biases and next rows": bool(
            np.array_equal(first.weight.data, b0.weight.data[:, keep])
            and np.array_equal(first.bias.data, b0.bias.data[keep])
            and np.array_equal(nxt.weight.data, b2.weight.data[keep])
        ),
        "parameters removed = dropped * (2 + 1) + dropped * 3": bool(
            before.num_parameters() - net.num_parameters() == dropped * 3 + dropped * 3
        ),
        "masks kept (weight, bias, next weight)": [
            _same_mask(first.weight, b0.weight, np.s_[:, keep]),
            _same_mask(first.bias, b0.bias, keep),
            _same_mask(nxt.weight, b2.weight, keep),
        ],
    }


@register(
    "test-structured-equivalence",
    "16",
    "The masked and the physically smaller model compute the same outputs, with ReLU and with Sigmoid.",
    NEEDS,
    [
        {"label": f"neuron_net ({act}) at 0.5", **NEURON, "act": act, "ratio": 0.5}
        for act in ("relu", "sigmoid")
    ],
)
def equivalence(ns, case):
    masked_net, phys = build(case), build(case)
    ns["structured_prune"](masked_net, prune_ratio=case["ratio"])
    ns["structured_prune"](phys, prune_ratio=case["ratio"], physical=True)
    x = Tensor(np.array(X3, dtype=np.float32))
    gap = float(np.max(np.abs(masked_net(x).data - phys(x).data)))
    return {
        "outputs agree within 1e-5": gap < 1e-5,
        "physical model is smaller": phys.num_parameters() < build(case).num_parameters(),
    }


def deep_copy(net):  # hidden cases build deeper nets
    return copy.deepcopy(net)
