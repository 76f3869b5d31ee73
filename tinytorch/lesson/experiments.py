"""The module-16 lesson's experiment loops (given, not graded). Each takes the graded functions it runs as
arguments, so the notebook runs them with the student's own functions, and returns the measured numbers.

`data` is the tuple (X_train, y_train, X_test, y_test) of fashion_data; accuracies are on the test set."""

import copy

import numpy as np

from ..compression.schedule import cubic_schedule
from ..core.optim import Adam
from ..core.tensor import Tensor, no_grad
from ..data import DataLoader
from .data import accuracy, make_mlp, train


def fine_tune(models, data, epochs, offset=100):
    """Train every model of {seed: model} `epochs` more epochs on the training set, in place (data order
    from offset + seed); returns the test accuracy per seed, in the dict's order."""
    X, y, X_test, y_test = data
    accs = []
    for seed, model in models.items():
        train(model, X, y, epochs, seed=offset + seed)
        accs.append(accuracy(model, X_test, y_test))
    return accs


def dense_models(seeds, data, epochs, ft_epochs):
    """({seed: dense LeNet-sized MLP trained `epochs` epochs}, its test accuracy per seed, the test accuracy
    per seed of a copy trained ft_epochs epochs more: the baseline of every fine-tuned compressed model)."""
    X, y, X_test, y_test = data
    dense = {}
    for seed in seeds:
        dense[seed] = make_mlp(seed=seed)
        train(dense[seed], X, y, epochs, seed=seed)
    acc = [accuracy(model, X_test, y_test) for model in dense.values()]
    return dense, acc, fine_tune(copy.deepcopy(dense), data, ft_epochs)


def _weights(model):
    return sum(p.data.size for p in model.parameters() if p.data.ndim >= 2)


def knee(model, magnitude_prune, structured_prune, X, y, sparsities, ratios):
    """{"magnitude": [(% of weights zeroed, accuracy)], "structured": [(% of weights removed, accuracy)]} of
    copies of `model` pruned at each sparsity (magnitude) or ratio (structured, physical), not fine-tuned."""
    curves = {"magnitude": [], "structured": []}
    for s in sparsities:
        pruned = copy.deepcopy(model)
        magnitude_prune(pruned, sparsity=s)
        curves["magnitude"].append((100 * s, accuracy(pruned, X, y)))
    for r in ratios:
        narrowed = copy.deepcopy(model)
        structured_prune(narrowed, prune_ratio=r, physical=True)
        gone = 100 * (1 - _weights(narrowed) / _weights(model))
        curves["structured"].append((gone, accuracy(narrowed, X, y)))
    return curves


def kd_arms(teacher, distillation, seed, temperature, pool, held_out, widths, n_labeled, epochs):
    """[alone, teacher labels, distilled]: held-out accuracy of three students of `widths`, all initialised
    from `seed`. pool = (X, y) training images, of which n_labeled (drawn from 100 + seed) keep their label;
    held_out = (X, y). alone: cross-entropy on the labelled images only (3 * epochs epochs, batches of 64);
    teacher labels: cross-entropy on the whole pool, the teacher's argmax standing in for a missing label;
    distilled: `distillation` (the KnowledgeDistillation class) at alpha = 1 on the whole pool."""
    X, y = pool
    lab = np.random.default_rng(100 + seed).choice(len(X), n_labeled, replace=False)
    with no_grad():
        hard = teacher(Tensor(X)).data.argmax(axis=1)
    hard[lab] = y[lab]
    out = []
    for arm in ("alone", "teacher labels", "distilled"):
        student = make_mlp(widths, seed=seed)
        opt = Adam(student.parameters(), lr=3e-3)
        if arm == "alone":
            train(student, X[lab], y[lab], 3 * epochs, seed=seed, batch_size=64, optimizer=opt)
        elif arm == "teacher labels":
            train(student, X, hard, epochs, seed=seed, optimizer=opt)
        else:  # the labels in the loader are unused at alpha = 1
            loader = DataLoader(X, hard, batch_size=128, shuffle=True, seed=seed)
            distillation(teacher, student, temperature, alpha=1.0).fit(loader, opt, epochs=epochs)
        out.append(accuracy(student, *held_out))
    return out


def gradual_and_one_shot(dense, magnitude_prune, data, final, epochs, offset=200):
    """(gradual, one-shot, one-shot before fine-tuning): test accuracy per seed of copies of {seed: model}
    pruned to `final`. Gradual: `epochs` pruning steps along cubic_schedule(0, final, epochs - 1), one epoch
    of fine-tuning after each; one-shot: pruned once, then `epochs` epochs. One Adam per model, the same data
    order for both."""
    X, y, X_test, y_test = data
    gradual, one_shot, start = [], [], []
    for seed, model in dense.items():
        g, o = copy.deepcopy(model), copy.deepcopy(model)
        opt = Adam(g.parameters(), lr=1e-3)
        for _, target in cubic_schedule(0.0, final, epochs - 1):
            magnitude_prune(g, target)
            train(g, X, y, 1, seed=offset + seed, optimizer=opt)
        magnitude_prune(o, final)
        start.append(accuracy(o, X_test, y_test))
        train(o, X, y, epochs, seed=offset + seed, optimizer=Adam(o.parameters(), lr=1e-3))
        gradual.append(accuracy(g, X_test, y_test))
        one_shot.append(accuracy(o, X_test, y_test))
    return gradual, one_shot, start
