# %% [markdown]
# # Module 16, beyond the core: one compression report
#
# Every technique trades accuracy for size or speed, and each is usually reported in its own flattering
# unit ("90 % sparse", "4x smaller"). This notebook puts them in **one table**, measured the same way:
#
# | column | meaning |
# |---|---|
# | accuracy | test accuracy (fraction) |
# | params | parameter entries as stored (physical pruning and low rank shrink it; masking does not) |
# | non-zeros | entries that are not exactly 0 |
# | dense / CSR / INT8 KB | bytes stored as dense fp32; as CSR (fp32 values, int16 indices, int32 row pointers) for every weight; as INT8 with one fp32 scale per tensor, in CSR (int8 values + int16 indices) where that is smaller than dense int8. Biases stay fp32 in every column |
# | stored as | the format this variant would actually ship in; **ratio** = dense fp32 bytes of the baseline / bytes in that format |
# | latency | median forward time of the variant as given (a masked model runs dense), all variants timed interleaved on one BLAS thread; **speedup** = median per-round ratio to the baseline |
#
# Index bytes are always counted, so the ratio of "90 % pruning + INT8" (printed under the table) stays far
# below the "10 x 4 = 40x" of value-only arithmetic. `summary_report(seed=0)` builds the whole table from scratch in a few seconds;
# `tito module complete 16` prints it.
#
# Exported to `tinytorch/compression/report.py`.

# %%
#| default_exp compression.report
#| export
import copy
import numbers

import numpy as np

from tinytorch.compression.low_rank import low_rank_compress
from tinytorch.compression.nm import nm_prune
from tinytorch.compression.schedule import gradual_prune
from tinytorch.compression.sparse import SparseLinear, csr_nbytes, to_sparse
from tinytorch.core.checks import (
    check_array,
    check_choice,
    check_int,
    check_module,
    check_nonempty_loader,
    check_that,
)
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.module import Module, Parameter
from tinytorch.core.optim import Adam
from tinytorch.data import DataLoader
from tinytorch.lesson import digits_split, graded, interleaved_ms, make_mlp
from tinytorch.quantization import quantize_model, weight_channel_axis
from tinytorch.training import evaluate, fit, predict


# %%
#| export
def _arrays(model):
    """[(array, rows)] for every parameter (rows = output units of a >= 2-D weight, 0 for 1-D) and every
    SparseLinear weight, as an (out, in) array."""
    out, seen = [], set()  # a Parameter shared by two layers is stored (and counted) once
    for mod in model.modules():
        if isinstance(mod, SparseLinear):
            out.append((mod.weight_csr.to_dense(), mod.out_features))
            if mod.bias is not None:
                out.append((mod.bias, 0))
        for value in vars(mod).values():
            if isinstance(value, Parameter) and id(value) not in seen:
                seen.add(id(value))
                rows = value.shape[weight_channel_axis(mod)] if value.ndim >= 2 else 0
                out.append((value.data, rows))
    return out


def storage(model):
    """{params, nonzeros, dense, csr, int8}: entry counts, and bytes stored dense fp32, as CSR, as INT8."""
    check_module("model", model)
    s = dict(params=0, nonzeros=0, dense=0, csr=0, int8=0)
    for a, rows in _arrays(model):
        nnz = int(np.count_nonzero(a))
        s["params"] += a.size
        s["nonzeros"] += nnz
        s["dense"] += 4 * a.size
        if rows == 0:
            s["csr"] += 4 * a.size
            s["int8"] += 4 * a.size
            continue
        idx = 2 if a.size // rows <= 32768 else 4
        s["csr"] += csr_nbytes(nnz, rows, 4, idx)
        s["int8"] += min(a.size, csr_nbytes(nnz, rows, 1, idx)) + 4
    return s


def _dense_view(model):
    """`model` itself, or for a Sequential with SparseLinear layers (to_sparse) one with equal dense Linears,
    so that measure_sparsity sees the CSR weights too."""
    if not any(isinstance(m, SparseLinear) for m in model.modules()):
        return model
    layers = []
    for layer in model.layers:
        if isinstance(layer, SparseLinear):
            dense = Linear.__new__(Linear)  # no Linear() call: the global generator is not touched
            Module.__init__(dense)
            dense.in_features, dense.out_features = layer.in_features, layer.out_features
            dense.weight = Parameter(np.ascontiguousarray(layer.weight_csr.to_dense().T))
            dense.bias = None if layer.bias is None else Parameter(layer.bias.copy())
            layer = dense
        layers.append(layer)
    return Sequential(*layers)


def compression_report(variants, eval_loader, latency_input, repeats=5):
    """One row per variant: {technique, accuracy, params, nonzeros, weight_sparsity, dense, csr, int8,
    stored_as, size, ratio, latency_ms, speedup}; the first variant is the baseline.

    variants: {name: model} or {name: (model, fmt)} with fmt in "dense", "csr", "int8" (default "dense");
    latency_input: array (B, ...) timed through each model with lesson.interleaved_ms (`repeats` rounds,
    every variant in turn, one BLAS thread): latency_ms is the median round, speedup the median of the
    per-round ratios to the baseline. weight_sparsity is measure_sparsity(weights_only=True) (the package's
    export, looked up at call time), of the dense equivalent for a CSR model.
    """
    check_that(isinstance(variants, dict) and variants, "variants", variants, "a non-empty dict of models")
    models = {name: v if isinstance(v, tuple) else (v, "dense") for name, v in variants.items()}
    for name, v in models.items():
        check_that(isinstance(name, str), "variant name", name, "a str", TypeError)
        check_that(len(v) == 2, f"variants[{name!r}]", v, "a model or a pair (model, format)")
        model, fmt = v
        check_choice(f"format of {name!r}", fmt, ("dense", "csr", "int8"))
        check_module(f"variants[{name!r}]", model)
        check_that(storage(model)["params"], f"variants[{name!r}]", model, "a model with parameters")
    check_nonempty_loader("eval_loader", eval_loader)
    x = check_array("latency_input", latency_input)
    check_that(x.ndim >= 2 and x.shape[0], "latency_input", x, "a non-empty batch (B, ...), B >= 1")
    repeats = check_int("repeats", repeats, low=1)
    for name, (model, _) in models.items():  # one row through each variant (predict: eval mode, restored)
        try:
            predict(model, x[:1])
        except (ValueError, TypeError) as exc:
            check_that(False, "latency_input", x, f"rows that fit variants[{name!r}] ({exc})")
    measure = graded("measure_sparsity")
    rows = []
    for name, (model, fmt) in models.items():
        row = dict(technique=name, accuracy=evaluate(model, eval_loader), **storage(model), stored_as=fmt)
        row["weight_sparsity"] = float(measure(_dense_view(model), weights_only=True))
        row["size"] = row[fmt]
        rows.append(row)
    ms = interleaved_ms({name: model for name, (model, _) in models.items()}, x, rounds=repeats, inner=1)
    ref = ms[rows[0]["technique"]]
    for row in rows:
        row["ratio"] = rows[0]["dense"] / row["size"]
        row["latency_ms"] = float(np.median(ms[row["technique"]]))
        row["speedup"] = float(np.median(ref / ms[row["technique"]]))
    return rows


_KINDS = {str: "a str", numbers.Integral: "an int", numbers.Real: "a real number"}
_REAL_KEYS = "accuracy weight_sparsity dense csr int8 size ratio latency_ms speedup".split()
_ROW_KEYS = {
    "technique": str,
    "stored_as": str,
    "params": numbers.Integral,
    "nonzeros": numbers.Integral,
    **dict.fromkeys(_REAL_KEYS, numbers.Real),
}


def _check_rows(rows):
    """rows must be the non-empty list of dicts returned by compression_report (every key, right types)."""
    check_that(isinstance(rows, (list, tuple)), "rows", rows, "the rows of compression_report", TypeError)
    check_that(rows, "rows", rows, "at least one row of compression_report")
    for i, r in enumerate(rows):
        check_that(isinstance(r, dict), f"rows[{i}]", r, "a dict (a row of compression_report)", TypeError)
        missing = [k for k in _ROW_KEYS if k not in r]
        check_that(not missing, f"rows[{i}]", r, f"a compression_report row, also with {missing}")
        for k, kind in _ROW_KEYS.items():
            ok = isinstance(r[k], kind) and not isinstance(r[k], bool)
            check_that(ok, f"rows[{i}][{k!r}]", r[k], _KINDS[kind], TypeError)


def format_report(rows):
    """Plain-text table of compression_report rows (KB = 1000 bytes)."""
    _check_rows(rows)
    head = (
        f"{'technique':28s} {'acc':>6s} {'params':>7s} {'nonzero':>7s} {'sparse%':>7s} {'dense KB':>8s} "
        f"{'CSR KB':>7s} {'INT8 KB':>7s} {'stored':>6s} {'ratio':>6s} {'ms':>6s} {'speedup':>7s}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['technique'][:28]:28s} {r['accuracy']:>6.4f} {r['params']:>7d} {r['nonzeros']:>7d} "
            f"{r['weight_sparsity']:>7.1f} {r['dense'] / 1e3:>8.1f} {r['csr'] / 1e3:>7.1f} "
            f"{r['int8'] / 1e3:>7.1f} {r['stored_as']:>6s} {r['ratio']:>5.2f}x {r['latency_ms']:>6.3f} "
            f"{r['speedup']:>6.2f}x"
        )
    return "\n".join(lines)


def plot_report(rows):
    """matplotlib Figure (no pyplot state): accuracy vs weight sparsity, and stored size vs accuracy."""
    _check_rows(rows)
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    fig = Figure(figsize=(11, 4))
    ax1, ax2 = fig.subplots(1, 2)
    for i, r in enumerate(rows):
        ax1.scatter(r["weight_sparsity"], r["accuracy"], color=f"C{i % 10}", label=r["technique"])
        ax2.scatter(r["size"] / 1e3, r["accuracy"], color=f"C{i % 10}")
    ax1.set(xlabel="weight sparsity (% zeros)", ylabel="test accuracy", title="accuracy vs sparsity")
    ax2.set(
        xscale="log",
        xlabel="stored size (KB, log scale; index bytes included)",
        ylabel="test accuracy",
        title="size vs accuracy",
    )
    ax2.xaxis.set_minor_formatter(NullFormatter())
    ax1.legend(fontsize=7, loc="lower left")
    return fig


# %% [markdown]
# ## The digits variants and `summary_report`
#
# A 64-128-64-10 MLP trained 20 epochs (Adam 3e-3) is the baseline. Each variant starts from a deep copy;
# fine-tuning (FT) is 6 epochs of Adam 1e-3 with masks kept, the same budget as the 6-step gradual schedule.


# %%
#| export
def digits_variants(seed=0, epochs=20, finetune_epochs=10):
    """Train the baseline digits MLP and its compressed variants.

    Returns (variants for compression_report, test DataLoader, X_test float32 (450, 64)).
    """
    seed = check_int("seed", seed, low=0)
    epochs = check_int("epochs", epochs, low=1)  # before make_mlp reseeds the global generator
    ft = check_int("finetune_epochs", finetune_epochs, low=1)
    X_train, X_test, y_train, y_test = digits_split()
    test_loader = DataLoader(X_test, y_test, batch_size=512)
    ce = CrossEntropyLoss()

    def loader(s):
        return DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=s)

    def tune(m, lr=1e-2):  # pruned weights recover best at the training rate; factorized layers at a tenth
        fit(m, loader(seed + 1), ce, Adam(m.parameters(), lr=lr), epochs=ft)
        return m

    def variant(fn):
        m = copy.deepcopy(base)
        fn(m)
        return m

    base = make_mlp((64, 128, 64, 10), seed=seed)
    fit(base, loader(seed), ce, Adam(base.parameters(), lr=3e-3), epochs=epochs)
    magnitude_prune, structured_prune = graded("magnitude_prune"), graded("structured_prune")
    mag = tune(variant(lambda m: magnitude_prune(m, 0.9)))
    grad = variant(
        lambda m: gradual_prune(
            m, loader(seed + 1), ce, Adam(m.parameters(), lr=1e-2), final_sparsity=0.9, n_steps=ft - 1
        )
    )
    student = make_mlp((64, 32, 10), seed=seed + 2)
    graded("KnowledgeDistillation")(base, student, temperature=3.0, alpha=0.7).fit(
        loader(seed + 2), Adam(student.parameters(), lr=3e-3), epochs=epochs
    )
    variants = {
        "dense fp32 (baseline)": base,
        "INT8 per-tensor": (quantize_model(base, per_channel=False), "int8"),
        "magnitude 90% + FT": (mag, "csr"),
        "magnitude 90% + FT + INT8": (quantize_model(mag, per_channel=False), "int8"),
        "magnitude 90%, CSR inference": (to_sparse(mag), "csr"),
        "gradual 90% (cubic)": (grad, "csr"),
        "2:4 + FT": tune(variant(nm_prune)),
        "structured 50% physical + FT": tune(variant(lambda m: structured_prune(m, 0.5, physical=True))),
        "low rank r=0.5 + FT": tune(variant(lambda m: low_rank_compress(m, rank_ratio=0.5)), lr=1e-3),
        "KD student 64-32-10": student,
    }
    return variants, test_loader, X_test


def summary_report(seed=0):
    """Plain-text compression table for the digits MLP (trains everything from scratch, a few seconds)."""
    variants, test_loader, X_test = digits_variants(seed)
    rows = compression_report(variants, test_loader, X_test[:256], repeats=5)
    return (
        f"Module 16 compression report (digits, 64-128-64-10 MLP, seed={seed}; accuracy on "
        f"{len(test_loader.y)} test images; ms = median of 5 interleaved rounds of 256 images, one BLAS thread)\n"
        + format_report(rows)
    )


# %%
import io

from IPython.display import Image, display

variants, test_loader, X_test = digits_variants(seed=0)
rows = compression_report(variants, test_loader, X_test[:256], repeats=5)
print(format_report(rows))
by = {r["technique"]: r for r in rows}
q8, masked, csr = (
    by["magnitude 90% + FT + INT8"],
    by["magnitude 90% + FT"],
    by["magnitude 90%, CSR inference"],
)
print(
    f"90 % pruning + INT8, indices counted: {q8['ratio']:.2f}x smaller than dense fp32; counting one byte per "
    f"non-zero value only it would be {rows[0]['dense'] / q8['nonzeros']:.1f}x"
)
print(
    f"90 % masked, run dense: {masked['speedup']:.2f}x the baseline's speed; the same weights through "
    f"csr_matmul at batch 256: {csr['speedup']:.2f}x ({'faster' if csr['speedup'] > 1 else 'slower'} than dense BLAS)"
)
fig = plot_report(rows)
buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
display(Image(buf.getvalue()))

# %% [markdown]
# How to read it:
#
# - **Masked sparsity is a storage technique on a CPU.** The 90 % pruned model stores in CSR at a fraction
#   of the bytes, yet runs dense, multiplying its zeros (its speedup is printed above); the CSR-inference
#   row runs the same weights through `csr_matmul` at batch 256, where BLAS reuses every weight for 256
#   inputs (the line above says which one won here; see `sparse_dev` for the measured break-even).
# - **INT8 on top of pruning** multiplies the saving, but the honest ratio counts 2-byte indices and
#   4-byte row pointers: compare the printed ratio with the value-only one.
# - **Structured pruning, low rank and distillation** shrink dense shapes: fewer parameters with no index
#   overhead, and a speedup where the smaller matmuls outweigh the fixed per-layer cost (speedup column);
#   read the accuracy column for what each one costs after fine-tuning.
# - 2:4 needs sparse tensor cores to run faster; on NumPy it is a 50 % masked model.

# %%
text = summary_report(seed=0)
assert text.splitlines()[0].startswith("Module 16 compression report") and len(text.splitlines()) == 13
