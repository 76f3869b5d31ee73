"""Given helpers of the module-16 lesson: the Fashion-MNIST data, the LeNet-300-100-sized MLP, training,
statistics over seeds, MAC and byte counts per model, and interleaved timing. Nothing here is graded."""

import os
import time

import numpy as np
from scipy import stats

from .compression.sparse import SparseLinear
from .core.layers import Linear, ReLU, Sequential
from .core.losses import CrossEntropyLoss
from .core.optim import Adam
from .core.random import manual_seed
from .core.tensor import Tensor, no_grad
from .data import DataLoader, load_fashion_mnist, train_test_split
from .training import evaluate, fit

__all__ = [
    "LENET",
    "accuracy",
    "ci",
    "compare",
    "count_bytes",
    "count_macs",
    "fashion_data",
    "interleaved_ms",
    "make_mlp",
    "mean_ci",
    "reduced_run",
    "speedup",
    "train",
]

LENET = (784, 300, 100, 10)  # LeNet-300-100 (Han et al. 2015) on 28x28 images


def reduced_run():
    """True under nbgrader (autograde or validate sets NBGRADER_EXECUTION) or when TINYTORCH_REDUCED is set."""
    return bool(os.environ.get("NBGRADER_EXECUTION") or os.environ.get("TINYTORCH_REDUCED"))


def fashion_data(n_train):
    """(X_train, y_train, X_test, y_test): a stratified n_train-image subset of the 60,000 training images
    (seed 0; all of them when n_train >= 60,000) and the full 10,000-image test set."""
    X, y = load_fashion_mnist("train")
    if n_train < len(y):
        _, X, _, y = train_test_split(X, y, test_size=n_train, seed=0)
    X_test, y_test = load_fashion_mnist("test")
    return X, y, X_test, y_test


def make_mlp(widths=LENET, seed=0):
    """A ReLU MLP with the given layer widths, initialised from `seed`."""
    manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        layers.append(Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def train(model, X, y, epochs, lr=1e-3, seed=0, batch_size=128, optimizer=None):
    """Adam (or `optimizer`) on (X, y), shuffled from `seed`; returns the mean loss per epoch."""
    loader = DataLoader(X, y, batch_size=batch_size, shuffle=True, seed=seed)
    optimizer = optimizer or Adam(model.parameters(), lr=lr)
    return fit(model, loader, CrossEntropyLoss(), optimizer, epochs=epochs)


def accuracy(model, X, y):
    """Fraction of (X, y) classified correctly."""
    return evaluate(model, DataLoader(X, y, batch_size=1000))


def mean_ci(values, confidence=0.95):
    """(mean, half-width of the two-sided t-interval); the half-width is nan for a single value."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < 2:
        return float(v.mean()), float("nan")
    sem = v.std(ddof=1) / np.sqrt(v.size)
    return float(v.mean()), float(stats.t.ppf(0.5 + confidence / 2, v.size - 1) * sem)


def ci(values):
    """'M ± C': the mean and the 95 % t-interval half-width with 4 decimals ('nan' for a single value)."""
    m, c = mean_ci(values)
    return f"{m:.4f} ± {c:.4f}"


def compare(candidate, reference, tolerance=0.01):
    """One sentence on the paired per-seed difference candidate - reference (same seeds, same order): its
    mean and t-interval, "within noise" when the interval includes 0 and, unless tolerance is None, whether
    the interval lies above -tolerance (the target holds), below it (fails) or straddles it (undecided)."""
    d, c = mean_ci(np.asarray(candidate) - np.asarray(reference))
    if np.isnan(c):
        return f"difference {d:+.4f} from one seed: no interval, so no claim"
    if d - c <= 0 <= d + c:
        noise = "within noise, no winner"
    else:
        noise = f"{'above' if d > 0 else 'below'} the noise"
    text = f"difference {d:+.4f} ± {c:.4f}: {noise}"
    if tolerance is None:
        return text
    if d - c >= -tolerance:
        return f"{text}; the target (at most {tolerance:g} below) holds"
    if d + c < -tolerance:
        return f"{text}; the target (at most {tolerance:g} below) fails"
    return f"{text}; the interval straddles -{tolerance:g}: the target is undecided"


def _leaves(model):
    if isinstance(model, Sequential):
        for layer in model.layers:
            yield from _leaves(layer)
    else:
        yield model


def count_macs(model):
    """Multiply-adds per input row: in*out per Linear (zeros stored densely are still multiplied), one per
    stored non-zero of a SparseLinear."""
    total = 0
    for layer in _leaves(model):
        if isinstance(layer, Linear):
            total += layer.weight.data.size
        elif isinstance(layer, SparseLinear):
            total += layer.nnz
    return int(total)


def count_bytes(model):
    """Bytes to store the model: every Linear parameter at its dtype's size (zeros included), every
    SparseLinear's CSR values, column indices, row pointers, scale and bias (SparseLinear.nbytes)."""
    total = 0
    for layer in _leaves(model):
        if isinstance(layer, Linear):
            total += sum(p.data.nbytes for p in layer.parameters())
        elif isinstance(layer, SparseLinear):
            total += layer.nbytes
    return int(total)


def interleaved_ms(models, x, rounds=9, inner=5):
    """{name: per-round ms (rounds,)} of one forward pass of batch x per model, timed interleaved: each round
    runs every model in turn (the mean of `inner` calls), after one warm-up call each."""
    x = Tensor(x)
    times = {name: [] for name in models}
    with no_grad():
        for model in models.values():
            model.eval()
            model(x)
        for _ in range(rounds):
            for name, model in models.items():
                t0 = time.perf_counter()
                for _ in range(inner):
                    model(x)
                times[name].append(1000 * (time.perf_counter() - t0) / inner)
    return {name: np.array(t) for name, t in times.items()}


def speedup(reference, candidate):
    """(median, min, max) of the per-round ratio reference / candidate: both timed under the same load."""
    r = np.asarray(reference) / np.asarray(candidate)
    return float(np.median(r)), float(r.min()), float(r.max())
