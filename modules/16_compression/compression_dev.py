# %% [markdown]
# # Module 16: Compression
#
# Trained networks carry far more parameters than their task needs. You build the four classic ways to
# remove them (magnitude pruning, structured pruning, knowledge distillation, low-rank factorization) and a
# pipeline combining them, measure on a Fashion-MNIST MLP what each buys in size, speed and accuracy (and
# where it buys nothing), and finally design your own compressed model under a byte budget.
#
# **How this notebook works.** Each task has a short explanation, a function to complete where it says
# `# YOUR CODE HERE` (the argument checks are given, from `tinytorch.core.task_checks`), a self-check cell
# printing *expected* against *got*, and small graded cells, each stating one claim (1 to 5 points, all or
# nothing) and running its visible cases (`check_claim`, from `tinytorch/claims/module16/`). A separate
# process grades the functions your notebook *exports*, on those cases and hidden ones, against the
# instructor's solution; `tito module complete 16` shows the visible part, cell by cell.
#
# | task | function | graded cells | points |
# |---|---|---|---|
# | 1 | `measure_sparsity` | 3 | 5 |
# | 2 | `magnitude_prune` | 7 | 17 |
# | 3 | `structured_prune` | 6 | 14 |
# | 4 | `KnowledgeDistillation` | 6 | 15 |
# | 5 | `low_rank_approximate` | 4 | 9 |
# | 6 | `factorize_linear` | 2 | 5 |
# | 7 | `compress_model` | 2 | 5 |
# | 8 | `design_compression` | 2 | 10 |
# | reflection (graded by hand) | | 3 | 15 |
#
# Total **95 points**: 80 auto-graded in 32 cells, 15 graded by hand. Conventions:
# `Linear.weight` is `(in_features, out_features)` and `y = x @ W + b`; sparsity is a **percentage** in
# [0, 100]; every accuracy is a fraction in [0, 1] of the 10,000 Fashion-MNIST test images.
#
# **Measurements over seeds.** Every result the text interprets is measured over several seeds
# (initialisation and data order) and printed as mean ± the half-width of the 95 % t-interval; a
# difference whose interval includes 0 is *within noise*: no winner. Under nbgrader (or with
# `TINYTORCH_REDUCED=1`) a **reduced run** uses one seed and a small subset: no interval, no claim.

# %%
#| export compression.sparsity
import numpy as np

from tinytorch.core.checks import check_bool, check_module
from tinytorch.core.task_checks import check_sparsity

# %% [markdown]
# ## Setup: a Fashion-MNIST MLP to compress
#
# Fashion-MNIST (Zalando Research, MIT licence, shipped in `tinytorch/data`): 28x28 grey images of ten kinds
# of clothing. The model has the size of LeNet-300-100 (784-300-100-10), on which Han et al. (2015) removed
# 12x of the weights at no loss on MNIST. One dense model per seed (`dense[seed]`), trained on a stratified
# subset (the `DATA` line); every compressed model is fine-tuned `FT_EPOCHS` epochs and compared with the
# dense model given the same extra epochs (`dense_ft_acc`). Given helpers and plots: `tinytorch/lesson/`.
# %%
# isort: split
import copy

import matplotlib.pyplot as plt
from threadpoolctl import threadpool_info, threadpool_limits

from tinytorch.claims.module16 import nets
from tinytorch.compression.schedule import cubic_schedule
from tinytorch.compression.sparse import to_sparse
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.tensor import Tensor
from tinytorch.data import DataLoader
from tinytorch.lesson import experiments as runs
from tinytorch.lesson import tables
from tinytorch.lesson.cost import count_bytes, count_macs
from tinytorch.lesson.data import accuracy, fashion_data, reduced_run
from tinytorch.lesson.plots import plot_arms, plot_energy, plot_knee, plot_macs_and_speed, plot_patterns
from tinytorch.lesson.stats import ci, compare
from tinytorch.lesson.timing import interleaved_ms, speedup
from tinytorch.testing import expect, replaced

# %matplotlib inline
threadpool_limits(1)  # one BLAS thread: reproducible timings, and fair to every model
plt.rcParams.update({"figure.dpi": 100, "figure.figsize": (7.5, 3.6)})
REDUCED = reduced_run()
N_TRAIN, SEEDS = (3000, range(1)) if REDUCED else (20000, range(5))
EPOCHS, FT_EPOCHS, N = 6, 3, len(SEEDS)
data = X_train, y_train, X_test, y_test = fashion_data(N_TRAIN)
print(f"DATA: fashion-mnist train {len(X_train)} test {len(X_test)}")
if REDUCED:
    print(f"REDUCED RUN (grading): one seed, a {N_TRAIN}-image training subset; no interval, no claim")
dense, dense_acc, dense_ft_acc = runs.dense_models(SEEDS, data, EPOCHS, FT_EPOCHS)
base, base_acc = dense[0], dense_acc[0]
print(f"dense after {EPOCHS} epochs: {np.round(dense_acc, 4).tolist()}, {base.num_parameters()} parameters")
dense_ci = ci(dense_ft_acc)  # the reference of every fine-tuned model below
print(f"dense after {EPOCHS} + {FT_EPOCHS} epochs: {dense_ci}, n={N}")
print("BLAS:", [(i["internal_api"], i["num_threads"]) for i in threadpool_info()])

# %% [markdown]
# ## Task 1: measure sparsity (5 points)
#
# Sparsity is the share of entries that are exactly zero, **as a percentage**: `100 * zeros / total`,
# over **all** parameters (a fresh `Linear(4, 4)` already reads 20 %: its 4 biases start at 0) or, with
# `weights_only=True`, over the **weights** only: the parameters with `ndim >= 2`, the ones pruning acts on
# (`prunable_parameters`, given). Nothing to count gives `0.0`, never a division by zero. Return a `float`.
# Hints: `p.data.size`, `np.count_nonzero(p.data)`, `model.parameters()`.


# %%
#| export compression.sparsity
def prunable_parameters(model):
    """[(name, Parameter)] of the parameters with ndim >= 2 (weights; biases excluded), in model order."""
    check_module("model", model)
    return [(name, p) for name, p in model.named_parameters() if p.data.ndim >= 2]


def count_parameters(model, nonzero_only=False):
    """Number of parameter entries of `model` (only the non-zero ones when nonzero_only=True)."""
    check_module("model", model)
    check_bool("nonzero_only", nonzero_only)
    if nonzero_only:
        return int(sum(np.count_nonzero(p.data) for p in model.parameters()))
    return int(sum(p.data.size for p in model.parameters()))


# %% nbgrader={"grade": false, "grade_id": "measure-sparsity", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export compression.sparsity
def measure_sparsity(model, weights_only=False):
    """Percentage in [0, 100] of the parameter entries of `model` that are exactly 0, as a float.

    weights_only=True counts only parameters with ndim >= 2 (see prunable_parameters).
    Returns 0.0 when there is nothing to count.
    """
    model, weights_only = check_sparsity(model, weights_only)
    ### BEGIN SOLUTION
    params = [p for _, p in prunable_parameters(model)] if weights_only else model.parameters()
    total = sum(p.data.size for p in params)
    if total == 0:
        return 0.0
    zeros = sum(p.data.size - np.count_nonzero(p.data) for p in params)
    return float(100.0 * zeros / total)
    ### END SOLUTION


# %% [markdown]
# Self-check: `Sequential(Linear(4, 4))` with weights 1..16 and its 4 zero biases reads 20.0 % over all
# parameters and 0.0 % over weights; zeroing one row of 4 weights makes that 40.0 % and 25.0 %.


# %%
net = nets.mlp([np.arange(1, 17).reshape(4, 4)])  # biases 0 (nets: the claims' small hand-set networks)
expect("measure_sparsity(net)", 20.0, measure_sparsity(net))
expect("measure_sparsity(net, weights_only=True)", 0.0, measure_sparsity(net, weights_only=True))
net.layers[0].weight.data[0, :] = 0
expect("after zeroing a row, all parameters", 40.0, measure_sparsity(net))
expect("after zeroing a row, weights only", 25.0, measure_sparsity(net, weights_only=True))
expect("empty model", 0.0, measure_sparsity(Sequential()))

# %%
from tinytorch.claims import check_claim  # a claim's visible cases: tinytorch/claims/module16/

# %% nbgrader={"grade": true, "grade_id": "test-sparsity-percent", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""measure_sparsity counts exact zeros over all parameters, as a percentage (not a fraction)."""
check_claim("test-sparsity-percent", globals())

# %% nbgrader={"grade": true, "grade_id": "test-sparsity-weights-only", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""measure_sparsity(weights_only=True) counts only the weights (ndim >= 2), never the biases."""
check_claim("test-sparsity-weights-only", globals())

# %% nbgrader={"grade": true, "grade_id": "test-sparsity-empty", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""measure_sparsity returns 0.0 when there is nothing to count, and still counts when there is."""
check_claim("test-sparsity-empty", globals())

# %% [markdown]
# Use: the sparsity of the trained MLP, where every technique below starts.

# %%
all_pct, weights_pct = measure_sparsity(base), measure_sparsity(base, weights_only=True)
print(f"trained MLP: sparsity {all_pct:.2f} % of all parameters, {weights_pct:.2f} % of weights")

# %% [markdown]
# ## Task 2: magnitude (unstructured) pruning (17 points)
#
# Zero the weights with the smallest `|w|`, ranked **globally** over every weight matrix at once (a layer of
# small weights loses more than a layer of large ones; biases are never pruned). The rules:
# - `sparsity` is a float in [0, 1] (a fraction) or an int >= 0 (a count): `1` prunes one weight, `1.0` all.
#   The given check turns it into `k = round(sparsity * N)` (Python `round`, half to even: N = 7, s = 0.5
#   gives 4; never `int(s * N)`: `int(0.29 * 100) == 28`), as `torch.nn.utils.prune` does;
# - prune **exactly** k weights (a percentile threshold with `>=` keeps every tie: seven equal weights at
#   s = 0.5 would lose none); ties in `|w|` go in flat (`np.ravel`) order, the earlier parameter first;
# - the target is **cumulative** (torch's repeated prune is relative instead): a weight already pruned (its
#   `mask` is False) stays pruned and counts towards k; a smaller second target prunes nothing more;
# - store each weight's mask with `param.set_mask(keep)` (bool, True = kept) and return `{name: param.mask}`:
#   the optimizers zero masked gradients and re-apply the mask after every step.
#
# A recipe: one score per weight, `|w|`, or `-1` where already masked (so it ranks first); the k-th smallest
# score `t` from the given `kth_smallest(scores, k)` (k = 1: the smallest; the value of
# `np.partition(scores, k - 1)[k - 1]`, faster); prune every score below `t` and, of those equal to `t`, the
# first in flat order until k are pruned; split the flat mask back into the parameters' shapes.
# Hints: `np.concatenate`, `np.where(mask, np.abs(w), -1)`, `np.flatnonzero(scores == t)`, `p.data *= keep`.

# %%
#| export compression.magnitude
import numpy as np

from tinytorch.core.module import kept_mask as _kept
from tinytorch.core.selection import kth_smallest
from tinytorch.core.task_checks import check_magnitude_prune


# %% nbgrader={"grade": false, "grade_id": "magnitude-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export compression.magnitude
def magnitude_prune(model, sparsity=0.9):
    """Globally zero the smallest-|w| weights (parameters with ndim >= 2) of `model`, in place.

    sparsity: float in [0, 1] (target fraction of the weights that are zero, cumulative) or int >= 0
    (a count). Exactly k = round(sparsity * N) weights end up pruned, or more when more were already
    masked (nothing regrows). Ties: lower flat index first, earlier parameter first. Biases untouched.
    Sets `param.mask` (bool, the parameter's shape, True = kept) and returns {name: param.mask}.
    """
    named, k = check_magnitude_prune(model, sparsity)
    ### BEGIN SOLUTION
    scores = np.concatenate([np.where(_kept(p), np.abs(p.data), -1).ravel() for _, p in named])
    k = max(k, int(np.count_nonzero(scores < 0)))  # weights pruned before stay pruned and count
    prune = np.zeros(scores.size, dtype=bool)
    if k > 0:
        t = kth_smallest(scores, k)  # the k-th smallest score (k = 1: the smallest)
        prune = scores < t
        ties = np.flatnonzero(scores == t)  # in flat order: the lower index goes first
        prune[ties[: k - np.count_nonzero(prune)]] = True
    masks, start = {}, 0
    for name, p in named:
        keep = ~prune[start : start + p.data.size].reshape(p.data.shape)
        start += p.data.size
        p.data *= keep
        p.set_mask(keep)
        masks[name] = p.mask
    return masks
    ### END SOLUTION


# %% [markdown]
# Self-check. `w5` is a 5x5 weight holding +-1..25 (signs alternate): at s = 0.75 `round(18.75) = 19`
# weights go and flat indices 19..24 (|w| = 20..25) stay. Seven equal weights at s = 0.5: the first four go.
# `two_layers()` has weights `[[1, 4], [2, 6]]` and `[[1, 5], [3, 2]]`: the 3 smallest globally are the
# two 1s and one of the 2s, the one of the **first** layer (tie, earlier parameter).


# %%
def two_layers():
    return nets.mlp([[[1, 4], [2, 6]], [[1, 5], [3, 2]]])


net = nets.w5_net()
masks = magnitude_prune(net, sparsity=0.75)
expect("zeros at s = 0.75", 19, int(np.sum(net.layers[0].weight.data == 0)))
expect("kept flat indices", list(range(19, 25)), np.flatnonzero(net.layers[0].weight.data).tolist())
ties = nets.mlp([np.ones((7, 1))])
magnitude_prune(ties, sparsity=0.5)
expect("seven equal weights at s = 0.5", [0, 0, 0, 0, 1, 1, 1], ties.layers[0].weight.data.ravel().tolist())
net2 = two_layers()
magnitude_prune(net2, sparsity=3)
expect("global, 3 weights: first layer", [[0, 4], [0, 6]], net2.layers[0].weight.data.tolist())
expect("global, 3 weights: second layer", [[0, 5], [3, 2]], net2.layers[2].weight.data.tolist())

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-count", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""magnitude_prune zeros exactly k = round(s * N) weights (an int s is a count)."""
check_claim("test-magnitude-count", globals())

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-smallest", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""magnitude_prune removes the weights of smallest absolute value, whatever their sign."""
check_claim("test-magnitude-smallest", globals())

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-global", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""magnitude_prune ranks all weights of all layers together (global), not layer by layer."""
check_claim("test-magnitude-global", globals())

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-ties", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Equal |w| are pruned in flat order: the lower index first, the earlier parameter first."""
check_claim("test-magnitude-ties", globals())

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-masks", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""magnitude_prune leaves biases alone and stores each weight's bool mask (True = kept), which it returns."""
check_claim("test-magnitude-masks", globals())

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-cumulative", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""A second, smaller target prunes nothing more and revives nothing; a larger one counts the weights already pruned, masks set before included."""
check_claim("test-magnitude-cumulative", globals())

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-finetune", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Pruned weights stay exactly 0 after optimizer steps with non-zero gradients (the masks are in place)."""
check_claim("test-magnitude-finetune", globals())

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-hidden", "locked": true, "points": 0, "schema_version": 3, "solution": false, "task": false}
"""Hidden cases of magnitude_prune run here when your instructor grades."""
### BEGIN HIDDEN TESTS
import os

if os.environ.get("NBGRADER_EXECUTION") == "autograde":  # the instructor's grading run
    net = two_layers()
    magnitude_prune(net, sparsity=0.5)
    w = net.layers[0].weight.data
    got = (int(np.sum(w == 0)), int(np.sum(w != 0)))
    assert got == (2, 3), f"zeros and kept weights of the first layer at 0.5: expected (2, 3), got {got}"
### END HIDDEN TESTS

# %% [markdown]
# Use: prune a copy of each seed's dense model to 90 %, fine-tune it with the masks in place and compare it
# with the dense model given the same extra epochs (`compare`: the paired difference over the seeds).

# %%
mag90 = copy.deepcopy(dense)
masks90 = {seed: magnitude_prune(model, sparsity=0.9) for seed, model in mag90.items()}
oneshot90_acc = [accuracy(model, X_test, y_test) for model in mag90.values()]
mag90_acc = runs.fine_tune(mag90, data, FT_EPOCHS)  # FT_EPOCHS epochs each, in place
still_zero = all(np.all(p.data[~masks90[s][n]] == 0) for s in SEEDS for n, p in prunable_parameters(mag90[s]))
first = np.round(oneshot90_acc, 4).tolist()
print(f"90 % right after pruning: {first}; masked weights still 0: {still_zero}")
print(f"OUTCOME magnitude-90: accuracy {ci(mag90_acc)} (dense {dense_ci}), n={N}")
print("magnitude-90 against dense:", compare(mag90_acc, dense_ft_acc))

# %% [markdown]
# **Does sparsity make it faster?** Not by itself: these zeros sit in dense arrays, so `x @ W` does every
# multiply-add. They pay only with a sparse format (CSR: values, column indices, row pointers) and a kernel
# that skips them (timed below; `sparse_dev.ipynb` measures the break-even), or on GPUs for the 2:4 pattern
# (two non-zeros per four inputs) on sparse tensor cores.

# %% [markdown]
# ## Task 3: structured (neuron) pruning (14 points)
#
# Remove whole hidden **neurons** instead of single weights. Output neuron `j` of a Linear is **column**
# `W[:, j]`; its importance is the column's L2 norm, `np.linalg.norm(W, axis=0)[j]`. For every hidden Linear
# of a Sequential (every Linear but the last, whose outputs are the classes: **never** pruned):
# - drop the `k = round(prune_ratio * out)` neurons of lowest norm (ties: the lower index first), keeping at
#   least one (`k = min(k, out - 1)`); all norms are taken before anything changes;
# - `physical=False`: zero the dropped columns `W[:, j]` **and** biases `b[j]`, and AND them into the masks
#   (`set_mask(_kept(p) & keep)`), so fine-tuning keeps them at 0;
# - `physical=True`: replace the parameters by smaller ones, `W_l[:, keep]`, `b_l[keep]` and the **next**
#   Linear's rows `W_{l+1}[keep, :]` (`_replace(layer, "weight", index)`, given, installs
#   `layer.weight.data[index]` and updates `in_features`/`out_features`): `k * (in_l + 1) + k * out_{l+1}`
#   parameters fewer per pruned layer. Build the optimizer **after**: it must hold the new parameters.
#
# A dropped neuron still emits `f(0)`: 0 for ReLU and Tanh, 0.5 for Sigmoid. So `physical=True` first adds
# `f(0) * W_{l+1}[j, :]` of every dropped `j` to `b_{l+1}` (`_zero_response(layers)` gives `f(0)` for the
# layers between two Linears); with no bias to take it, the given check raises a `ValueError`. Return
# `{"layers.i": sorted kept neuron indices}` for each pruned Linear.
# Hints: `np.argsort(norms, kind="stable")[:k]`; `np.s_[:, keep]` indexes columns; `zip(pos, pos[1:])`
# walks (Linear, next Linear) pairs.

# %%
#| export compression.structured
import numpy as np

from tinytorch.core.layers import zero_response as _zero_response
from tinytorch.core.module import Parameter
from tinytorch.core.module import kept_mask as _kept
from tinytorch.core.task_checks import check_structured_prune


def _replace(layer, attr, index):
    """Swap layer.<attr> for a new Parameter holding old.data[index] (and old.mask[index] when masked).
    dtype and requires_grad are kept; a Linear's in_features/out_features follow its new weight."""
    old = getattr(layer, attr)
    new = Parameter(np.ascontiguousarray(old.data[index]), requires_grad=old.requires_grad)
    new.data = new.data.astype(old.data.dtype, copy=False)  # a Tensor stores float16 as float32
    if old.mask is not None:
        new.set_mask(np.ascontiguousarray(old.mask[index]))
    setattr(layer, attr, new)
    if attr == "weight":
        layer.in_features, layer.out_features = new.data.shape


# %% nbgrader={"grade": false, "grade_id": "structured-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export compression.structured
def structured_prune(model, prune_ratio=0.5, physical=False):
    """Drop the k = round(prune_ratio * out) lowest-L2-norm neurons of every hidden Linear of a Sequential.

    prune_ratio: float in [0, 1). Scores: column norms of W (in, out); ties go to the lower index; at
    least one neuron per layer is kept; the last Linear (the classifier) is never pruned.
    physical=False zeros W[:, j] and b[j] and ANDs them into the masks; physical=True replaces the
    parameters by smaller ones (the next Linear loses the rows j, its bias absorbs f(0) * W_next[j]).
    Returns {"layers.i": sorted kept neuron indices (int array)} for every pruned Linear.
    """
    pos, r, physical = check_structured_prune(model, prune_ratio, physical)
    ### BEGIN SOLUTION
    keeps = {}
    for a in pos[:-1]:
        norms = np.linalg.norm(model.layers[a].weight.data.astype(np.float64), axis=0)
        k = min(round(r * norms.size), norms.size - 1)
        keep = np.ones(norms.size, dtype=bool)
        keep[np.argsort(norms, kind="stable")[:k]] = False
        keeps[a] = keep
    for a, b in zip(pos, pos[1:]):
        layer, nxt, keep = model.layers[a], model.layers[b], keeps[a]
        if not physical:
            layer.weight.set_mask(_kept(layer.weight) & keep[None, :])
            layer.weight.data[~layer.weight.mask] = 0
            if layer.bias is not None:
                layer.bias.set_mask(_kept(layer.bias) & keep)
                layer.bias.data[~layer.bias.mask] = 0
            continue
        shift = _zero_response(model.layers[a + 1 : b]) * nxt.weight.data[~keep].sum(axis=0)
        if nxt.bias is not None:
            nxt.bias.data += shift.astype(nxt.bias.data.dtype)
        _replace(layer, "weight", np.s_[:, keep])
        if layer.bias is not None:
            _replace(layer, "bias", keep)
        _replace(nxt, "weight", keep)
    return {f"layers.{a}": np.flatnonzero(keep) for a, keep in keeps.items()}
    ### END SOLUTION


# %% [markdown]
# Self-check. `neuron_net()` is `Sequential(Linear(2, 4), ReLU(), Linear(4, 3))` whose first weight has
# columns `(3, 0)`, `(2, 2)`, `(1, 0)`, `(0, 2.9)`: L2 norms 3, 2.83, 1, 2.9 (L1 norms would be 3, 4, 1, 2.9).
# At `prune_ratio=0.5` neurons 2 and 1 go and 0, 3 stay; physically the model becomes 2-2-3 and loses
# `2 * (2 + 1) + 2 * 3 = 12` parameters.


# %%
neuron_net = nets.neuron_net  # biases [1, 2, 3, 4] and [0.5, -0.5, 1], second weight 0..11
xs = Tensor(np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0]], dtype=np.float32))
masked, phys = neuron_net(), neuron_net()
expect("kept neurons", [0, 3], structured_prune(masked, prune_ratio=0.5)["layers.0"].tolist())
expect("masked first weight", [[3, 0, 0, 0], [0, 0, 0, 2.9]], masked.layers[0].weight.data, atol=1e-6)
expect("masked first bias", [1, 0, 0, 4], masked.layers[0].bias.data.tolist())
structured_prune(phys, prune_ratio=0.5, physical=True)
expect("physical shapes", [(2, 2), (2, 3)], [phys.layers[0].weight.shape, phys.layers[2].weight.shape])
expect("parameters removed", 12, neuron_net().num_parameters() - phys.num_parameters())
expect("masked and physical outputs equal", True, bool(np.allclose(masked(xs).data, phys(xs).data)))

# %% nbgrader={"grade": true, "grade_id": "test-structured-scores", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""structured_prune drops the neurons whose weight columns have the smallest L2 norm, scored before any layer changes."""
check_claim("test-structured-scores", globals())

# %% nbgrader={"grade": true, "grade_id": "test-structured-count", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""structured_prune drops k = round(ratio * out) neurons per hidden layer, ties to the lower index, at least one kept."""
check_claim("test-structured-count", globals())

# %% nbgrader={"grade": true, "grade_id": "test-structured-classifier", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""structured_prune prunes every hidden Linear and never the last one (the classes)."""
check_claim("test-structured-classifier", globals())

# %% nbgrader={"grade": true, "grade_id": "test-structured-masked", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""physical=False zeros each dropped neuron's column and bias and ANDs them into the masks."""
check_claim("test-structured-masked", globals())

# %% nbgrader={"grade": true, "grade_id": "test-structured-physical", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""physical=True builds smaller layers (kept columns and biases, the next Linear's kept rows), masks kept."""
check_claim("test-structured-physical", globals())

# %% nbgrader={"grade": true, "grade_id": "test-structured-equivalence", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""The masked and the physically smaller model compute the same outputs, with ReLU and with Sigmoid."""
check_claim("test-structured-equivalence", globals())

# %% nbgrader={"grade": true, "grade_id": "test-structured-hidden", "locked": true, "points": 0, "schema_version": 3, "solution": false, "task": false}
"""Hidden cases of structured_prune run here when your instructor grades."""
### BEGIN HIDDEN TESTS
import os

if os.environ.get("NBGRADER_EXECUTION") == "autograde":  # the instructor's grading run
    net = neuron_net()
    got = structured_prune(net, prune_ratio=0.0)["layers.0"].tolist()
    assert got == [0, 1, 2, 3, 4], f"kept neurons at 0.0: expected [0, 1, 2, 3, 4], got {got}"
### END HIDDEN TESTS

# %% [markdown]
# Use: first the **knee** of seed 0's model before fine-tuning, accuracy against the share of the weights
# removed by each of your two functions (`runs.knee`). Then half the neurons of both hidden layers removed
# physically (784-300-100-10 becomes 784-150-50-10) and fine-tuned, for every seed.

# %%
SPARSITIES, RATIOS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98), (0.0, 0.25, 0.5, 0.75, 0.9)
knee = runs.knee(base, magnitude_prune, structured_prune, X_test, y_test, SPARSITIES, RATIOS)
print(tables.knee_table(knee))
half = copy.deepcopy(dense)
for model in half.values():
    structured_prune(model, prune_ratio=0.5, physical=True)
half_acc = runs.fine_tune(half, data, FT_EPOCHS)
ms = interleaved_ms({"dense": base, "structured 50 %": half[0]}, X_test[:1000], rounds=15, inner=3)
s, lo, hi = speedup(ms["dense"], ms["structured 50 %"])
print(f"parameters {base.num_parameters()} -> {half[0].num_parameters()}")
speed = f"speedup {s:.2f} x [{lo:.2f}, {hi:.2f}]"
print(f"OUTCOME structured-50: accuracy {ci(half_acc)} (dense {dense_ci}), {speed}, n={N}")
print("structured-50 against dense:", compare(half_acc, dense_ft_acc))
print(f"speed target 1.6x (median of the interleaved rounds): {'holds' if s >= 1.6 else 'not met'}")

# %%
after = {"magnitude 90 %": (90, mag90_acc), "structured 50 %": (knee["structured"][2][0], half_acc)}
plot_knee(knee, after, dense=np.mean(dense_ft_acc))

# %%
plot_patterns(base.layers[0].weight.data)

# %% [markdown]
# ## Task 4: knowledge distillation (15 points)
#
# A small **student** learns from a trained **teacher**'s softened outputs as well as from the labels
# (Hinton, Vinyals, Dean 2015, "Distilling the Knowledge in a Neural Network"):
#
# `L = alpha * T^2 * KL(p_t || p_s) + (1 - alpha) * CE(z_s, y)`, with `p_t = softmax(z_t / T)`, `p_s = softmax(z_s / T)`.
#
# - The KL term goes **from the teacher to the student**, `KL(p_t || p_s) = sum p_t * (log p_t - log p_s)`,
#   computed in log space, summed over classes and batch and **divided by the batch size B** (batchmean).
# - Its gradient in the student logits is `(p_s - p_t) / (T * B)`, and `p_s - p_t` shrinks like `1 / T`: the
#   soft gradient falls like `1 / T^2`, so `T^2` keeps its weight comparable across temperatures.
# - The hard term is the batch-mean cross-entropy of the student's **logits** at T = 1 (`CrossEntropyLoss`
#   applies log-softmax itself).
# - The teacher is frozen: `batch_loss` runs it in eval mode under `no_grad`, the student in train mode.
#   `train_step` and `fit` are given.
#
# The loss must stay a `Tensor` built from the student logits, so `backward()` reaches the student. Hints:
# `_log_softmax(z)` (given, NumPy) for the teacher, `(student_logits / T).log_softmax(axis=-1)` for the
# student, constants wrapped in `Tensor(...)`, `CrossEntropyLoss()(student_logits, labels)`.

# %%
#| export compression.distillation
import numpy as np

from tinytorch.core.autograd import row_max
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.task_checks import (
    check_distillation,
    check_distillation_fit,
    check_distillation_inputs,
    check_distillation_step,
)
from tinytorch.core.tensor import Tensor, no_grad
from tinytorch.training import optimizer_step


def _log_softmax(z):
    """log softmax over the last axis of a NumPy array, stable (the row max is subtracted first)."""
    z = z - row_max(z)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


# %% nbgrader={"grade": false, "grade_id": "knowledge-distillation", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export compression.distillation
class KnowledgeDistillation:
    """Teacher-student training: loss = alpha*T^2*KL(p_t||p_s) (batchmean) + (1-alpha)*CE(student logits, labels).

    temperature: T in [0.05, 100]; alpha: weight of the soft term, in [0, 1]. The teacher is put in eval
    mode and only run under no_grad; pass only the student's parameters to the optimizer.
    """

    def __init__(self, teacher_model, student_model, temperature=3.0, alpha=0.7):
        checked = check_distillation(teacher_model, student_model, temperature, alpha)
        self.teacher_model, self.student_model, self.temperature, self.alpha = checked
        self.teacher_model.eval()

    def distillation_loss(self, student_logits, teacher_logits, true_labels):
        """Scalar Tensor. student_logits: Tensor (B, C); teacher_logits: Tensor or array (B, C), given to you as an
        array of the student logits' dtype; true_labels: class indices (B,) in [0, C) (ints, an int Tensor or
        one-hot rows (B, C)), given to you as an int array."""
        student_logits, zt, labels = check_distillation_inputs(
            student_logits, teacher_logits, true_labels, self.temperature
        )
        ### BEGIN SOLUTION
        T, batch = self.temperature, zt.shape[0]
        log_pt = _log_softmax(zt / T)
        log_ps = (student_logits / T).log_softmax(axis=-1)
        kl = (Tensor(np.exp(log_pt)) * (Tensor(log_pt) - log_ps)).sum() / batch
        ce = CrossEntropyLoss()(student_logits, labels)
        return self.alpha * T * T * kl + (1.0 - self.alpha) * ce
        ### END SOLUTION

    def batch_loss(self, x, y):
        """The distillation loss (a scalar Tensor) of the student on one batch: x Tensor (B, features), y labels (B,).

        The teacher runs in eval mode under no_grad (its logits are constants), the student in train mode."""
        ### BEGIN SOLUTION
        self.teacher_model.eval()
        with no_grad():
            teacher_logits = self.teacher_model(x).data
        self.student_model.train()
        return self.distillation_loss(self.student_model(x), teacher_logits, y)
        ### END SOLUTION

    def train_step(self, x, y, optimizer):
        """One optimizer step of the student on batch (x, y); returns the loss as a float. A non-finite
        loss raises ValueError before any gradient or weight changes."""
        x = check_distillation_step(self.student_model, x, optimizer)
        loss = self.batch_loss(x, y)
        return optimizer_step(loss, optimizer, self.student_model.named_parameters(), "in train_step")

    def fit(self, loader, optimizer, epochs=1):
        """train_step over every batch of `loader` for `epochs` epochs; returns the mean loss per epoch."""
        loader, epochs = check_distillation_fit(loader, epochs)  # train_step checks the optimizer
        return [float(np.mean([self.train_step(x, y, optimizer) for x, y in loader])) for _ in range(epochs)]


# %% [markdown]
# Self-check, with the reference numbers of the conventions: student logits `s = [[1, 2, 3], [0, 0, 0]]`,
# teacher logits `t = [[3, 2, 1], [1, 0, -1]]`, labels `[2, 0]`, `T = 2`, `alpha = 0.7`:
# `KL(p_t || p_s) = 0.199289`, `T^2 KL = 0.797155`, `CE = 0.753109`, loss `0.7 * 0.797155 + 0.3 * 0.753109
# = 0.783941`. The gradient of `T^2 KL` with respect to `s` is `T (p_s - p_t) / B =
# [[-0.320157, 0, 0.320157], [-0.173147, 0.026137, 0.147010]]`. (Reverse KL, `KL(p_s || p_t)`, would be 0.200907.)

# %%
S_LOGITS = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
T_LOGITS = np.array([[3.0, 2.0, 1.0], [1.0, 0.0, -1.0]])
LABELS = np.array([2, 0])


def kd(alpha=0.7, temperature=2.0):
    return KnowledgeDistillation(Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature, alpha)


for label, alpha, want in (
    ("loss", 0.7, 0.783941),
    ("alpha = 1: T^2 KL", 1.0, 0.797155),
    ("alpha = 0: CE", 0.0, 0.753109),
):
    expect(label, want, kd(alpha).distillation_loss(Tensor(S_LOGITS), T_LOGITS, LABELS).item(), atol=1e-6)
s = Tensor(S_LOGITS, requires_grad=True)
kd(alpha=1.0).distillation_loss(s, T_LOGITS, LABELS).backward()
expect("gradient of T^2 KL", [[-0.320157, 0, 0.320157], [-0.173147, 0.026137, 0.147010]], s.grad, atol=1e-6)

# %% nbgrader={"grade": true, "grade_id": "test-kd-loss", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""distillation_loss returns a scalar Tensor equal to alpha * (its alpha=1 value) + (1 - alpha) * (its alpha=0 value)."""
check_claim("test-kd-loss", globals())

# %% nbgrader={"grade": true, "grade_id": "test-kd-soft-term", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""The soft term is T^2 * KL(p_t || p_s): teacher to student, scaled by T^2, finite for logits far apart."""
check_claim("test-kd-soft-term", globals())

# %% nbgrader={"grade": true, "grade_id": "test-kd-hard-term", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""The hard term is the cross-entropy of the student's logits (no softmax before it), independent of T."""
check_claim("test-kd-hard-term", globals())

# %% nbgrader={"grade": true, "grade_id": "test-kd-batchmean", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Both terms are means over the batch: a batch's loss is the mean of its rows' losses."""
check_claim("test-kd-batchmean", globals())

# %% nbgrader={"grade": true, "grade_id": "test-kd-gradient", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""backward() of the loss reaches the student logits with the gradient of that same loss."""
check_claim("test-kd-gradient", globals())

# %% nbgrader={"grade": true, "grade_id": "test-kd-teacher-frozen", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""train_step updates the student only, run in train mode: the teacher runs in eval mode under no_grad and stays unchanged."""
check_claim("test-kd-teacher-frozen", globals())

# %% nbgrader={"grade": true, "grade_id": "test-kd-hidden", "locked": true, "points": 0, "schema_version": 3, "solution": false, "task": false}
"""Hidden cases of KnowledgeDistillation run here when your instructor grades."""
### BEGIN HIDDEN TESTS
import os

if os.environ.get("NBGRADER_EXECUTION") == "autograde":  # the instructor's grading run
    got = kd(alpha=1.0, temperature=2.0).distillation_loss(Tensor(S_LOGITS), T_LOGITS, LABELS).item()
    assert abs(got - 0.797155) < 1e-6 and abs(got - 0.803628) < 1e-6, (
        f"alpha=1, T=2: expected 0.797155, got {got:.6f}"
    )
### END HIDDEN TESTS

# %% [markdown]
# Use: **what does the teacher give?** A 784-16-10 student (its size is printed below) sees labels for only
# `N_LABELED` training images (different ones per seed). Three arms (`runs.kd_arms`), same initialisation:
# - *alone*: cross-entropy on the labelled images only;
# - *teacher labels*: cross-entropy on every training image, the teacher's **argmax** standing in for a
#   missing label;
# - *distilled*: your distillation loss at `alpha = 1` on every training image (soft targets only).
#
# The middle arm is the control: if *distilled* only matches it, the gain is the teacher labelling the
# unlabelled images, not the soft targets. T is chosen first on a validation split of the training images
# (never the test set); a tie goes to the smaller T.

# %%
STUDENT, N_LABELED, KD_EPOCHS = (784, 16, 10), 500, 4


def kd_arms(seed, temperature, pool, held_out):
    return runs.kd_arms(
        dense[seed], KnowledgeDistillation, seed, temperature, pool, held_out, STUDENT, N_LABELED, KD_EPOCHS
    )


size = sum(a * b + b for a, b in zip(STUDENT, STUDENT[1:]))  # weights and biases
print(f"student {STUDENT}: {size} parameters, {base.num_parameters() / size:.1f}x fewer than the teacher")
cut = len(X_train) * 4 // 5
fit_part, val_part = (X_train[:cut], y_train[:cut]), (X_train[cut:], y_train[cut:])
TEMPERATURES = (1.0, 2.0, 4.0)
val = {t: kd_arms(0, t, fit_part, val_part)[2] for t in TEMPERATURES}
KD_T = min(TEMPERATURES, key=lambda t: (-val[t], t))  # best validation accuracy; a tie goes to the smaller T
shown = {t: round(a, 4) for t, a in val.items()}
print(f"validation accuracy of the distilled arm by T: {shown} -> T = {KD_T}")
kd = np.array([kd_arms(seed, KD_T, (X_train, y_train), (X_test, y_test)) for seed in SEEDS])
print(f"KD result: alone {ci(kd[:, 0])}, teacher-labels {ci(kd[:, 1])}, distilled {ci(kd[:, 2])}, n={N}")
print("teacher labels against alone:", compare(kd[:, 1], kd[:, 0], tolerance=None))
print("distilled against teacher labels:", compare(kd[:, 2], kd[:, 1], tolerance=None))
arms = dict(zip((f"alone ({N_LABELED} labels)", "teacher labels", f"distilled (T = {KD_T:g})"), kd.T))
plot_arms(arms, np.mean(dense_acc), title=f"{'-'.join(map(str, STUDENT))} students, mean ± 95 % CI, n={N}")

# %% [markdown]
# Read the two `compare` lines: the first is what the teacher's **labels** give, the second what the **soft
# targets** add on top of them. Credit soft targets only if that second interval excludes 0.

# %% [markdown]
# ## Task 5: low-rank approximation (9 points)
#
# Truncated SVD: `W = U diag(S) Vh` (`np.linalg.svd(W, full_matrices=False)`: U is m x r, S has r values in
# descending order, Vh is r x n, r = min(m, n)). Keeping the k largest singular values gives the best rank-k
# approximation (Eckart-Young-Mirsky), with Frobenius error `sqrt(sum(S[k:]**2))` and spectral error `S[k]`.
#
# Rank choice: `k = round(rank_ratio * min(m, n))` (Python `round`), clipped to `[1, min(m, n)]`; or, when
# `energy` (tau in (0, 1]) is given, the smallest k with `cumsum(S**2) / sum(S**2) >= tau` (an all-zero
# matrix keeps every rank; divide S by `S[0]` before squaring, so that huge weights cannot overflow).
# Set `factors = (U[:, :k], S[:k], Vh[:k])`: the third factor is **Vh** (k x n), not V; the given last line
# returns copies in the input's dtype. `method="randomized"` (given, not graded; `rank_ratio` only) uses the
# randomized range finder that `randomized_dev.ipynb` builds and times.
# Hints: `np.cumsum((S / S[0])**2)`, `np.searchsorted(fractions, tau, side="left")`.

# %%
#| export compression.low_rank
import numpy as np

from tinytorch.compression.randomized import check_low_rank_method, randomized_svd
from tinytorch.core.checks import check_that
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.module import Parameter
from tinytorch.core.random import get_rng
from tinytorch.core.task_checks import check_factorize, check_low_rank, check_low_rank_compress


def _ratio_rank(rank_ratio, full):
    """k = round(rank_ratio * full) clipped to [1, full] (the rank rule of low_rank_approximate)."""
    return min(max(round(rank_ratio * full), 1), full)


def _svd(w, name="weight_matrix", dtype=None):
    """np.linalg.svd(w, full_matrices=False) computed on w / max|w| (no square overflows near the float
    maximum), in float32 for results of `dtype` (default w's) up to 32 bits (LAPACK has no float16), else in
    float64; S comes back times max|w|, as float64 (energy sums accumulate in float64). ValueError naming
    `name` when a singular value does not fit `dtype`."""
    dtype = np.dtype(w.dtype if dtype is None else dtype)
    w = w.astype(np.float32 if dtype.itemsize <= 4 else np.float64, copy=False)
    peak = float(np.max(np.abs(w)))
    u, s, vh = np.linalg.svd(w / peak if peak > 0 else w, full_matrices=False)
    s = s.astype(np.float64) * peak if peak > 0 else s.astype(np.float64)
    check_that(s[0] <= np.finfo(dtype).max, name, w, f"singular values within {dtype}, got {s[0]:.4g}")
    return u, s, vh


def _top_svd(w, k, method="svd", n_iter=2, oversample=10, seed=0, dtype=None):
    """The k leading singular triplets of w (m, n): U (m, k), S (k,), Vh (k, n), exact or randomized."""
    if method == "randomized":
        return randomized_svd(w, k, n_iter, oversample, seed)
    u, s, vh = _svd(w, "linear.weight", dtype)
    return u[:, :k], s[:k], vh[:k]


# %% nbgrader={"grade": false, "grade_id": "low-rank-approximate", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export compression.low_rank
def low_rank_approximate(
    weight_matrix, rank_ratio=0.5, energy=None, method="svd", n_iter=2, oversample=10, seed=0
):
    """Rank-k truncated SVD of a 2-D (m, n) matrix: returns U (m, k), S (k,), Vh (k, n), arrays of their own.

    k = round(rank_ratio * min(m, n)) clipped to [1, min(m, n)], rank_ratio in (0, 1]; when energy (in
    (0, 1]) is given it overrides rank_ratio: k = the smallest rank keeping that share of sum(S**2) (an
    all-zero matrix keeps every rank, k = min(m, n)). Float input keeps its dtype (float16 is computed in
    float32), integer input gives float64.
    method="randomized": the randomized range finder (n_iter power iterations, oversample extra columns,
    a seeded Gaussian sketch; rank_ratio only).
    """
    w, r, tau, dtype = check_low_rank(weight_matrix, rank_ratio, energy, method)
    method, n_iter, oversample, seed = check_low_rank_method(method, n_iter, oversample, seed)
    if method == "randomized":
        factors = _top_svd(w, _ratio_rank(r, min(w.shape)), method, n_iter, oversample, seed)
    else:
        u, s, vh = _svd(w, dtype=dtype)  # np.linalg.svd(w, full_matrices=False), scaled; S in float64
        ### BEGIN SOLUTION
        full = len(s)
        if tau is None:
            k = round(r * full)
        elif s[0] == 0:
            k = full  # an all-zero matrix: every rank keeps all of its (zero) energy
        else:
            cum = np.cumsum((s / s[0]) ** 2)  # divided by S[0] first: no overflow
            k = int(np.searchsorted(cum / cum[-1], tau, side="left")) + 1
        k = min(max(k, 1), full)
        factors = (u[:, :k], s[:k], vh[:k])
        ### END SOLUTION
    return tuple(np.array(f, dtype=dtype) for f in factors)


# %% [markdown]
# Self-check: for `diag(5, 3, 1)`, `rank_ratio=1/3` keeps `S = [5]` and the Frobenius error of
# `U diag(S) Vh` is `sqrt(3**2 + 1**2) = 3.162278`; `energy=0.9` keeps k = 2 (energies 0.714, 0.971, 1.0).
# A 5 x 3 matrix at `rank_ratio=2/3` gives U (5, 2), S (2,), Vh (2, 3).

# %%
D3 = np.diag([5.0, 3.0, 1.0])
M53 = np.arange(15, dtype=np.float64).reshape(5, 3) ** 1.5
u, s, vh = low_rank_approximate(D3, rank_ratio=1 / 3)
expect("kept singular values", [5.0], s)
expect("Frobenius error", 3.162278, np.linalg.norm(D3 - (u * s) @ vh), atol=1e-6)
expect("k at energy 0.9", 2, len(low_rank_approximate(D3, energy=0.9)[1]))
shapes = [a.shape for a in low_rank_approximate(M53, rank_ratio=2 / 3)]
expect("shapes of 5 x 3 at 2/3", [(5, 2), (2,), (2, 3)], shapes)

# %% nbgrader={"grade": true, "grade_id": "test-lowrank-shapes", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""low_rank_approximate returns U (m, k), S (k,) and Vh (k, n), and the full rank reconstructs W."""
check_claim("test-lowrank-shapes", globals())

# %% nbgrader={"grade": true, "grade_id": "test-lowrank-error", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""The rank-k factors keep the k largest singular values and meet the Eckart-Young error sqrt(sum(S[k:]**2))."""
check_claim("test-lowrank-error", globals())

# %% nbgrader={"grade": true, "grade_id": "test-lowrank-rounding", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""The rank is k = round(rank_ratio * min(m, n)), clipped to at least 1."""
check_claim("test-lowrank-rounding", globals())

# %% nbgrader={"grade": true, "grade_id": "test-lowrank-energy", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""With energy tau, k is the smallest rank whose share of sum(S**2) reaches tau, also for huge values."""
check_claim("test-lowrank-energy", globals())

# %% [markdown]
# Use: the spectrum of the trained first layer (784 x 300). How much of the layer's energy (the sum of the
# squared singular values) the leading k directions hold says how low a rank it tolerates; the break-even
# rank `m*n/(m+n)` is where a factorization stops saving parameters.

# %%
w_first = base.layers[0].weight.data.astype(np.float64)
spectrum = np.linalg.svd(w_first, compute_uv=False)
m_f, n_f = w_first.shape
k90, break_even = len(low_rank_approximate(w_first, energy=0.9)[1]), m_f * n_f / (m_f + n_f)
print(f"first layer {w_first.shape}: rank for 90 % of the energy {k90}; break-even rank {break_even:.0f}")
plot_energy(spectrum, k90, break_even)

# %% [markdown]
# ## Task 6: factorize a Linear layer (5 points)
#
# ```
# x (B, m) --[ W: m x n ]--> y                   m*n + n parameters
# x (B, m) --[ A: m x k ]--[ B: k x n ]--> y      k*(m+n) + n parameters
# ```
# `A = U_k * S_k` (the singular values folded into the first factor), `B = Vh_k`, the original bias on the
# second layer: `Sequential(Linear(m, k, bias=False), Linear(k, n))`, output `x @ U_k @ diag(S_k) @ Vh_k + b`.
# It saves parameters only below the **break-even rank** `k < m*n / (m + n)` (k < n/2 for a square layer),
# so `low_rank_compress` (given) replaces only the layers where the factorization is smaller. The given
# first line computes `u` (m, k), `s` (k,) and `vh` (k, n); `_linear_from(weight, bias, like=linear)`
# (given) builds a Linear from arrays with the dtype and `requires_grad` of `linear`. Leave the input layer
# unchanged. Hint: `u * s` scales column j of `u` by `s[j]`.


# %%
#| export compression.low_rank
def _linear_from(weight, bias=None, like=None):
    """A Linear whose parameters are copies of `weight` (in, out) and `bias` (cast to the dtype of `like`'s
    weight and with its requires_grad, when given); the global RNG is left untouched."""
    rng = get_rng()
    state = rng.bit_generator.state
    layer = Linear(weight.shape[0], weight.shape[1], bias=bias is not None)
    rng.bit_generator.state = state
    dtype = None if like is None else like.weight.data.dtype
    grad = True if like is None else like.weight.requires_grad
    layer.weight = Parameter(np.array(weight, dtype=dtype), requires_grad=grad)
    if bias is not None:
        layer.bias = Parameter(bias, requires_grad=grad if like.bias is None else like.bias.requires_grad)
    for p in (layer.weight, layer.bias):
        if p is not None and dtype is not None:
            p.data = p.data.astype(dtype, copy=False)  # a Tensor stores float16 as float32
    return layer


# %% nbgrader={"grade": false, "grade_id": "factorize-linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export compression.low_rank
def factorize_linear(linear, rank, method="svd", n_iter=2, oversample=10, seed=0):
    """Rank-k factorization of `linear` (weight m x n): Sequential(Linear(m, k, bias=False), Linear(k, n)).

    First weight U_k * S_k (m, k), second weight Vh_k (k, n) with the original bias; rank is an int in
    [1, min(m, n)]. The input layer is not modified; dtype and requires_grad are kept. method, n_iter,
    oversample, seed: as in low_rank_approximate.
    """
    w, k = check_factorize(linear, rank)
    options = check_low_rank_method(method, n_iter, oversample, seed)
    u, s, vh = _top_svd(w, k, *options, dtype=linear.weight.data.dtype)  # U (m, k), S (k,), Vh (k, n)
    ### BEGIN SOLUTION
    bias = None if linear.bias is None else linear.bias.data
    return Sequential(_linear_from(u * s, like=linear), _linear_from(vh, bias, like=linear))
    ### END SOLUTION


# %%
#| export compression.low_rank
def low_rank_compress(model, rank_ratio=None, energy=None, method="svd", n_iter=2, oversample=10, seed=0):
    """Replace every Linear of a Sequential by its rank-k factorization where that has fewer parameters.

    Give exactly one of rank_ratio (in (0, 1]) or energy (in (0, 1]); ranks as in low_rank_approximate.
    A layer is replaced only when k*(m+n) < m*n. Returns {"layers.i": k} for the replaced layers.
    method, n_iter, oversample, seed: as in low_rank_approximate (the energy rule needs method="svd").
    """
    linears = check_low_rank_compress(model, rank_ratio, energy, method)
    options = check_low_rank_method(method, n_iter, oversample, seed)
    plan = {}
    for i in linears:
        layer = model.layers[i]
        m, n = layer.weight.data.shape
        k = (
            _ratio_rank(rank_ratio, min(m, n))
            if energy is None
            else len(low_rank_approximate(layer.weight.data, energy=energy)[1])
        )
        if k * (m + n) < m * n:
            plan[i] = (k, factorize_linear(layer, k, *options))
    if plan:
        layers = list(model.layers)
        for i, (_, replacement) in plan.items():
            layers[i] = replacement
        model.layers = layers
    return {f"layers.{i}": k for i, (k, _) in plan.items()}


# %% [markdown]
# Self-check: factorizing a `Linear(4, 3)` at rank 1 gives layers of weight shapes (4, 1) and (1, 3), no bias
# on the first, and `1 * (4 + 3) + 3 = 10` parameters; at rank 3 it reproduces the layer's outputs.


# %%
lin43 = nets.linear([[2, 0, 0], [0, 1, 0], [0, 0, 0.5], [1, 1, 1]], [1, -1, 0.5])
x4 = Tensor(np.array([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 0.0, 2.0]], dtype=np.float32))
f1, f3 = factorize_linear(lin43, 1), factorize_linear(lin43, 3)
expect("weight shapes at rank 1", [(4, 1), (1, 3)], [f1.layers[0].weight.shape, f1.layers[1].weight.shape])
expect("parameters at rank 1", 10, f1.num_parameters())
expect("rank 3 reproduces the layer", True, bool(np.allclose(f3(x4).data, lin43(x4).data, atol=1e-5)))

# %% nbgrader={"grade": true, "grade_id": "test-factorize-shapes", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""factorize_linear builds Linear(m, k, bias=False) then Linear(k, n) with the bias, in the layer's dtype."""
check_claim("test-factorize-shapes", globals())

# %% nbgrader={"grade": true, "grade_id": "test-factorize-output", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""The factorized layer computes x @ (U_k * S_k) @ Vh_k + b, leaves the layer unchanged, and the full rank reproduces it."""
check_claim("test-factorize-output", globals())

# %% [markdown]
# Use: **a whole model 4x smaller by low rank.** Factorize the first layer at rank 50 and the second at rank
# 20 (the classifier stays), fine-tune, and compare with the dense model. Set the printed relative error of
# the first layer (Eckart-Young, `sqrt(sum(S[k:]**2)) / ||W||`) against what it costs in accuracy.

# %%
RANKS = {0: 50, 2: 20}  # layer index -> rank


def low_rank_model(model):
    layers = list(copy.deepcopy(model).layers)
    for i, k in RANKS.items():
        layers[i] = factorize_linear(model.layers[i], k)
    return Sequential(*layers)


low = {seed: low_rank_model(model) for seed, model in dense.items()}
low_acc = runs.fine_tune(low, data, FT_EPOCHS)
err = np.sqrt(np.sum(spectrum[RANKS[0] :] ** 2) / np.sum(spectrum**2))
before = accuracy(low_rank_model(base), X_test, y_test)
print(f"first layer at rank {RANKS[0]}: relative error {err:.3f}; before fine-tuning {before:.4f}")
fewer = base.num_parameters() / low[0].num_parameters()
print(f"OUTCOME lowrank-4x: accuracy {ci(low_acc)} (dense {dense_ci}), params {fewer:.2f} x fewer, n={N}")
print("lowrank-4x against dense:", compare(low_acc, dense_ft_acc))

# %% [markdown]
# ## Task 7: the compression pipeline (5 points)
#
# `compress_model(model, compression_config, eval_loader=None)` applies, in this order, the techniques the
# config names: `structured_prune` (the ratio; physical removal), `low_rank` (the rank ratio, through
# `low_rank_compress`) and `magnitude_prune` (the cumulative sparsity). The given check validates the config
# first (an unknown key is a `ValueError` naming it). It returns a dict:
# - `original_params`, `original_nonzeros`, `original_sparsity` (`measure_sparsity`, percent) and
#   `original_bytes` (`model_nbytes`, dense float32), measured **before** any technique; the same four
#   `final_` keys and `final_int8_bytes` (`quantized_nbytes`) measured after;
# - `applied_techniques`: e.g. `["structured_0.3", "magnitude_0.8"]`, in the order applied, listing a
#   technique only when it changed the model (a `low_rank` that replaced no layer is left out);
# - `per_layer`, from the functions' return values (only the techniques configured):
#   `{"structured_prune": {"layers.i": neurons kept}, "low_rank": {"layers.i": rank},
#   "magnitude_prune": {"layers.i.weight": percent of its weights pruned}}`;
# - with an `eval_loader`: `original_accuracy` and `accuracy` (fractions, `evaluate`).
#
# **Grading note.** So that a bug in Tasks 1-3 or 5-6 costs points only there, the graded cells run
# `compress_model` with stand-ins for `measure_sparsity`, `structured_prune`, `low_rank_compress` and
# `magnitude_prune` (`replaced(globals(), ...)`) and check the order of the calls, the arguments and the report.

# %%
#| export compression.pipeline
import numpy as np

from tinytorch.core.task_checks import check_compress_config
from tinytorch.quantization import model_nbytes, quantized_nbytes
from tinytorch.training import evaluate

if __package__:  # in tinytorch/compression/pipeline.py; in this notebook these are the functions above
    from .low_rank import low_rank_compress
    from .magnitude import magnitude_prune
    from .sparsity import count_parameters, measure_sparsity
    from .structured import structured_prune


# %% nbgrader={"grade": false, "grade_id": "compress-model", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export compression.pipeline
def compress_model(model, compression_config, eval_loader=None):
    """Apply structured_prune (physical), low_rank_compress and magnitude_prune in place; returns stats.

    compression_config: dict with any of 'structured_prune' (ratio in [0, 1)), 'low_rank' (rank ratio in
    (0, 1]), 'magnitude_prune' (sparsity fraction in [0, 1]). Returns original_/final_ params, nonzeros,
    sparsity (percent), bytes (dense float32), final_int8_bytes, applied_techniques (e.g.
    ["structured_0.3", "magnitude_0.8"], only those that changed the model) and, with an eval_loader,
    original_accuracy and accuracy (fractions in [0, 1]), and per_layer: {technique: {layer name: neurons
    kept (structured_prune), rank (low_rank) or percent of weights pruned (magnitude_prune)}}.
    """
    config = check_compress_config(model, compression_config, eval_loader)
    ### BEGIN SOLUTION
    stats = {
        "original_params": count_parameters(model),
        "original_nonzeros": count_parameters(model, nonzero_only=True),
        "original_sparsity": measure_sparsity(model),
        "original_bytes": model_nbytes(model),
        "applied_techniques": [],
    }
    if eval_loader is not None:
        stats["original_accuracy"] = evaluate(model, eval_loader)
    per_layer = stats["per_layer"] = {}
    if "structured_prune" in config:
        kept = structured_prune(model, config["structured_prune"], physical=True)
        per_layer["structured_prune"] = {name: len(neurons) for name, neurons in kept.items()}
        stats["applied_techniques"].append(f"structured_{config['structured_prune']}")
    if "low_rank" in config:
        per_layer["low_rank"] = low_rank_compress(model, rank_ratio=config["low_rank"])
        if per_layer["low_rank"]:
            stats["applied_techniques"].append(f"low_rank_{config['low_rank']}")
    if "magnitude_prune" in config:
        masks = magnitude_prune(model, config["magnitude_prune"])
        per_layer["magnitude_prune"] = {name: 100.0 * float(np.mean(~mask)) for name, mask in masks.items()}
        stats["applied_techniques"].append(f"magnitude_{config['magnitude_prune']}")
    stats.update(
        final_params=count_parameters(model),
        final_nonzeros=count_parameters(model, nonzero_only=True),
        final_sparsity=measure_sparsity(model),
        final_bytes=model_nbytes(model),
        final_int8_bytes=quantized_nbytes(model),
    )
    if eval_loader is not None:
        stats["accuracy"] = evaluate(model, eval_loader)
    return stats
    ### END SOLUTION


# %% [markdown]
# Self-check with the grader's stand-ins (`tinytorch/claims/module16/pipeline.py`): each records its call
# and really changes the model, and `measure_sparsity` reads 7.0, then 42.0. Expected: calls structured
# (0.25, physical) -> low rank (0.5) -> magnitude (0.5); 2 neurons kept in layers.0, rank 1 for layers.2,
# 100 % of layers.0.weight pruned; the 30 parameters become 16.


# %%
from tinytorch.claims.module16.pipeline import net as pipeline_net
from tinytorch.claims.module16.pipeline import stand_ins

calls, config = [], {"magnitude_prune": 0.5, "low_rank": 0.5, "structured_prune": 0.25}
with replaced(globals(), **stand_ins(calls)):
    stats = compress_model(pipeline_net(), config)
expect("calls", [["structured", 0.25, True], ["low_rank", 0.5], ["magnitude", 0.5]], calls)
applied = ["structured_0.25", "low_rank_0.5", "magnitude_0.5"]
expect("applied_techniques", applied, stats["applied_techniques"])
expect("sparsity before and after", (7.0, 42.0), (stats["original_sparsity"], stats["final_sparsity"]))
expect("parameters before and after", (30, 16), (stats["original_params"], stats["final_params"]))
per_layer = {"structured_prune": {"layers.0": 2}, "low_rank": {"layers.2": 1}}
per_layer["magnitude_prune"] = {"layers.0.weight": 100.0, "layers.2.weight": 0.0}
expect("per_layer", per_layer, stats.get("per_layer"))

# %% nbgrader={"grade": true, "grade_id": "test-pipeline-order", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""compress_model applies structured (physical), then low rank, then magnitude, and lists only what changed the model."""
check_claim("test-pipeline-order", globals())

# %% nbgrader={"grade": true, "grade_id": "test-pipeline-stats", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""compress_model reports counts, percent sparsity, bytes and accuracy measured before and after the techniques, and each technique's per-layer result."""
check_claim("test-pipeline-stats", globals())

# %% [markdown]
# Use: the whole pipeline on a copy of seed 0's model, then fine-tuning: fewer parameters (structured),
# fewer non-zeros (magnitude; bytes only in a sparse format) and fewer bits per value (INT8).

# %%
piped, config = copy.deepcopy(base), {"structured_prune": 0.3, "magnitude_prune": 0.8}
st = compress_model(piped, config, eval_loader=DataLoader(X_test, y_test, 1000))
tuned = runs.fine_tune({0: piped}, data, FT_EPOCHS)[0]
print(f"techniques {st['applied_techniques']}, params {st['original_params']} -> {st['final_params']}")
print(f"non-zeros {st['original_nonzeros']} -> {st['final_nonzeros']}, INT8 bytes {st['final_int8_bytes']}")
print(f"accuracy {st['original_accuracy']:.4f} -> {st['accuracy']:.4f}, fine-tuned {tuned:.4f}")

# %% [markdown]
# ## Compression that pays off: gradual pruning, and pruning with INT8
#
# **Gradual against one-shot.** Zhu and Gupta (2017, "To prune, or not to prune") raise the sparsity along
# a cubic schedule, `s_t = s_f (1 - (1 - t/n)^3)`, fine-tuning between the steps. `runs.gradual_and_one_shot`
# runs that loop with **your** `magnitude_prune` and gives one-shot pruning the same epochs, both to 95 %.
#
# **Multiplicative compression, with honest bytes.** "90 % pruning (10x) times INT8 (4x) = 40x" counts only
# the values: CSR also stores where each non-zero is (`count_bytes` counts the int16 column indices and the
# row pointers). Deep Compression (Han, Mao, Dally, ICLR 2016) reached 35x on AlexNet and 49x on VGG-16 only
# by adding weight sharing, relative 4-8 bit indices and Huffman coding to pruning.

# %%
FINAL = 0.95
gradual_acc, oneshot_acc, start = runs.gradual_and_one_shot(dense, magnitude_prune, data, FINAL, FT_EPOCHS)
print("cubic targets:", [round(s, 4) for _, s in cubic_schedule(0.0, FINAL, FT_EPOCHS - 1)])
print(f"one-shot 95 % right after pruning: {ci(start)} (the knee above shows where 95 % sits)")
print(f"OUTCOME gradual-95: accuracy {ci(gradual_acc)}, one-shot-95 accuracy {ci(oneshot_acc)}, n={N}")
print("gradual against one-shot:", compare(gradual_acc, oneshot_acc, tolerance=None))

# %% [markdown]
# Compare one-shot right after pruning with its `OUTCOME` accuracy: that is what fine-tuning recovers. The
# schedule is ahead only if the last line's interval excludes 0; if not, this budget does not separate them.

# %%
int8 = {seed: to_sparse(model, index_dtype=np.int16, quantize=True) for seed, model in mag90.items()}
int8_acc = [accuracy(model, X_test, y_test) for model in int8.values()]  # real int8 CSR inference
print(tables.csr_table(int8[0]))
print(f"{count_bytes(int8[0])} bytes against {count_bytes(base)} dense float32 bytes")
fewer = count_bytes(base) / count_bytes(int8[0])
print(f"OUTCOME prune-int8: accuracy {ci(int8_acc)} (dense {dense_ci}), {fewer:.2f} x fewer bytes, n={N}")
print("prune-int8 against dense:", compare(int8_acc, dense_ft_acc))

# %% [markdown]
# ## Predict, then measure: MACs, bytes and latency
#
# `count_macs` counts the multiply-adds per image (a zero stored densely is still multiplied), `count_bytes`
# the bytes stored. Five models of seed 0: dense, structured 50 % **masked** and **physical**, the 90 %
# magnitude model in CSR (float32 values, int32 indices) and the low-rank model. **Before you run the
# timing cell**, write in `MY_PREDICTION` the speedup over dense you expect for each.

# %%
masked_half = copy.deepcopy(base)
structured_prune(masked_half, prune_ratio=0.5, physical=False)
zoo = {"dense": base, "structured masked": masked_half, "structured physical": half[0]}
zoo.update({"CSR 90 %": to_sparse(mag90[0]), "low rank": low[0]})
print(tables.cost_table(zoo, base))

# %%
MY_PREDICTION = {"structured masked": 1.0, "structured physical": 1.0, "CSR 90 %": 1.0, "low rank": 1.0}

# %%
ms = interleaved_ms(zoo, X_test[:1000], rounds=15, inner=3)
measured = {name: speedup(ms["dense"], ms[name]) for name in zoo}
print(tables.speed_table(zoo, ms, measured, MY_PREDICTION))
plot_macs_and_speed({n: count_macs(base) / count_macs(zoo[n]) for n in list(zoo)[1:]}, measured)

# %% [markdown]
# Why latency falls less than MACs: each layer keeps costs that do not shrink with its weights (the Python
# call, allocating the output, the bias add, the ReLU, reading the batch), and a small product runs further
# from peak than a large one. CSR does fewer multiply-adds, but each reads an index and jumps through memory.
#
# **Beyond this notebook.** *Lottery tickets* (Frankle and Carbin, ICLR 2019): sparse sub-networks reset to
# their initial weights and trained alone match the full network (`lottery_dev.ipynb`). *Hardware
# co-design*: smaller dense layers speed up every BLAS; 2:4 needs sparse tensor cores, unstructured
# sparsity very high sparsity or accelerators such as EIE (Han et al., ISCA 2016), INT8 integer kernels.
# *Scaling up*: `benchmarks/bench_compression.py` prunes 100 million weights in cache-sized chunks.

# %% [markdown]
# ## Task 8: design a compressed model (up to 10 points, judged outside the notebook)
#
# Complete `design_compression(model, X_train, y_train)`: given a trained dense 784-300-100-10 model and
# the training images, return a **new** compressed model (leave `model` unchanged) within the budget:
# - **bytes**: `count_bytes(compressed) <= DESIGN_MAX_BYTES_RATIO * count_bytes(model)`, i.e. at most
#   **25 %** of the dense float32 bytes, every index, pointer, scale and bias counted;
# - **accuracy** on the 10,000 test images at most `DESIGN_MAX_ACCURACY_DROP` = **0.01** below the dense
#   model's;
# - only `Linear`, `ReLU`, `Sequential`, `SparseLinear` (`tinytorch.compression.sparse`, optionally int8 with
#   `quantize=True`) and the layers of `factorize_linear`; at most about 40 seconds on one core.
#
# Choose from your measurements (the knee, the bytes per technique, what fine-tuning recovers); combining is
# allowed. The grader rebuilds your model from your function in a separate process and measures it.

# %% nbgrader={"grade": false, "grade_id": "design-compression", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export compression.design
import copy

import numpy as np

from tinytorch.compression.sparse import to_sparse
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import Adam
from tinytorch.data import DataLoader
from tinytorch.training import fit

if __package__:  # in tinytorch/compression/design.py; in this notebook it is your function above
    from .magnitude import magnitude_prune

DESIGN_MAX_BYTES_RATIO = 0.25  # compressed bytes / dense float32 bytes, indices counted
DESIGN_MAX_ACCURACY_DROP = 0.01  # at most 1 point below the dense model's test accuracy


def design_compression(model, X_train, y_train):
    """A new compressed model from the trained dense `model` (left unchanged), within the design budget."""
    ### BEGIN SOLUTION
    compressed = copy.deepcopy(model)
    magnitude_prune(compressed, sparsity=0.8)
    loader = DataLoader(X_train, y_train, batch_size=128, shuffle=True, seed=7)
    fit(compressed, loader, CrossEntropyLoss(), Adam(compressed.parameters(), lr=1e-3), epochs=2)
    return to_sparse(compressed, index_dtype=np.int16, quantize=True)
    ### END SOLUTION


# %% [markdown]
# Self-check of your design on seed 0's model (the grader measures it again, out of process).

# %%
designed = design_compression(base, X_train, y_train)
ratio, design_acc = count_bytes(designed) / count_bytes(base), accuracy(designed, X_test, y_test)
print(
    f"design: bytes ratio {ratio:.4f} (budget {DESIGN_MAX_BYTES_RATIO}), accuracy {design_acc:.4f} "
    f"(dense {base_acc:.4f}, drop {base_acc - design_acc:+.4f}, allowed {DESIGN_MAX_ACCURACY_DROP}): "
    f"{'within' if ratio <= DESIGN_MAX_BYTES_RATIO and base_acc - design_acc <= DESIGN_MAX_ACCURACY_DROP else 'OUTSIDE'} budget"
)

# %% nbgrader={"grade": true, "grade_id": "test-design-budget", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
"""design_compression's model takes at most 25 % of the dense model's bytes, indices, pointers, scales and biases counted."""
check_claim("test-design-budget", globals())


# %% nbgrader={"grade": true, "grade_id": "test-design-accuracy", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
"""design_compression's model is at most 1 point less accurate than the dense model on the 10,000 test images."""
check_claim("test-design-accuracy", globals())


# %% [markdown]
# ## Reflect (15 points, graded by hand)
#
# Each answer needs **your** numbers: quote the lines your notebook printed.
#
# **Q1.** Quote the `MY_PREDICTION` you wrote before the timing cell, and for each of the four models the
# MAC ratio and the measured speedup. Which model was furthest from your prediction? Explain why its
# latency fell less (or more) than its MACs, and what unstructured sparsity would need (format, kernel,
# sparsity level, hardware) to pay off on this machine.

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect-sparse-speed", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false}
# Model answer (with the student's numbers). Masked structured: about 1x, every dense multiply-add still
# runs. Physical structured and low rank: faster, but less than their MAC ratio, because per-layer costs
# (call, allocation, bias, ReLU, reading the batch) do not shrink and small products run further from peak.
# CSR at 90 %: slower despite 10x fewer MACs (an index read and an irregular access per multiply-add). It
# pays only at very high sparsity with a good kernel (sparse_dev), or on hardware built for a pattern (2:4).

# %% [markdown]
# **Q2.** Before looking at the `KD result` line, which student did you expect to win, and why? Split the
# gain of *distilled* over *alone* into what *teacher labels* already gets and what the soft targets add,
# with the intervals of the two `compare` lines: is the second part beyond noise? What does the teacher
# give that the `N_LABELED` labels do not, and why does the soft term carry `T^2`?

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect-distillation", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false}
# Model answer (with the student's numbers). Teacher labels beat the student alone far beyond noise: the
# teacher labels the images that have none, so the student learns from all of them instead of 500.
# Distilled against teacher labels is within noise here, so the gain is the teacher's labels, not the soft
# targets (their class similarities add nothing measurable at this budget). T^2: the soft gradient is
# (p_s - p_t)/(T B) and p_s - p_t shrinks like 1/T, so without T^2 it would fall like 1/T^2.

# %% [markdown]
# **Q3.** Predict from the per-layer counts of the prune-int8 cell the ratio "90 % pruning x INT8 = 40x"
# would give if only the values counted, then compare it with the ratio printed in `OUTCOME prune-int8`.
# What does 40x ignore? Then describe your Task 8 design: the techniques and settings you chose, the
# measurements above that made you choose them, and its printed bytes ratio and accuracy.

# %% [markdown] nbgrader={"grade": true, "grade_id": "reflect-pipeline", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false}
# Model answer (with the student's numbers). Values only: 10 % of the weights at 1 byte against 4, about
# 40x. Measured: several times less, because each non-zero also stores a 2-byte index, each row a 4-byte
# pointer, and biases and scales stay float32. Design: e.g. 80 % magnitude pruning (fine-tuning recovers it,
# as the 90 % outcome shows) and int8 CSR with int16 indices, about 3 bytes per kept weight: under 25 %.

# %%
#| default_exp compression.__init__
#| export
# tinytorch.compression re-exports the public names of the modules this notebook writes (sparsity, magnitude,
# structured, distillation, low_rank, pipeline). The import runs only inside the package: in this notebook
# the same names are the cells above. (This nbdev cell sits last so that the notebook opens on its title.)
if __package__:
    from . import distillation, low_rank, magnitude, pipeline, sparsity, structured
    from .distillation import *
    from .low_rank import *
    from .magnitude import *
    from .pipeline import *
    from .sparsity import *
    from .structured import *

    __all__ = [
        name
        for mod in (sparsity, magnitude, structured, distillation, low_rank, pipeline)
        for name in mod.__all__
    ]
