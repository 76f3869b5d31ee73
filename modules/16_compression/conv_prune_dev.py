# %% [markdown]
# # Module 16, beyond the core: CNN channel pruning with dependencies
#
# Zeroing weights gives no speedup on a CPU; *removing* whole filters does, because every tensor that
# touches the removed channel shrinks. For a Conv2d with weight `(out_c, in_c, kh, kw)`:
#
# - score filter `o` by the L2 norm of `W[o]` and drop the k = round(r * out_c) weakest (stable ties:
#   lower index first; at least one filter kept);
# - remove `W[o]` and `b[o]` from this conv;
# - **conv -> conv**: the next conv loses input channel `o`: `W_next[:, keep]`;
# - **conv -> flatten -> linear**: channel `o` of an (N, C, H, W) map becomes the block of H*W
#   consecutive flattened features `o*H*W ... o*H*W + H*W - 1`, so the Linear (in, out) loses those rows.
#
# ```
#  conv1 (8 filters) --ReLU--> conv2 (16 filters) --ReLU--MaxPool--Flatten--> Linear(16*4*4, 10)
#   drop filters 3, 7  |        drop input ch 3, 7     drop filters 0, 5     drop rows 0..15 and 80..95
# ```
#
# Channel-wise layers between them (ReLU, Tanh, MaxPool2d, Dropout) map a zero channel to a zero channel,
# so the physically smaller network computes the same outputs as the masked one. (Sigmoid maps 0 to
# 0.5 and is rejected.) The last conv feeding nothing prunable is left alone.
#
# Exported to `tinytorch/compression/conv_prune.py`.

# %%
#| default_exp compression.conv_prune
#| export
import numpy as np

from tinytorch.core.checks import (
    check_array,
    check_bool,
    check_fraction,
    check_module,
    check_parameters,
    check_that,
    check_unshared,
)
from tinytorch.core.conv import Conv2d, MaxPool2d
from tinytorch.core.layers import Dropout, Flatten, Linear, ReLU, Sequential, Tanh
from tinytorch.core.module import Parameter

# %%
#| export
_CHANNELWISE = (ReLU, Tanh, MaxPool2d, Dropout)


def _consumers(model):
    """{conv position: (consumer position, "conv" | "linear")} for every Conv2d of a Sequential whose
    output channels feed another Conv2d or, through Flatten, a Linear."""
    check_module("model", model, Sequential)
    layers, plan = model.layers, {}
    for i, layer in enumerate(layers):
        if not isinstance(layer, Conv2d):
            continue
        j = i + 1
        while j < len(layers) and isinstance(layers[j], _CHANNELWISE):
            j += 1
        if j == len(layers):
            continue
        allowed = "ReLU, Tanh, MaxPool2d, Dropout, Flatten or Conv2d"
        check_that(isinstance(layers[j], (Conv2d, Flatten)), f"model.layers[{j}]", layers[j], allowed)
        if isinstance(layers[j], Conv2d):
            plan[i] = (j, "conv")
            continue
        k = j + 1
        while k < len(layers) and isinstance(layers[k], Dropout):
            k += 1
        after = layers[k] if k < len(layers) else None
        check_that(isinstance(after, Linear), f"model.layers[{k}]", after, f"a Linear after Flatten {j}")
        plan[i] = (k, "linear")
    check_that(plan, "model", model, "a Conv2d that feeds a Conv2d or (through Flatten) a Linear")
    return plan


def filter_norms(conv):
    """L2 norm of each filter, (out_c,) float64: ||W[o, :, :, :]||_2 of weight (out_c, in_c, kh, kw)."""
    check_module("conv", conv, Conv2d)
    w = check_array("conv.weight", conv.weight.data, ndim=4)
    return np.linalg.norm(w.reshape(w.shape[0], -1).astype(np.float64), axis=1)


def _new_param(data, mask, like):
    """A Parameter holding `data` with the dtype and requires_grad of `like` (frozen stays frozen)."""
    p = Parameter(data, requires_grad=like.requires_grad)
    if p.data.dtype != like.data.dtype:  # Tensor() turns float16 into float32
        p.data = np.array(data, dtype=like.data.dtype)
    p.mask = None if mask is None else np.ascontiguousarray(mask)
    return p


def _kept(param):
    return np.ones(param.shape, dtype=bool) if param.mask is None else param.mask


# %%
#| export
def _keeps(model, plan, r):
    """{conv position: bool keep vector over its filters}, scored on the weights before any change."""
    layers, keeps = model.layers, {}
    for i, (j, kind) in plan.items():
        out_c = layers[i].weight.shape[0]
        n_in = layers[j].weight.shape[0]
        ok = kind == "conv" or n_in % out_c == 0
        check_that(ok, f"model.layers[{j}].in_features", n_in, f"a multiple of Conv2d {i}'s {out_c} channels")
        k = min(round(r * out_c), out_c - 1)
        keep = np.ones(out_c, dtype=bool)
        keep[np.argsort(filter_norms(layers[i]), kind="stable")[:k]] = False
        keeps[i] = keep
    return keeps


def _mask_filters(layers, keeps):
    """physical=False: zero the pruned filters (and biases) and combine their masks."""
    for i, keep in keeps.items():
        conv = layers[i]
        conv.weight.mask = _kept(conv.weight) & keep[:, None, None, None]
        conv.weight.data[~conv.weight.mask] = 0
        if conv.bias is not None:
            conv.bias.mask = _kept(conv.bias) & keep
            conv.bias.data[~conv.bias.mask] = 0


def _cut_filters(layers, plan, keeps):
    """physical=True: every new array is cut before any parameter is replaced (dtype, requires_grad kept)."""
    arrays = {}  # (position, attribute) -> (data, mask)

    def cut(pos, attr, index, axis):
        p = getattr(layers[pos], attr)
        data, mask = arrays.get((pos, attr), (p.data, p.mask))
        take = (slice(None),) * axis + (index,)
        arrays[(pos, attr)] = (data[take], None if mask is None else mask[take])

    for i, keep in keeps.items():
        cut(i, "weight", keep, 0)
        if layers[i].bias is not None:
            cut(i, "bias", keep, 0)
        j, kind = plan[i]
        if kind == "conv":
            cut(j, "weight", keep, 1)
        else:
            hw = layers[j].weight.shape[0] // keep.size
            cut(j, "weight", (np.flatnonzero(keep)[:, None] * hw + np.arange(hw)).ravel(), 0)
    new = {
        key: _new_param(data, mask, getattr(layers[key[0]], key[1])) for key, (data, mask) in arrays.items()
    }
    for (pos, attr), param in new.items():
        setattr(layers[pos], attr, param)
    for pos in {pos for pos, _ in arrays}:
        layer = layers[pos]
        if isinstance(layer, Conv2d):
            layer.out_channels, layer.in_channels = layer.weight.shape[:2]
        else:
            layer.in_features, layer.out_features = layer.weight.shape


def channel_prune(model, prune_ratio=0.5, physical=True):
    """Remove the k = min(round(prune_ratio * out_c), out_c - 1) lowest-L2-norm filters of every Conv2d
    of a Sequential whose channels feed a Conv2d or (through Flatten) a Linear, in place.

    physical=True: new, smaller parameters: conv W[keep], b[keep]; next conv W[:, keep]; Linear after
    Flatten keeps the H*W rows of every kept channel; in/out_channels and in_features updated; each new
    parameter keeps the dtype and requires_grad of the one it replaces.
    physical=False: zero the pruned filters and biases and set masks (consumers untouched).
    Scores are computed on the weights before any change; every argument and every parameter (float,
    finite, writable, mask of its shape) is checked first, and a model that uses the same layer or
    Parameter twice is rejected, so a rejected call changes nothing. Returns {"layers.i": kept filters}.
    """
    plan = _consumers(model)
    r = check_fraction("prune_ratio", prune_ratio, high_open=True)
    physical = check_bool("physical", physical)
    check_unshared("model", model)
    check_parameters(model.named_parameters(), writable=not physical, why="its filters cannot be ranked")
    keeps = _keeps(model, plan, r)
    if physical:
        _cut_filters(model.layers, plan, keeps)
    else:
        _mask_filters(model.layers, keeps)
    return {f"layers.{i}": np.flatnonzero(k) for i, k in keeps.items()}


# %% [markdown]
# ## A digits CNN: masked vs physically pruned
#
# Digits as (N, 1, 8, 8) images; `Conv(1->8) ReLU Conv(8->16) ReLU MaxPool(2) Flatten Linear(256->10)`,
# 8 epochs of Adam. We prune 50 % of the filters of both convs (the classifier keeps its 10 outputs),
# once by masking and once physically, check that both give the same logits, and time the forward pass.

# %%
import copy

import tinytorch
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import Adam
from tinytorch.core.tensor import Tensor, no_grad
from tinytorch.data import DataLoader
from tinytorch.lesson import digits_split, interleaved_ms, speedup
from tinytorch.training import evaluate, fit

X_train, X_test, y_train, y_test = digits_split()
X_train, X_test = X_train.reshape(-1, 1, 8, 8), X_test.reshape(-1, 1, 8, 8)
train_loader = DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0)
test_loader = DataLoader(X_test, y_test, batch_size=512)
tinytorch.manual_seed(0)
cnn = Sequential(
    Conv2d(1, 8, 3, padding=1),
    ReLU(),
    Conv2d(8, 16, 3, padding=1),
    ReLU(),
    MaxPool2d(2),
    Flatten(),
    Linear(16 * 4 * 4, 10),
)
fit(cnn, train_loader, CrossEntropyLoss(), Adam(cnn.parameters(), lr=3e-3), epochs=8)

masked, small = copy.deepcopy(cnn), copy.deepcopy(cnn)
kept_m = channel_prune(masked, 0.5, physical=False)
kept_p = channel_prune(small, 0.5, physical=True)
assert all(np.array_equal(kept_m[k], kept_p[k]) for k in kept_m)
print(small)
xb = X_test[:256]
with no_grad():
    out_m, out_p = masked(Tensor(xb)).data, small(Tensor(xb)).data
print(f"max |masked - physical| logits: {np.max(np.abs(out_m - out_p)):.2e}")
assert np.allclose(out_m, out_p, atol=1e-5)

models = {"dense": cnn, "masked 50 %": masked, "physical 50 %": small}
ms = interleaved_ms(models, xb)  # A B C A B C ..., one BLAS thread
print(
    f"{'model':18s} {'params':>7s} {'non-zero':>8s} {'accuracy':>8s} {'ms/256':>7s} {'speedup [range]':>20s}"
)
for name, m in models.items():
    nz = sum(int(np.count_nonzero(p.data)) for p in m.parameters())
    med, lo, hi = speedup(ms["dense"], ms[name])
    print(
        f"{name:18s} {m.num_parameters():>7d} {nz:>8d} {evaluate(m, test_loader):>8.4f} "
        f"{np.median(ms[name]):>7.2f} {med:>6.2f}x [{lo:.2f}, {hi:.2f}]"
    )
phys_speedup = speedup(ms["dense"], ms["physical 50 %"])[0]
mask_speedup = speedup(ms["dense"], ms["masked 50 %"])[0]

# %% [markdown]
# Removing half the filters of both convs cuts conv2's work to a quarter (half the inputs, half the
# outputs), while the masked model still multiplies its zeros. The measured median speedups
# (interleaved, one BLAS thread) are printed below.
# Fine-tuning the physically smaller model for 2 epochs recovers most of the accuracy:

# %%
print(f"physical 50 %: {phys_speedup:.2f}x the dense speed; masked 50 %: {mask_speedup:.2f}x")
pruned, before = {}, {}
for ratio in (0.25, 0.5, 0.75):
    m = copy.deepcopy(cnn)
    channel_prune(m, ratio)
    before[ratio] = evaluate(m, test_loader)
    fit(
        m,
        DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=1),
        CrossEntropyLoss(),
        Adam(m.parameters(), lr=1e-3),
        epochs=2,
    )
    pruned[ratio] = m
ms = interleaved_ms({"dense": cnn, **{f"ratio {r}": m for r, m in pruned.items()}}, xb)
for ratio, m in pruned.items():
    med, lo, hi = speedup(ms["dense"], ms[f"ratio {ratio}"])
    print(
        f"ratio {ratio:.2f}: params {m.num_parameters():>5d} ({m.num_parameters() / cnn.num_parameters():.2f}x), "
        f"accuracy {before[ratio]:.4f} -> {evaluate(m, test_loader):.4f} after 2 epochs, "
        f"{np.median(ms[f'ratio {ratio}']):.2f} ms ({med:.2f}x faster, range {lo:.2f}-{hi:.2f})"
    )
