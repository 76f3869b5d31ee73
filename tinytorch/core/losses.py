"""Loss modules: CrossEntropyLoss (on logits) and MSELoss; both return a scalar Tensor (batch mean)."""

from .functional import cross_entropy, mse
from .module import Module

__all__ = ["CrossEntropyLoss", "MSELoss"]


class CrossEntropyLoss(Module):
    """loss(logits (B, C) Tensor, labels int (B,) in [0, C)) -> mean cross-entropy, a scalar Tensor.

    Takes raw logits (log_softmax is applied inside); ValueError on shape or label-range errors.
    """

    def forward(self, logits, labels):
        return cross_entropy(logits, labels)


class MSELoss(Module):
    """loss(pred, target) -> mean((pred - target)**2), a scalar Tensor; shapes must match."""

    def forward(self, pred, target):
        return mse(pred, target)
