"""The argument checks of module 16's graded functions, given to students (composed from
tinytorch.core.checks). Each validates everything before the function changes anything, raises
TypeError/ValueError naming the argument and its value, and returns what the algorithm needs."""

import itertools

import numpy as np

from .checks import (
    check_amount,
    check_array,
    check_bool,
    check_int,
    check_loader,
    check_module,
    check_parameters,
    check_real,
    check_unshared,
)
from .labels import as_class_indices
from .layers import ELEMENTWISE, Linear, Sequential, zero_response
from .tensor import Tensor

__all__ = [
    "check_batch",
    "check_compress_config",
    "check_distillation_inputs",
    "check_factorize",
    "check_low_rank",
    "check_low_rank_compress",
    "check_magnitude_prune",
    "check_prunable",
    "check_structured_prune",
]
RANK_WHY = "its weights cannot be ranked or factorized"
PIPELINE_KEYS = {  # technique -> range of its value, in the order compress_model applies them
    "structured_prune": {"low": 0.0, "high": 1.0, "high_open": True},
    "low_rank": {"low": 0.0, "high": 1.0, "low_open": True},
    "magnitude_prune": {"low": 0.0, "high": 1.0},
}


def check_prunable(model):
    """[(name, Parameter)] of the model's non-empty weights (ndim >= 2) in model order; ValueError if none."""
    check_module("model", model)
    named = [(name, p) for name, p in model.named_parameters() if p.data.ndim >= 2 and p.data.size]
    if not named:
        raise ValueError("model has no prunable weights (parameters with ndim >= 2); nothing to prune")
    return named


def check_magnitude_prune(model, sparsity, finite=True):
    """(named weights, k): k = round(sparsity * N) for a float in [0, 1], or the int count itself (<= N).
    finite=False leaves the NaN/inf test to the caller (one that reads every weight before changing any)."""
    named = check_prunable(model)
    k = check_amount("sparsity", sparsity, sum(p.data.size for _, p in named))
    return check_parameters(named, finite=finite, why=RANK_WHY), k


def _linears(model, least, message):
    """Positions of the Linear layers of a Sequential with >= `least` of them; `message` is formatted with
    their count n and the number of layers."""
    check_module("model", model, Sequential)
    pos = [i for i, layer in enumerate(model.layers) if isinstance(layer, Linear)]
    if len(pos) < least:
        raise ValueError(message.format(n=len(pos), layers=len(model.layers)))
    return pos


def check_structured_prune(model, prune_ratio, physical):
    """(positions of the Linear layers of a Sequential, ratio in [0, 1), physical as bool)."""
    pos = _linears(
        model,
        2,
        "structured pruning needs a Sequential with >= 2 Linear layers (a hidden one and the classifier), "
        "got {n}",
    )
    for a, b in itertools.pairwise(pos):
        for j in range(a + 1, b):
            if type(model.layers[j]).__name__ not in ELEMENTWISE:
                raise ValueError(
                    f"layer {j} ({type(model.layers[j]).__name__}) between Linear layers {a} and {b} "
                    f"is not element-wise; allowed there: {', '.join(ELEMENTWISE)}"
                )
    r = check_real("prune_ratio", prune_ratio, low=0.0, high=1.0, high_open=True)
    physical = check_bool("physical", physical)
    if physical:
        check_unshared("model", model)
        for a, b in itertools.pairwise(pos):
            if model.layers[b].bias is None and zero_response(model.layers[a + 1 : b]) != 0:
                raise ValueError(
                    f"layer {b} has no bias to absorb the constant output f(0) != 0 of the neurons "
                    f"removed from layer {a}; use physical=False, or give layer {b} a bias"
                )
    named = [(f"layers.{i}.{a}", getattr(model.layers[i], a)) for i in pos for a in ("weight", "bias")]
    check_parameters([(name, p) for name, p in named if p is not None], why=RANK_WHY)
    return pos, r, physical


def check_distillation_inputs(student_logits, teacher_logits, true_labels, temperature=1.0):
    """(student logits as a Tensor (B, C), teacher logits as an array (B, C) of the student's dtype, labels as
    ints (B,) in [0, C)); logits must be small enough that z / T and the loss stay finite."""
    check_array("student_logits", student_logits)
    student_logits = student_logits if isinstance(student_logits, Tensor) else Tensor(student_logits)
    zs = student_logits.data
    zt = check_array("teacher_logits", teacher_logits, ndim=2).astype(zs.dtype, copy=False)
    if zs.ndim != 2 or zs.shape != zt.shape or zt.size == 0:
        raise ValueError(
            f"student_logits shape {zs.shape} and teacher_logits shape {zt.shape} must be equal and 2-D "
            "(batch, classes), batch >= 1"
        )
    # T^2 KL is at most 2 T max|z| per row: below this limit every softened value and the loss are finite
    limit = float(np.finfo(zt.dtype).max) / 8 * min(temperature, 1.0 / temperature)
    for name, peak in (("student_logits", np.max(np.abs(zs))), ("teacher_logits", np.max(np.abs(zt)))):
        if peak > limit:
            raise ValueError(
                f"{name} reach {peak:.3g}; with temperature={temperature:g} their softened values "
                f"overflow {zt.dtype} (allowed |z| <= {limit:.3g}: scale the logits down)"
            )
    return student_logits, zt, as_class_indices("true_labels", true_labels, *zt.shape)


def check_batch(name, x):
    """A batch of at least one input as a Tensor (arrays are wrapped)."""
    arr = check_array(name, x)
    if arr.ndim == 0 or len(arr) == 0:
        raise ValueError(f"{name} is an empty batch (shape {arr.shape}); expected at least one sample")
    return x if isinstance(x, Tensor) else Tensor(x)


def check_low_rank(weight_matrix, rank_ratio, energy, method="svd"):
    """(W (m, n), rank_ratio in (0, 1], energy None or in (0, 1], dtype of the results): float input keeps its
    dtype, integers give float64. The energy rule needs every singular value: refused with "randomized"."""
    w = check_array("weight_matrix", weight_matrix, ndim=2)
    if w.size == 0:
        raise ValueError(f"weight_matrix must be non-empty, got shape {w.shape}")
    r = check_real("rank_ratio", rank_ratio, low=0.0, high=1.0, low_open=True)
    tau = None if energy is None else check_real("energy", energy, low=0.0, high=1.0, low_open=True)
    if tau is not None and method == "randomized":
        raise ValueError(f"energy={energy!r} needs every singular value: use method='svd' with energy")
    return w, r, tau, w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)


def check_factorize(linear, rank):
    """(W (m, n), rank as an int in [1, min(m, n)]) of a Linear layer with floating, finite weights (integer
    weights have no factors of their dtype)."""
    check_module("linear", linear, Linear)
    k = check_int("rank", rank, low=1, high=min(linear.weight.shape))
    w = check_array("linear.weight", linear.weight.data)
    if w.dtype.kind != "f":
        raise TypeError(
            f"linear.weight must be a floating array (its factors keep its dtype), got dtype {w.dtype}"
        )
    return w, k


def check_low_rank_compress(model, rank_ratio, energy):
    """Positions of the Linear layers of a Sequential; exactly one of rank_ratio/energy must be given."""
    check_module("model", model, Sequential)
    if (rank_ratio is None) == (energy is None):
        raise ValueError(
            f"give exactly one of rank_ratio or energy, got rank_ratio={rank_ratio!r}, energy={energy!r}"
        )
    name, value = ("rank_ratio", rank_ratio) if energy is None else ("energy", energy)
    check_real(name, value, low=0.0, high=1.0, low_open=True)
    check_unshared("model", model)
    pos = _linears(model, 1, "model has no Linear layer to factorize (a Sequential of {layers} layers)")
    check_parameters([(f"layers.{i}.weight", model.layers[i].weight) for i in pos], why=RANK_WHY)
    return pos


def check_compress_config(model, compression_config, eval_loader):
    """The config with every value normalised; checks that each configured technique applies to `model`."""
    check_module("model", model)
    if not isinstance(compression_config, dict):
        raise TypeError(f"compression_config must be a dict, got {type(compression_config).__name__}")
    for key in compression_config:
        if key not in PIPELINE_KEYS:
            raise ValueError(
                f"unknown compression_config key {key!r}; expected keys among {list(PIPELINE_KEYS)}"
            )
    if eval_loader is not None:
        check_loader("eval_loader", eval_loader)
    config = {key: check_real(key, value, **PIPELINE_KEYS[key]) for key, value in compression_config.items()}
    if "structured_prune" in config:
        check_structured_prune(model, config["structured_prune"], True)
    if "low_rank" in config:
        check_low_rank_compress(model, config["low_rank"], None)
    if "magnitude_prune" in config:
        check_prunable(model)
    if config:
        check_parameters(model.named_parameters(), why=RANK_WHY)
    return config
