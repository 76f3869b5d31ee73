# %% [markdown]
# # Module 16, beyond the core: per-layer sensitivity scan
#
# Layers differ in how much pruning they tolerate: the first layer of a digits MLP sees raw pixels,
# the classifier has few weights but each one matters. A **sensitivity scan** (MIT EfficientML Lab 1,
# Han et al. 2015) prunes *one layer at a time* at several sparsities, measures accuracy with every other
# layer intact, and restores the model after each trial. From the curves we pick a per-layer sparsity:
# here the largest scanned sparsity whose accuracy drop, and that of every smaller scanned sparsity,
# stays within a tolerance.
#
# Exported to `tinytorch/compression/sensitivity.py`.

# %%
#| default_exp compression.sensitivity
#| export
import numpy as np

from tinytorch.compression.sparsity import prunable_parameters
from tinytorch.core.checks import (
    check_amount,
    check_array,
    check_nonempty_loader,
    check_parameters,
    check_real,
    check_that,
)
from tinytorch.core.module import Module, Parameter
from tinytorch.lesson import graded
from tinytorch.training import evaluate


# %%
#| export
class _Holder(Module):
    """A model holding one parameter, so a global pruner (magnitude_prune) prunes that parameter alone."""

    def __init__(self, param):
        super().__init__()
        self.weight = param


def _prune_alone(prune, param, sparsity):
    """prune(model, sparsity) on a model holding only `param` (pruned in place); returns param.data."""
    prune(_Holder(param), sparsity)
    return param.data


def _weights(model, names, arg="names", writable=True):
    """{name: Parameter} of the named prunable weights (all of them when names is None), all finite;
    `arg` is the argument the names came from (for error messages)."""
    weights = dict(prunable_parameters(model))
    check_that(weights, "model", model, "a model with prunable weights (ndim >= 2)")
    if names is not None:
        ok = isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names)
        check_that(ok, arg, names, f"a list of weight names such as [{next(iter(weights))!r}]", TypeError)
        unknown = [n for n in names if n not in weights]
        check_that(names and not unknown, arg, names, f"some of {list(weights)}")
        weights = {n: weights[n] for n in names}
    check_parameters(weights.items(), writable=writable, why="its weights cannot be ranked")
    return weights


def sensitivity_scan(
    model, eval_loader, sparsities=(0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98), names=None, prune=None
):
    """Accuracy of `model` with one weight at a time pruned at each sparsity, by `prune` applied to that
    weight alone (a copy of it; prune=None: tinytorch.compression.magnitude.magnitude_prune, looked up
    at call time, so in the student bundle it is the student's own export).

    names: a list of weights to scan (default None: every parameter with ndim >= 2; a bare str is
    rejected). The model is restored exactly (data and mask) after every trial. Returns {"baseline":
    accuracy, "sparsities": [...], "accuracy": {name: [accuracy at each sparsity]}}.
    """
    sps = check_array("sparsities", sparsities, ndim=1).astype(np.float64).tolist()
    ok = sps and 0.0 <= min(sps) and max(sps) <= 1.0
    check_that(ok, "sparsities", sparsities, "a non-empty sequence of floats in [0, 1]")
    weights = _weights(model, names, writable=False)  # trials replace p.data, never write into it
    check_nonempty_loader("eval_loader", eval_loader)
    prune = graded("magnitude_prune", prune, "prune")
    baseline = evaluate(model, eval_loader)
    acc = {}
    for name, p in weights.items():
        data, mask = p.data, p.mask  # the original array object is put back, untouched
        row = []
        try:
            for s in sps:
                trial = Parameter(data.copy(), requires_grad=False)  # rank the original weights every time
                if mask is not None:
                    trial.set_mask(mask)
                p.data = _prune_alone(prune, trial, s)
                row.append(evaluate(model, eval_loader))
        finally:
            p.data, p.mask = data, mask
        acc[name] = row
    return {"baseline": baseline, "sparsities": sps, "accuracy": acc}


def layer_sparsities(scan, tolerance=0.01):
    """{name: largest scanned sparsity s such that baseline - accuracy <= tolerance at s and at every
    smaller scanned sparsity} (0.0 when even the smallest one fails; tolerance in [0, 1])."""
    tol = check_real("tolerance", tolerance, low=0.0, high=1.0)
    ok = isinstance(scan, dict) and {"baseline", "sparsities", "accuracy"} <= set(scan)
    check_that(ok and isinstance(scan["accuracy"], dict), "scan", scan, "the dict sensitivity_scan returns")
    check_real("scan['baseline']", scan["baseline"])
    n = len(check_array("scan['sparsities']", scan["sparsities"], ndim=1))
    for name, accs in scan["accuracy"].items():
        n_accs = len(check_array(f"scan['accuracy'][{name!r}]", accs, ndim=1))
        check_that(n_accs == n, f"len(scan['accuracy'][{name!r}])", n_accs, f"{n}, one per sparsity")
    order = np.argsort(scan["sparsities"], kind="stable")
    out = {}
    for name, accs in scan["accuracy"].items():
        chosen = 0.0
        for i in order:
            if scan["baseline"] - accs[i] > tol + 1e-12:
                break
            chosen = scan["sparsities"][i]
        out[name] = chosen
    return out


def layerwise_prune(model, sparsities, prune=None):
    """Prune each named weight to its own cumulative target, in place, by `prune` applied to that weight
    alone (prune=None: tinytorch.compression.magnitude.magnitude_prune, looked up at call time).
    Returns {name: mask}. Every name and amount is validated before any weight changes."""
    check_that(isinstance(sparsities, dict), "sparsities", sparsities, "a dict name -> sparsity", TypeError)
    check_that(sparsities, "sparsities", sparsities, "at least one weight name -> sparsity")
    weights = _weights(model, list(sparsities), arg="sparsities keys")
    for name, s in sparsities.items():
        check_amount("sparsity", s, weights[name].data.size)
    prune = graded("magnitude_prune", prune, "prune")
    for name, s in sparsities.items():
        _prune_alone(prune, weights[name], s)
    return {name: weights[name].mask for name in sparsities}


# %% [markdown]
# ## Scanning a trained digits MLP
#
# A 64-256-128-10 MLP trained for 30 epochs. Each curve below is one layer pruned alone (no fine-tuning).

# %%
import copy
import io

from IPython.display import Image, display
from matplotlib.figure import Figure

from tinytorch.compression import magnitude_prune, measure_sparsity
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import Adam
from tinytorch.data import DataLoader
from tinytorch.lesson import digits_split, make_mlp
from tinytorch.training import fit

X_train, X_test, y_train, y_test = digits_split()
train_loader = DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0)
test_loader = DataLoader(X_test, y_test, batch_size=512)
model = make_mlp((64, 256, 128, 10), seed=0)
fit(model, train_loader, CrossEntropyLoss(), Adam(model.parameters(), lr=3e-3), epochs=30)

scan = sensitivity_scan(model, test_loader, sparsities=(0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99))
print(f"baseline accuracy {scan['baseline']:.4f}")
print(f"{'weight':16s} {'size':>6s} " + " ".join(f"{s:>6.2f}" for s in scan["sparsities"]))
sizes = {n: p.data.size for n, p in prunable_parameters(model)}
for name, accs in scan["accuracy"].items():
    print(f"{name:16s} {sizes[name]:>6d} " + " ".join(f"{a:>6.3f}" for a in accs))

# %%
fig = Figure(figsize=(6, 3.6))
ax = fig.subplots()
for name, accs in scan["accuracy"].items():
    ax.plot(scan["sparsities"], accs, "o-", label=f"{name} ({sizes[name]} weights)")
ax.axhline(scan["baseline"] - 0.01, color="gray", ls="--", label="baseline - 1 point")
ax.set(
    xlabel="sparsity of this layer only", ylabel="test accuracy", title="sensitivity scan (no fine-tuning)"
)
ax.legend(fontsize=8)
buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
display(Image(buf.getvalue()))

# %% [markdown]
# ## From the scan to a per-layer sparsity dict
#
# With a tolerance of 1 accuracy point we get one sparsity per layer. Applying all of them at once
# compounds the layers' errors, so we compare with a *uniform global* magnitude prune at the same total
# number of zeros, both before and after 5 epochs of fine-tuning (masks kept).

# %%
plan = layer_sparsities(scan, tolerance=0.01)
print("per-layer plan:", plan)
per_layer = copy.deepcopy(model)
layerwise_prune(per_layer, plan)
total_zeros = sum(int(np.count_nonzero(p.data == 0)) for _, p in prunable_parameters(per_layer))
uniform = copy.deepcopy(model)
magnitude_prune(uniform, total_zeros)
assert measure_sparsity(per_layer, weights_only=True) == measure_sparsity(uniform, weights_only=True)
print(f"weight sparsity of both: {measure_sparsity(per_layer, weights_only=True):.2f} %")
for label, m in (("per-layer (scan)", per_layer), ("global magnitude", uniform)):
    before = evaluate(m, test_loader)
    fit(
        m,
        DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=1),
        CrossEntropyLoss(),
        Adam(m.parameters(), lr=1e-3),
        epochs=5,
    )
    per = {
        n: round(float(100 - 100 * np.count_nonzero(p.data) / p.data.size), 1)
        for n, p in prunable_parameters(m)
    }
    print(
        f"{label:17s} accuracy {before:.4f} -> {evaluate(m, test_loader):.4f} after fine-tuning; per layer % zeros {per}"
    )

# %% [markdown]
# Global magnitude pruning decides per-layer sparsity implicitly (layers with small weights lose more);
# the scan makes the decision explicit and protects the sensitive layers. The scan is per layer and
# ignores interactions, so it is a starting point for a plan, not a guarantee.
