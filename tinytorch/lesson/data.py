"""The lesson's data and models: Fashion-MNIST (and the 8x8 digits), the LeNet-300-100-sized MLP, training
and accuracy, and whether this is a reduced (grading) run."""

import os

import numpy as np

from ..core.checks import check_int, check_that
from ..core.layers import Dropout, Linear, ReLU, Sequential
from ..core.losses import CrossEntropyLoss
from ..core.optim import Adam
from ..core.random import manual_seed
from ..data import DataLoader, load_digits, load_fashion_mnist, train_test_split
from ..training import evaluate, fit

LENET = (784, 300, 100, 10)  # LeNet-300-100 (Han et al. 2015) on 28x28 images


def reduced_run():
    """True under nbgrader (autograde or validate sets NBGRADER_EXECUTION) or when TINYTORCH_REDUCED is
    set."""
    return bool(os.environ.get("NBGRADER_EXECUTION") or os.environ.get("TINYTORCH_REDUCED"))


def fashion_data(n_train):
    """(X_train, y_train, X_test, y_test): a stratified n_train-image subset of the 60,000 training images
    (seed 0; all of them when n_train >= 60,000) and the full 10,000-image test set."""
    X, y = load_fashion_mnist("train")
    if n_train < len(y):
        _, X, _, y = train_test_split(X, y, test_size=n_train, seed=0)
    X_test, y_test = load_fashion_mnist("test")
    return X, y, X_test, y_test


def digits_split(seed=0):
    """(X_train, X_test, y_train, y_test) of the 1797 digits: a stratified split with test_size=0.25."""
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.25, seed=seed)


def make_mlp(widths=LENET, seed=0, act=ReLU, dropout=False):
    """Sequential(Linear(w0, w1), act(), [Dropout(0.5)], ..., Linear(w[-2], w[-1])) for layer widths such as
    (64, 256, 256, 10), initialised from `seed` (seed=None: from the global generator as it stands, e.g.
    seeded by the caller). The one MLP builder of the lesson, the claims and the tests."""
    ok = isinstance(widths, (list, tuple)) and len(widths) >= 2
    check_that(ok, "widths", widths, "a list or tuple of at least two ints >= 1")
    widths = [check_int(f"widths[{i}]", w, low=1) for i, w in enumerate(widths)]
    if seed is not None:
        manual_seed(check_int("seed", seed, low=0))
    layers = []
    for i in range(len(widths) - 1):
        layers.append(Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(act())
            if dropout:
                layers.append(Dropout(0.5))
    return Sequential(*layers)


def train(model, X, y, epochs, lr=1e-3, seed=0, batch_size=128, optimizer=None):
    """Adam (or `optimizer`) on (X, y), shuffled from `seed`; returns the mean loss per epoch."""
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=True, seed=seed)
    optimizer = optimizer or Adam(model.parameters(), lr=lr)
    return fit(model, loader, CrossEntropyLoss(), optimizer, epochs=epochs)


def accuracy(model, X, y):
    """Fraction of (X, y) classified correctly."""
    return evaluate(model, DataLoader(X, y, batch_size=1000))


def planted_power_law(n, alpha=1.0, noise=0.02, seed=1):
    """A float32 (n, n) matrix with singular values about i^-alpha (i = 1..n, random orthogonal factors)
    plus Gaussian noise of Frobenius norm about `noise`: the test matrix of the randomized-SVD lesson and
    benchmark."""
    g = np.random.default_rng(seed)
    u, _ = np.linalg.qr(g.standard_normal((n, n)))
    v, _ = np.linalg.qr(g.standard_normal((n, n)))
    a = (u * np.arange(1, n + 1) ** -alpha) @ v.T + noise * g.standard_normal((n, n)) / np.sqrt(n)
    return a.astype(np.float32)
