"""fit / evaluate / predict on the real digits data: accuracy, determinism, non-finite loss."""
import numpy as np
import pytest

import tinytorch as tt
from tinytorch.core.layers import Dropout, Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD, Adam
from tinytorch.data import DataLoader, load_digits, train_test_split
from tinytorch.training import evaluate, fit, predict

X_TRAIN, X_TEST, Y_TRAIN, Y_TEST = train_test_split(*load_digits(), test_size=0.25, seed=0)


def train_mlp(epochs=10):
    """Seeded MLP 64-128-10, Adam lr=1e-2, batch 32, shuffled loader with seed 0."""
    tt.manual_seed(0)
    model = Sequential(Linear(64, 128), ReLU(), Linear(128, 10))
    loader = DataLoader(X_TRAIN, Y_TRAIN, batch_size=32, shuffle=True, seed=0)
    losses = fit(model, loader, CrossEntropyLoss(), Adam(model.parameters(), lr=1e-2), epochs=epochs)
    return model, losses, evaluate(model, DataLoader(X_TEST, Y_TEST, batch_size=128))


def test_seeded_mlp_reaches_95_percent_test_accuracy_deterministically():
    _, losses, acc = train_mlp()
    _, losses2, acc2 = train_mlp()
    assert acc >= 0.95
    assert acc == acc2 and losses == losses2
    assert losses[-1] < losses[0]


def test_evaluate_returns_a_fraction_and_predict_agrees_with_it():
    model, _, acc = train_mlp(epochs=1)
    pred = predict(model, X_TEST)
    assert pred.shape == (450,) and pred.dtype == np.int64
    assert acc == np.mean(pred == Y_TEST)
    assert 0.0 <= acc <= 1.0


def test_fit_returns_one_mean_loss_per_epoch_weighted_by_batch_size():
    tt.manual_seed(0)
    model = Linear(2, 2)
    model.weight.data[:] = 0
    X = np.zeros((3, 2), dtype=np.float32)
    losses = fit(model, DataLoader(X, np.array([0, 1, 0]), batch_size=2), CrossEntropyLoss(),
                 SGD(model.parameters(), lr=1e-9), epochs=2)
    np.testing.assert_allclose(losses, [np.log(2)] * 2, rtol=1e-6)


def test_non_finite_loss_stops_fit_with_an_error_naming_epoch_and_batch():
    tt.manual_seed(0)
    model = Sequential(Linear(64, 10))
    X = X_TRAIN[:96].copy()
    X[70, 3] = np.nan  # sample 70 is in batch 2 (0-based) with batch size 32
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"epoch 0, batch 2"):
        fit(model, DataLoader(X, Y_TRAIN[:96], batch_size=32), CrossEntropyLoss(),
            SGD(model.parameters(), lr=1e-3))
    assert not np.array_equal(before["layers.0.weight"], model.layers[0].weight.data)  # batches 0, 1 ran
    assert np.all(np.isfinite(model.layers[0].weight.data))  # the bad batch never stepped


def test_evaluate_and_predict_restore_each_module_mode():
    model = Sequential(Linear(64, 10), Dropout(0.5))
    model.train()
    model.layers[0].eval()
    evaluate(model, DataLoader(X_TEST, Y_TEST, batch_size=64))
    predict(model, X_TEST[:5])
    assert [m.training for m in model.modules()] == [True, False, True]


def test_evaluate_uses_eval_mode_so_dropout_is_off():
    tt.manual_seed(0)
    model = Sequential(Linear(64, 10), Dropout(0.9))
    loader = DataLoader(X_TEST, Y_TEST, batch_size=450)
    assert evaluate(model, loader) == evaluate(model, loader)


def test_fit_rejects_a_non_module_and_bad_epochs():
    loader = DataLoader(X_TEST, Y_TEST)
    with pytest.raises(TypeError, match="model"):
        fit(lambda x: x, loader, CrossEntropyLoss(), None)
    model = Linear(64, 10)
    with pytest.raises(ValueError, match="epochs=0"):
        fit(model, loader, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), epochs=0)
