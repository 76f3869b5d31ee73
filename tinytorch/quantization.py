"""Module 15: symmetric INT8 quantization (zero_point = 0, so 0.0 <-> 0 exactly and pruned weights stay 0).

q = clip(round(w / scale), -127, 127), scale = max|w| / 127 (per tensor, or per channel along `axis`);
dequantize: w_hat = q * scale, with |w - w_hat| <= scale / 2 per element (up to float32 rounding).
"""

import copy

import numpy as np

from .core.checks import check_array, check_int, check_module, check_that
from .core.layers import Linear
from .core.module import Parameter

__all__ = [
    "quantize_int8",
    "dequantize_int8",
    "quantized_nbytes",
    "model_nbytes",
    "quantize_model",
    "weight_channel_axis",
]


def _axis(axis, ndim):
    if axis is None:
        return None
    check_that(ndim > 0, "axis", axis, "None for a 0-d array")
    return check_int("axis", axis, low=-ndim, high=ndim - 1) % ndim


def _expand(scale, axis, ndim):
    shape = [1] * ndim
    shape[axis] = -1
    return scale.reshape(shape)


def _positive(scale):
    """A scale that underflowed to 0 in float32 (max|w| < ~9e-44) becomes the smallest subnormal."""
    return np.maximum(scale, np.finfo(np.float32).smallest_subnormal)


def quantize_int8(w, axis=None):
    """w: float array (any shape) -> (q int8 same shape, scale).

    axis=None: one float32 scalar scale = max|w| / 127. axis=k: a float32 array of shape
    (w.shape[k],), one scale per slice along k. An all-zero tensor/channel gets scale 1.0.
    """
    w = check_array("w", w)
    ax = _axis(axis, w.ndim)
    if ax is None:
        amax = np.max(np.abs(w)) if w.size else 0.0
        scale = _positive(np.float32(amax / 127.0 if amax > 0 else 1.0))
        s = np.float64(scale)
    else:
        other = tuple(i for i in range(w.ndim) if i != ax)
        amax = np.max(np.abs(w), axis=other) if w.size else np.zeros(w.shape[ax])
        scale = _positive(np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32))
        s = _expand(scale.astype(np.float64), ax, w.ndim)
    q = np.clip(np.rint(w.astype(np.float64) / s), -127, 127).astype(np.int8)
    return q, scale


def dequantize_int8(q, scale, axis=None):
    """q int8 array, scale (scalar, or (q.shape[axis],) with axis) -> float32 q * scale."""
    q = np.asarray(q)
    check_that(q.dtype == np.int8, "q", q, "an int8 array", TypeError)
    scale = check_array("scale", scale).astype(np.float64)
    ax = _axis(axis, q.ndim)
    if ax is None:
        check_that(scale.size == 1, "scale", scale, "a scalar (one scale per tensor)")
        s = scale.reshape(())
    else:
        n = q.shape[ax]
        check_that(scale.shape == (n,), "scale", scale, f"shape ({n},) for q of shape {q.shape}, axis {ax}")
        s = _expand(scale, ax, q.ndim)
    return (q.astype(np.float64) * s).astype(np.float32)


def weight_channel_axis(module):
    """Output-channel axis of a module's weight: 1 for Linear (in, out), 0 otherwise
    (Conv2d (out, in, kh, kw))."""
    return 1 if isinstance(module, Linear) else 0


def _weights(model):
    """[(module, attribute name, Parameter)] for every Parameter, each listed once."""
    check_module("model", model)
    out, seen = [], set()
    for mod in model.modules():
        for name, value in vars(mod).items():
            if isinstance(value, Parameter) and id(value) not in seen:
                seen.add(id(value))
                out.append((mod, name, value))
    return out


def quantized_nbytes(model, per_channel=True):
    """Bytes after INT8 quantization: 1 per entry of every >= 2-D weight, plus 4 per float32 scale
    (one per output channel, or one per tensor), plus 4 per entry of every 1-D/0-D parameter (biases)."""
    total = 0
    for mod, _, p in _weights(model):
        if p.ndim >= 2:
            total += p.size + 4 * (p.shape[weight_channel_axis(mod)] if per_channel else 1)
        else:
            total += 4 * p.size
    return int(total)


def model_nbytes(model):
    """Dense float32 bytes: 4 per parameter entry."""
    return int(4 * sum(p.size for _, _, p in _weights(model)))


def quantize_model(model, per_channel=True):
    """A deep copy of `model` whose >= 2-D weights are replaced by dequantize(quantize(w)) (simulated
    INT8)."""
    qmodel = copy.deepcopy(model)
    for mod, _, p in _weights(qmodel):
        if p.ndim >= 2:
            ax = weight_channel_axis(mod) if per_channel else None
            q, scale = quantize_int8(p.data, axis=ax)
            p.data = dequantize_int8(q, scale, axis=ax).astype(p.data.dtype)
    return qmodel
