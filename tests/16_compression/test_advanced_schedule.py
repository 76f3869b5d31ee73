"""Zhu & Gupta cubic schedule and gradual pruning (tinytorch.compression.schedule)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinytorch
from tinytorch.compression import magnitude_prune, measure_sparsity
from tinytorch.compression.schedule import cubic_schedule, cubic_sparsity, gradual_prune, relative_amount
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD
from tinytorch.data import DataLoader
from tinytorch.training import evaluate

TABLE = [0, 0.2439, 0.4392, 0.5913, 0.7056, 0.7875, 0.8424, 0.8757, 0.8928, 0.8991, 0.9]


@pytest.mark.library
def test_cubic_schedule_matches_the_conventions_table():
    assert cubic_sparsity(0) == 0.0
    assert cubic_sparsity(5) == pytest.approx(0.7875, abs=1e-12)
    assert cubic_sparsity(10) == 0.9 and cubic_sparsity(11) == 0.9
    assert [round(s, 4) for _, s in cubic_schedule(0.0, 0.9, 10)] == TABLE
    assert [t for t, _ in cubic_schedule(0.0, 0.9, 10)] == list(range(11))


@pytest.mark.library
def test_schedule_is_clipped_before_begin_and_after_end_and_honours_frequency():
    assert cubic_sparsity(3, 0.1, 0.5, n_steps=4, begin_step=10, frequency=5) == 0.1
    assert cubic_sparsity(100, 0.1, 0.5, n_steps=4, begin_step=10, frequency=5) == pytest.approx(0.5)
    assert cubic_sparsity(20, 0.0, 0.8, n_steps=4, begin_step=10, frequency=5) == pytest.approx(
        0.8 * (1 - 0.5**3)
    )
    assert [t for t, _ in cubic_schedule(0.0, 0.8, 4, begin_step=10, frequency=5)] == [10, 15, 20, 25, 30]


@pytest.mark.library
@given(st.floats(0, 0.9), st.floats(0, 0.99), st.integers(1, 20))
def test_property_schedule_is_monotone_from_initial_to_final(s_i, s_f, n):
    s_f = max(s_i, s_f)
    vals = [s for _, s in cubic_schedule(s_i, s_f, n)]
    assert vals[0] == pytest.approx(s_i) and vals[-1] == pytest.approx(s_f)
    assert all(b >= a - 1e-12 for a, b in zip(vals, vals[1:]))


@pytest.mark.library
def test_relative_amount_converts_cumulative_steps():
    assert relative_amount(0.5, 0.75) == 0.5  # two relative calls of 0.5 -> 0.75
    assert relative_amount(0.0, 0.2439) == 0.2439
    assert relative_amount(0.9, 0.9) == 0.0


@pytest.mark.library
def test_schedule_validation_names_the_argument_and_range():
    with pytest.raises(ValueError, match=r"final_sparsity=1\.0.*\[0\.0, 1\.0\)"):
        cubic_sparsity(0, final_sparsity=1.0)
    with pytest.raises(ValueError, match=r"final_sparsity=0\.2"):
        cubic_schedule(0.5, 0.2, 10)
    with pytest.raises(ValueError, match="n_steps=0"):
        cubic_schedule(0.0, 0.5, 0)
    with pytest.raises(ValueError, match="begin_step=-1"):
        cubic_sparsity(0, begin_step=-1)
    with pytest.raises(ValueError, match="frequency=0"):
        cubic_sparsity(0, frequency=0)
    with pytest.raises(TypeError, match=r"step.*1\.5"):
        cubic_sparsity(1.5)
    with pytest.raises(ValueError, match=r"target=0\.1"):
        relative_amount(0.5, 0.1)


def _toy(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 8)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    tinytorch.manual_seed(seed)
    return (
        Sequential(Linear(8, 16), ReLU(), Linear(16, 2)),
        DataLoader(X, y, batch_size=16),
        DataLoader(X, y, batch_size=64),
    )


@pytest.mark.library
def test_gradual_prune_hits_each_cumulative_target_exactly_and_keeps_masks():
    model, loader, ev = _toy()
    n = 8 * 16 + 16 * 2
    hist = gradual_prune(
        model,
        loader,
        CrossEntropyLoss(),
        SGD(model.parameters(), lr=0.1),
        final_sparsity=0.9,
        n_steps=4,
        eval_loader=ev,
    )
    assert [h["step"] for h in hist] == [0, 1, 2, 3, 4]
    for h in hist:
        assert h["weight_sparsity"] == pytest.approx(100.0 * round(h["target"] * n) / n)
        assert float(h["accuracy"] * 64).is_integer()  # k correct of the 64 samples of eval_loader
    assert measure_sparsity(model, weights_only=True) == pytest.approx(100.0 * round(0.9 * n) / n)
    assert hist[-1]["accuracy"] == evaluate(model, ev)  # measured on the final, pruned model


@pytest.mark.library
def test_gradual_equals_manual_prune_and_fit_loop():
    (m1, l1, _), (m2, l2, _) = _toy(3), _toy(3)
    from tinytorch.training import fit

    gradual_prune(m1, l1, CrossEntropyLoss(), SGD(m1.parameters(), lr=0.1), final_sparsity=0.5, n_steps=2)
    opt = SGD(m2.parameters(), lr=0.1)
    for _, s in cubic_schedule(0.0, 0.5, 2):
        magnitude_prune(m2, s)
        fit(m2, l2, CrossEntropyLoss(), opt, epochs=1)
    assert all(np.array_equal(a.data, b.data) for a, b in zip(m1.parameters(), m2.parameters()))


@pytest.mark.library
def test_gradual_prune_rejects_bad_arguments_before_touching_the_model():
    model, loader, _ = _toy()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match="epochs_per_step=0"):
        gradual_prune(model, loader, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), epochs_per_step=0)
    with pytest.raises(ValueError, match="final_sparsity=1.5"):
        gradual_prune(model, loader, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), final_sparsity=1.5)
    with pytest.raises(TypeError, match=r"model.*str"):
        gradual_prune("model", loader, CrossEntropyLoss(), None)
    assert all(np.array_equal(a, p.data) and p.mask is None for a, p in zip(before, model.parameters()))


@pytest.mark.library
def test_gradual_prune_with_a_nan_weight_names_the_parameter_and_prunes_nothing():
    model, loader, ev = _toy()
    model.layers[2].weight.data[5, 1] = np.nan
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"model.*'layers\.2\.weight'.*NaN"):
        gradual_prune(model, loader, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), eval_loader=ev)
    assert all(
        np.array_equal(a, p.data, equal_nan=True) and p.mask is None
        for a, p in zip(before, model.parameters())
    )


@pytest.mark.library
def test_gradual_prune_accepts_an_optimizer_over_part_of_the_model_and_rejects_one_over_none():
    model, loader, _ = _toy()
    frozen = model.layers[0].weight.data.copy()
    gradual_prune(
        model,
        loader,
        CrossEntropyLoss(),
        SGD(model.layers[2].parameters(), lr=0.1),
        final_sparsity=0.5,
        n_steps=1,
    )
    kept = model.layers[0].weight.mask
    assert np.array_equal(model.layers[0].weight.data, frozen * kept)  # pruned, never trained
    other, _, _ = _toy(1)
    with pytest.raises(ValueError, match=r"optimizer=.*not the model's"):
        gradual_prune(model, loader, CrossEntropyLoss(), SGD(other.parameters(), lr=0.1))


@pytest.mark.library
def test_gradual_prune_of_a_fully_frozen_model_is_rejected_before_any_prune_or_step():
    model, loader, _ = _toy()
    for p in model.parameters():
        p.requires_grad = False
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"optimizer.*frozen"):
        gradual_prune(model, loader, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), n_steps=1)
    assert all(np.array_equal(a, p.data) and p.mask is None for a, p in zip(before, model.parameters()))


@pytest.mark.library
def test_gradual_prune_calls_the_given_prune_or_the_package_one_looked_up_at_call_time(monkeypatch):
    from tinytorch.compression import magnitude

    targets = []

    def spy(model, sparsity):  # stands in for the student's magnitude_prune (the package export)
        targets.append(sparsity)
        return magnitude_prune(model, sparsity)

    model, loader, _ = _toy()
    monkeypatch.setattr(magnitude, "magnitude_prune", spy)
    hist = gradual_prune(model, loader, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), 0.5, n_steps=2)
    assert targets == [s for _, s in cubic_schedule(0.0, 0.5, 2)]
    n = 8 * 16 + 16 * 2
    assert hist[-1]["weight_sparsity"] == 100.0 * round(0.5 * n) / n
    given = []
    model, loader, _ = _toy()
    gradual_prune(
        model,
        loader,
        CrossEntropyLoss(),
        SGD(model.parameters(), lr=0.1),
        0.5,
        n_steps=1,
        prune=lambda m, s: given.append(s) or magnitude_prune(m, s),
    )
    assert given == [0.0, 0.5] and len(targets) == 3


@pytest.mark.library
def test_gradual_prune_names_a_prune_that_returns_no_masks():
    model, loader, _ = _toy()
    with pytest.raises(TypeError, match=r"prune.*None"):
        gradual_prune(
            model, loader, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), prune=lambda m, s: None
        )


@pytest.mark.library
def test_gradual_prune_given_the_notebook_prune_runs_while_the_package_still_holds_stubs(monkeypatch):
    """The main notebook calls gradual_prune(..., prune=magnitude_prune) before the student exports."""
    from tinytorch.compression import magnitude, sparsity

    def stub(*args, **kwargs):
        raise NotImplementedError()

    monkeypatch.setattr(magnitude, "magnitude_prune", stub)
    monkeypatch.setattr(sparsity, "measure_sparsity", stub)
    model, loader, _ = _toy()
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(NotImplementedError):
        gradual_prune(model, loader, CrossEntropyLoss(), opt, 0.5, n_steps=1)
    hist = gradual_prune(model, loader, CrossEntropyLoss(), opt, 0.5, n_steps=1, prune=magnitude_prune)
    n = 8 * 16 + 16 * 2
    assert hist[-1]["weight_sparsity"] == 100.0 * round(0.5 * n) / n
