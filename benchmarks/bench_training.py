"""Time one training epoch of the digits MLP (64-128-10, Adam, batch 32) with TinyTorch and with plain NumPy.

The plain NumPy epoch is the same computation written by hand: a new shuffle, then per batch the forward pass,
softmax cross-entropy, the closed-form backward pass and the same Adam update on all four parameters.
Targets: TinyTorch epoch < 100 ms, and <= 2x the plain NumPy epoch (timed alternately in the same run).
Run: python benchmarks/bench_training.py [--repeats N]   (exit 1 when a target is missed after re-measuring)
"""

import argparse
import sys

import numpy as np
from guards import finish, guard, header
from timing import interleaved_best

import tinytorch as tt
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import Adam
from tinytorch.data import DataLoader, load_digits, train_test_split
from tinytorch.training import evaluate, fit

TARGET_S = 0.1


class NumpyMLP:
    """64-128-10 ReLU MLP trained with softmax cross-entropy and Adam (lr 1e-2, betas 0.9/0.999, eps 1e-8)."""

    def __init__(self, seed=0, lr=1e-2):
        g = np.random.default_rng(seed)
        self.params = [
            (g.standard_normal((64, 128)) / 8).astype(np.float32),
            np.zeros(128, np.float32),
            (g.standard_normal((128, 10)) / np.sqrt(128)).astype(np.float32),
            np.zeros(10, np.float32),
        ]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t, self.lr, self.rng = 0, lr, np.random.default_rng(seed)

    def step(self, x, y):
        w1, b1, w2, b2 = self.params
        h = np.maximum(x @ w1 + b1, 0)
        z = h @ w2 + b2
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        loss = -float(np.log(p[np.arange(len(y)), y]).mean())
        p[np.arange(len(y)), y] -= 1
        p /= len(y)
        dh = (p @ w2.T) * (h > 0)
        grads = [x.T @ dh, dh.sum(axis=0), h.T @ p, p.sum(axis=0)]
        self.t += 1
        for param, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * (g * g)
            param -= (self.lr * (m / (1 - 0.9**self.t)) / (np.sqrt(v / (1 - 0.999**self.t)) + 1e-8)).astype(
                np.float32
            )
        return loss

    def epoch(self, X, y, batch_size=32):
        order = self.rng.permutation(len(y))
        return [
            self.step(X[idx], y[idx]) for idx in np.array_split(order, range(batch_size, len(y), batch_size))
        ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="measured epochs (best is reported)")
    args = parser.parse_args()
    header("bench_training: one digits epoch, TinyTorch vs plain NumPy")
    X_train, X_test, y_train, y_test = train_test_split(*load_digits(), test_size=0.25, seed=0)
    tt.manual_seed(0)
    model = Sequential(Linear(64, 128), ReLU(), Linear(128, 10))
    loader = DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0)
    loss_fn, opt = CrossEntropyLoss(), Adam(model.parameters(), lr=1e-2)
    ref = NumpyMLP()
    Xn, yn = np.asarray(X_train, dtype=np.float32), np.asarray(y_train)
    fit(model, loader, loss_fn, opt, epochs=1)  # warm-up
    ref.epoch(Xn, yn)
    print(f"MLP 64-128-10, Adam, batch 32, {len(y_train)} training samples, {len(loader)} batches/epoch")
    state = {}

    def measure():
        tiny, numpy_ = interleaved_best(
            (lambda: fit(model, loader, loss_fn, opt, epochs=1), lambda: ref.epoch(Xn, yn)),
            rounds=args.repeats,
            warmup=False,
        )
        state.update(tiny=tiny, numpy=numpy_)
        print(
            f"  one epoch: TinyTorch {tiny * 1e3:.1f} ms, plain NumPy {numpy_ * 1e3:.1f} ms "
            f"(best of {args.repeats} each, after 1 warm-up)",
            flush=True,
        )
        return tiny / numpy_

    guard(
        "training epoch: TinyTorch / plain NumPy time",
        measure,
        lambda r: r <= 2.0,
        lambda r: f"{r:.2f}x",
        "<= 2x",
    )
    guard(
        "training epoch: TinyTorch time",
        lambda: state["tiny"],
        lambda t: t < TARGET_S,
        lambda t: f"{t * 1e3:.1f} ms",
        f"< {TARGET_S * 1e3:.0f} ms",
        retries=0,
    )
    acc = evaluate(model, DataLoader(X_test, y_test, batch_size=256))
    print(
        f"after the timed epochs: TinyTorch test accuracy {acc:.4f}; plain NumPy epoch mean loss "
        f"{np.mean(ref.epoch(Xn, yn)):.4f} (both train: the NumPy loop is a real epoch, not a stub)"
    )
    return finish()


if __name__ == "__main__":
    sys.exit(main())
