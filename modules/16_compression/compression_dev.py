# %%
#| default_exp compression.__init__
#| export
import numpy as np

from tinytorch.core.checks import (check_amount, check_array, check_bool, check_fraction, check_int, check_loader,
                                   check_optimizer, check_real)
from tinytorch.core.layers import Dropout, Flatten, Linear, ReLU, Sequential, Sigmoid, Tanh
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.module import Module, Parameter
from tinytorch.core.random import get_rng
from tinytorch.core.tensor import Tensor, no_grad
from tinytorch.quantization import model_nbytes, quantized_nbytes
from tinytorch.training import evaluate


# %% [markdown]
# # Module 16: Compression
#
# Trained networks carry far more parameters than their task needs. This module builds the four
# classic ways to remove them and measures, on a digits MLP trained below, what each one buys in
# size, speed and accuracy.
#
# | task | grade id | points |
# |---|---|---|
# | 1. sparsity measurement | `measure-sparsity` | 5 |
# | 2. magnitude (unstructured) pruning | `magnitude-prune` | 20 |
# | 3. structured (neuron) pruning | `structured-prune` | 15 |
# | 4. knowledge distillation | `knowledge-distillation` | 20 |
# | 5. low-rank approximation | `low-rank-approximate` | 10 |
# | 6. factorizing a Linear layer | `factorize-linear` | 10 |
# | 7. the compression pipeline | `compress-model` | 5 |
# | reflection questions (graded by hand) | `reflect-*` | 3 x 5 |
#
# Total: **100 points** (85 auto-graded, 15 graded by hand).
#
# Build -> Use -> Reflect: each task has a short explanation, a function to complete where it says
# `# YOUR CODE HERE` (argument checks are given), a self-check, a graded test cell (with hidden
# tests), and a "Use" cell that applies it to the trained MLP and prints measured numbers.
# Conventions: `Linear.weight` is `(in, out)` and `y = x @ W + b`; sparsity is a **percentage**.

# %% [markdown]
# ## Setup: a digits MLP to compress
#
# 8x8 handwritten digits (1797 images, 64 pixels in [0, 1], 10 classes), a 64-256-256-10 ReLU MLP
# trained with Adam. Every "Use" cell below works on a deep copy of this trained model.

# %%
import copy
import time

import tinytorch
from tinytorch.core.optim import SGD, Adam
from tinytorch.data import DataLoader, load_digits, train_test_split
from tinytorch.training import fit

X, y = load_digits()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
test_loader = DataLoader(X_test, y_test, batch_size=512)


def make_mlp(widths, seed=0):
    """A ReLU MLP with the given layer widths, e.g. (64, 256, 256, 10), initialised from `seed`."""
    tinytorch.manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        layers.append(Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def train(model, epochs, lr=3e-3, seed=0):
    """Adam on the training split; returns the mean loss per epoch."""
    loader = DataLoader(X_train, y_train, batch_size=64, shuffle=True, seed=seed)
    return fit(model, loader, CrossEntropyLoss(), Adam(model.parameters(), lr=lr), epochs=epochs)


def latency_ms(model, repeats=7):
    """Best-of-`repeats` forward time in ms for all 1797 digits (one batch), after one warm-up."""
    x = Tensor(X)
    times = []
    with no_grad():
        model(x)
        for _ in range(repeats):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    return 1000 * min(times)


t0 = time.perf_counter()
base = make_mlp((64, 256, 256, 10))
losses = train(base, epochs=10, lr=1e-2)
base_acc = evaluate(base, test_loader)
print(f"trained in {time.perf_counter() - t0:.2f} s, loss {losses[0]:.3f} -> {losses[-1]:.3f}, "
      f"test accuracy {base_acc:.4f}, parameters {base.num_parameters()}, "
      f"latency {latency_ms(base):.2f} ms per 1797 digits")

# %% [markdown]
# ## Task 1: measure sparsity (5 points)
#
# Sparsity = share of entries that are exactly zero, as a percentage:
# `100 * zeros / total`. Two views:
# - over **all** parameters (a fresh `Linear(4, 4)` already reads 20 %: its 4 biases start at 0);
# - over the **weights** only (parameters with `ndim >= 2`, the ones pruning acts on): `weights_only=True`.
#
# A model with no parameters has sparsity 0.0 (no division by zero). `prunable_parameters` and
# `count_parameters` are given. Hints: `p.data.size`, `np.count_nonzero(p.data)`.

# %%
#| export
def _check_module(name, model, cls=Module):
    if not isinstance(model, cls):
        raise TypeError(f"{name} must be a tinytorch {cls.__name__}, got {type(model).__name__}")
    return model


def _check_finite_weights(named):
    """ValueError naming the first parameter of [(name, Parameter)] that holds NaN or inf (nothing to rank)."""
    for name, p in named:  # a finite sum means no NaN/inf (no temporary array); else look closer
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.sum(p.data)
        if not np.isfinite(total) and not np.all(np.isfinite(p.data)):
            raise ValueError(f"model parameter {name!r} contains NaN or inf; "
                             "its weights cannot be ranked or factorized")


def _kept(param):
    """The parameter's mask (True = kept), or all True when it has none."""
    mask = getattr(param, "mask", None)
    return np.ones(param.data.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)


def prunable_parameters(model):
    """[(name, Parameter)] of the parameters with ndim >= 2 (weights; biases excluded), in model order."""
    _check_module("model", model)
    return [(name, p) for name, p in model.named_parameters() if p.data.ndim >= 2]


def count_parameters(model, nonzero_only=False):
    """Number of parameter entries of `model` (only the non-zero ones when nonzero_only=True)."""
    _check_module("model", model)
    check_bool("nonzero_only", nonzero_only)
    if nonzero_only:
        return int(sum(np.count_nonzero(p.data) for p in model.parameters()))
    return int(sum(p.data.size for p in model.parameters()))


# %% nbgrader={"grade": false, "grade_id": "measure-sparsity", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def measure_sparsity(model, weights_only=False):
    """Percentage in [0, 100] of parameter entries of `model` that are exactly 0.

    weights_only=True counts only parameters with ndim >= 2 (see prunable_parameters).
    Returns 0.0 when there is nothing to count.
    """
    _check_module("model", model)
    check_bool("weights_only", weights_only)
    ### BEGIN SOLUTION
    if weights_only:
        params = [p for _, p in prunable_parameters(model)]
    else:
        params = model.parameters()
    total = sum(p.data.size for p in params)
    if total == 0:
        return 0.0
    zeros = sum(p.data.size - np.count_nonzero(p.data) for p in params)
    return 100.0 * zeros / total
    ### END SOLUTION


# %% [markdown]
# Self-check: `Sequential(Linear(4, 4))` freshly built has 16 random weights and 4 zero biases, so
# `measure_sparsity` gives 20.0 and `measure_sparsity(..., weights_only=True)` gives 0.0.

# %% nbgrader={"grade": true, "grade_id": "test-measure-sparsity", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
"""measure_sparsity returns the percentage of exact zeros, over all parameters or over weights only."""
lin = Linear(4, 4)
lin.weight.data = np.arange(1, 17, dtype=np.float32).reshape(4, 4)
net = Sequential(lin)
assert measure_sparsity(net) == 20.0
assert measure_sparsity(net, weights_only=True) == 0.0
lin.weight.data[0, :] = 0
assert measure_sparsity(net, weights_only=True) == 25.0
assert measure_sparsity(Sequential()) == 0.0
### BEGIN HIDDEN TESTS
assert measure_sparsity(Sequential(ReLU()), weights_only=True) == 0.0
lin.bias.data[:] = 1.0
assert measure_sparsity(net) == 20.0
assert isinstance(measure_sparsity(net), float)
### END HIDDEN TESTS

# %% [markdown]
# Use: the trained MLP has no exact zeros in its weights; only its untouched zero biases (if any)
# count towards the total.

# %%
print(f"trained MLP: sparsity {measure_sparsity(base):.2f} % of all parameters, "
      f"{measure_sparsity(base, weights_only=True):.2f} % of weights")

# %% [markdown]
# ## Task 2: magnitude pruning (20 points)
#
# Zero the weights with the smallest `|w|`, ranked **globally** over every weight matrix
# (biases are never pruned). Rules, as in `torch.nn.utils.prune`:
# - `sparsity` float in [0, 1] = fraction, int >= 0 = count (so `1` prunes one weight, `1.0` all);
# - prune **exactly** `k = round(s * N)` weights (Python `round`, half to even: N = 7, s = 0.5 -> 4);
#   a percentile threshold with `>=` misses ties and gives `ceil(s * (N - 1))` instead;
# - ties: the order of one **stable** `np.argsort` over `np.concatenate` of all `|w|`: the lower flat
#   index and the earlier parameter go first;
# - the target is **cumulative**: weights already pruned (their `mask` is False) stay pruned and
#   count towards k, so pruning never regrows a weight;
# - store the mask as `param.mask` (bool, True = kept): the optimizers zero masked gradients and
#   re-apply the mask after every step, so fine-tuning keeps pruned weights at 0.
#
# Sorting is the clearest way to find the k smallest, but it costs O(N log N) time and an int64 index
# per weight: on 100 M weights about 30 s and 4x the weights' memory. Selection is O(N):
# `_kth_smallest_score` (given below) returns the k-th smallest score `t` (score = `|w|`, and -1 for
# weights already masked) and how many scores lie strictly below `t`. Your part: in one pass over
# `_score_chunks(named)`, prune every score `< t` and, of the scores equal to `t`, only the first
# `k - below` in flat order; then zero the pruned weights and store the masks.
#
# Hints: `np.flatnonzero(s == t)`, `mask[lo:hi]` views of a flat bool array, `p.data[~mask] = 0`.

# %%
#| export
_CHUNK = 1 << 16  # entries per chunk: small enough to stay in cache, large enough to amortise Python


def _score_chunks(named):
    """Yield (i, w, s) chunk by chunk over the flat entries of the i-th parameter of `named`.

    w: a writable view of a chunk of the parameter's data; s: |w| (in w's float dtype), -1 where the
    parameter's mask is already False (pruned weights rank first). s is a reused buffer.
    """
    for i, (_, p) in enumerate(named):
        if not p.data.flags.c_contiguous:
            p.data = np.ascontiguousarray(p.data)
        flat = p.data.reshape(-1)  # a view: writes to w reach p.data
        buf = np.empty(min(_CHUNK, flat.size), dtype=np.result_type(flat.dtype, np.float16))
        mask = None if p.mask is None else p.mask.reshape(-1)
        for lo in range(0, flat.size, _CHUNK):
            w = flat[lo:lo + _CHUNK]
            s = np.abs(w, out=buf[:w.size])
            if mask is not None:
                s[~mask[lo:lo + _CHUNK]] = -1
            yield i, w, s


def _score_type(named):
    """The float type in which thresholds compare exactly with every score: the parameters' common
    float dtype (a float64 scalar would make NumPy cast every float32 chunk), else float64."""
    dtypes = {np.result_type(p.data.dtype, np.float16) for _, p in named}
    return dtypes.pop().type if len(dtypes) == 1 else np.float64


def _kth_smallest_score(named, k, sample=100_000):
    """(t, below): the k-th smallest score over all entries of `named` (1 <= k <= N) and the number of
    scores strictly below t. Exact, O(N): a seeded random sample brackets t in [lo, hi); one pass counts
    the scores below lo and keeps the few inside the bracket; np.partition of those gives t."""
    n = sum(p.data.size for _, p in named)
    rng = np.random.default_rng(0)
    picks = []
    for _, p in named:
        idx = rng.integers(0, p.data.size, size=max(1, sample * p.data.size // n))
        s = np.abs(p.data.reshape(-1)[idx]).astype(np.float64)
        if p.mask is not None:
            s[~p.mask.reshape(-1)[idx]] = -1.0
        picks.append(s)
    picks = np.concatenate(picks)
    q = k / n
    margin = 6.0 * np.sqrt(q * (1.0 - q) / picks.size) + 2.0 / picks.size
    cast = _score_type(named)
    lo = cast(np.quantile(picks, q - margin) if q - margin > 0 else -np.inf)
    hi = cast(np.quantile(picks, q + margin) if q + margin < 1 else np.inf)
    below, band = 0, []
    low, mid = np.empty(_CHUNK, dtype=bool), np.empty(_CHUNK, dtype=bool)
    for _, _, s in _score_chunks(named):
        x, y = np.less(s, lo, out=low[:s.size]), np.less(s, hi, out=mid[:s.size])
        below += int(np.count_nonzero(x))
        band.append(s[np.logical_xor(x, y, out=y)])  # lo <= s < hi
    band = np.concatenate(band).astype(np.float64)
    r = k - below
    if not 1 <= r <= band.size:  # the sample missed the bracket (probability < 1e-8): select from all
        every = np.concatenate([s.astype(np.float64) for _, _, s in _score_chunks(named)])
        t = cast(np.partition(every, k - 1)[k - 1])
        return t, int(np.count_nonzero(every < t))
    band.partition(r - 1)
    t = cast(band[r - 1])
    return t, below + int(np.count_nonzero(band[:r - 1] < t))


# %% nbgrader={"grade": false, "grade_id": "magnitude-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def magnitude_prune(model, sparsity=0.9):
    """Globally zero the smallest-|w| weights (parameters with ndim >= 2) of `model`, in place.

    sparsity: float in [0, 1] (target fraction of weights that are zero, cumulative) or int >= 0
    (target count). Exactly k = round(sparsity * N) weights end up pruned, or more when more were
    already masked (never regrows). Ties: lower flat index first, earlier parameter first.
    Sets `param.mask` (bool, same shape, True = kept) and returns {name: mask} (the parameters'
    own read-only masks).
    """
    _check_module("model", model)
    named = prunable_parameters(model)
    n = sum(p.data.size for _, p in named)
    if n == 0:
        raise ValueError("model has no prunable weights (parameters with ndim >= 2); nothing to prune")
    k = check_amount("sparsity", sparsity, n)
    _check_finite_weights(named)
    ### BEGIN SOLUTION
    k = max(k, sum(int(p.data.size - np.count_nonzero(p.mask)) for _, p in named if p.mask is not None))
    flat_masks = [np.ones(p.data.size, dtype=bool) for _, p in named]
    if k > 0:
        t, below = _kth_smallest_score(named, k)
        ties = k - below  # how many scores equal to t are still to prune, in flat order
        starts = [0] * len(named)
        for i, w, s in _score_chunks(named):
            keep = flat_masks[i][starts[i]:starts[i] + w.size]
            starts[i] += w.size
            if ties > 0:
                np.greater(s, t, out=keep)
                equal = np.flatnonzero(s == t)
                keep[equal[ties:]] = True
                ties -= min(ties, equal.size)
            else:
                np.greater_equal(s, t, out=keep)
            np.multiply(w, keep, out=w)  # zero the pruned weights while the chunk is in cache
            w += 0  # -w * 0 is -0.0; adding 0 makes every pruned weight +0.0
    masks = {}
    for (name, p), flat in zip(named, flat_masks):
        p.set_mask(flat.reshape(p.data.shape), copy=False)  # the new array is the parameter's own
        masks[name] = p.mask
    return masks
    ### END SOLUTION


# %% [markdown]
# Self-check: a 5x5 weight holding 1..25 pruned to 0.75 has `round(0.75 * 25) = 19` zeros; the six
# kept weights are 20..25. With seven equal weights and s = 0.5, the first four are pruned.

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-prune", "locked": true, "points": 20, "schema_version": 3, "solution": false, "task": false}
"""magnitude_prune zeros exactly round(s*N) smallest weights globally, ties to the lower index, and stores masks."""
lin = Linear(5, 5)
lin.weight.data = np.arange(1, 26, dtype=np.float32).reshape(5, 5) * np.where(np.arange(25) % 2, 1, -1).reshape(5, 5)
lin.bias.data[:] = 0.5
net = Sequential(lin)
masks = magnitude_prune(net, sparsity=0.75)
assert int(np.sum(lin.weight.data == 0)) == 19
assert np.array_equal(np.flatnonzero(lin.weight.data), np.arange(19, 25))
assert np.array_equal(masks["layers.0.weight"], lin.weight.data != 0)
assert lin.weight.mask is not None and np.all(lin.bias.data == 0.5)
ties = Sequential(Linear(7, 1))
ties.layers[0].weight.data[:] = 1.0
magnitude_prune(ties, sparsity=0.5)
assert ties.layers[0].weight.data.ravel().tolist() == [0, 0, 0, 0, 1, 1, 1]
### BEGIN HIDDEN TESTS
a, b = Linear(2, 2), Linear(2, 2)
a.weight.data = np.array([[1.0, 4.0], [2.0, 6.0]], dtype=np.float32)
b.weight.data = np.array([[1.0, 5.0], [3.0, 2.0]], dtype=np.float32)
two = Sequential(a, ReLU(), b)
magnitude_prune(two, sparsity=3)
assert a.weight.data.tolist() == [[0, 4], [0, 6]] and b.weight.data.tolist() == [[0, 5], [3, 2]]
magnitude_prune(two, sparsity=0.25)
assert int(np.sum(a.weight.data == 0)) + int(np.sum(b.weight.data == 0)) == 3
magnitude_prune(two, sparsity=0.5)
assert a.weight.data.tolist() == [[0, 4], [0, 6]] and b.weight.data.tolist() == [[0, 5], [3, 0]]
magnitude_prune(two, sparsity=0)
assert int(np.sum(a.weight.data == 0)) + int(np.sum(b.weight.data == 0)) == 4
magnitude_prune(two, sparsity=1.0)
assert np.all(a.weight.data == 0) and np.all(b.weight.data == 0)
for bad in (1.5, -0.1, float("nan"), 9):
    try:
        magnitude_prune(Sequential(Linear(2, 4)), sparsity=bad)
        raise AssertionError(f"sparsity={bad!r} accepted")
    except ValueError:
        pass
for bad in ("0.9", True):
    try:
        magnitude_prune(Sequential(Linear(2, 4)), sparsity=bad)
        raise AssertionError(f"sparsity={bad!r} accepted")
    except TypeError:
        pass
### END HIDDEN TESTS

# %% [markdown]
# Use: prune copies of the trained MLP to several sparsities (accuracy before any fine-tuning), then
# fine-tune the 90 % copy for two epochs with its masks in place. The zeros still sit in dense
# arrays, so the forward pass does the same work: expect no speedup.

# %%
for s in (0.5, 0.8, 0.9, 0.95):
    pruned = copy.deepcopy(base)
    magnitude_prune(pruned, sparsity=s)
    print(f"sparsity {s:.2f}: weights {measure_sparsity(pruned, weights_only=True):5.1f} % zero, "
          f"accuracy {evaluate(pruned, test_loader):.4f} (dense {base_acc:.4f})")
sparse90 = copy.deepcopy(base)
masks = magnitude_prune(sparse90, sparsity=0.9)
train(sparse90, epochs=2, lr=1e-3, seed=1)
still_zero = all(np.all(p.data[~masks[name]] == 0) for name, p in prunable_parameters(sparse90))
assert still_zero
print(f"90 % after 2 fine-tuning epochs: accuracy {evaluate(sparse90, test_loader):.4f}, "
      f"weight sparsity still {measure_sparsity(sparse90, weights_only=True):.1f} %, "
      f"every masked weight still 0: {still_zero}")
print(f"latency dense {latency_ms(base):.2f} ms vs 90 % sparse {latency_ms(sparse90):.2f} ms")

# %% [markdown]
# ## Task 3: structured (neuron) pruning (15 points)
#
# Remove whole hidden neurons instead of single weights. In the `(in, out)` layout, output neuron
# `j` of a Linear is **column** `W[:, j]`; its importance is the L2 norm `np.linalg.norm(W, axis=0)[j]`.
# For every hidden Linear (never the last one: its outputs are the classes) drop the
# `k = round(r * out)` weakest neurons (stable ties, at least one neuron kept):
# - `physical=False`: zero the columns and the biases and AND them into the masks;
# - `physical=True`: build new, smaller parameters `W_l[:, keep]`, `b_l[keep]` and the next Linear's
#   `W_{l+1}[keep, :]` (activations and Dropout in between are skipped), and update
#   `in_features`/`out_features`. Parameters removed per layer: `k * (in_l + 1) + k * out_{l+1}`.
#
# A removed neuron's pre-activation is 0, so it emits `f(0)` (0 for ReLU and Tanh, 0.5 for
# Sigmoid); `physical=True` adds `f(0) * W_{l+1}[j, :]` to `b_{l+1}` so both variants compute the
# same function. All scores are taken from the weights as they are when the function is called.
# Returns `{"layers.i": kept neuron indices}`. Create the optimizer **after** physical pruning: it
# must hold the new parameters.
#
# Hints: a bool `keep` vector per hidden layer from `np.argsort(norms, kind="stable")[:k]`; compute all
# of them before changing anything; `_replace(layer, "weight", data, mask)` installs a new Parameter
# and `_zero_response(layers)` gives `f(0)` for the layers between two Linears.

# %%
#| export
_ELEMENTWISE = (ReLU, Sigmoid, Tanh, Dropout, Flatten)


def _structured_plan(model):
    """Positions of the Linear layers of a Sequential, after checking structured pruning applies."""
    _check_module("model", model, Sequential)
    pos = [i for i, layer in enumerate(model.layers) if isinstance(layer, Linear)]
    if len(pos) < 2:
        raise ValueError(f"structured pruning needs a Sequential with >= 2 Linear layers (a hidden one and "
                         f"the classifier), got {len(pos)}")
    for a, b in zip(pos, pos[1:]):
        for j in range(a + 1, b):
            if not isinstance(model.layers[j], _ELEMENTWISE):
                raise ValueError(f"layer {j} ({type(model.layers[j]).__name__}) between Linear layers {a} and {b} "
                                 f"is not element-wise; allowed there: ReLU, Sigmoid, Tanh, Dropout, Flatten")
    return pos


def _zero_response(layers):
    """Output of the element-wise `layers` for an input of 0 (Dropout skipped: it is the identity in eval)."""
    z = Tensor(np.zeros((1, 1)))
    with no_grad():
        for layer in layers:
            if not isinstance(layer, Dropout):
                z = layer(z)
    return float(z.data.ravel()[0])


def _replace(layer, attr, data, mask):
    param = Parameter(np.ascontiguousarray(data))
    param.mask = None if mask is None else np.ascontiguousarray(mask)
    setattr(layer, attr, param)


# %% nbgrader={"grade": false, "grade_id": "structured-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def structured_prune(model, prune_ratio=0.5, physical=False):
    """Remove the k = round(prune_ratio * out) lowest-L2-norm neurons of every hidden Linear of a Sequential.

    prune_ratio: float in [0, 1). Scores: column norms of W (in, out); ties go to the lower index;
    at least one neuron per layer is kept; the last Linear (classifier) is never pruned.
    physical=False zeros W[:, j] and b[j] and sets masks; physical=True replaces the parameters by
    smaller ones (next Linear loses rows) and updates in_features/out_features.
    Returns {"layers.i": sorted kept neuron indices} for every pruned Linear.
    """
    pos = _structured_plan(model)
    r = check_fraction("prune_ratio", prune_ratio, high_open=True)
    physical = check_bool("physical", physical)
    _check_finite_weights([(f"layers.{i}.{a}", getattr(model.layers[i], a)) for i in pos
                           for a in ("weight", "bias") if getattr(model.layers[i], a) is not None])
    ### BEGIN SOLUTION
    keeps = {}
    for a in pos[:-1]:
        w = model.layers[a].weight.data
        out = w.shape[1]
        k = min(round(r * out), out - 1)
        keep = np.ones(out, dtype=bool)
        keep[np.argsort(np.linalg.norm(w.astype(np.float64), axis=0), kind="stable")[:k]] = False
        keeps[a] = keep
    if not physical:
        for a, keep in keeps.items():
            layer = model.layers[a]
            layer.weight.mask = _kept(layer.weight) & keep[None, :]
            layer.weight.data[~layer.weight.mask] = 0
            if layer.bias is not None:
                layer.bias.mask = _kept(layer.bias) & keep
                layer.bias.data[~layer.bias.mask] = 0
        return {f"layers.{a}": np.flatnonzero(keep) for a, keep in keeps.items()}
    new = {}
    for prev, i in zip([None] + pos[:-1], pos):
        layer = model.layers[i]
        w, wm = layer.weight.data, layer.weight.mask
        b = None if layer.bias is None else layer.bias.data.copy()
        bm = None if layer.bias is None else layer.bias.mask
        if prev is not None:
            rows = keeps[prev]
            shift = _zero_response(model.layers[prev + 1:i]) * w[~rows].sum(axis=0)
            if np.any(shift != 0):
                if b is None:
                    raise ValueError(f"layer {i} has no bias to absorb the constant output of removed neurons")
                b = b + shift.astype(b.dtype)
            w, wm = w[rows], None if wm is None else wm[rows]
        if i in keeps:
            cols = keeps[i]
            w, wm = w[:, cols], None if wm is None else wm[:, cols]
            b, bm = (None, None) if b is None else (b[cols], None if bm is None else bm[cols])
        new[i] = (w, wm, b, bm)
    for i, (w, wm, b, bm) in new.items():
        layer = model.layers[i]
        _replace(layer, "weight", w, wm)
        if b is not None:
            _replace(layer, "bias", b, bm)
        layer.in_features, layer.out_features = w.shape
    return {f"layers.{a}": np.flatnonzero(keep) for a, keep in keeps.items()}
    ### END SOLUTION


# %% [markdown]
# Self-check: for `Sequential(Linear(2, 4), ReLU(), Linear(4, 3))` whose first weight has column
# norms `[3, 1, 2, 1]`, `prune_ratio=0.5` removes neurons 1 and 3 (norm 1 each; at
# `prune_ratio=0.25` the tie would go to neuron 1); physically the model becomes 2-2-3 and loses
# `2 * (2 + 1) + 2 * 3 = 12` parameters.

# %% nbgrader={"grade": true, "grade_id": "test-structured-prune", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
"""structured_prune drops the lowest-norm hidden neurons; masked and physical variants compute the same outputs."""
def tiny_net():
    net = Sequential(Linear(2, 4), ReLU(), Linear(4, 3))
    net.layers[0].weight.data = np.array([[3, 1, 0, -1], [0, 0, 2, 0]], dtype=np.float32)
    net.layers[0].bias.data = np.array([1, 2, 3, 4], dtype=np.float32)
    net.layers[2].weight.data = np.arange(12, dtype=np.float32).reshape(4, 3)
    return net
masked, phys = tiny_net(), tiny_net()
kept = structured_prune(masked, prune_ratio=0.5)
assert kept["layers.0"].tolist() == [0, 2]
assert masked.layers[0].weight.data.tolist() == [[3, 0, 0, 0], [0, 0, 2, 0]]
assert masked.layers[0].bias.data.tolist() == [1, 0, 3, 0]
structured_prune(phys, prune_ratio=0.5, physical=True)
assert phys.layers[0].weight.shape == (2, 2) and phys.layers[2].weight.shape == (2, 3)
assert phys.layers[2].weight.data.tolist() == [[0, 1, 2], [6, 7, 8]]
assert phys.num_parameters() == tiny_net().num_parameters() - 12
xs = Tensor(np.array([[1.0, 2.0], [-1.0, 0.5]], dtype=np.float32))
assert np.allclose(masked(xs).data, phys(xs).data)
### BEGIN HIDDEN TESTS
assert phys.layers[0].out_features == 2 and phys.layers[2].in_features == 2
assert phys.layers[2].weight.shape[1] == 3 and masked.layers[2].weight.data.shape == (4, 3)
sig_m, sig_p = tiny_net(), tiny_net()
sig_m.layers[1] = Sigmoid()
sig_p.layers[1] = Sigmoid()
structured_prune(sig_m, prune_ratio=0.5)
structured_prune(sig_p, prune_ratio=0.5, physical=True)
assert np.allclose(sig_m(xs).data, sig_p(xs).data, atol=1e-6)
one = tiny_net()
assert structured_prune(one, prune_ratio=0.99)["layers.0"].tolist() == [0]
for bad in (1.0, -0.1):
    try:
        structured_prune(tiny_net(), prune_ratio=bad)
        raise AssertionError(f"prune_ratio={bad} accepted")
    except ValueError:
        pass
### END HIDDEN TESTS

# %% [markdown]
# Use: remove half of the neurons of both hidden layers (64-256-256-10 -> 64-128-128-10). The masked
# and the physical copies compute the same outputs; only the physical one is smaller and faster.
# Then fine-tune the physical copy for two epochs (its optimizer is built after pruning).

# %%
half_masked, half = copy.deepcopy(base), copy.deepcopy(base)
structured_prune(half_masked, prune_ratio=0.5)
structured_prune(half, prune_ratio=0.5, physical=True)
with no_grad():
    same = np.allclose(half_masked(Tensor(X_test)).data, half(Tensor(X_test)).data, atol=1e-5)
assert same
print(f"parameters {base.num_parameters()} -> {half.num_parameters()}; masked == physical outputs: {same}")
print(f"accuracy dense {base_acc:.4f}, 50 % neurons removed {evaluate(half, test_loader):.4f}", end="")
train(half, epochs=2, lr=1e-3, seed=2)
print(f", after 2 fine-tuning epochs {evaluate(half, test_loader):.4f}")
t_dense, t_masked, t_phys = latency_ms(base), latency_ms(half_masked), latency_ms(half)
print(f"latency dense {t_dense:.2f} ms, masked {t_masked:.2f} ms, physical {t_phys:.2f} ms "
      f"(speedup {t_dense / t_phys:.2f}x)")

# %% [markdown]
# ## Task 4: knowledge distillation (20 points)
#
# A small student learns from a trained teacher's softened outputs as well as from the labels
# (Hinton, Vinyals, Dean 2015):
#
# `L = alpha * T^2 * KL(p_t || p_s) + (1 - alpha) * CE(z_s, y)`, with `p = softmax(z / T)`.
#
# - KL in log space, **batchmean**: `sum(p_t * (log_softmax(z_t/T) - log_softmax(z_s/T))) / B`;
# - `dKL/dz_s = (p_s - p_t) / (T * B)`, and at high T `p_s - p_t` itself shrinks like `1/T`: the soft
#   gradient scales as `1/T^2`, and the `T^2` factor keeps its weight comparable across temperatures;
# - CE takes the student's **logits** at T = 1 (`CrossEntropyLoss` applies log-softmax itself);
# - the teacher is frozen: eval mode, forward under `no_grad`; only student parameters are trained.
#
# DistilBERT (Sanh et al. 2019) used distillation to get a model 40 % smaller than BERT-base that
# keeps 97 % of its GLUE score and runs 60 % faster.
#
# The loss must stay a `Tensor` built from student-logit operations so `backward()` reaches the
# student. Hints: teacher log-probabilities in NumPy (subtract the row max before `exp`), student
# ones with `(student_logits / T).log_softmax(axis=-1)`, constants wrapped in `Tensor(...)`,
# `CrossEntropyLoss()(student_logits, labels)`.

# %% nbgrader={"grade": false, "grade_id": "knowledge-distillation", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class KnowledgeDistillation:
    """Teacher-student training: loss = alpha*T^2*KL(p_t||p_s) (batchmean) + (1-alpha)*CE(student logits, labels).

    temperature: T > 0; alpha: weight of the soft term, in [0, 1]. The teacher is put in eval mode
    and only run under no_grad; pass only the student's parameters to the optimizer.
    """

    def __init__(self, teacher_model, student_model, temperature=3.0, alpha=0.7):
        self.teacher_model = _check_module("teacher_model", teacher_model)
        self.student_model = _check_module("student_model", student_model)
        self.temperature = check_real("temperature", temperature, low=0.0, low_open=True)
        self.alpha = check_fraction("alpha", alpha)
        self.teacher_model.eval()

    def distillation_loss(self, student_logits, teacher_logits, true_labels):
        """Scalar Tensor; student_logits Tensor (B, C), teacher_logits Tensor/array (B, C), true_labels ints (B,) in [0, C)."""
        check_array("student_logits", student_logits)
        if not isinstance(student_logits, Tensor):
            student_logits = Tensor(student_logits)
        zt = check_array("teacher_logits", teacher_logits, ndim=2).astype(np.float64)
        if student_logits.data.ndim != 2 or student_logits.shape != zt.shape:
            raise ValueError(f"student_logits shape {tuple(student_logits.shape)} and teacher_logits shape "
                             f"{zt.shape} must be equal and 2-D (batch, classes)")
        labels = np.asarray(true_labels)
        batch, classes = zt.shape
        if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"true_labels must be an integer array of class indices, got dtype {labels.dtype}")
        if labels.shape != (batch,):
            raise ValueError(f"true_labels shape {labels.shape} must be ({batch},) to match the logits")
        if batch and (labels.min() < 0 or labels.max() >= classes):
            bad = labels[(labels < 0) | (labels >= classes)][0]
            raise ValueError(f"true_labels contains {bad}; expected class indices in [0, {classes - 1}]")
        ### BEGIN SOLUTION
        T, dtype = self.temperature, student_logits.data.dtype
        zt = zt / T
        log_pt = zt - zt.max(axis=1, keepdims=True)
        log_pt = log_pt - np.log(np.exp(log_pt).sum(axis=1, keepdims=True))
        p_t = np.exp(log_pt)
        log_ps = (student_logits / T).log_softmax(axis=-1)
        kl = (Tensor(p_t.astype(dtype)) * (Tensor(log_pt.astype(dtype)) - log_ps)).sum() / batch
        ce = CrossEntropyLoss()(student_logits, labels)
        return self.alpha * T * T * kl + (1.0 - self.alpha) * ce
        ### END SOLUTION

    def train_step(self, x, y, optimizer):
        """One optimizer step of the student on batch (x, y); returns the loss as a float."""
        check_optimizer("optimizer", optimizer)
        check_array("x", x)
        x = x if isinstance(x, Tensor) else Tensor(x)
        ### BEGIN SOLUTION
        self.teacher_model.eval()
        with no_grad():
            teacher_logits = self.teacher_model(x).data
        self.student_model.train()
        optimizer.zero_grad()
        loss = self.distillation_loss(self.student_model(x), teacher_logits, y)
        loss.backward()
        optimizer.step()
        return float(loss.item())
        ### END SOLUTION

    def fit(self, loader, optimizer, epochs=1):
        """train_step over every batch of `loader` for `epochs` epochs; returns the mean loss per epoch."""
        check_loader("loader", loader)
        check_optimizer("optimizer", optimizer)
        epochs = check_int("epochs", epochs, low=1)
        if len(loader) == 0:
            raise ValueError("loader yields no batches; nothing to distill")
        history = []
        for epoch in range(epochs):
            losses = []
            for batch, (x, y) in enumerate(loader):
                loss = self.train_step(x, y, optimizer)
                if not np.isfinite(loss):
                    raise ValueError(f"non-finite distillation loss {loss} at epoch {epoch}, batch {batch}")
                losses.append(loss)
            history.append(float(np.mean(losses)) if losses else float("nan"))
        return history


# %% [markdown]
# Self-check: with student logits `[[1, 2, 3], [0, 0, 0]]`, teacher logits `[[3, 2, 1], [1, 0, -1]]`,
# labels `[2, 0]`, `T = 2`, `alpha = 0.7`: `KL = 0.199289`, `T^2 KL = 0.797155`, `CE = 0.753109`,
# loss `0.783941`; the gradient of the loss with respect to the student logits is
# `alpha * T * (p_s - p_t) / B + (1 - alpha) * (softmax(z_s) - onehot(y)) / B`.

# %% nbgrader={"grade": true, "grade_id": "test-knowledge-distillation", "locked": true, "points": 20, "schema_version": 3, "solution": false, "task": false}
"""distillation_loss matches the hand-computed value 0.783941 and its gradient reaches the student logits."""
kd = KnowledgeDistillation(Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature=2.0, alpha=0.7)
s = Tensor(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), requires_grad=True)
t = np.array([[3.0, 2.0, 1.0], [1.0, 0.0, -1.0]])
loss = kd.distillation_loss(s, t, np.array([2, 0]))
assert isinstance(loss, Tensor) and abs(loss.item() - 0.783941) < 1e-6
loss.backward()
p = lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
expected = 0.7 * 2 * (p(s.data / 2) - p(t / 2)) / 2 + 0.3 * (p(s.data) - np.eye(3)[[2, 0]]) / 2
assert np.allclose(s.grad, expected, atol=1e-6)
### BEGIN HIDDEN TESTS
kd1 = KnowledgeDistillation(Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature=2.0, alpha=1.0)
assert abs(kd1.distillation_loss(Tensor(t), t, np.array([0, 1])).item()) < 1e-6
kd0 = KnowledgeDistillation(Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature=2.0, alpha=0.0)
assert abs(kd0.distillation_loss(Tensor(s.data), t, np.array([2, 0])).item() - 0.753109) < 1e-6
tinytorch.manual_seed(0)
teacher, student = Sequential(Linear(4, 3)), Sequential(Linear(4, 3))
kd2 = KnowledgeDistillation(teacher, student)
before_t, before_s = teacher.state_dict(), student.state_dict()
xb, yb = np.ones((2, 4), dtype=np.float32), np.array([0, 2])
kd2.train_step(xb, yb, SGD(student.parameters(), lr=0.1))
assert all(np.array_equal(v, teacher.state_dict()[k]) for k, v in before_t.items())
assert not np.array_equal(before_s["layers.0.weight"], student.layers[0].weight.data)
for kwargs in ({"temperature": 0.0}, {"alpha": 1.5}):
    try:
        KnowledgeDistillation(teacher, student, **kwargs)
        raise AssertionError(f"{kwargs} accepted")
    except ValueError:
        pass
### END HIDDEN TESTS

# %% [markdown]
# Use: a 64-16-10 student (1,210 parameters, vs 85,002 in the teacher) trained for ten epochs
# alone and with distillation from the trained MLP (T = 3, alpha = 0.7), five seeds each. Same
# initialisation and batch order per seed, so the two arms differ only in the loss. Compare the gap
# between the means with the spread before calling it a gain: on an easy data set with a full
# training set the soft targets often add little that the labels do not already say.

# %%
def student_run(seed, distill, epochs=10):
    student = make_mlp((64, 16, 10), seed=seed)
    loader = DataLoader(X_train, y_train, batch_size=64, shuffle=True, seed=seed)
    optimizer = Adam(student.parameters(), lr=1e-2)
    if distill:
        KnowledgeDistillation(base, student, temperature=3.0, alpha=0.7).fit(loader, optimizer, epochs=epochs)
    else:
        fit(student, loader, CrossEntropyLoss(), optimizer, epochs=epochs)
    return evaluate(student, test_loader)


seeds = range(5)
alone = [student_run(seed, distill=False) for seed in seeds]
distilled = [student_run(seed, distill=True) for seed in seeds]
print(f"teacher {base_acc:.4f} ({base.num_parameters()} params), student "
      f"{make_mlp((64, 16, 10)).num_parameters()} params")
print(f"student alone     {np.mean(alone):.4f} +- {np.std(alone):.4f}  {np.round(alone, 4).tolist()}")
print(f"student distilled {np.mean(distilled):.4f} +- {np.std(distilled):.4f}  {np.round(distilled, 4).tolist()}")

# %% [markdown]
# ## Task 5: low-rank approximation (10 points)
#
# Truncated SVD: `W = U diag(S) Vh` (`np.linalg.svd(W, full_matrices=False)`); keeping the `k` largest
# singular values gives the best rank-k approximation (Eckart-Young-Mirsky) with Frobenius error
# `sqrt(sum(S[k:]**2))` and spectral error `S[k]`.
#
# Rank choice: `k = round(rank_ratio * min(m, n))` clipped to `[1, min(m, n)]`, `rank_ratio` in (0, 1];
# or, when `energy` (tau in (0, 1]) is given, the smallest k with `cumsum(S**2) / sum(S**2) >= tau`.
# Return `(U[:, :k], S[:k], Vh[:k])`; the third factor is `Vh` (k x n), not V.
# Hints: `np.cumsum(S**2) / total`, `np.searchsorted(fractions, tau, side="left")`.

# %% nbgrader={"grade": false, "grade_id": "low-rank-approximate", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def low_rank_approximate(weight_matrix, rank_ratio=0.5, energy=None):
    """Rank-k truncated SVD of a 2-D (m, n) matrix: returns U (m, k), S (k,), V = Vh (k, n).

    k = round(rank_ratio * min(m, n)) clipped to [1, min(m, n)], rank_ratio in (0, 1]; when energy
    (in (0, 1]) is given it overrides rank_ratio: k = smallest rank keeping that share of sum(S**2).
    Integer input is computed in float64; float input keeps its dtype.
    """
    w = check_array("weight_matrix", weight_matrix, ndim=2)
    if w.size == 0:
        raise ValueError(f"weight_matrix must be non-empty, got shape {w.shape}")
    r = check_real("rank_ratio", rank_ratio, low=0.0, high=1.0, low_open=True)
    tau = None if energy is None else check_real("energy", energy, low=0.0, high=1.0, low_open=True)
    if not np.issubdtype(w.dtype, np.floating):
        w = w.astype(np.float64)
    ### BEGIN SOLUTION
    u, s, vh = np.linalg.svd(w, full_matrices=False)
    full = len(s)
    if tau is None:
        k = round(r * full)
    else:
        cum = np.cumsum(s.astype(np.float64) ** 2)
        k = full if cum[-1] == 0 else int(np.searchsorted(cum / cum[-1], tau, side="left")) + 1
    k = min(max(k, 1), full)
    return u[:, :k], s[:k], vh[:k]
    ### END SOLUTION


# %% [markdown]
# Self-check: for `diag(5, 3, 1)`, `rank_ratio=1/3` keeps `S = [5]` and the Frobenius error of
# `U diag(S) Vh` is `sqrt(3**2 + 1**2) = 3.162278`; `energy=0.9` keeps k = 2 (energies 0.714, 0.971, 1.0).

# %% nbgrader={"grade": true, "grade_id": "test-low-rank-approximate", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
"""low_rank_approximate keeps the k largest singular triplets and meets the Eckart-Young error."""
d = np.diag([5.0, 3.0, 1.0])
u1, s1, v1 = low_rank_approximate(d, rank_ratio=1 / 3)
assert u1.shape == (3, 1) and s1.shape == (1,) and abs(s1[0] - 5.0) < 1e-12 and v1.shape == (1, 3)
assert abs(np.linalg.norm(d - u1 @ np.diag(s1) @ v1) - np.sqrt(10)) < 1e-10
assert len(low_rank_approximate(d, energy=0.9)[1]) == 2
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(0)
m = rng.normal(size=(6, 4))
u, s, v = low_rank_approximate(m, rank_ratio=0.5)
full = np.linalg.svd(m, compute_uv=False)
assert len(s) == 2 and np.allclose(s, full[:2])
assert abs(np.linalg.norm(m - u @ np.diag(s) @ v) - np.sqrt(np.sum(full[2:] ** 2))) < 1e-10
uf, sf, vf = low_rank_approximate(m, rank_ratio=1.0)
assert len(sf) == 4 and np.allclose(uf @ np.diag(sf) @ vf, m)
assert len(low_rank_approximate(m, rank_ratio=0.01)[1]) == 1
assert len(low_rank_approximate(d, energy=1.0)[1]) == 3 and len(low_rank_approximate(d, energy=0.5)[1]) == 1
for kwargs in ({"rank_ratio": 0.0}, {"rank_ratio": 1.5}, {"energy": 0.0}):
    try:
        low_rank_approximate(m, **kwargs)
        raise AssertionError(f"{kwargs} accepted")
    except ValueError:
        pass
### END HIDDEN TESTS

# %% [markdown]
# ## Task 6: factorize a Linear layer (10 points)
#
# ```
# x (B, m) --[ W: m x n ]--> y            m*n + n parameters
# x (B, m) --[ A: m x k ]--[ B: k x n ]--> y   k*(m+n) + n parameters
# ```
# `A = U_k * S_k` (singular values folded into the first factor), `B = Vh_k`, the original bias on
# the second layer: `Sequential(Linear(m, k, bias=False), Linear(k, n))`, output
# `x @ U_k @ diag(S_k) @ Vh_k + b`. It only saves parameters below the **break-even rank**
# `k < m*n / (m + n)`: for a square `n x n` layer that is k < n/2, so `rank_ratio=0.5` saves nothing.
# `low_rank_compress` (given) therefore replaces only the layers where the factorization is smaller.
# `_linear_from` builds a Linear from given arrays without drawing from the global random generator.
# Hint: `u[:, :k] * s[:k]` scales the columns of `U_k` by the singular values.

# %%
#| export
def _linear_from(weight, bias=None):
    """A Linear whose parameters are copies of `weight` (in, out) and `bias`; the global RNG is left untouched."""
    rng = get_rng()
    state = rng.bit_generator.state
    layer = Linear(weight.shape[0], weight.shape[1], bias=bias is not None)
    rng.bit_generator.state = state
    layer.weight = Parameter(np.array(weight))
    if bias is not None:
        layer.bias = Parameter(np.array(bias))
    return layer


# %% nbgrader={"grade": false, "grade_id": "factorize-linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def factorize_linear(linear, rank):
    """Replace-ready rank-k factorization of `linear` (weight m x n): Sequential(Linear(m, k, bias=False), Linear(k, n)).

    First weight U_k * S_k (m, k), second weight Vh_k (k, n) with the original bias; rank is an int
    in [1, min(m, n)]. The input layer is not modified.
    """
    _check_module("linear", linear, Linear)
    m, n = linear.weight.data.shape
    k = check_int("rank", rank, low=1, high=min(m, n))
    w = check_array("linear.weight", linear.weight.data)
    if not np.issubdtype(w.dtype, np.floating):
        w = w.astype(np.float64)
    ### BEGIN SOLUTION
    u, s, vh = np.linalg.svd(w, full_matrices=False)
    bias = None if linear.bias is None else linear.bias.data
    return Sequential(_linear_from(u[:, :k] * s[:k]), _linear_from(vh[:k], bias))
    ### END SOLUTION


# %%
#| export
def low_rank_compress(model, rank_ratio=None, energy=None):
    """Replace every Linear of a Sequential by its rank-k factorization when that has fewer parameters.

    Give exactly one of rank_ratio (in (0, 1]) or energy (in (0, 1]); ranks as in low_rank_approximate.
    A layer is replaced only when k*(m+n) < m*n. Returns {"layers.i": k} for the replaced layers.
    """
    _check_module("model", model, Sequential)
    if (rank_ratio is None) == (energy is None):
        raise ValueError(f"give exactly one of rank_ratio or energy, got rank_ratio={rank_ratio!r}, energy={energy!r}")
    if rank_ratio is not None:
        check_real("rank_ratio", rank_ratio, low=0.0, high=1.0, low_open=True)
    else:
        check_real("energy", energy, low=0.0, high=1.0, low_open=True)
    linears = [(f"layers.{i}.weight", layer.weight) for i, layer in enumerate(model.layers) if isinstance(layer, Linear)]
    if not linears:
        raise ValueError(f"model has no Linear layer to factorize (a Sequential of {len(model.layers)} layers)")
    _check_finite_weights(linears)
    plan = {}
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Linear):
            m, n = layer.weight.data.shape
            k = len(low_rank_approximate(layer.weight.data, rank_ratio=rank_ratio or 1.0, energy=energy)[1])
            if k * (m + n) < m * n:
                plan[i] = (k, factorize_linear(layer, k))
    if plan:
        layers = list(model.layers)
        for i, (_, replacement) in plan.items():
            layers[i] = replacement
        model.layers = layers
    return {f"layers.{i}": k for i, (k, _) in plan.items()}


# %% [markdown]
# Self-check: factorizing a `Linear(4, 3)` at rank 1 gives layers of shapes (4, 1) and (1, 3) and
# `1 * (4 + 3) + 3 = 10` parameters; at rank 3 it reproduces the layer's outputs.

# %% nbgrader={"grade": true, "grade_id": "test-factorize-linear", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
"""factorize_linear computes x @ U_k diag(S_k) Vh_k + b with k*(m+n)+n parameters."""
lin = Linear(4, 3)
lin.weight.data = np.array([[2.0, 0, 0], [0, 1, 0], [0, 0, 0.5], [1, 1, 1]], dtype=np.float32)
lin.bias.data = np.array([1.0, -1.0, 0.5], dtype=np.float32)
xs = Tensor(np.array([[1.0, 2.0, 3.0, 4.0]], dtype=np.float32))
f1 = factorize_linear(lin, 1)
assert f1.layers[0].weight.shape == (4, 1) and f1.layers[1].weight.shape == (1, 3)
assert f1.layers[0].bias is None and f1.num_parameters() == 10
u, s, vh = np.linalg.svd(lin.weight.data.astype(np.float64), full_matrices=False)
assert np.allclose(f1(xs).data, xs.data @ u[:, :1] @ np.diag(s[:1]) @ vh[:1] + lin.bias.data, atol=1e-5)
assert np.allclose(factorize_linear(lin, 3)(xs).data, lin(xs).data, atol=1e-5)
### BEGIN HIDDEN TESTS
assert np.array_equal(f1.layers[1].bias.data, lin.bias.data) and f1.layers[1].bias is not lin.bias
state = get_rng().bit_generator.state
factorize_linear(lin, 2)
assert get_rng().bit_generator.state == state
sq = Sequential(Linear(8, 8), ReLU(), Linear(8, 2))
assert low_rank_compress(sq, rank_ratio=0.5) == {"layers.2": 1}
sq2 = Sequential(Linear(8, 8), ReLU(), Linear(8, 2))
assert low_rank_compress(sq2, rank_ratio=0.25) == {"layers.0": 2, "layers.2": 1}
assert isinstance(sq2.layers[0], Sequential) and sq2.num_parameters() == (2 * 16 + 8) + (1 * 10 + 2)
for bad in (0, 4, 2.0):
    try:
        factorize_linear(lin, bad)
        raise AssertionError(f"rank={bad!r} accepted")
    except (TypeError, ValueError):
        pass
### END HIDDEN TESTS

# %% [markdown]
# Use: factorize the trained 256 x 256 hidden layer at several ranks (no fine-tuning). Break-even is
# k < 128. The measured error equals the Eckart-Young value `sqrt(sum(S[k:]**2))` (relative to `||W||`).

# %%
w_hidden = base.layers[2].weight.data
spectrum = np.linalg.svd(w_hidden.astype(np.float64), compute_uv=False)
print(f"hidden layer {w_hidden.shape}: {w_hidden.size + 256} params dense, break-even rank < "
      f"{w_hidden.shape[0] * w_hidden.shape[1] / sum(w_hidden.shape):.0f}")
for k in (8, 16, 32, 64, 128):
    low = copy.deepcopy(base)
    low.layers[2] = factorize_linear(base.layers[2], k)
    u, s, vh = low_rank_approximate(w_hidden, rank_ratio=k / 256)
    err = np.linalg.norm(w_hidden - (u * s) @ vh) / np.linalg.norm(w_hidden)
    print(f"rank {k:3d}: layer params {low.layers[2].num_parameters():6d}, relative error {err:.3f} "
          f"(Eckart-Young {np.sqrt(np.sum(spectrum[k:] ** 2) / np.sum(spectrum ** 2)):.3f}), "
          f"model accuracy {evaluate(low, test_loader):.4f}")

# %% [markdown]
# ## Task 7: the compression pipeline (5 points)
#
# `compress_model(model, compression_config, eval_loader=None)` validates the whole config first (an
# unknown key is a `ValueError` naming it), then applies, in this order, the techniques present:
# `structured_prune` (ratio, physical removal), `low_rank` (rank ratio, only where it saves
# parameters), `magnitude_prune` (cumulative sparsity fraction). It returns a dict with
# `original_params`, `original_sparsity`, `applied_techniques` (e.g. `"magnitude_0.8"`),
# `final_sparsity` (percentages, as `measure_sparsity`), parameter and non-zero counts, dense float32
# bytes and INT8 bytes (`tinytorch.quantization`), and the accuracy fractions when `eval_loader` is given.
# Hints: `count_parameters`, `measure_sparsity`, `model_nbytes`, `quantized_nbytes`, `evaluate`; the
# exact keys are listed in the docstring.

# %% nbgrader={"grade": false, "grade_id": "compress-model", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
_PIPELINE = ("structured_prune", "low_rank", "magnitude_prune")


def compress_model(model, compression_config, eval_loader=None):
    """Apply structured_prune (physical), low_rank_compress and magnitude_prune in place; returns stats.

    compression_config: dict with any of 'structured_prune' (ratio in [0, 1)), 'low_rank'
    (rank ratio in (0, 1]), 'magnitude_prune' (sparsity fraction in [0, 1]).
    Returns original_/final_ params, nonzeros, sparsity (percent), bytes (dense float32), plus
    final_int8_bytes, applied_techniques (e.g. ["structured_0.3", "magnitude_0.8"]) and, with an
    eval_loader, original_accuracy and accuracy (fractions in [0, 1]).
    """
    _check_module("model", model)
    if not isinstance(compression_config, dict):
        raise TypeError(f"compression_config must be a dict, got {type(compression_config).__name__}")
    for key in compression_config:
        if key not in _PIPELINE:
            raise ValueError(f"unknown compression_config key {key!r}; expected keys among {list(_PIPELINE)}")
    config = dict(compression_config)
    if eval_loader is not None:
        check_loader("eval_loader", eval_loader)
    if "structured_prune" in config:
        config["structured_prune"] = check_fraction("structured_prune", config["structured_prune"], high_open=True)
        _structured_plan(model)
    if "low_rank" in config:
        config["low_rank"] = check_real("low_rank", config["low_rank"], low=0.0, high=1.0, low_open=True)
        _check_module("model", model, Sequential)
        if not any(isinstance(layer, Linear) for layer in model.layers):
            raise ValueError(f"model has no Linear layer to factorize (a Sequential of {len(model.layers)} layers)")
    if "magnitude_prune" in config:
        config["magnitude_prune"] = check_fraction("magnitude_prune", config["magnitude_prune"])
        if not prunable_parameters(model):
            raise ValueError("model has no prunable weights (parameters with ndim >= 2); nothing to prune")
    if config:
        _check_finite_weights(model.named_parameters())
    ### BEGIN SOLUTION
    stats = {"original_params": count_parameters(model),
             "original_nonzeros": count_parameters(model, nonzero_only=True),
             "original_sparsity": measure_sparsity(model),
             "original_bytes": model_nbytes(model),
             "applied_techniques": []}
    if eval_loader is not None:
        stats["original_accuracy"] = evaluate(model, eval_loader)
    if "structured_prune" in config:
        structured_prune(model, config["structured_prune"], physical=True)
        stats["applied_techniques"].append(f"structured_{config['structured_prune']}")
    if "low_rank" in config:
        low_rank_compress(model, rank_ratio=config["low_rank"])
        stats["applied_techniques"].append(f"low_rank_{config['low_rank']}")
    if "magnitude_prune" in config:
        magnitude_prune(model, config["magnitude_prune"])
        stats["applied_techniques"].append(f"magnitude_{config['magnitude_prune']}")
    stats.update(final_params=count_parameters(model),
                 final_nonzeros=count_parameters(model, nonzero_only=True),
                 final_sparsity=measure_sparsity(model),
                 final_bytes=model_nbytes(model),
                 final_int8_bytes=quantized_nbytes(model))
    if eval_loader is not None:
        stats["accuracy"] = evaluate(model, eval_loader)
    return stats
    ### END SOLUTION


# %% [markdown]
# Self-check: `compress_model(Sequential(Linear(4, 4), ReLU(), Linear(4, 2)), {"magnitude_prune": 0.5})`
# zeros 12 of the 24 weights: `final_sparsity` is `100 * (12 + zero biases) / 30`, with
# `applied_techniques == ["magnitude_0.5"]`.

# %% nbgrader={"grade": true, "grade_id": "test-compress-model", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
"""compress_model applies the configured techniques in order and reports sizes and percent sparsity."""
tinytorch.manual_seed(0)
net = Sequential(Linear(4, 4), ReLU(), Linear(4, 2))
stats = compress_model(net, {"magnitude_prune": 0.5})
assert stats["original_params"] == 30 and stats["original_sparsity"] == 20.0
assert stats["applied_techniques"] == ["magnitude_0.5"] and stats["final_sparsity"] == 60.0
assert stats["final_params"] == 30 and stats["final_nonzeros"] == 12
### BEGIN HIDDEN TESTS
net2 = Sequential(Linear(4, 4), ReLU(), Linear(4, 2))
before = net2.state_dict()
try:
    compress_model(net2, {"magnitude_prune": 0.5, "quantize": 8})
    raise AssertionError("unknown key accepted")
except ValueError as err:
    assert "quantize" in str(err)
assert all(np.array_equal(v, net2.state_dict()[k]) for k, v in before.items())
stats2 = compress_model(net2, {"structured_prune": 0.5, "magnitude_prune": 0.5})
assert stats2["applied_techniques"] == ["structured_0.5", "magnitude_0.5"] and stats2["final_params"] == 30 - 14
### END HIDDEN TESTS

# %% [markdown]
# Use: the whole pipeline on a copy of the trained MLP, followed by a short fine-tune. Size shrinks
# in three ways: fewer parameters (structured), fewer non-zeros (magnitude, which needs a sparse
# format to save bytes) and fewer bits per value (INT8).

# %%
piped = copy.deepcopy(base)
stats = compress_model(piped, {"magnitude_prune": 0.8, "structured_prune": 0.3}, eval_loader=test_loader)
train(piped, epochs=2, lr=1e-3, seed=3)
print(f"techniques {stats['applied_techniques']}")
print(f"params {stats['original_params']} -> {stats['final_params']}, non-zeros {stats['original_nonzeros']} -> "
      f"{stats['final_nonzeros']}, sparsity {stats['original_sparsity']:.1f} % -> {stats['final_sparsity']:.1f} %")
print(f"bytes float32 {stats['original_bytes']} -> {stats['final_bytes']}, INT8 {stats['final_int8_bytes']}")
print(f"accuracy {stats['original_accuracy']:.4f} -> {stats['accuracy']:.4f}, "
      f"after 2 fine-tuning epochs {evaluate(piped, test_loader):.4f}")

# %% [markdown]
# ## Reflect
#
# Answer each question in a few sentences, citing the numbers your notebook printed.
#
# **Q1.** Your 90 %-sparse MLP ran at about the dense speed while the physically narrowed one was
# faster. Why, and what would unstructured sparsity need (storage format, kernel, hardware, sparsity
# level) to pay off?

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect-sparse-speed", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false}
# Zeros stored in a dense array still go through the same dense matrix multiply: the number of
# multiply-adds and bytes moved does not change, so latency stays the same. Physical removal makes
# the matrices smaller (half the neurons: about a quarter of the hidden-to-hidden work), so BLAS does
# less work. Unstructured sparsity needs a sparse format (CSR: values plus indices) with a sparse
# kernel, which on a CPU only breaks even around 90 % sparsity, or hardware support for a pattern
# such as NVIDIA's 2:4 sparse tensor cores.

# %% [markdown]
# **Q2.** Why does the soft term carry `T^2`, and did distillation help this student beyond the
# spread across five seeds? What would you change to find out with more confidence?

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect-distillation", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false}
# The gradient of the softened KL with respect to the student logits is (p_s - p_t) / (T B), and at
# high temperature p_s - p_t is about (z_s - z_t) / (C T) (C classes, zero-mean logits), so the soft
# gradient shrinks like 1/T^2. Multiplying by T^2 keeps the soft term's weight comparable to the
# hard term as T changes. Whether distillation helped is read off the means and the spread: a gap smaller than the spread over the seeds is not
# evidence. More seeds, longer training, a held-out validation split to choose T and alpha, and a
# weaker student (where the teacher's class similarities matter more) would give a clearer answer.

# %% [markdown]
# **Q3.** The module spec claims "90 % pruning (10x) + INT8 (4x) = 40x". Using the byte counts above
# and the storage needed to locate non-zeros, estimate the real ratio and name what the 40x ignores.

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect-pipeline", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false}
# 40x counts only the stored values. An unstructured sparse matrix must also store where each
# non-zero is: CSR with int8 values and int16 column indices costs 3 bytes per non-zero plus the row
# pointers, so a 1000 x 1000 layer at 90 % sparsity takes about 0.30 MB against 4.0 MB dense float32,
# about 13x, not 40x. The INT8 bytes printed above still store every zero, so they are only about 4x
# below the pruned model's float32 bytes; structured removal is the part whose saving needs no index.
