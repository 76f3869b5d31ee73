"""Functional forms: softmax, log_softmax, cross_entropy, kl_div, mse (Tensor in, Tensor out)."""

import numpy as np

from .autograd import row_max
from .checks import check_array, check_choice, check_tensor, check_that
from .labels import as_class_indices
from .tensor import Tensor

__all__ = ["check_labels", "cross_entropy", "kl_div", "log_softmax", "mse", "softmax"]


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (max-shifted); output shape = x shape."""
    return check_tensor("x", x).softmax(axis=axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`; finite for logits of any finite magnitude."""
    return check_tensor("x", x).log_softmax(axis=axis)


def check_labels(labels, batch, num_classes):
    """Class labels (B,) in [0, C) as int64: integer arrays, integer Tensors or one-hot rows (B, C)."""
    return as_class_indices("labels", labels, batch, num_classes)


def cross_entropy(logits, labels):
    """Mean over the batch of -log softmax(logits)[i, labels[i]].

    logits: Tensor (B, C) (raw scores, never probabilities); labels: ints (B,) in [0, C), an integer Tensor or
    one-hot rows (B, C).
    Gradient w.r.t. logits: (softmax(logits) - onehot(labels)) / B.
    """
    ok = check_tensor("logits", logits).ndim == 2 and logits.size > 0
    check_that(ok, "logits", logits, "a non-empty Tensor of shape (B, C)")
    b, c = logits.shape
    y = check_labels(labels, b, c)
    z = logits.data - row_max(logits.data, 1)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = np.arange(b)
    loss = -logp[rows, y].mean()

    def backward(g):
        grad = np.exp(logp)
        grad[rows, y] -= 1.0
        return (grad * (g / b),)

    return Tensor._make(np.asarray(loss, dtype=logits.dtype), (logits,), backward)


def kl_div(log_q, p, reduction="batchmean"):
    """torch.nn.functional.kl_div: sum(p * (log p - log_q)) reduced; 0 * log 0 = 0.

    log_q: Tensor (B, ...) of log-probabilities (e.g. student log_softmax); p: Tensor or array of
    probabilities with the same shape (the target). reduction: 'batchmean' (divide by B),
    'sum', or 'mean' (divide by the number of elements). Returns a scalar Tensor.
    """
    check_tensor("log_q", log_q)
    check_choice("reduction", reduction, ("batchmean", "sum", "mean"))
    check_array("p", p)
    check_that(not np.any(np.isnan(log_q.data)), "log_q", log_q, "log-probabilities in [-inf, 0], no NaN")
    p_t = p if isinstance(p, Tensor) else Tensor(p)
    check_that(p_t.shape == log_q.shape, "p", p, f"the shape of log_q {log_q.shape}")
    check_that(not np.any(p_t.data < 0), "p", p, "non-negative probabilities")
    pd, lq = p_t.data, log_q.data
    pos = pd > 0
    log_p = np.log(np.where(pos, pd, 1.0))
    terms = np.where(pos, pd * (log_p - lq), 0.0)
    div = {"batchmean": lq.shape[0] if lq.ndim else 1, "sum": 1, "mean": max(lq.size, 1)}[reduction]
    out = np.asarray(terms.sum() / div, dtype=np.result_type(lq.dtype, pd.dtype))

    def backward(g):
        scale = g / div
        return -pd * scale, np.where(pos, log_p + 1.0 - lq, 0.0) * scale

    return Tensor._make(out, (log_q, p_t), backward)


def mse(pred, target):
    """Mean of (pred - target)**2 over all elements; shapes must match exactly (no broadcasting)."""
    check_tensor("pred", pred)
    target = target if isinstance(target, Tensor) else Tensor(target)
    check_that(pred.shape == target.shape, "target", target, f"the shape of pred {pred.shape}")
    diff = pred - target
    return (diff * diff).mean()
