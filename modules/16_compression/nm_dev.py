# %% [markdown]
# # Module 16, beyond the core: N:M (2:4) semi-structured sparsity
#
# Unstructured pruning scatters zeros anywhere, which hardware cannot exploit cheaply. **N:M sparsity**
# keeps at most N non-zeros in every group of M consecutive weights along the *reduction* (input) axis;
# NVIDIA's sparse tensor cores (Ampere and later) run 2:4 patterns at up to 2x the dense math rate
# because each group needs only two values plus two 2-bit positions.
#
# In TinyTorch layout `W` is `(in, out)`, so a group is `W[4g:4g+4, j]` (axis 0), the same groups as
# NVIDIA apex `m4n2_1d` on PyTorch's `(out, in)` weights. Rule: keep the N largest |w| per group; the
# M - N smallest are pruned by a stable ascending argsort, so ties prune the lower index first:
#
# ```
# group [0.1, -0.5, 0.3, 0.2] -> mask [0, 1, 1, 0]      all-equal group -> mask [0, 0, 1, 1]
# ```
#
# Exported to `tinytorch/compression/nm.py`.

# %%
#| default_exp compression.nm
#| export
import numpy as np

from tinytorch.core.checks import (
    check_array,
    check_int,
    check_module,
    check_parameters,
    check_that,
)
from tinytorch.core.layers import Linear


# %%
#| export
def _check_nm(n, m):
    m = check_int("m", m, low=1)
    n = check_int("n", n, low=0, high=m)
    return n, m


def _groups(w, m):
    """(in, out) -> (in // m, m, out) view; ValueError naming `in` when it is not a multiple of m."""
    check_that(w.shape[0] % m == 0, "in", w.shape[0], f"a multiple of m={m} (axis 0 of weight {w.shape})")
    return w.reshape(w.shape[0] // m, m, *w.shape[1:])


def nm_mask(weight, n=2, m=4):
    """Bool mask (True = kept) of an N:M pattern along axis 0 of `weight` (in, out) or (in,).

    In every group weight[m*g : m*g + m, j] the m - n smallest |w| are pruned (stable argsort: ties
    prune the lower index first), so exactly n are kept. Requires in % m == 0.
    """
    w = check_array("weight", weight)
    n, m = _check_nm(n, m)
    check_that(w.ndim in (1, 2), "weight.shape", w.shape, "1 or 2 dimensions (in, out)")
    g = _groups(np.abs(w.astype(np.float64)), m)
    order = np.argsort(g, axis=1, kind="stable")
    mask = np.ones(g.shape, dtype=bool)
    np.put_along_axis(mask, order[:, : m - n], False, axis=1)
    return mask.reshape(w.shape)


def is_nm_sparse(weight, n=2, m=4):
    """True when every aligned group of m entries along axis 0 has at most n non-zeros."""
    w = check_array("weight", weight, finite=False)
    n, m = _check_nm(n, m)
    check_that(w.ndim in (1, 2), "weight.shape", w.shape, "1 or 2 dimensions (in, out)")
    return bool(np.all(np.count_nonzero(_groups(w, m), axis=1) <= n))


def nm_prune(model, n=2, m=4):
    """Apply an N:M mask to the weight of every Linear of `model`, in place; returns {name: mask}.

    The new mask is combined with any existing `param.mask` (never regrows); every weight is checked
    (float, writable, finite, in % m == 0) before any weight changes. A Linear or weight used twice in
    the model is pruned once (listed under its first name).
    """
    check_module("model", model)
    n, m = _check_nm(n, m)
    named, seen = [], set()
    for name, mod in model.named_modules():
        if isinstance(mod, Linear) and id(mod.weight) not in seen:
            seen.add(id(mod.weight))
            named.append((f"{name}.weight" if name else "weight", mod.weight))
    check_that(named, "model", model, "a model with a Linear layer")
    check_parameters(named, why="its weights cannot be ranked")
    masks = {name: nm_mask(p.data, n, m) for name, p in named}
    for (_name, p), mask in zip(named, masks.values()):
        if p.mask is not None:
            mask &= p.mask
        p.mask = mask
        p.data[~mask] = 0
    return masks


def nm_nbytes(shape, n=2, m=4, value_bits=16):
    """Bytes of an N:M compressed weight: n/m of the values at value_bits each plus a
    ceil(log2(m))-bit position per kept value (2:4 fp16: 9/16 of dense, int8: 10/16)."""
    check_that(isinstance(shape, (tuple, list)) and shape, "shape", shape, "a non-empty tuple of ints")
    size = 1
    for i, d in enumerate(shape):
        size *= check_int(f"shape[{i}]", d, low=0)
    n, m = _check_nm(n, m)
    value_bits = check_int("value_bits", value_bits, low=1)
    check_that(shape[0] % m == 0, "shape", shape, f"shape[0] (in) a multiple of m={m}")
    kept = size // m * n
    index_bits = max(1, int(np.ceil(np.log2(m))))
    return (kept * (value_bits + index_bits) + 7) // 8


# %% [markdown]
# The anchors from the conventions, checked:

# %%
W = np.array([[0.1, 1.0], [-0.5, 1.0], [0.3, 1.0], [0.2, 1.0]], dtype=np.float32)
print(nm_mask(W).astype(int).T)
assert nm_mask(W)[:, 0].tolist() == [False, True, True, False]
assert nm_mask(W)[:, 1].tolist() == [False, False, True, True]
assert is_nm_sparse(W * nm_mask(W)) and not is_nm_sparse(W)
print(
    "2:4 bytes of a 1024 x 1024 weight, fp16:",
    nm_nbytes((1024, 1024), value_bits=16),
    "=",
    nm_nbytes((1024, 1024), value_bits=16) / (1024 * 1024 * 2),
    "of dense fp16",
)

# %% [markdown]
# ## 2:4 on a trained digits MLP
#
# Recipe (apex ASP): train dense, prune once to 2:4 (mask fixed), fine-tune with the same optimizer,
# masks kept by the optimizer (`Parameter.mask`). Every Linear input width (64, 128, 64) is a multiple of 4.

# %%
import copy

from tinytorch.compression import measure_sparsity
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import Adam
from tinytorch.data import DataLoader
from tinytorch.lesson import digits_split, interleaved_ms, make_mlp, speedup
from tinytorch.training import evaluate, fit

X_train, X_test, y_train, y_test = digits_split()
train_loader = DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0)
test_loader = DataLoader(X_test, y_test, batch_size=512)
model = make_mlp((64, 128, 64, 10), seed=0)
opt = Adam(model.parameters(), lr=3e-3)
fit(model, train_loader, CrossEntropyLoss(), opt, epochs=15)
dense_acc = evaluate(model, test_loader)
dense = copy.deepcopy(model)
masks = nm_prune(model)
pruned_acc = evaluate(model, test_loader)
fit(model, train_loader, CrossEntropyLoss(), opt, epochs=5)
tuned_acc = evaluate(model, test_loader)
print(f"dense {dense_acc:.4f} | 2:4 pruned {pruned_acc:.4f} | 2:4 + 5 epochs fine-tuning {tuned_acc:.4f}")
print(f"weight sparsity {measure_sparsity(model, weights_only=True):.2f} %")
assert all(is_nm_sparse(mod.weight.data) for mod in model.layers if isinstance(mod, Linear))
assert measure_sparsity(model, weights_only=True) == 50.0
ms = interleaved_ms({"dense": dense, "2:4": model}, X_test, rounds=15, inner=20)  # interleaved, 1 BLAS thread
med, lo, hi = speedup(ms["dense"], ms["2:4"])
print(
    f"2:4 model vs dense on this CPU (batch {len(X_test)}): {med:.2f}x the dense speed (rounds {lo:.2f}-{hi:.2f})"
)

# %% [markdown]
# NumPy has no 2:4 kernel, so on this CPU the pruned model runs the same dense matmuls as the dense one
# (compare the measured ratio above with 1); the gain needs sparse tensor cores (`torch.sparse.to_sparse_semi_structured`, CUDA only), where published
# microbenchmarks show about 1.3-1.6x on many shapes and slowdowns on some (pytorch/pytorch PR #96147).
