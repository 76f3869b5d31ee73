"""Task 7 claims: compress_model, run with stand-ins for the four functions it calls (so that its own
bugs, not those of tasks 1-6, decide these claims). The stand-ins record their calls and really change
the model, so every statistic must be measured at the right moment."""

import numpy as np

from tinytorch.core.layers import Linear, Sequential
from tinytorch.data import DataLoader
from tinytorch.testing import replaced

from .. import register
from . import nets

NEEDS = ("compress_model",)


def stand_ins(calls, replaces_layers=True):
    readings = iter([7.0, 42.0])

    def structured(model, prune_ratio=0.5, physical=False):
        calls.append(["structured", prune_ratio, physical])
        first, nxt = model.layers[0], model.layers[2]
        model.layers[0] = nets.linear(first.weight.data[:, [1, 3]], first.bias.data[[1, 3]])
        model.layers[2] = nets.linear(nxt.weight.data[[1, 3]], nxt.bias.data)
        return {"layers.0": np.array([1, 3])}

    def low_rank(model, rank_ratio=None, energy=None, **_):
        calls.append(["low_rank", rank_ratio])
        if not replaces_layers:
            return {}
        layer = model.layers[-1]
        first = Linear(layer.weight.data.shape[0], 1, bias=False)
        first.weight.data = np.ones_like(first.weight.data)
        model.layers[-1] = Sequential(first, nets.linear(layer.weight.data[:1], layer.bias.data))
        return {f"layers.{len(model.layers) - 1}": 1}

    def magnitude(model, sparsity=0.9):
        calls.append(["magnitude", sparsity])
        w = model.layers[0].weight
        w.data[:] = 0
        w.set_mask(np.zeros(w.data.shape, dtype=bool))
        return {"layers.0.weight": w.mask, "layers.2.weight": np.ones((2, 2), dtype=bool)}

    return {
        "structured_prune": structured,
        "low_rank_compress": low_rank,
        "magnitude_prune": magnitude,
        "measure_sparsity": lambda model, weights_only=False: next(readings),
    }


def net():
    return nets.mlp(
        [np.arange(1, 17).reshape(4, 4) / 8, np.arange(8).reshape(4, 2) - 3.5], [[0.1] * 4, [0.2, -0.2]]
    )


def run(ns, case):
    calls = []
    compress = ns["compress_model"]
    loader = None
    if case.get("eval"):
        x = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0]], dtype=np.float32)
        loader = DataLoader(x, np.array([0, 1, 1]), batch_size=2)
    with replaced(compress.__globals__, **stand_ins(calls, case.get("replaces", True))):
        stats = compress(net(), dict(case["config"]), eval_loader=loader)
    return calls, stats


ALL = {"magnitude_prune": 0.5, "low_rank": 0.5, "structured_prune": 0.25}


@register(
    "test-pipeline-order",
    "16",
    "compress_model applies structured (physical), then low rank, then magnitude, and lists only "
    "what changed the model.",
    NEEDS,
    [
        {"label": "all three techniques", "config": ALL},
        {"label": "a low rank step that replaced nothing", "config": {"low_rank": 0.25}, "replaces": False},
    ],
)
def order(ns, case):
    calls, stats = run(ns, case)
    return {"calls": calls, "applied_techniques": list(stats["applied_techniques"])}


KEYS = (
    "original_params",
    "original_nonzeros",
    "original_sparsity",
    "original_bytes",
    "final_params",
    "final_nonzeros",
    "final_sparsity",
    "final_bytes",
    "final_int8_bytes",
    "original_accuracy",
    "accuracy",
)


@register(
    "test-pipeline-stats",
    "16",
    "compress_model reports counts, percent sparsity, bytes and accuracy measured before and after the "
    "techniques, and each technique's per-layer result.",
    NEEDS,
    [
        {"label": "magnitude 0.5 with an eval loader", "config": {"magnitude_prune": 0.5}, "eval": True},
        {"label": "all three techniques with an eval loader", "config": ALL, "eval": True},
    ],
)
def stats(ns, case):
    _, stats = run(ns, case)
    out = {key: stats.get(key) for key in KEYS}
    out["per_layer"] = {k: dict(v) for k, v in stats.get("per_layer", {}).items()}
    return out
