"""Task 8 claims: design_compression, judged by measurement. The student's function runs in the runner on a
dense LeNet-300-100-sized model trained here from a fixed seed; the model it returns travels back as plain
arrays (tinytorch/claims/plain.py), and the judge rebuilds it with its own code, counts its bytes and
measures its accuracy on the 10,000 test images. Nothing the student's process says about its own model
counts."""

import copy

import numpy as np

from tinytorch.core.checks import check_that
from tinytorch.core.layers import Linear, ReLU, Sequential, Sigmoid

from .. import register
from ..plain import array

NEEDS = ("design_compression",)
N_TRAIN, EPOCHS, SEED = 2000, 2, 0
MAX_BYTES_RATIO, MAX_ACCURACY_DROP = 0.25, 0.01
_SETUP: dict = {}
_DESIGNED: dict = {}


SETUP_FILE = "design-setup.npz"  # the judge's copy of the dense model and data, in the runner's folder


def setup() -> dict:
    """The dense model and its training data, the same in every process (seeded), once per process; read
    from SETUP_FILE in the working folder when the judge put one there (no retraining per submission)."""
    if not _SETUP:
        from pathlib import Path

        from tinytorch.lesson import LENET, fashion_data, make_mlp, train

        dense = make_mlp(LENET, seed=SEED)
        if Path(SETUP_FILE).is_file():
            with np.load(SETUP_FILE, allow_pickle=False) as saved:
                X, y = saved["X"], saved["y"]
                for i, p in enumerate(dense.parameters()):
                    p.data = saved[f"p{i}"]
        else:
            X, y, _, _ = fashion_data(N_TRAIN)
            train(dense, X, y, epochs=EPOCHS, seed=SEED)
        _SETUP.update(dense=dense, X=X, y=y)
    return _SETUP


def save_setup(path) -> None:
    """Write the dense model and data of setup() to `path` (an .npz of plain arrays)."""
    s = setup()
    np.savez(path, X=s["X"], y=s["y"], **{f"p{i}": p.data for i, p in enumerate(s["dense"].parameters())})


def _leaves(model):
    if isinstance(model, Sequential):
        for layer in model.layers:
            yield from _leaves(layer)
    else:
        yield model


def to_layers(model) -> list:
    """The model as plain layer records (in the student's process: what it returns is untrusted)."""
    from tinytorch.compression.sparse import SparseLinear

    out = []
    for layer in _leaves(model):
        if isinstance(layer, Linear):
            bias = None if layer.bias is None else layer.bias.data
            out.append({"type": "linear", "weight": layer.weight.data, "bias": bias})
        elif isinstance(layer, SparseLinear):
            csr = layer.weight_csr
            out.append(
                {
                    "type": "sparse",
                    "in": layer.in_features,
                    "out": layer.out_features,
                    "values": csr.data,
                    "indices": csr.indices,
                    "indptr": csr.indptr,
                    "scale": getattr(csr, "scale", None),
                    "bias": layer.bias,
                }
            )
        elif isinstance(layer, (ReLU, Sigmoid)):
            out.append({"type": type(layer).__name__.lower()})
        else:
            raise TypeError(f"layer of type {type(layer).__name__}: expected one the budget can count")
    return out


def designed(ns) -> list:
    """The plain layers of the design function's model, computed once per function (both claims use it)."""
    fn = ns["design_compression"]
    if fn not in _DESIGNED:
        s = setup()
        _DESIGNED[fn] = to_layers(fn(copy.deepcopy(s["dense"]), s["X"], s["y"]))
    return _DESIGNED[fn]


def rebuild(layers) -> tuple:
    """(list of numpy functions, bytes) of plain layer records, checked as untrusted input."""
    n = len(layers) if isinstance(layers, list) else type(layers)
    check_that(isinstance(layers, list) and 0 < n <= 32, "layers", n, "a list of 1 to 32 layers")
    steps, nbytes, width = [], 0, 784
    for rec in layers:
        kind = rec.get("type") if isinstance(rec, dict) else None
        if kind in ("relu", "sigmoid"):
            steps.append((lambda z: np.maximum(z, 0)) if kind == "relu" else (lambda z: 1 / (1 + np.exp(-z))))
            continue
        if kind == "linear":
            w = array(rec["weight"], "f")
            b = None if rec.get("bias") is None else array(rec["bias"], "f")
            ok = w.ndim == 2 and w.shape[0] == width and (b is None or b.shape == (w.shape[1],))
            check_that(ok, "linear weight", w, f"shape ({width}, out) and a bias (out,)")
            nbytes += w.nbytes + (0 if b is None else b.nbytes)
        elif kind == "sparse":
            w, b, n = _dense_of(rec, width)
            nbytes += n
        else:
            raise ValueError(f"unknown layer type {kind!r}")
        steps.append(_affine(w, b))
        width = w.shape[1]
    check_that(width == 10, "outputs", width, "10, one per class")
    return steps, nbytes


def _affine(w, b):
    w32, b32 = w.astype(np.float32), None if b is None else b.astype(np.float32)
    return lambda z: z @ w32 + (0 if b32 is None else b32)


def _dense_of(rec: dict, width: int) -> tuple:
    """(dense weight (in, out), bias, bytes) of a CSR record (CSR of W.T, rows = outputs)."""
    n_in, n_out = rec.get("in"), rec.get("out")
    ok = type(n_in) is int and type(n_out) is int and n_in == width and 0 < n_out <= 100_000
    check_that(ok, "sparse in, out", (n_in, n_out), f"in = {width} and 0 < out <= 100000")
    values, indices, indptr = (
        array(rec["values"], "if"),
        array(rec["indices"], "iu"),
        array(rec["indptr"], "iu"),
    )
    scale = rec.get("scale")
    ok = indptr.shape == (n_out + 1,) and indptr[0] == 0 and indptr[-1] == values.size
    check_that(ok and not np.any(np.diff(indptr) < 0), "sparse indptr", indptr, "consistent row pointers")
    ok = indices.shape == values.shape and not (indices.size and (indices.min() < 0 or indices.max() >= n_in))
    check_that(ok, "sparse indices", indices, f"one per value, in [0, {n_in})")
    int8 = values.dtype.kind == "i"
    check_that(not int8 or type(scale) is float, "scale", scale, "a float scale for int8 values")
    b = None if rec.get("bias") is None else array(rec["bias"], "f")
    check_that(b is None or b.shape == (n_out,), "sparse bias", b, f"shape ({n_out},)")
    dense = np.zeros((n_out, n_in), dtype=np.float64)
    rows = np.repeat(np.arange(n_out), np.diff(indptr))
    dense[rows, indices] = values * (scale if values.dtype.kind == "i" else 1.0)
    n = (
        values.nbytes
        + indices.nbytes
        + indptr.nbytes
        + (4 if scale is not None else 0)
        + (0 if b is None else 4 * b.size)
    )
    return dense.T, b, n


_NUMBERS: dict = {}


def reference_numbers() -> dict:
    """The dense model's bytes and test accuracy (what a design is measured against), once per process; the
    judge stores them with its cached expectations so that it need not train the dense model again."""
    if not _NUMBERS:
        from tinytorch.lesson import accuracy, count_bytes

        dense = setup()["dense"]
        X_test, y_test = test_set()
        _NUMBERS.update(bytes=count_bytes(dense), accuracy=accuracy(dense, X_test, y_test))
    return _NUMBERS


def test_set() -> tuple:
    if "X_test" not in _TEST:
        from tinytorch.data import load_fashion_mnist

        _TEST["X_test"], _TEST["y_test"] = load_fashion_mnist("test")
    return _TEST["X_test"], _TEST["y_test"]


def measure(layers) -> tuple:
    """(bytes ratio, accuracy drop) of the rebuilt model against the dense one, both measured here."""
    dense = reference_numbers()
    steps, nbytes = rebuild(layers)
    X_test, y_test = test_set()
    z = X_test.astype(np.float32)
    for step in steps:
        z = step(z)
    acc = float(np.mean(np.argmax(z, axis=1) == y_test))
    return nbytes / dense["bytes"], dense["accuracy"] - acc


_TEST: dict = {}


CASE = [{"label": "the dense 784-300-100-10 model trained on 2,000 images, seed 0"}]


@register(
    "test-design-budget",
    "16",
    "design_compression's model takes at most 25 % of the dense model's bytes, "
    "indices, pointers, scales and biases counted.",
    NEEDS,
    CASE,
    seconds=120.0,
    judged=lambda got, case: {"within the byte budget": measure(got["layers"])[0] <= MAX_BYTES_RATIO},
)
def budget(ns, case):
    return {"layers": designed(ns)}


@register(
    "test-design-accuracy",
    "16",
    "design_compression's model is at most 1 point less accurate than the "
    "dense model on the 10,000 test images.",
    NEEDS,
    CASE,
    seconds=120.0,
    judged=lambda got, case: {"within the accuracy budget": measure(got["layers"])[1] <= MAX_ACCURACY_DROP},
)
def accuracy_claim(ns, case):
    return {"layers": designed(ns)}
