"""The argument checks of module 16's graded functions, given to students in one place (composed from
tinytorch.core.checks). Each validates everything before its function changes anything, raises
TypeError/ValueError naming the argument and its value, and returns what the algorithm needs."""

import itertools

import numpy as np

from .checks import (
    check_amount,
    check_array,
    check_bool,
    check_fraction,
    check_int,
    check_loader,
    check_module,
    check_nonempty_loader,
    check_optimizer,
    check_parameters,
    check_real,
    check_that,
    check_unshared,
)
from .labels import as_class_indices
from .layers import ELEMENTWISE, Linear, Sequential, zero_response
from .tensor import Tensor

__all__ = [
    "check_compress_config",
    "check_distillation",
    "check_distillation_inputs",
    "check_distillation_step",
    "check_distillation_fit",
    "check_factorize",
    "check_low_rank",
    "check_low_rank_compress",
    "check_magnitude_prune",
    "check_prunable",
    "check_sparsity",
    "check_structured_prune",
]
RANK_WHY = "its weights cannot be ranked or factorized"
PIPELINE_KEYS = {  # technique -> range of its value, in the order compress_model applies them
    "structured_prune": {"low": 0.0, "high": 1.0, "high_open": True},
    "low_rank": {"low": 0.0, "high": 1.0, "low_open": True},
    "magnitude_prune": {"low": 0.0, "high": 1.0},
}


def check_sparsity(model, weights_only):
    """(model, weights_only as a bool)."""
    return check_module("model", model), check_bool("weights_only", weights_only)


def check_prunable(model):
    """[(name, Parameter)] of the model's non-empty weights (ndim >= 2) in model order; ValueError if none."""
    check_module("model", model)
    named = [(n, p) for n, p in model.named_parameters() if p.data.ndim >= 2 and p.data.size]
    check_that(named, "model", model, "a weight to prune (a parameter with ndim >= 2)")
    return named


def check_magnitude_prune(model, sparsity, finite=True):
    """(named weights, k): k = round(sparsity * N) for a float in [0, 1], or the int count itself (<= N).
    finite=False leaves the NaN/inf test to the caller (one that reads every weight before changing any)."""
    named = check_prunable(model)
    k = check_amount("sparsity", sparsity, sum(p.data.size for _, p in named))
    return check_parameters(named, finite=finite, why=RANK_WHY), k


def _linears(model, least):
    """Positions of the Linear layers of a Sequential that has at least `least` of them."""
    check_module("model", model, Sequential)
    pos = [i for i, layer in enumerate(model.layers) if isinstance(layer, Linear)]
    check_that(len(pos) >= least, "model", model, f"a Sequential of >= {least} Linears, got {len(pos)}")
    return pos


def check_structured_prune(model, prune_ratio, physical):
    """(positions of the Linear layers of a Sequential, ratio in [0, 1), physical as bool)."""
    pos = _linears(model, 2)  # a hidden layer and the classifier
    for a, b in itertools.pairwise(pos):
        for j in range(a + 1, b):
            kind = type(model.layers[j]).__name__
            check_that(kind in ELEMENTWISE, "model", model, f"layer {j} ({kind}) element-wise: {ELEMENTWISE}")
    r = check_real("prune_ratio", prune_ratio, low=0.0, high=1.0, high_open=True)
    if check_bool("physical", physical):
        check_unshared("model", model)
        for a, b in itertools.pairwise(pos):
            absorbed = model.layers[b].bias is not None or zero_response(model.layers[a + 1 : b]) == 0
            check_that(absorbed, "model", model, f"layer {b} with a bias to absorb f(0) (or physical=False)")
    named = [(f"layers.{i}.{a}", getattr(model.layers[i], a)) for i in pos for a in ("weight", "bias")]
    check_parameters([(name, p) for name, p in named if p is not None], why=RANK_WHY)
    return pos, r, bool(physical)


def check_distillation(teacher_model, student_model, temperature, alpha):
    """(teacher, student, T in [0.05, 100], alpha in [0, 1])."""
    return (
        check_module("teacher_model", teacher_model),
        check_module("student_model", student_model),
        check_real("temperature", temperature, low=0.05, high=100.0),
        check_fraction("alpha", alpha),
    )


def check_distillation_inputs(student_logits, teacher_logits, true_labels, temperature=1.0):
    """(student logits as a Tensor (B, C), teacher logits as an array (B, C) of the student's dtype, labels as
    ints (B,) in [0, C)); logits must be small enough that z / T and the loss stay finite."""
    check_array("student_logits", student_logits)
    student_logits = student_logits if isinstance(student_logits, Tensor) else Tensor(student_logits)
    zs = student_logits.data
    zt = check_array("teacher_logits", teacher_logits, ndim=2).astype(zs.dtype, copy=False)
    check_that(zs.ndim == 2, "student_logits", zs, "2-D (batch, classes)")
    check_that(zs.shape == zt.shape and zt.size, "teacher_logits", zt, f"shape {zs.shape}, batch >= 1")
    # T^2 KL is at most 2 T max|z| per row: below this limit every softened value and the loss are finite
    limit = float(np.finfo(zt.dtype).max) / 8 * min(temperature, 1.0 / temperature)
    for name, z in (("student_logits", zs), ("teacher_logits", zt)):
        peak = float(np.abs(z).max())
        check_that(peak <= limit, name, z, f"|z| <= {limit:.3g} at T={temperature:g}, got {peak:.3g}")
    return student_logits, zt, as_class_indices("true_labels", true_labels, *zt.shape)


def check_distillation_step(student_model, x, optimizer):
    """x as a Tensor batch of at least one sample; an optimizer over the student's own, finite parameters."""
    arr = check_array("x", x)
    check_that(arr.ndim and len(arr), "x", arr, "a batch of at least one sample")
    check_optimizer("optimizer", optimizer, owner=student_model)
    check_parameters(student_model.named_parameters(), why="the student cannot be trained")
    return x if isinstance(x, Tensor) else Tensor(x)


def check_low_rank(weight_matrix, rank_ratio, energy, method="svd"):
    """(W (m, n), rank_ratio in (0, 1], energy None or in (0, 1], dtype of the results): float input keeps its
    dtype, integers give float64. The energy rule needs every singular value: refused with "randomized"."""
    w = check_array("weight_matrix", weight_matrix, ndim=2)
    check_that(w.size, "weight_matrix", w, "a non-empty matrix")
    r = check_real("rank_ratio", rank_ratio, low=0.0, high=1.0, low_open=True)
    tau = None if energy is None else check_real("energy", energy, low=0.0, high=1.0, low_open=True)
    check_that(tau is None or method != "randomized", "energy", energy, "None with method='randomized'")
    return w, r, tau, w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)


def check_factorize(linear, rank):
    """(W (m, n), rank as an int in [1, min(m, n)]) of a Linear layer with floating weights (integer weights
    have no factors of their dtype)."""
    w = check_array("linear.weight", check_module("linear", linear, Linear).weight.data)
    check_that(w.dtype.kind == "f", "linear.weight", w, "a floating dtype (its factors keep it)", TypeError)
    return w, check_int("rank", rank, low=1, high=min(w.shape))


def check_low_rank_compress(model, rank_ratio, energy, method="svd"):
    """Positions of the Linear layers of a Sequential; exactly one of rank_ratio/energy must be given."""
    check_module("model", model, Sequential)
    name, value = ("rank_ratio", rank_ratio) if energy is None else ("energy", energy)
    check_that((rank_ratio is None) != (energy is None), name, value, "exactly one of rank_ratio or energy")
    check_real(name, value, low=0.0, high=1.0, low_open=True)
    check_that(energy is None or method != "randomized", "energy", energy, "None with method='randomized'")
    check_unshared("model", model)
    pos = _linears(model, 1)
    check_parameters([(f"layers.{i}.weight", model.layers[i].weight) for i in pos], why=RANK_WHY)
    return pos


def check_compress_config(model, compression_config, eval_loader):
    """The config with every value normalised; checks that each configured technique applies to `model`."""
    check_module("model", model)
    check_that(
        isinstance(compression_config, dict), "compression_config", compression_config, "a dict", TypeError
    )
    for key in compression_config:
        check_that(key in PIPELINE_KEYS, "compression_config", key, f"keys among {list(PIPELINE_KEYS)}")
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


def check_distillation_fit(loader, epochs):
    """(a non-empty loader of (x, y) batches, epochs as an int >= 1)."""
    return check_nonempty_loader("loader", loader), check_int("epochs", epochs, low=1)
