"""compress_model: config validation, technique order, reported sizes (params, non-zeros, bytes) and
accuracy."""

import numpy as np
import pytest
from nets import mlp

import tinytorch as tt
from tinytorch.compression import compress_model, measure_sparsity
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.data import DataLoader
from tinytorch.training import evaluate


@pytest.mark.compress_model
def test_compress_model_magnitude_only_reports_the_seed_keys_in_percent():
    stats = compress_model(mlp((4, 4, 2)), {"magnitude_prune": 0.5})
    assert stats["original_params"] == 30
    assert stats["original_sparsity"] == 20.0  # 6 zero biases of 30 entries
    assert stats["applied_techniques"] == ["magnitude_0.5"]
    assert stats["final_sparsity"] == 60.0  # + 12 of the 24 weights
    assert stats["final_params"] == 30 and stats["final_nonzeros"] == 12 and stats["original_nonzeros"] == 24


@pytest.mark.compress_model
def test_compress_model_reports_dense_float32_and_int8_bytes():
    stats = compress_model(mlp((4, 4, 2)), {"magnitude_prune": 0.5})
    assert stats["original_bytes"] == 4 * 30 and stats["final_bytes"] == 4 * 30
    # INT8: 1 byte per weight (24) + 4 bytes per per-output-channel scale (4 + 2) + 4 per bias (6)
    assert stats["final_int8_bytes"] == 24 + 4 * 6 + 4 * 6


@pytest.mark.compress_model
def test_compress_model_applies_structured_then_low_rank_then_magnitude():
    tt.manual_seed(0)
    net = Sequential(Linear(40, 40), ReLU(), Linear(40, 30), ReLU(), Linear(30, 2))
    stats = compress_model(net, {"magnitude_prune": 0.5, "low_rank": 0.25, "structured_prune": 0.5})
    assert stats["applied_techniques"] == ["structured_0.5", "low_rank_0.25", "magnitude_0.5"]
    # structured: 40-40-30-2 -> 40-20-15-2; low rank 0.25: 40x20 at k=5 (300 < 800), 20x15 at k=4 (140 < 300),
    # 15x2 at k=round(0.5)->1 (17 < 30)
    assert stats["final_params"] == (5 * 60 + 20) + (4 * 35 + 15) + (1 * 17 + 2)
    weights = [p for n, p in net.named_parameters() if p.data.ndim == 2]
    assert sum(int(np.sum(p.data == 0)) for p in weights) == round(0.5 * (5 * 60 + 4 * 35 + 17))
    assert stats["final_sparsity"] == measure_sparsity(net)


@pytest.mark.compress_model
def test_compress_model_reports_accuracy_fractions_with_an_eval_loader():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4)).astype(np.float32)
    y = rng.integers(0, 2, 40)
    net = mlp((4, 4, 2))
    loader = DataLoader(X, y, batch_size=16)
    expected_before = evaluate(net, loader)
    stats = compress_model(net, {"structured_prune": 0.5}, eval_loader=loader)
    assert stats["original_accuracy"] == expected_before
    assert stats["accuracy"] == evaluate(net, loader)
    assert "accuracy" not in compress_model(mlp((4, 4, 2)), {"magnitude_prune": 0.1})


@pytest.mark.compress_model
def test_compress_model_with_an_empty_config_changes_nothing():
    net = mlp((4, 4, 2))
    before = net.state_dict()
    stats = compress_model(net, {})
    assert stats["applied_techniques"] == [] and stats["final_params"] == stats["original_params"]
    for k, v in before.items():
        np.testing.assert_array_equal(net.state_dict()[k], v)
