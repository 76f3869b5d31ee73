"""The argument checks of module 16's graded functions, given to students (one place, composed from
tinytorch.core.checks). Each validates everything before the function changes anything and raises
TypeError/ValueError naming the argument, its value and what is allowed; each returns what the
algorithm needs, normalised."""

import numpy as np

from .checks import (
    check_amount,
    check_array,
    check_bool,
    check_fraction,
    check_int,
    check_loader,
    check_module,
    check_parameters,
    check_real,
    check_unshared,
)
from .labels import as_class_indices

__all__ = [
    "ELEMENTWISE",
    "PIPELINE_KEYS",
    "check_batch",
    "check_compress_config",
    "check_distillation_inputs",
    "check_factorize",
    "check_finite_parameters",
    "check_low_rank",
    "check_low_rank_compress",
    "check_magnitude_prune",
    "check_prunable",
    "check_structured_prune",
    "kept_mask",
    "zero_response",
]

PIPELINE_KEYS = ("structured_prune", "low_rank", "magnitude_prune")


def kept_mask(param):
    """The parameter's mask (True = kept), or all True when it has none: a read-only bool array of its shape
    (combine it with &, ~ or np.where; it is not written to, so an unmasked parameter costs no allocation)."""
    mask = getattr(param, "mask", None)
    return np.broadcast_to(True, param.data.shape) if mask is None else np.asarray(mask, dtype=bool)


def zero_response(layers):
    """Output f(0) of the element-wise `layers` (between two Linears) for an input of 0; Dropout is skipped
    (it is the identity in eval mode)."""
    from .tensor import Tensor, no_grad

    z = Tensor(np.zeros((1, 1)))
    with no_grad():
        for layer in layers:
            if type(layer).__name__ != "Dropout":
                z = layer(z)
    return float(z.data.ravel()[0])


RANK_WHY = "its weights cannot be ranked or factorized"


def check_finite_parameters(named):
    """Every (name, Parameter) a float array that can be changed in place, finite: nothing to rank otherwise."""
    return check_parameters(named, why=RANK_WHY)


def check_prunable(model):
    """[(name, Parameter)] of the model's weights (ndim >= 2), in model order, zero-size ones skipped (nothing
    to prune); ValueError when there are none."""
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
    check_parameters(named, finite=finite, why=RANK_WHY)
    return named, k


ELEMENTWISE = ("ReLU", "Sigmoid", "Tanh", "Dropout", "Flatten")


def check_structured_prune(model, prune_ratio, physical):
    """(positions of the Linear layers of a Sequential, ratio in [0, 1), physical as bool)."""
    from .layers import Linear, Sequential

    check_module("model", model, Sequential)
    pos = [i for i, layer in enumerate(model.layers) if isinstance(layer, Linear)]
    if len(pos) < 2:
        raise ValueError(
            f"structured pruning needs a Sequential with >= 2 Linear layers (a hidden one and "
            f"the classifier), got {len(pos)}"
        )
    for a, b in zip(pos, pos[1:]):
        for j in range(a + 1, b):
            if type(model.layers[j]).__name__ not in ELEMENTWISE:
                raise ValueError(
                    f"layer {j} ({type(model.layers[j]).__name__}) between Linear layers {a} and {b} "
                    f"is not element-wise; allowed there: {', '.join(ELEMENTWISE)}"
                )
    r = check_fraction("prune_ratio", prune_ratio, high_open=True)
    physical = check_bool("physical", physical)
    if physical:
        check_unshared("model", model)
        for a, b in zip(pos, pos[1:]):
            if model.layers[b].bias is None and zero_response(model.layers[a + 1 : b]) != 0:
                raise ValueError(
                    f"layer {b} has no bias to absorb the constant output f(0) != 0 of the neurons "
                    f"removed from layer {a}; use physical=False, or give layer {b} a bias"
                )
    check_finite_parameters(
        [
            (f"layers.{i}.{a}", getattr(model.layers[i], a))
            for i in pos
            for a in ("weight", "bias")
            if getattr(model.layers[i], a) is not None
        ]
    )
    return pos, r, physical


def check_distillation_inputs(student_logits, teacher_logits, true_labels, temperature=1.0):
    """(student logits as a Tensor (B, C), teacher logits as an array (B, C) of the student's dtype, labels as ints
    (B,) in [0, C))."""
    from .tensor import Tensor

    check_array("student_logits", student_logits, finite=False)
    if not isinstance(student_logits, Tensor):
        student_logits = Tensor(student_logits)
    zt = check_array("teacher_logits", teacher_logits, ndim=2, finite=False).astype(
        student_logits.data.dtype, copy=False
    )
    if student_logits.data.ndim != 2 or student_logits.shape != zt.shape:
        raise ValueError(
            f"student_logits shape {tuple(student_logits.shape)} and teacher_logits shape "
            f"{zt.shape} must be equal and 2-D (batch, classes)"
        )
    if zt.size == 0:
        raise ValueError(
            f"student_logits is an empty batch (shape {zt.shape}); expected (batch >= 1, classes >= 1)"
        )
    # z / T stays finite, and so does the loss, whose soft term T^2 KL is at most 2 T max|z| per row
    limit = float(np.finfo(zt.dtype).max) / 8 * min(temperature, 1.0 / temperature)
    for name, z in (("student_logits", student_logits.data), ("teacher_logits", zt)):
        peak = float(np.max(np.abs(z))) if z.size else 0.0
        if not np.isfinite(peak):
            raise ValueError(f"{name} contains NaN or inf")
        if peak > limit:
            raise ValueError(
                f"{name} reach {peak:.3g}; with temperature={temperature:g} their softened values "
                f"overflow {zt.dtype} (allowed |z| <= {limit:.3g}: scale the logits down)"
            )
    labels = as_class_indices("true_labels", true_labels, *zt.shape)
    return student_logits, zt, labels


def check_batch(name, x):
    """A batch of at least one input as a Tensor (arrays are wrapped)."""
    from .tensor import Tensor

    arr = check_array(name, x)
    if arr.ndim == 0 or len(arr) == 0:
        raise ValueError(f"{name} is an empty batch (shape {arr.shape}); expected at least one sample")
    return x if isinstance(x, Tensor) else Tensor(x)


def check_low_rank(weight_matrix, rank_ratio, energy, method="svd"):
    """(W (m, n) as float32 or float64, rank_ratio in (0, 1], energy None or in (0, 1], dtype of the results):
    float input keeps its dtype (float16 is computed in float32: LAPACK has none), integers give float64.
    The energy rule needs every singular value, so it is refused with method="randomized"."""
    w = check_array("weight_matrix", weight_matrix, ndim=2)
    if w.size == 0:
        raise ValueError(f"weight_matrix must be non-empty, got shape {w.shape}")
    r = check_real("rank_ratio", rank_ratio, low=0.0, high=1.0, low_open=True)
    tau = None if energy is None else check_real("energy", energy, low=0.0, high=1.0, low_open=True)
    if tau is not None and method == "randomized":
        raise ValueError(
            f"energy={energy!r} needs every singular value: use method='svd' with energy, "
            "or rank_ratio with method='randomized'"
        )
    dtype = w.dtype if np.issubdtype(w.dtype, np.floating) else np.dtype(np.float64)
    return w.astype(np.float32 if dtype.itemsize <= 4 else np.float64, copy=False), r, tau, dtype


def check_factorize(linear, rank):
    """(W (m, n) as float32 or float64 (float16 is computed in float32), rank as an int in [1, min(m, n)]) of a
    Linear layer with floating, finite weights (integer weights have no factors of their dtype)."""
    from .layers import Linear

    check_module("linear", linear, Linear)
    m, n = linear.weight.data.shape
    k = check_int("rank", rank, low=1, high=min(m, n))
    w = check_array("linear.weight", linear.weight.data)
    if w.dtype.kind != "f":
        raise TypeError(
            f"linear.weight must be a floating array (its factors keep its dtype), got dtype {w.dtype}"
        )
    return w.astype(np.float32 if w.dtype.itemsize <= 4 else np.float64, copy=False), k


def check_low_rank_compress(model, rank_ratio, energy):
    """Positions of the Linear layers of a Sequential, after checking that exactly one of rank_ratio/energy is given."""
    from .layers import Linear, Sequential

    check_module("model", model, Sequential)
    if (rank_ratio is None) == (energy is None):
        raise ValueError(
            f"give exactly one of rank_ratio or energy, got rank_ratio={rank_ratio!r}, energy={energy!r}"
        )
    if rank_ratio is not None:
        check_real("rank_ratio", rank_ratio, low=0.0, high=1.0, low_open=True)
    else:
        check_real("energy", energy, low=0.0, high=1.0, low_open=True)
    check_unshared("model", model)
    pos = [i for i, layer in enumerate(model.layers) if isinstance(layer, Linear)]
    if not pos:
        raise ValueError(
            f"model has no Linear layer to factorize (a Sequential of {len(model.layers)} layers)"
        )
    check_finite_parameters([(f"layers.{i}.weight", model.layers[i].weight) for i in pos])
    return pos


def check_compress_config(model, compression_config, eval_loader):
    """The config with every value normalised; checks that each configured technique applies to `model`."""
    from .layers import Linear, Sequential

    check_module("model", model)
    if not isinstance(compression_config, dict):
        raise TypeError(f"compression_config must be a dict, got {type(compression_config).__name__}")
    for key in compression_config:
        if key not in PIPELINE_KEYS:
            raise ValueError(
                f"unknown compression_config key {key!r}; expected keys among {list(PIPELINE_KEYS)}"
            )
    config = dict(compression_config)
    if eval_loader is not None:
        check_loader("eval_loader", eval_loader)
    if "structured_prune" in config:
        config["structured_prune"] = check_fraction(
            "structured_prune", config["structured_prune"], high_open=True
        )
        check_structured_prune(model, config["structured_prune"], True)
    if "low_rank" in config:
        config["low_rank"] = check_real("low_rank", config["low_rank"], low=0.0, high=1.0, low_open=True)
        check_module("model", model, Sequential)
        check_unshared("model", model)
        if not any(isinstance(layer, Linear) for layer in model.layers):
            raise ValueError(
                f"model has no Linear layer to factorize (a Sequential of {len(model.layers)} layers)"
            )
    if "magnitude_prune" in config:
        config["magnitude_prune"] = check_fraction("magnitude_prune", config["magnitude_prune"])
        check_prunable(model)
    if config:
        check_finite_parameters(model.named_parameters())
    return config
