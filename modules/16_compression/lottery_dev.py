# %% [markdown]
# # Module 16, beyond the core: lottery tickets and rewinding
#
# Frankle & Carbin (ICLR 2019) found that a dense network contains sparse sub-networks ("winning
# tickets") that train to the full network's accuracy **from the original initialisation**: train, prune
# p % of the weights by magnitude, reset the survivors to their initial values theta_0, retrain, repeat.
# The same masks with a *random* re-initialisation train worse: the initial values matter, not only the
# wiring. Frankle et al. (ICML 2020) showed that beyond small settings one must **rewind** to weights
# theta_k from early in training (step k) rather than theta_0.
#
# Three arms, each pruning 20 % (here a larger fraction, to reach high sparsity in few rounds) of the
# remaining weights per round with the global exact-k `magnitude_prune`:
#
# | arm | after each prune the survivors are | then |
# |---|---|---|
# | rewind | reset to theta_k (weights after k optimizer steps) | retrain `epochs` |
# | reinit | drawn from a fresh random initialisation (same masks as rewind) | retrain `epochs` |
# | finetune | kept at their trained values | fine-tune `epochs` |
#
# Reading the paper's figures: P_m is the fraction of weights **remaining**. Tickets learn fastest around
# P_m = 21 %; at P_m = 3.6 % they only match the original network: that is the break-even, not the best ticket.
#
# Exported to `tinytorch/compression/lottery.py`.

# %%
#| default_exp compression.lottery
#| export
import copy

import numpy as np

import tinytorch
from tinytorch.compression.sparsity import prunable_parameters
from tinytorch.core.checks import (
    check_array,
    check_fraction,
    check_int,
    check_loader,
    check_loss_fn,
    check_module,
    check_nonempty_loader,
    check_optimizer,
    check_parameters,
    check_real,
    check_that,
)
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.module import Module
from tinytorch.core.optim import Adam
from tinytorch.core.random import get_rng
from tinytorch.lesson import graded
from tinytorch.training import evaluate, fit, train_step


# %%
#| export
def train_steps(model, loader, loss_fn, optimizer, steps):
    """Exactly `steps` optimizer steps over `loader` (restarted as often as needed), in train mode.

    A NaN/inf loss or gradient stops with ValueError naming the step; that step changes nothing."""
    check_module("model", model)
    check_parameters(model.named_parameters(), why="it cannot be trained")
    check_loader("loader", loader)
    check_loss_fn("loss_fn", loss_fn)
    check_optimizer("optimizer", optimizer)
    steps = check_int("steps", steps, low=0)
    check_that(not steps or len(loader), "loader", loader, f"at least one batch for steps={steps}")
    done = 0
    while done < steps:
        for x, y in loader:
            if done == steps:
                break
            train_step(model, x, y, loss_fn, optimizer, f"at step {done} (0-based)")
            done += 1
    return model


def apply_masks(model, masks, state=None):
    """Set `param.mask` from {name: bool mask} and zero the masked entries; with `state` (a state_dict),
    first load those values into every parameter (rewinding: param = mask * state).

    Masks must be bool arrays (True = kept) of the parameter's shape; float, int or str masks are
    rejected rather than cast. Everything is checked before any parameter changes."""
    check_module("model", model)
    check_that(isinstance(masks, dict), "masks", masks, "a dict name -> bool mask", TypeError)
    params = dict(model.named_parameters())
    for name, mask in masks.items():
        want = f"a bool mask of shape {params[name].shape}" if name in params else "a parameter's name"
        check_that(name in params and np.shape(mask) == params[name].shape, f"masks[{name!r}]", mask, want)
        check_that(np.asarray(mask).dtype == np.bool_, f"masks[{name!r}]", mask, want, TypeError)
    touched = params if state is not None else {n: params[n] for n in masks}  # state reloads every one
    check_parameters(touched.items(), finite=False)
    if state is not None:
        check_that(isinstance(state, dict), "state", state, "None or a state_dict", TypeError)
        for name, value in state.items():
            check_array(f"state[{name!r}]", value)
        model.load_state_dict(state)  # checks every key and shape before copying anything
    for name, mask in masks.items():
        params[name].mask = mask  # the setter stores a read-only copy
        params[name].data[~params[name].mask] = 0
    return model


def remaining_fraction(model):
    """Fraction of prunable weights (ndim >= 2) that are not masked (no mask = all remaining).

    A model without prunable weights has no such fraction: ValueError (not 1.0, which would read as
    "nothing was pruned" for a model that cannot be pruned at all)."""
    named = prunable_parameters(model)
    total = sum(p.size for _, p in named)
    check_that(total, "model", model, "a model with prunable weights (ndim >= 2)")
    kept = sum(p.size if p.mask is None else int(np.count_nonzero(p.mask)) for _, p in named)
    return kept / total


# %%
#| export
def _new_model(make_model, seed):
    """make_model() after manual_seed(seed), checked: a Module with prunable weights (train_steps checks its
    parameters next). A rejected model puts the global generator back as it was before the seeding."""
    state = get_rng().bit_generator.state
    tinytorch.manual_seed(seed)
    try:
        model = check_module("make_model()", make_model())
        check_that(prunable_parameters(model), "make_model()", model, "a model with prunable weights")
    except (TypeError, ValueError):
        get_rng().bit_generator.state = state
        raise
    return model


def lottery_ticket(
    make_model,
    train_loader,
    eval_loader,
    rounds=5,
    prune_fraction=0.2,
    epochs=10,
    rewind_steps=20,
    lr=3e-3,
    seed=0,
    prune=None,
):
    """Iterative magnitude pruning with rewinding to theta_k, random re-init of the same masks, and
    keep-trained fine-tuning.

    make_model(): a fresh Module (initialised from the global generator, seeded here). Round r prunes to
    the cumulative target 1 - (1 - prune_fraction)**r with prune(model, sparsity) -> {name: mask} (None:
    tinytorch.compression.magnitude.magnitude_prune, looked up at call time, i.e. the student's export),
    then trains `epochs` with a fresh Adam(lr). Returns {"dense": accuracy, "rewind" | "reinit" | "finetune": [{round, remaining, accuracy}]}.
    """
    ok = callable(make_model) and not isinstance(make_model, Module)
    check_that(ok, "make_model", make_model, "a function returning a new Module", TypeError)
    rounds = check_int("rounds", rounds, low=1)
    p = check_fraction("prune_fraction", prune_fraction, low_open=True, high_open=True)
    epochs = check_int("epochs", epochs, low=1)
    rewind_steps = check_int("rewind_steps", rewind_steps, low=0)
    lr = check_real("lr", lr, low=0.0, low_open=True)  # before manual_seed: a rejected call changes nothing
    seed = check_int("seed", seed, low=0)
    check_nonempty_loader("train_loader", train_loader)
    check_nonempty_loader("eval_loader", eval_loader)
    prune = graded("magnitude_prune", prune, "prune")
    loss_fn = CrossEntropyLoss()

    def train(model):
        fit(model, train_loader, loss_fn, Adam(model.parameters(), lr=lr), epochs=epochs)
        return evaluate(model, eval_loader)

    model = _new_model(make_model, seed)
    opt = Adam(model.parameters(), lr=lr)
    train_steps(model, train_loader, loss_fn, opt, rewind_steps)
    theta_k = model.state_dict()
    fit(model, train_loader, loss_fn, opt, epochs=epochs)
    out = {"dense": evaluate(model, eval_loader), "rewind": [], "reinit": [], "finetune": []}
    tuned = copy.deepcopy(model)
    for r in range(1, rounds + 1):
        target = 1.0 - (1.0 - p) ** r
        masks = prune(model, target)
        apply_masks(model, masks, theta_k)
        out["rewind"].append(dict(round=r, remaining=remaining_fraction(model), accuracy=train(model)))
        tinytorch.manual_seed(seed + r)
        fresh = apply_masks(make_model(), masks)
        out["reinit"].append(dict(round=r, remaining=remaining_fraction(fresh), accuracy=train(fresh)))
        prune(tuned, target)
        out["finetune"].append(dict(round=r, remaining=remaining_fraction(tuned), accuracy=train(tuned)))
    return out


# %% [markdown]
# ## Tickets in a digits MLP
#
# A 64-128-64-10 MLP, Adam 3e-3, 5 epochs per (re)training, theta_k after k = 10 steps,
# 5 rounds of 50 %: 50 %, 25 %, 12.5 %, 6.25 %, 3.1 % of the weights remain.

# %%
import io

from IPython.display import Image, display
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from tinytorch.data import DataLoader
from tinytorch.lesson import digits_split, make_mlp

X_train, X_test, y_train, y_test = digits_split()
train_loader = DataLoader(X_train, y_train, batch_size=64, shuffle=True, seed=0)
test_loader = DataLoader(X_test, y_test, batch_size=512)


def make_model():  # seed=None: initialised from the global generator, which lottery_ticket seeds
    return make_mlp((64, 128, 64, 10), seed=None)


res = lottery_ticket(
    make_model,
    train_loader,
    test_loader,
    rounds=5,
    prune_fraction=0.5,
    epochs=5,
    rewind_steps=10,
    lr=3e-3,
    seed=0,
)
print(f"dense accuracy {res['dense']:.4f}")
print(f"{'round':>5s} {'remaining':>9s} {'rewind':>7s} {'reinit':>7s} {'finetune':>8s}")
for a, b, c in zip(res["rewind"], res["reinit"], res["finetune"]):
    assert a["remaining"] == b["remaining"] == c["remaining"]
    print(
        f"{a['round']:>5d} {a['remaining']:>9.4f} {a['accuracy']:>7.4f} {b['accuracy']:>7.4f} {c['accuracy']:>8.4f}"
    )

# %%
fig = Figure(figsize=(6, 3.6))
ax = fig.subplots()
for arm, style in (("rewind", "o-"), ("reinit", "s--"), ("finetune", "^-")):
    ax.plot([100 * e["remaining"] for e in res[arm]], [e["accuracy"] for e in res[arm]], style, label=arm)
ax.axhline(res["dense"], color="gray", ls=":", label="dense")
ax.set_xscale("log")
ticks = [100 * e["remaining"] for e in res["rewind"]]
ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
ax.xaxis.set_minor_formatter(NullFormatter())
ax.invert_xaxis()
ax.set(xlabel="weights remaining (%), log scale", ylabel="test accuracy", title="lottery tickets on digits")
ax.legend(fontsize=8)
buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
display(Image(buf.getvalue()))

# %% [markdown]
# The dense network saw 5 epochs (plus k steps); every round retrains for 5 more epochs, so early rounds
# can beat the dense number simply by training longer: compare the arms with each other, round by round.
# Digits is a small, easy task trained for few epochs, so the arms are close at moderate sparsity;
# the differences that matter show at the smallest remaining fractions. Compare the printed columns
# rather than expecting the MNIST figures of the paper to transfer unchanged.
