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
# | latency | best-of-N forward time of the variant as given (a masked model runs dense) |
#
# Index bytes are always counted, so "90 % pruning + INT8" is about 13x here, not the "10 x 4 = 40x" of
# value-only arithmetic. `summary_report(seed=0)` builds the whole table from scratch in a few seconds;
# `tito module complete 16` prints it.
#
# Exported to `tinytorch/compression/report.py`.

# %%
#| default_exp compression.report
#| export
import copy
import numbers

import numpy as np

import tinytorch
from tinytorch.compression import KnowledgeDistillation, low_rank_compress, magnitude_prune, structured_prune
from tinytorch.compression.nm import nm_prune
from tinytorch.compression.schedule import gradual_prune
from tinytorch.compression.sparse import SparseLinear, best_time, blas_threads, csr_nbytes, to_sparse
from tinytorch.core.checks import check_array, check_choice, check_int, check_module, check_nonempty_loader
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.module import Parameter
from tinytorch.core.optim import Adam
from tinytorch.core.tensor import Tensor, no_grad
from tinytorch.data import DataLoader, load_digits, train_test_split
from tinytorch.quantization import quantize_model, weight_channel_axis
from tinytorch.training import evaluate, fit


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
    """{params, nonzeros, weight_sparsity (percent zeros over >= 2-D weights), dense, csr, int8} bytes."""
    check_module("model", model)
    s = dict(params=0, nonzeros=0, dense=0, csr=0, int8=0)
    w_total = w_zero = 0
    for a, rows in _arrays(model):
        nnz = int(np.count_nonzero(a))
        s["params"] += a.size
        s["nonzeros"] += nnz
        s["dense"] += 4 * a.size
        if rows == 0:
            s["csr"] += 4 * a.size
            s["int8"] += 4 * a.size
            continue
        w_total, w_zero = w_total + a.size, w_zero + a.size - nnz
        idx = 2 if a.size // rows <= 32768 else 4
        s["csr"] += csr_nbytes(nnz, rows, 4, idx)
        s["int8"] += min(a.size, csr_nbytes(nnz, rows, 1, idx)) + 4
    s["weight_sparsity"] = 100.0 * w_zero / w_total if w_total else 0.0
    return s


def compression_report(variants, eval_loader, latency_input, repeats=5):
    """One row per variant: {technique, accuracy, params, nonzeros, weight_sparsity, dense, csr, int8,
    stored_as, size, ratio, latency_ms, speedup}; the first variant is the baseline.

    variants: {name: model} or {name: (model, fmt)} with fmt in "dense", "csr", "int8" (default "dense");
    latency_input: array (B, ...) timed through each model (no_grad; variants timed in turn for `repeats`
    rounds, one warm-up call before each timed call; best kept).
    """
    if not isinstance(variants, dict) or not variants:
        raise ValueError("variants must be a non-empty dict {name: model or (model, format)}")
    check_nonempty_loader("eval_loader", eval_loader)
    x = check_array("latency_input", latency_input)
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"latency_input must be a non-empty batch (B, ...) with B >= 1, got shape {x.shape}")
    x = Tensor(x)
    repeats = check_int("repeats", repeats, low=1)
    models = {}
    for name, v in variants.items():
        if not isinstance(name, str):
            raise TypeError(f"variant names must be str, got {name!r} of type {type(name).__name__}")
        model, fmt = v if isinstance(v, tuple) else (v, "dense")
        check_choice(f"format of {name!r}", fmt, ("dense", "csr", "int8"))
        check_module(f"variant {name!r}", model)
        models[name] = (model, fmt)
    rows = []
    for name, (model, fmt) in models.items():
        row = dict(technique=name, accuracy=evaluate(model, eval_loader), **storage(model), stored_as=fmt)
        row["size"], row["latency_ms"] = row[fmt], float("inf")
        rows.append(row)
    modes = [(m, m.training) for model, _ in models.values() for m in model.modules()]
    try:
        with no_grad():
            for model, _ in models.values():
                model.eval()
            for _ in range(repeats):  # round robin: every variant is timed under the same machine load
                for row, (model, _) in zip(rows, models.values()):
                    row["latency_ms"] = min(
                        row["latency_ms"], 1e3 * best_time(lambda: model(x), repeats=1, warmup=1)
                    )
    finally:
        for m, mode in modes:  # every module's train/eval mode as it was
            m.training = mode
    for row in rows:
        row["ratio"] = rows[0]["dense"] / row["size"]
        row["speedup"] = rows[0]["latency_ms"] / row["latency_ms"]
    return rows


_KINDS = {str: "a str", numbers.Integral: "an int", numbers.Real: "a real number"}
_ROW_KEYS = {
    "technique": str,
    "stored_as": str,
    "params": numbers.Integral,
    "nonzeros": numbers.Integral,
    **{
        k: numbers.Real
        for k in (
            "accuracy",
            "weight_sparsity",
            "dense",
            "csr",
            "int8",
            "size",
            "ratio",
            "latency_ms",
            "speedup",
        )
    },
}


def _check_rows(rows):
    """rows must be the non-empty list of dicts returned by compression_report (every key, right types)."""
    if not isinstance(rows, (list, tuple)):
        raise TypeError(
            f"rows must be the list of dicts returned by compression_report, got {rows!r} of type "
            f"{type(rows).__name__}"
        )
    if not rows:
        raise ValueError(f"rows={rows!r} is empty; expected at least one row of compression_report")
    for i, r in enumerate(rows):
        if not isinstance(r, dict):
            raise TypeError(f"rows[{i}] must be a dict (a row of compression_report), got {type(r).__name__}")
        missing = [k for k in _ROW_KEYS if k not in r]
        if missing:
            raise ValueError(
                f"rows[{i}] is missing keys {missing}; expected a row of compression_report with "
                f"keys {list(_ROW_KEYS)}"
            )
        for k, kind in _ROW_KEYS.items():
            if not isinstance(r[k], kind) or isinstance(r[k], bool):
                raise TypeError(
                    f"rows[{i}][{k!r}]={r[k]!r} must be {_KINDS[kind]}, got {type(r[k]).__name__}"
                )
    return rows


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
def _mlp(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def digits_variants(seed=0, epochs=20, finetune_epochs=10):
    """Train the baseline digits MLP and its compressed variants.

    Returns (variants for compression_report, test DataLoader, X_test float32 (450, 64)).
    """
    seed = check_int("seed", seed, low=0)
    epochs = check_int("epochs", epochs, low=1)
    ft = check_int("finetune_epochs", finetune_epochs, low=1)
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
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

    tinytorch.manual_seed(seed)
    base = _mlp((64, 128, 64, 10))
    fit(base, loader(seed), ce, Adam(base.parameters(), lr=3e-3), epochs=epochs)
    mag = tune(variant(lambda m: magnitude_prune(m, 0.9)))
    grad = variant(
        lambda m: gradual_prune(
            m, loader(seed + 1), ce, Adam(m.parameters(), lr=1e-2), final_sparsity=0.9, n_steps=ft - 1
        )
    )
    tinytorch.manual_seed(seed + 2)
    student = _mlp((64, 32, 10))
    KnowledgeDistillation(base, student, temperature=3.0, alpha=0.7).fit(
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
    threads = {k: v for k, v in blas_threads().items() if v is not None}
    return (
        f"Module 16 compression report (digits, 64-128-64-10 MLP, seed={seed}; accuracy on "
        f"{len(test_loader.y)} test images; ms = best of 5 forward passes of 256 images; {threads})\n"
        + format_report(rows)
    )


# %%
import io

from IPython.display import Image, display

variants, test_loader, X_test = digits_variants(seed=0)
rows = compression_report(variants, test_loader, X_test[:256], repeats=5)
print("BLAS threads:", blas_threads())
print(format_report(rows))
fig = plot_report(rows)
buf = io.BytesIO()
fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
display(Image(buf.getvalue()))

# %% [markdown]
# How to read it:
#
# - **Masked sparsity is a storage technique on a CPU.** The 90 % pruned model keeps its accuracy and
#   stores in CSR at a fraction of the bytes, yet runs no faster dense; the CSR-inference row runs the
#   same weights through `csr_matmul`, which at batch 256 loses to BLAS (see `sparse_dev` for the break-even).
# - **INT8 on top of pruning** multiplies the saving, but the honest ratio counts 2-byte indices and
#   4-byte row pointers: compare the `ratio` column, not 10 x 4.
# - **Structured pruning, low rank and distillation** shrink dense shapes: fewer parameters and real
#   speedups with no index overhead, at some accuracy cost that fine-tuning mostly recovers.
# - 2:4 needs sparse tensor cores to run faster; on NumPy it is a 50 % masked model.

# %%
text = summary_report(seed=0)
assert text.splitlines()[0].startswith("Module 16 compression report") and len(text.splitlines()) == 13
