# %% [markdown]
# # Module 16, beyond the core: gradual pruning with the cubic schedule
#
# Pruning 90 % of a network in one shot removes many weights the network still relies on; fine-tuning
# must then repair a large shock. **Gradual pruning** (Zhu & Gupta 2017, "To prune, or not to prune",
# = TF-MOT `PolynomialDecay(power=3)`, = Distiller AGP) raises the *cumulative* sparsity target in
# steps with fine-tuning in between:
#
# $$s_t = s_f + (s_i - s_f)\left(1 - \frac{t - t_0}{n\,\Delta t}\right)^3,\qquad t \in \{t_0, t_0 + \Delta t, \dots, t_0 + n\Delta t\}$$
#
# (progress clipped to [0, 1]). It prunes fast early, when redundancy is high, and slowly near the target.
# Targets are relative to the original size; the equivalent relative amount of step t is
# `a_t = (s_t - s_{t-1}) / (1 - s_{t-1})` (of the weights still alive).
#
# Exported to `tinytorch/compression/schedule.py`.

# %%
#| default_exp compression.schedule
#| export
import numpy as np

from tinytorch.compression.sparsity import prunable_parameters
from tinytorch.core.checks import (
    check_fraction,
    check_int,
    check_loss_fn,
    check_nonempty_loader,
    check_optimizer,
    check_parameters,
    check_real,
    check_that,
)
from tinytorch.lesson import graded
from tinytorch.training import evaluate, fit


# %%
#| export
def _check_schedule(initial_sparsity, final_sparsity, n_steps, begin_step, frequency):
    s_i = check_fraction("initial_sparsity", initial_sparsity, high_open=True)
    s_f = check_fraction("final_sparsity", final_sparsity, high_open=True)
    check_that(s_f >= s_i, "final_sparsity", final_sparsity, f"a value in [initial_sparsity={s_i!r}, 1)")
    n = check_int("n_steps", n_steps, low=1)
    t0 = check_int("begin_step", begin_step, low=0)
    dt = check_int("frequency", frequency, low=1)
    return s_i, s_f, n, t0, dt


def cubic_sparsity(step, initial_sparsity=0.0, final_sparsity=0.9, n_steps=10, begin_step=0, frequency=1):
    """Zhu & Gupta target at `step`: s_f + (s_i - s_f) * (1 - p)**3, p = clip((step - t0) / (n * dt), 0, 1).

    initial/final sparsity in [0, 1) with final >= initial; n_steps >= 1; begin_step >= 0; frequency >= 1.
    s_i=0, s_f=0.9, n=10: step 0 -> 0, step 5 -> 0.7875, step 10 (and later) -> 0.9.
    """
    s_i, s_f, n, t0, dt = _check_schedule(initial_sparsity, final_sparsity, n_steps, begin_step, frequency)
    t = check_int("step", step, low=0)
    p = (t - t0) / (n * dt)
    if p <= 0.0 or p >= 1.0:  # exact endpoints
        return s_i if p <= 0.0 else s_f
    return s_f + (s_i - s_f) * (1.0 - p) ** 3


def cubic_schedule(initial_sparsity=0.0, final_sparsity=0.9, n_steps=10, begin_step=0, frequency=1):
    """[(step, target)] for the n_steps + 1 pruning steps t0, t0 + dt, ..., t0 + n * dt."""
    s_i, s_f, n, t0, dt = _check_schedule(initial_sparsity, final_sparsity, n_steps, begin_step, frequency)
    steps = t0 + dt * np.arange(n + 1)
    targets = s_f + (s_i - s_f) * (1.0 - np.arange(n + 1) / n) ** 3
    targets[0], targets[-1] = s_i, s_f
    return [(int(t), float(s)) for t, s in zip(steps, targets)]


def relative_amount(previous, target):
    """Fraction of the still-unpruned weights to prune to go from cumulative `previous` to `target`:
    (target - previous) / (1 - previous); previous in [0, 1), target in [previous, 1]."""
    prev = check_fraction("previous", previous, high_open=True)
    tgt = check_real("target", target, low=prev, high=1.0)
    return (tgt - prev) / (1.0 - prev)


# %% [markdown]
# The table from the conventions (s_i = 0, s_f = 0.9, n = 10):

# %%
sched = cubic_schedule(0.0, 0.9, 10)
print("  t " + " ".join(f"{t:>6d}" for t, _ in sched))
print("s_t " + " ".join(f"{s:6.4f}" for _, s in sched))
print(
    "a_t " + "     - " + " ".join(f"{relative_amount(a, b):6.4f}" for (_, a), (_, b) in zip(sched, sched[1:]))
)
assert cubic_sparsity(5) == 0.7875 and cubic_sparsity(10) == 0.9 and cubic_sparsity(0) == 0.0


# %% [markdown]
# ## Gradual pruning with fine-tuning between steps
#
# `gradual_prune` runs the schedule on a model: at every step it calls the global, cumulative, exact-k
# `magnitude_prune` (which never regrows) and then fine-tunes for a few epochs. `magnitude_prune` stores
# `Parameter.mask`, which the optimizers honour, so fine-tuning keeps every pruned weight at exactly 0.


# %%
#| export
def _masked_percent(masks):
    """Percent of the entries that `masks` ({name: bool mask, True = kept}, as prune returns) mark pruned."""
    ok = isinstance(masks, dict) and all(np.asarray(m).dtype == np.bool_ for m in masks.values())
    check_that(ok, "prune(model, sparsity)", masks, "a dict name -> bool mask", TypeError)
    total = sum(np.size(m) for m in masks.values())
    return 100.0 * sum(np.size(m) - np.count_nonzero(m) for m in masks.values()) / total if total else 0.0


def gradual_prune(
    model,
    train_loader,
    loss_fn,
    optimizer,
    final_sparsity=0.9,
    n_steps=10,
    epochs_per_step=1,
    initial_sparsity=0.0,
    eval_loader=None,
    prune=None,
):
    """Prune `model` in place along the cubic schedule, fine-tuning `epochs_per_step` epochs after each
    of the n_steps + 1 steps (so (n_steps + 1) * epochs_per_step epochs in total).

    prune: the global, cumulative pruner prune(model, sparsity) -> {name: mask}; None means
    tinytorch.compression.magnitude.magnitude_prune looked up at call time (in the student bundle: the
    student's own export). Pass the notebook's magnitude_prune to use it before it is exported.
    optimizer must hold trainable parameters of the model (masks are honoured by the optimizer).
    Returns [{step, target, weight_sparsity (percent of the prunable weights masked), loss, accuracy
    (None without eval_loader)}]. Every argument is checked before the first prune, so a rejected call
    leaves the model untouched.
    """
    check_that(prunable_parameters(model), "model", model, "a model with prunable weights (ndim >= 2)")
    check_parameters(model.named_parameters(), why="its weights cannot be ranked or trained")
    check_nonempty_loader("train_loader", train_loader)
    if eval_loader is not None:
        check_nonempty_loader("eval_loader", eval_loader)
    check_loss_fn("loss_fn", loss_fn)
    check_optimizer("optimizer", optimizer, owner=model)
    trainable = any(p.requires_grad for p in model.parameters())
    check_that(trainable, "model", model, "a trainable parameter (not all frozen)")
    epochs = check_int("epochs_per_step", epochs_per_step, low=1)
    schedule = cubic_schedule(initial_sparsity, final_sparsity, n_steps)
    prune = graded("magnitude_prune", prune, "prune")
    history = []
    for step, target in schedule:
        masks = prune(model, target)
        loss = fit(model, train_loader, loss_fn, optimizer, epochs=epochs)[-1]
        history.append(
            dict(
                step=step,
                target=target,
                weight_sparsity=_masked_percent(masks),
                loss=loss,
                accuracy=None if eval_loader is None else evaluate(model, eval_loader),
            )
        )
    return history


# %% [markdown]
# ## One-shot vs gradual at 90 %, 95 % and 98 % on digits
#
# Same trained dense MLP (64-128-64-10, 30 epochs of Adam), same fine-tuning budget: gradual spends
# 11 epochs (one after each of its 11 steps), one-shot prunes once and fine-tunes 11 epochs. Both arms use
# a fresh Adam with the same learning rate. Seeds are fixed, so the numbers below reproduce exactly.

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

X_train, X_test, y_train, y_test = digits_split()
test_loader = DataLoader(X_test, y_test, batch_size=512)


def loader(seed):
    return DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=seed)


def show(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    display(Image(buf.getvalue()))


dense = make_mlp((64, 128, 64, 10), seed=0)
fit(dense, loader(0), CrossEntropyLoss(), Adam(dense.parameters(), lr=3e-3), epochs=30)
dense_acc = evaluate(dense, test_loader)
print(f"dense accuracy {dense_acc:.4f}")

results, curves = {}, {}
for target in (0.9, 0.95, 0.98):
    one = copy.deepcopy(dense)
    magnitude_prune(one, target)
    shock = evaluate(one, test_loader)
    fit(one, loader(1), CrossEntropyLoss(), Adam(one.parameters(), lr=1e-3), epochs=11)
    grad = copy.deepcopy(dense)
    hist = gradual_prune(
        grad,
        loader(1),
        CrossEntropyLoss(),
        Adam(grad.parameters(), lr=1e-3),
        final_sparsity=target,
        n_steps=10,
        eval_loader=test_loader,
    )
    assert measure_sparsity(one, weights_only=True) == measure_sparsity(grad, weights_only=True)
    results[target] = (shock, evaluate(one, test_loader), hist[-1]["accuracy"])
    curves[target] = hist
print(f"{'target':>7s} {'one-shot, no FT':>16s} {'one-shot + FT':>14s} {'gradual':>8s}")
for target, (shock, one_acc, grad_acc) in results.items():
    print(f"{target:>7.2f} {shock:>16.4f} {one_acc:>14.4f} {grad_acc:>8.4f}")
print(
    "gradual - one-shot:",
    {t: round(g - o, 4) for t, (_, o, g) in results.items()},
    f"(one image = {1 / len(y_test):.4f})",
)

# %%
fig = Figure(figsize=(10, 3.6))
ax1, ax2 = fig.subplots(1, 2)
for target, hist in curves.items():
    ax1.plot(
        [h["weight_sparsity"] for h in hist],
        [h["accuracy"] for h in hist],
        "o-",
        label=f"gradual to {target}",
    )
ax1.axhline(dense_acc, color="gray", ls="--", label="dense")
ax1.set(
    xlabel="weight sparsity after step (%)", ylabel="test accuracy", title="gradual pruning, step by step"
)
ax1.legend(fontsize=8)
ts = list(results)
ax2.plot(ts, [results[t][0] for t in ts], "s:", label="one-shot, no fine-tuning")
ax2.plot(ts, [results[t][1] for t in ts], "o-", label="one-shot + 11 epochs")
ax2.plot(ts, [results[t][2] for t in ts], "^-", label="gradual (11 steps)")
ax2.set(xlabel="final sparsity", ylabel="test accuracy", title="same fine-tuning budget")
ax2.legend(fontsize=8)
show(fig)

# %% [markdown]
# The one-shot "no fine-tuning" column is the shock that fine-tuning must repair; the gradual schedule
# never takes one cut that large. On this small task and budget the two arms may end close to each other:
# the last line under the table gives the measured gap (gradual - one-shot) at each target. This is one
# seed, so a gap of a few test images (the size of one image is printed) is within noise; read the printed values
# rather than assuming the literature's ordering holds on every seed.
