"""Per-layer sensitivity scan and per-layer pruning (tinytorch.compression.sensitivity)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinytorch
from tinytorch.compression import magnitude
from tinytorch.compression.sensitivity import layer_sparsities, layerwise_prune, sensitivity_scan
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.data import DataLoader


def _model_and_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 6)).astype(np.float32)
    tinytorch.manual_seed(seed)
    model = Sequential(Linear(6, 8), ReLU(), Linear(8, 3))
    with tinytorch.no_grad():
        y = model(tinytorch.Tensor(X)).data.argmax(axis=1)  # labels the model gets 100 % right
    return model, DataLoader(X, y, batch_size=40)


def _one_weight(values, mask=None):
    model = Sequential(Linear(*np.shape(values)))
    model.layers[0].weight.data[:] = values
    if mask is not None:
        model.layers[0].weight.mask = mask
    return model


@pytest.mark.library
def test_layerwise_prune_prunes_exactly_round_s_times_n_with_stable_ties():
    values = np.array([[3.0, 1.0, 1.0], [2.0, 1.0, 5.0]])
    masks = [
        layerwise_prune(_one_weight(values), {"layers.0.weight": s})["layers.0.weight"] for s in (0.5, 0.25)
    ]
    assert masks[0].astype(int).tolist() == [[1, 0, 0], [1, 0, 1]]
    # 0.25 * 6 = 1.5 -> round half to even = 2 pruned; of the tied 1.0s the lower flat indices 1, 2 go first
    assert masks[1].astype(int).tolist() == [[1, 0, 0], [1, 1, 1]]
    assert (
        np.count_nonzero(~layerwise_prune(_one_weight(values), {"layers.0.weight": 2})["layers.0.weight"])
        == 2
    )


@pytest.mark.library
def test_layerwise_prune_never_regrows():
    model = _one_weight(np.array([[5.0, 4.0, 3.0, 2.0]]).T, mask=np.array([[False, True, True, True]]).T)
    assert layerwise_prune(model, {"layers.0.weight": 0.25})["layers.0.weight"].ravel().tolist() == [
        False,
        True,
        True,
        True,
    ]
    assert layerwise_prune(model, {"layers.0.weight": 0.5})["layers.0.weight"].ravel().tolist() == [
        False,
        True,
        True,
        False,
    ]


@pytest.mark.library
def test_scan_and_layerwise_prune_call_the_package_magnitude_prune_at_call_time_or_the_one_given(monkeypatch):
    model, loader = _model_and_data()
    calls = []

    def spy(m, sparsity):
        calls.append((type(m).__name__, [n for n, _ in m.named_parameters()], sparsity))
        return {}

    monkeypatch.setattr(magnitude, "magnitude_prune", spy)  # what the student's export would be
    sensitivity_scan(model, loader, sparsities=(0.5,), names=["layers.2.weight"])
    layerwise_prune(model, {"layers.0.weight": 0.25})
    assert calls == [("_Holder", ["weight"], 0.5), ("_Holder", ["weight"], 0.25)]
    given = []
    layerwise_prune(model, {"layers.0.weight": 0.75}, prune=lambda m, s: given.append(s))
    assert given == [0.75] and len(calls) == 2
    with pytest.raises(TypeError, match=r"prune.*\b3\b"):
        layerwise_prune(model, {"layers.0.weight": 0.75}, prune=3)


@pytest.mark.library
def test_scan_restores_the_model_exactly_and_reports_one_row_per_weight():
    model, loader = _model_and_data()
    before = [(p.data.copy(), p.mask) for p in model.parameters()]
    scan = sensitivity_scan(model, loader, sparsities=(0.0, 0.5, 1.0))
    assert scan["baseline"] == 1.0 and scan["sparsities"] == [0.0, 0.5, 1.0]
    assert list(scan["accuracy"]) == ["layers.0.weight", "layers.2.weight"]
    assert all(row[0] == 1.0 and len(row) == 3 for row in scan["accuracy"].values())
    assert all(np.array_equal(a, p.data) and m is p.mask for (a, m), p in zip(before, model.parameters()))


@pytest.mark.library
def test_scan_equals_pruning_that_layer_alone_by_hand():
    from tinytorch.training import evaluate

    model, loader = _model_and_data(1)
    scan = sensitivity_scan(model, loader, sparsities=(0.75,), names=["layers.2.weight"])
    layerwise_prune(model, {"layers.2.weight": 0.75})
    assert scan["accuracy"]["layers.2.weight"] == [evaluate(model, loader)]


@pytest.mark.library
def test_layer_sparsities_picks_the_largest_sparsity_within_tolerance_of_all_smaller_ones():
    scan = {
        "baseline": 0.90,
        "sparsities": [0.0, 0.5, 0.8, 0.9],
        "accuracy": {
            "a": [0.90, 0.895, 0.85, 0.89],
            "b": [0.90, 0.90, 0.90, 0.90],
            "c": [0.80, 0.9, 0.9, 0.9],
        },
    }
    assert layer_sparsities(scan, tolerance=0.01) == {"a": 0.5, "b": 0.9, "c": 0.0}
    assert layer_sparsities(scan, tolerance=0.1)["a"] == 0.9


@pytest.mark.library
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6), st.floats(0.0, 0.2))
def test_property_chosen_sparsity_is_scanned_and_within_tolerance(accs, tol):
    sps = [i / 10 for i in range(len(accs))]
    scan = {"baseline": 0.5, "sparsities": sps, "accuracy": {"w": accs}}
    within = [0.5 - a <= tol + 1e-12 for a in accs]  # independent oracle: the longest passing prefix
    k = within.index(False) if False in within else len(within)
    assert layer_sparsities(scan, tol)["w"] == (sps[k - 1] if k else 0.0)


@pytest.mark.library
def test_layerwise_prune_sets_each_layer_to_its_own_target():
    model, _ = _model_and_data()
    masks = layerwise_prune(model, {"layers.0.weight": 0.5, "layers.2.weight": 0.25})
    assert (
        np.count_nonzero(~masks["layers.0.weight"]) == 24 and np.count_nonzero(~masks["layers.2.weight"]) == 6
    )
    assert (
        np.count_nonzero(model.layers[0].weight.data == 0) == 24 and model.layers[2].weight.mask is not None
    )


@pytest.mark.library
def test_bad_arguments_raise_and_change_nothing():
    model, loader = _model_and_data()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"sparsities keys=\['layers\.0\.weight', 'nope'\]"):
        layerwise_prune(model, {"layers.0.weight": 0.5, "nope": 0.5})
    with pytest.raises(ValueError, match="sparsity=1.5"):
        layerwise_prune(model, {"layers.0.weight": 0.5, "layers.2.weight": 1.5})
    with pytest.raises(ValueError, match="sparsities="):
        sensitivity_scan(model, loader, sparsities=(0.5, 2.0))
    with pytest.raises(ValueError, match="tolerance=-0.1"):
        layer_sparsities({"baseline": 1, "sparsities": [0], "accuracy": {}}, -0.1)
    assert all(np.array_equal(a, p.data) and p.mask is None for a, p in zip(before, model.parameters()))


@pytest.mark.library
def test_scan_takes_one_weight_as_a_one_item_list_and_rejects_a_bare_string():
    model, loader = _model_and_data()
    scan = sensitivity_scan(model, loader, sparsities=(0.5,), names=["layers.0.weight"])
    assert list(scan["accuracy"]) == ["layers.0.weight"]
    with pytest.raises(
        TypeError,
        match=r"names.*'layers\.0\.weight'.*str",
    ):
        sensitivity_scan(model, loader, sparsities=(0.5,), names="layers.0.weight")


@pytest.mark.library
def test_scan_of_a_model_without_weights_raises_instead_of_returning_an_empty_scan():
    _, loader = _model_and_data()
    with pytest.raises(ValueError, match=r"(?s)model=Sequential.*prunable"):
        sensitivity_scan(Sequential(ReLU()), loader)


@pytest.mark.library
def test_scan_ranks_the_original_weights_at_every_sparsity_whatever_their_order():
    model, loader = _model_and_data(2)
    forward = sensitivity_scan(model, loader, sparsities=(0.3, 0.6, 0.9))
    backward = sensitivity_scan(model, loader, sparsities=(0.9, 0.6, 0.3))
    for name, row in forward["accuracy"].items():
        assert backward["accuracy"][name] == row[::-1]


@pytest.mark.library
def test_scan_reads_read_only_weights_and_puts_the_same_array_objects_back():
    model, loader = _model_and_data()
    arrays = [p.data for p in model.parameters()]
    for a in arrays:
        a.flags.writeable = False
    sensitivity_scan(model, loader, sparsities=(0.5,))
    assert all(p.data is a and not a.flags.writeable for p, a in zip(model.parameters(), arrays))
