"""fit / evaluate / predict on the real digits data: accuracy, determinism, non-finite loss."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch.core.layers import Dropout, Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD, Adam
from tinytorch.core.tensor import Tensor
from tinytorch.data import DataLoader, load_digits, train_test_split
from tinytorch.training import evaluate, fit, optimizer_step, predict, train_step

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


def test_fit_returns_one_mean_loss_per_epoch_weighted_by_batch_size():
    tt.manual_seed(0)
    model = Linear(2, 2)
    model.weight.data[:] = 0
    X = np.zeros((3, 2), dtype=np.float32)
    losses = fit(
        model,
        DataLoader(X, np.array([0, 1, 0]), batch_size=2),
        CrossEntropyLoss(),
        SGD(model.parameters(), lr=1e-9),
        epochs=2,
    )
    np.testing.assert_allclose(losses, [np.log(2)] * 2, rtol=1e-6)


def test_non_finite_loss_stops_fit_with_an_error_naming_epoch_and_batch():
    tt.manual_seed(0)
    model = Sequential(Linear(64, 10))
    X = X_TRAIN[:96].copy()
    X[70, 3] = np.nan  # sample 70 is in batch 2 (0-based) with batch size 32
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"epoch 0, batch 2"):
        fit(
            model,
            DataLoader(X, Y_TRAIN[:96], batch_size=32),
            CrossEntropyLoss(),
            SGD(model.parameters(), lr=1e-3),
        )
    assert not np.array_equal(before["layers.0.weight"], model.layers[0].weight.data)  # batches 0, 1 ran
    tt.manual_seed(0)
    ref = Sequential(Linear(64, 10))  # the same two good batches alone give bit-identical weights
    fit(
        ref,
        DataLoader(X[:64], Y_TRAIN[:64], batch_size=32),
        CrossEntropyLoss(),
        SGD(ref.parameters(), lr=1e-3),
    )
    for name, value in ref.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[name], value)


def _stepped_model():
    """Linear(4, 3) after one good SGD step, so every parameter holds a gradient; + a snapshot."""
    tt.manual_seed(0)
    model = Linear(4, 3)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    train_step(model, Tensor(np.ones((2, 4), np.float32)), np.array([0, 2]), CrossEntropyLoss(), opt)
    snap = [(p.data.copy(), p.grad.copy(), p.requires_grad) for p in model.parameters()]
    return model, opt, snap


def _assert_same(model, snap):
    for p, (data, grad, rg) in zip(model.parameters(), snap):
        np.testing.assert_array_equal(p.data, data)
        np.testing.assert_array_equal(p.grad, grad)
        assert p.requires_grad == rg


def test_train_step_with_a_nan_loss_raises_before_touching_weights_or_gradients():
    model, opt, snap = _stepped_model()
    momentum = [st["momentum"].copy() for st in opt.state]
    with pytest.raises(ValueError, match=r"loss=nan.*step 7"):
        train_step(
            model,
            Tensor(np.full((2, 4), np.nan, np.float32)),
            np.array([0, 1]),
            CrossEntropyLoss(),
            opt,
            "at step 7",
        )
    _assert_same(model, snap)
    for st, m in zip(opt.state, momentum):
        np.testing.assert_array_equal(st["momentum"], m)


def test_optimizer_step_with_a_nan_gradient_names_the_parameter_and_restores_every_gradient():
    model, opt, snap = _stepped_model()
    x = Tensor(np.ones((1, 4), np.float32))
    loss = (
        (model(x) * 0.0) ** 0.5
    ).sum()  # sqrt(0) = 0, a finite loss; d sqrt(u)/du at 0 is inf -> NaN grads
    assert loss.item() == 0.0
    with pytest.raises(ValueError, match=r"gradient.*'weight'"):
        optimizer_step(loss, opt, model.named_parameters())
    _assert_same(model, snap)


def test_train_step_keeps_gradients_of_parameters_outside_the_optimizer_on_rejection():
    model, _, snap = _stepped_model()
    opt = SGD([model.bias], lr=0.1)  # weight is not in the optimizer; backward would still reach it
    with pytest.raises(ValueError, match="loss=nan"):
        train_step(
            model, Tensor(np.full((2, 4), np.inf, np.float32)), np.array([0, 1]), CrossEntropyLoss(), opt
        )
    _assert_same(model, snap)


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


def test_a_rejected_train_step_leaves_each_module_mode_as_it_was():
    model, opt, _ = _stepped_model()
    model.eval()
    with pytest.raises(ValueError, match="loss=nan"):
        train_step(
            model, Tensor(np.full((2, 4), np.nan, np.float32)), np.array([0, 1]), CrossEntropyLoss(), opt
        )
    assert model.training is False
