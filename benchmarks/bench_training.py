"""Time one training epoch of the digits MLP (64-128-10, Adam, batch 32) with TinyTorch.

Prints the best of several measured epochs after a warm-up epoch, and the target (< 0.1 s).
Run: python benchmarks/bench_training.py [--repeats N]
"""
import argparse
import os
import platform
import time

import numpy as np

import tinytorch as tt
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import Adam
from tinytorch.data import DataLoader, load_digits, train_test_split
from tinytorch.training import evaluate, fit

TARGET_S = 0.1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="measured epochs (best is reported)")
    args = parser.parse_args()
    X_train, X_test, y_train, y_test = train_test_split(*load_digits(), test_size=0.25, seed=0)
    tt.manual_seed(0)
    model = Sequential(Linear(64, 128), ReLU(), Linear(128, 10))
    loader = DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0)
    loss_fn, opt = CrossEntropyLoss(), Adam(model.parameters(), lr=1e-2)
    fit(model, loader, loss_fn, opt, epochs=1)  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        fit(model, loader, loss_fn, opt, epochs=1)
        times.append(time.perf_counter() - t0)
    acc = evaluate(model, DataLoader(X_test, y_test, batch_size=256))
    best, median = min(times), float(np.median(times))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}")
    print(f"MLP 64-128-10, Adam, batch 32, {len(y_train)} training samples, {len(loader)} batches/epoch")
    print(f"one epoch (forward + backward + step): best {best * 1e3:.1f} ms, median {median * 1e3:.1f} ms "
          f"over {args.repeats} epochs after 1 warm-up")
    print(f"target: < {TARGET_S * 1e3:.0f} ms -> {'met' if best < TARGET_S else 'NOT met'}")
    print(f"test accuracy after {1 + args.repeats} epochs: {acc:.4f}")


if __name__ == "__main__":
    main()
