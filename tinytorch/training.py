"""Training loop helpers: optimizer_step (one guarded update), train_step, fit (train for some epochs),
evaluate (accuracy), predict (class labels)."""

import math

import numpy as np

from .core.checks import (
    check_int,
    check_loader,
    check_loss_fn,
    check_module,
    check_nonempty_loader,
    check_optimizer,
    check_parameters,
    check_that,
)
from .core.tensor import Tensor, no_grad

__all__ = ["evaluate", "fit", "optimizer_step", "predict", "train_step"]


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


def optimizer_step(loss, optimizer, named=(), where=""):
    """zero_grad, backward and step for a finite `loss` (a scalar Tensor) whose gradients are finite.

    named: (name, Parameter) pairs the loss may reach besides the optimizer's (e.g. model.named_parameters()).
    A NaN/inf loss raises ValueError before any gradient is touched; a NaN/inf gradient raises ValueError
    naming the parameter, after putting every gradient back as it was. Either way no weight changes.
    Returns the loss as a float.
    """
    return _watched_step(loss, optimizer, _watched(named, optimizer), where)


def _watched(named, optimizer):
    """[(name, Parameter)] of `named` and of the optimizer's parameters, each once."""
    watched = {id(p): (name, p) for name, p in named}
    for i, p in enumerate(getattr(optimizer, "params", ())):
        watched.setdefault(id(p), (f"optimizer.params[{i}]", p))
    return list(watched.values())


def _finite_loss(loss, where):
    """The float value of a loss (Tensor or number); ValueError when NaN or inf, before any step."""
    value = float(getattr(loss, "item", lambda: loss)())
    return check_that(math.isfinite(value), "loss", value, f"a finite loss{where}; no step was taken")


def _watched_step(loss, optimizer, watched, where):
    """optimizer_step with the watched (name, Parameter) pairs already listed."""
    where = f" {where}" if where else ""
    value = _finite_loss(loss, where)
    before = [(p, p.grad) for _, p in watched]  # backward builds new arrays: the old ones stay intact
    optimizer.zero_grad()
    loss.backward()
    for name, p in watched:
        g = p.grad  # a finite sum means finite entries (one reduction, no temporary); else look closer
        if g is not None and not np.isfinite(np.add.reduce(g, axis=None)) and not np.all(np.isfinite(g)):
            for q, old in before:
                q.grad = old
            raise ValueError(f"gradient of {name!r}{where}: expected finite entries; no step was taken")
    optimizer.step()
    return value


def _step_in_train_mode(model, x, y, loss_fn, optimizer, watched, modules, where):
    """train_step after its checks: `watched` (see _watched) and `modules` (model.modules()) are computed
    once by the caller."""
    modes = [m.training for m in modules]
    for m in modules:
        m.training = True
    try:
        return _watched_step(loss_fn(model(x), y), optimizer, watched, where)
    except Exception:
        for m, mode in zip(modules, modes):  # a rejected step leaves the train/eval modes as they were, too
            m.training = mode
        raise


def _check_training(model, loss_fn, optimizer):
    """The checks train_step and fit share; returns model.named_parameters() after check_parameters
    (NaN/inf allowed: the loss check catches them) and a ValueError when none requires grad."""
    check_module("model", model)
    check_loss_fn("loss_fn", loss_fn)
    check_optimizer("optimizer", optimizer)
    named = check_parameters(model.named_parameters(), finite=False)
    check_that(any(p.requires_grad for _, p in named), "model", model, "a parameter that requires grad")
    return named


def train_step(model, x, y, loss_fn, optimizer, where=""):
    """One update in train mode: loss = loss_fn(model(x), y), then optimizer_step; returns the loss.

    Parameters must be float, writable, non-empty, with masks of their shape (checked first). A rejected
    step (non-finite loss or gradient) leaves weights, gradients and train/eval modes as they were."""
    named = _check_training(model, loss_fn, optimizer)
    return _step_in_train_mode(
        model, x, y, loss_fn, optimizer, _watched(named, optimizer), model.modules(), where
    )


def fit(model, loader, loss_fn, optimizer, epochs=1):
    """Train in train mode; returns the mean loss of each epoch (weighted by batch size).

    For every batch (x, y) from `loader`: loss = loss_fn(model(x), y), optimizer.zero_grad(),
    loss.backward(), optimizer.step() (train_step). A non-finite loss or gradient raises ValueError
    naming the epoch and the batch (both 0-based); no step is taken on that batch.
    """
    named = _check_training(model, loss_fn, optimizer)  # checked once: fit changes no structure
    check_nonempty_loader("loader", loader)
    epochs = check_int("epochs", epochs, low=1)
    watched, modules = _watched(named, optimizer), model.modules()
    history = []
    for epoch in range(epochs):
        total, count = 0.0, 0
        for batch, (x, y) in enumerate(loader):
            value = _step_in_train_mode(
                model,
                x,
                y,
                loss_fn,
                optimizer,
                watched,
                modules,
                f"at epoch {epoch}, batch {batch} (0-based)",
            )
            n = len(y)
            total += value * n
            count += n
        history.append(total / count)
    return history


def evaluate(model, loader):
    """Accuracy as a fraction in [0, 1]: argmax of model(x) over classes vs the labels.

    Runs in eval mode under no_grad; every module's previous mode is restored afterwards.
    """
    check_module("model", model)
    check_loader("loader", loader)
    correct, count = 0, 0
    with _EvalMode(model):
        for x, y in loader:
            logits = model(x)
            correct += int(np.sum(logits.data.argmax(axis=-1) == np.asarray(getattr(y, "data", y))))
            count += len(y)
    check_that(count, "loader", loader, "at least one sample")
    return correct / count


def predict(model, X):
    """Class labels int64 (N,) = argmax of model(X) (logits (N, C)); eval mode, no_grad, mode restored."""
    check_module("model", model)
    x = X if isinstance(X, Tensor) else Tensor(X)
    with _EvalMode(model):
        logits = model(x)
    check_that(logits.ndim == 2, "model", model, f"outputs of shape (N, C), not {logits.shape}")
    return logits.data.argmax(axis=1).astype(np.int64)
