"""The module-16 lesson's plots (given, not graded): each takes the numbers the notebook measured and draws
one figure with one unit per axis, a legend for every colour and, for accuracies, the chance line."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from ..compression.nm import nm_mask
from .stats import mean_ci

__all__ = ["plot_arms", "plot_energy", "plot_knee", "plot_macs_and_speed", "plot_patterns"]


def _ci_err(values):
    m, c = mean_ci(values)
    return m, None if np.isnan(c) else c


def _chance(ax, dense):
    ax.axhline(dense, color="gray", lw=0.8, ls="--", label="dense")
    ax.axhline(0.1, color="k", lw=0.8, ls=":", label="chance (10 classes)")


def plot_knee(curves, after, dense):
    """curves: {kind: [(% of weights removed, accuracy before fine-tuning)]}; after: {label: (% removed,
    per-seed accuracies after fine-tuning)}; dense: the dense accuracy."""
    _, ax = plt.subplots()
    for (kind, points), marker in zip(curves.items(), "os"):
        ax.plot(
            *zip(*points), marker + "-", color=f"C{'os'.index(marker)}", label=f"{kind}, before fine-tuning"
        )
    for i, (label, (x, accs)) in enumerate(after.items()):
        m, err = _ci_err(accs)
        ax.errorbar(x, m, yerr=err, fmt="*", ms=12, color=f"C{i}", capsize=4, label=f"{label}, fine-tuned")
    _chance(ax, dense)
    ax.set(xlabel="weights removed (% of all weights)", ylabel="test accuracy (fraction)", title="The knee")
    ax.legend(fontsize=7, loc="lower left")
    plt.show()


def plot_patterns(weight, rows=32, cols=48):
    """Kept (black) and pruned (white) entries of weight[:rows, :cols] under three patterns, and a zoom of the
    2:4 pattern with the boundaries of its groups of 4 consecutive inputs."""
    w = weight[:rows, :cols]
    norms = np.linalg.norm(weight, axis=0)[:cols]
    patterns = {
        "unstructured 50 %": np.abs(w) > np.median(np.abs(w)),
        "structured 50 % (neurons)": np.broadcast_to(norms > np.median(norms), w.shape),
        "2:4 semi-structured": nm_mask(w, n=2, m=4),
    }
    patterns["2:4, zoom: 3 groups of 4 inputs"] = patterns["2:4 semi-structured"][:12, :8]
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.4))
    for ax, (name, keep) in zip(axes, patterns.items()):
        ax.imshow(keep, cmap="gray_r", interpolation="nearest", vmin=0, vmax=1)
        ax.set(title=f"{name}\n{100 * (1 - keep.mean()):.0f} % zero", xlabel="output neuron", ylabel="input")
    for g in (1, 2):
        axes[3].axhline(4 * g - 0.5, color="C3", lw=2)
    handles = [
        Patch(color="black", label="kept weight"),
        Patch(facecolor="white", edgecolor="k", label="pruned"),
    ]
    handles.append(Patch(color="C3", label="group boundary"))
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8)
    plt.tight_layout(rect=(0, 0.08, 1, 1))
    plt.show()


def plot_arms(arms, teacher, title):
    """Bars of mean test accuracy with 95 % t-intervals: arms = {label: per-seed accuracies}."""
    _, ax = plt.subplots()
    for i, (label, accs) in enumerate(arms.items()):
        m, err = _ci_err(accs)
        ax.bar(i, m, yerr=err, capsize=5, color=f"C{i}", label=label)
    _chance(ax, teacher)
    ax.set_xticks(range(len(arms)), [label.split(" (")[0] for label in arms])
    ax.set(ylim=(0, 1), ylabel="test accuracy (fraction)", title=title)
    ax.legend(fontsize=7, loc="lower right")
    plt.show()


def plot_energy(spectrum, k90, break_even):
    """Retained energy (cumulative squared singular values / their sum) against the rank k."""
    energy = np.cumsum(spectrum**2) / np.sum(spectrum**2)
    _, ax = plt.subplots()
    ax.plot(np.arange(1, len(energy) + 1), energy, label="retained energy, trained layer")
    ax.axvline(k90, color="C1", ls="--", label=f"k = {k90}: 90 % of the energy")
    ax.axvline(break_even, color="gray", ls=":", label="break-even rank m*n/(m+n)")
    ax.set(xlabel="rank k", ylabel="retained energy (fraction)", title="Energy of the top-k directions")
    ax.legend(fontsize=8, loc="lower right")
    plt.show()


def plot_macs_and_speed(mac_ratios, speedups):
    """Side by side per model: the MAC ratio dense / model and the measured (median, min, max) speedup."""
    names = list(mac_ratios)
    xs = np.arange(len(names))
    med = np.array([speedups[n][0] for n in names])
    err = [med - [speedups[n][1] for n in names], [speedups[n][2] for n in names] - med]
    _, ax = plt.subplots()
    ax.bar(xs - 0.2, [mac_ratios[n] for n in names], 0.4, label="MAC ratio (dense / model)")
    ax.bar(xs + 0.2, med, 0.4, yerr=err, capsize=4, label="measured speedup (median, range)")
    ax.axhline(1, color="gray", lw=0.8, ls="--", label="dense speed")
    ax.set_xticks(xs, names, fontsize=8)
    ax.set(ylabel="ratio to dense (x)", title="Fewer MACs is not the same as faster")
    ax.legend(fontsize=8)
    plt.show()
