"""Storage accounting, the compression report table and summary_report (tinytorch.compression.report)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinytorch
from tinytorch.compression.report import (
    compression_report,
    format_report,
    plot_report,
    storage,
    summary_report,
)
from tinytorch.compression.sparse import csr_nbytes, to_sparse
from tinytorch.core.conv import Conv2d
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.data import DataLoader


def _model():
    tinytorch.manual_seed(0)
    model = Sequential(Linear(4, 3), ReLU(), Linear(3, 2))
    model.layers[0].weight.data[:] = np.array([[1, 0, 0], [0, 0, 2], [0, 0, 0], [3, 0, 0]], dtype=np.float32)
    return model


@pytest.mark.library
def test_storage_counts_values_indices_pointers_and_fp32_biases():
    s = storage(_model())
    w2 = int(np.count_nonzero(_model().layers[2].weight.data))
    assert s["params"] == 12 + 3 + 6 + 2
    assert s["nonzeros"] == 3 + w2  # biases are zero-initialised
    assert s["dense"] == 4 * 23
    # weights stored as CSR of (out, in): rows = out features, int16 column indices; biases fp32
    assert s["csr"] == csr_nbytes(3, 3, 4, 2) + csr_nbytes(w2, 2, 4, 2) + 4 * 5
    assert s["int8"] == min(12, csr_nbytes(3, 3, 1, 2)) + 4 + min(6, csr_nbytes(w2, 2, 1, 2)) + 4 + 4 * 5
    assert set(s) == {"params", "nonzeros", "dense", "csr", "int8"}  # no sparsity: that is measure_sparsity's


@pytest.mark.library
def test_report_weight_sparsity_is_the_package_measure_sparsity_looked_up_at_call_time(monkeypatch):
    from tinytorch.compression import sparsity

    model = _model()
    X = np.zeros((2, 4), np.float32)
    loader = DataLoader(X, np.zeros(2, np.int64))
    w2 = int(np.count_nonzero(model.layers[2].weight.data))
    rows = compression_report({"base": model, "csr": to_sparse(model)}, loader, X, repeats=1)
    assert rows[0]["weight_sparsity"] == rows[1]["weight_sparsity"] == 100 * (18 - 3 - w2) / 18
    seen = []
    monkeypatch.setattr(sparsity, "measure_sparsity", lambda m, weights_only: seen.append(m) or 42.0)
    rows = compression_report({"base": model, "csr": to_sparse(model)}, loader, X, repeats=1)
    assert [r["weight_sparsity"] for r in rows] == [42.0, 42.0] and seen[0] is model
    assert np.array_equal(seen[1].layers[0].weight.data, model.layers[0].weight.data)  # the CSR, made dense


@pytest.mark.library
def test_storage_of_a_conv_uses_output_channels_as_rows():
    tinytorch.manual_seed(0)
    conv = Sequential(Conv2d(2, 3, 2, bias=False))
    conv.layers[0].weight.data[1:] = 0
    assert storage(conv)["csr"] == csr_nbytes(8, 3, 4, 2)


@pytest.mark.library
def test_sparse_inference_model_is_accounted_like_its_dense_source():
    model = _model()
    a, b = storage(model), storage(to_sparse(model))
    assert a == b


@pytest.mark.library
def test_report_ratio_and_speedup_are_relative_to_the_first_variant():
    model = _model()
    X = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
    loader = DataLoader(X, np.zeros(8, dtype=np.int64), batch_size=8)
    rows = compression_report(
        {"base": model, "csr": (model, "csr"), "int8": (model, "int8")}, loader, X, repeats=1
    )
    assert [r["technique"] for r in rows] == ["base", "csr", "int8"]
    assert rows[0]["ratio"] == 1.0 and rows[0]["speedup"] == 1.0
    assert rows[1]["ratio"] == rows[0]["dense"] / rows[1]["csr"]
    assert rows[2]["ratio"] == rows[0]["dense"] / rows[2]["int8"]
    assert all(r["speedup"] == rows[0]["latency_ms"] / r["latency_ms"] for r in rows)
    text = format_report(rows)
    assert len(text.splitlines()) == 5 and text.splitlines()[0].split()[:3] == ["technique", "acc", "params"]
    fig = plot_report(rows)
    assert len(fig.axes) == 2


@pytest.mark.library
def test_report_rejects_unknown_formats_and_empty_variants():
    model = _model()
    loader = DataLoader(np.zeros((2, 4), np.float32), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match=r"'a'.*'zip'"):
        compression_report({"a": (model, "zip")}, loader, np.zeros((1, 4), np.float32))
    with pytest.raises(ValueError, match=r"variants.*dict"):
        compression_report({}, loader, np.zeros((1, 4), np.float32))
    with pytest.raises(TypeError, match=r"model.*str"):
        storage("model")


@pytest.mark.library
def test_summary_report_is_a_plain_text_table_of_every_technique():
    text = summary_report(seed=0)
    lines = text.splitlines()
    assert lines[0].startswith("Module 16 compression report (digits, 64-128-64-10 MLP, seed=0")
    names = [line[:28].strip() for line in lines[3:]]
    assert names == [
        "dense fp32 (baseline)",
        "INT8 per-tensor",
        "magnitude 90% + FT",
        "magnitude 90% + FT + INT8",
        "magnitude 90%, CSR inference",
        "gradual 90% (cubic)",
        "2:4 + FT",
        "structured 50% physical + FT",
        "low rank r=0.5 + FT",
        "KD student 64-32-10",
    ]
    cols = {line[:28].strip(): line[28:].split() for line in lines[3:]}
    assert cols["dense fp32 (baseline)"][1] == "17226" and cols["dense fp32 (baseline)"][3] == "0.0"
    assert cols["magnitude 90% + FT"][3] == "90.0" and cols["2:4 + FT"][3] == "50.0"
    assert cols["structured 50% physical + FT"][1] == str(64 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10)
    assert cols["KD student 64-32-10"][1] == str(64 * 32 + 32 + 32 * 10 + 10)
    assert not any(ord(ch) > 127 for ch in text)


@pytest.mark.library
@given(st.floats(0.0, 1.0), st.integers(0, 1000))
def test_property_csr_bytes_equal_the_real_arrays_of_a_sparse_model(sparsity, seed):
    tinytorch.manual_seed(seed % 7)
    model = Sequential(Linear(12, 9), ReLU(), Linear(9, 5))
    rng = np.random.default_rng(seed)
    for lin in (model.layers[0], model.layers[2]):
        lin.weight.data[rng.random(lin.weight.shape) < sparsity] = 0
    sp = to_sparse(model, index_dtype=np.int16)
    real = sum(m.nbytes for m in sp.layers if hasattr(m, "weight_csr"))  # CSR arrays + fp32 biases
    assert storage(model)["csr"] == real
    assert storage(model)["nonzeros"] == sum(int(np.count_nonzero(p.data)) for p in model.parameters())


@pytest.mark.library
def test_format_and_plot_name_the_row_and_the_missing_key_instead_of_a_key_error():
    model = _model()
    X = np.zeros((2, 4), np.float32)
    rows = compression_report({"base": model}, DataLoader(X, np.zeros(2, np.int64)), X, repeats=1)
    broken = [rows[0], {k: v for k, v in rows[0].items() if k != "ratio"}]
    for fn in (format_report, plot_report):
        with pytest.raises(ValueError, match=r"rows\[1\].*'ratio'"):
            fn(broken)
        with pytest.raises(TypeError, match=r"rows.*None"):
            fn(None)


def _spy_loader(X):
    class Loader(DataLoader):  # counts the batches drawn: evaluating a variant draws at least one
        drawn = 0

        def __iter__(self):
            for batch in super().__iter__():
                Loader.drawn += 1
                yield batch

    return Loader(X, np.zeros(len(X), np.int64), batch_size=len(X))


@pytest.mark.library
def test_report_rejects_a_latency_input_of_the_wrong_width_naming_it_before_evaluating():
    model = _model()
    model.layers[2].eval()
    loader = _spy_loader(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"latency_input.*\(2, 3\).*variants\['a'\]"):
        compression_report({"a": model}, loader, np.zeros((2, 3), np.float32))
    assert loader.drawn == 0 and [m.training for m in model.modules()] == [True, True, True, False]


@pytest.mark.library
def test_report_rejects_a_3_tuple_variant_and_a_variant_without_parameters_naming_them():
    model = _model()
    loader = _spy_loader(np.zeros((2, 4), np.float32))
    x = np.zeros((1, 4), np.float32)
    with pytest.raises(ValueError, match=r"(?s)variants\['a'\]=\(Sequential.*pair"):
        compression_report({"a": (model, "csr", "int8")}, loader, x)
    with pytest.raises(ValueError, match=r"(?s)variants\['relu'\]=Sequential.*parameters"):
        compression_report({"a": model, "relu": Sequential(ReLU())}, loader, x)
    assert loader.drawn == 0


@pytest.mark.library
def test_report_names_a_bad_latency_input_or_variant_name_before_evaluating_anything():
    model = _model()
    loader = DataLoader(np.zeros((2, 4), np.float32), np.zeros(2, np.int64))
    with pytest.raises(TypeError, match=r"latency_input.*<U3"):
        compression_report({"a": model}, loader, "abc")
    with pytest.raises(TypeError, match=r"variant name=1 of type int"):
        compression_report({1: model}, loader, np.zeros((1, 4), np.float32))


@pytest.mark.library
def test_storage_counts_a_parameter_shared_by_two_layers_once():
    model = _model()
    tinytorch.manual_seed(1)
    shared = Sequential(model.layers[0], ReLU(), Linear(3, 3), ReLU(), Linear(3, 2))
    shared.layers[2].weight = shared.layers[4].weight = Linear(3, 3).weight  # one (3, 3) weight, used twice
    shared.layers[4].out_features = 3
    single = Sequential(model.layers[0], ReLU(), shared.layers[2])
    extra_bias = shared.layers[4].bias.size
    assert storage(shared)["params"] == storage(single)["params"] + extra_bias


@pytest.mark.library
def test_report_restores_each_module_train_or_eval_mode():
    model = _model()
    model.train()
    model.layers[2].eval()
    X = np.zeros((4, 4), dtype=np.float32)
    compression_report({"m": model}, DataLoader(X, np.zeros(4, dtype=np.int64), batch_size=4), X, repeats=1)
    assert [m.training for m in model.modules()] == [True, True, True, False]
