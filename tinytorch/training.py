"""Training loop helpers: fit (train for some epochs), evaluate (accuracy), predict (class labels)."""
import math

import numpy as np

from .core.checks import check_loss_fn, check_int, check_loader, check_optimizer
from .core.module import Module
from .core.tensor import Tensor, no_grad

__all__ = ["fit", "evaluate", "predict"]


def _check_model(model):
    if not isinstance(model, Module):
        raise TypeError(f"model must be a Module, got {type(model).__name__}")


class _EvalMode:
    """Put every sub-module in eval mode and disable the graph; restore each module's mode after."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.modes = [(m, m.training) for m in self.model.modules()]
        self.model.eval()
        self.ng = no_grad().__enter__()

    def __exit__(self, *exc):
        self.ng.__exit__(*exc)
        for m, mode in self.modes:
            m.training = mode
        return False


def fit(model, loader, loss_fn, optimizer, epochs=1):
    """Train in train mode; returns the mean loss of each epoch (weighted by batch size).

    For every batch (x, y) from `loader`: loss = loss_fn(model(x), y), optimizer.zero_grad(),
    loss.backward(), optimizer.step(). A non-finite loss raises ValueError naming the epoch and the
    batch (both 0-based) before any step is taken on that batch.
    """
    _check_model(model)
    check_loader("loader", loader)
    check_loss_fn("loss_fn", loss_fn)
    check_optimizer("optimizer", optimizer)
    epochs = check_int("epochs", epochs, low=1)
    if not model.parameters():
        raise ValueError(f"model has no parameters to train ({type(model).__name__} with 0 parameters)")
    if len(loader) == 0:
        raise ValueError("loader yields no batches")
    model.train()
    history = []
    for epoch in range(epochs):
        total, count = 0.0, 0
        for batch, (x, y) in enumerate(loader):
            loss = loss_fn(model(x), y)
            value = float(loss.item())
            if not math.isfinite(value):
                raise ValueError(f"non-finite loss {value} at epoch {epoch}, batch {batch} (0-based); "
                                 "lower the learning rate or check the inputs")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            n = len(y)
            total += value * n
            count += n
        history.append(total / count)
    return history


def evaluate(model, loader):
    """Accuracy as a fraction in [0, 1]: argmax of model(x) over classes vs the labels.

    Runs in eval mode under no_grad; every module's previous mode is restored afterwards.
    """
    _check_model(model)
    check_loader("loader", loader)
    correct, count = 0, 0
    with _EvalMode(model):
        for x, y in loader:
            logits = model(x)
            correct += int(np.sum(logits.data.argmax(axis=-1) == np.asarray(getattr(y, "data", y))))
            count += len(y)
    if count == 0:
        raise ValueError("loader yields no samples")
    return correct / count


def predict(model, X):
    """Class labels int64 (N,) = argmax of model(X) (logits (N, C)); eval mode, no_grad, mode restored."""
    _check_model(model)
    x = X if isinstance(X, Tensor) else Tensor(X)
    with _EvalMode(model):
        logits = model(x)
    if logits.ndim != 2:
        raise ValueError(f"predict expects model outputs of shape (N, C), got {logits.shape}")
    return logits.data.argmax(axis=1).astype(np.int64)
