"""Iterative magnitude pruning with rewinding, re-init and fine-tuning arms
(tinytorch.compression.lottery)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nets import mlp

import tinytorch
from tinytorch.compression import magnitude_prune
from tinytorch.compression.lottery import apply_masks, lottery_ticket, remaining_fraction, train_steps
from tinytorch.core.layers import ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD
from tinytorch.data import DataLoader


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((48, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return DataLoader(X, y, batch_size=16), DataLoader(X, y, batch_size=48)


def make_model():
    return mlp((6, 10, 2), seed=None)


class CountingSGD(SGD):
    steps = 0

    def step(self):
        CountingSGD.steps += 1
        super().step()


@pytest.mark.library
def test_train_steps_takes_exactly_k_steps_across_epochs():
    train, _ = _data()
    model = make_model()
    CountingSGD.steps = 0
    train_steps(
        model, train, CrossEntropyLoss(), CountingSGD(model.parameters(), lr=0.1), 7
    )  # 3 batches/epoch
    assert CountingSGD.steps == 7
    train_steps(model, train, CrossEntropyLoss(), CountingSGD(model.parameters(), lr=0.1), 0)
    assert CountingSGD.steps == 7


@pytest.mark.library
def test_apply_masks_with_state_rewinds_survivors_to_the_saved_values():
    tinytorch.manual_seed(0)
    model = make_model()
    theta = model.state_dict()
    model.layers[0].weight.data += 1.0
    masks = magnitude_prune(model, 0.5)
    apply_masks(model, masks, theta)
    w, m = model.layers[0].weight, masks["layers.0.weight"]
    assert np.array_equal(w.data, theta["layers.0.weight"] * m) and np.array_equal(w.mask, m)
    assert np.array_equal(model.layers[0].bias.data, theta["layers.0.bias"])
    assert remaining_fraction(model) == 40 / 80


@pytest.mark.library
def test_apply_masks_rejects_unknown_names_and_shapes():
    with pytest.raises(ValueError, match=r"masks\['nope'\]=.*parameter's name"):
        apply_masks(make_model(), {"nope": np.ones(3, bool)})
    with pytest.raises(ValueError, match=r"layers.0.weight"):
        apply_masks(make_model(), {"layers.0.weight": np.ones((2, 2), bool)})


@pytest.mark.library
def test_lottery_arms_share_the_exact_remaining_fraction_each_round_and_are_deterministic():
    train, test = _data()
    kw = dict(rounds=3, prune_fraction=0.5, epochs=1, rewind_steps=2, lr=0.01, seed=0)
    a = lottery_ticket(make_model, train, test, **kw)
    b = lottery_ticket(make_model, train, test, **kw)
    assert a == b
    n = 6 * 10 + 10 * 2
    for arm in ("rewind", "reinit", "finetune"):
        assert [e["round"] for e in a[arm]] == [1, 2, 3]
        assert [e["remaining"] for e in a[arm]] == [1 - round(s * n) / n for s in (0.5, 0.75, 0.875)]
        assert all(float(e["accuracy"] * 48).is_integer() for e in a[arm])  # k correct of the 48 test samples
    assert float(a["dense"] * 48).is_integer()


@pytest.mark.library
def test_lottery_validates_arguments():
    train, test = _data()
    with pytest.raises(ValueError, match="prune_fraction=1.0"):
        lottery_ticket(make_model, train, test, prune_fraction=1.0)
    with pytest.raises(ValueError, match="rounds=0"):
        lottery_ticket(make_model, train, test, rounds=0)
    with pytest.raises(TypeError, match=r"make_model.*Sequential"):
        lottery_ticket(make_model(), train, test)


@pytest.mark.library
@given(st.integers(0, 2**16 - 1))
def test_property_apply_masks_leaves_exactly_state_times_mask(bits):
    tinytorch.manual_seed(1)
    model = make_model()
    state = model.state_dict()
    rng = np.random.default_rng(bits)
    masks = {name: rng.random(arr.shape) < 0.5 for name, arr in state.items() if arr.ndim == 2}
    model.layers[0].weight.data += 3.0
    apply_masks(model, masks, state)
    for name, p in model.named_parameters():
        expected = state[name] * masks[name] if name in masks else state[name]
        assert np.array_equal(p.data, expected)
    kept = sum(int(m.sum()) for m in masks.values())
    assert remaining_fraction(model) == kept / 80


@pytest.mark.library
def test_train_steps_on_an_empty_loader_raises_instead_of_looping():
    model = make_model()
    empty = DataLoader(np.zeros((0, 6), np.float32), np.zeros(0, np.int64))
    with pytest.raises(ValueError, match=r"loader.*steps=3"):
        train_steps(model, empty, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), 3)


@pytest.mark.library
def test_apply_masks_takes_nested_bool_lists_and_keeps_its_own_copy():
    model = make_model()
    mask = [[True, False] * 5] * 6
    apply_masks(model, {"layers.0.weight": mask})
    stored = model.layers[0].weight.mask
    assert stored.dtype == np.bool_ and stored.tolist() == mask and not stored.flags.writeable
    assert np.count_nonzero(model.layers[0].weight.data[:, 1::2]) == 0
    assert remaining_fraction(model) == (30 + 20) / 80


@pytest.mark.library
def test_remaining_fraction_of_a_model_without_weights_is_undefined_not_one():
    with pytest.raises(ValueError, match=r"(?s)model=Sequential.*ReLU.*prunable"):
        remaining_fraction(Sequential(ReLU()))
    with pytest.raises(ValueError, match=r"(?s)model=Sequential.*prunable"):
        remaining_fraction(Sequential())


@pytest.mark.library
def test_rejected_float_masks_leave_every_parameter_untouched():
    tinytorch.manual_seed(0)
    model = make_model()
    before = model.state_dict()
    masks = {"layers.0.weight": np.ones((6, 10), bool), "layers.2.weight": np.zeros((10, 2))}
    with pytest.raises(
        TypeError,
        match=r"masks\['layers\.2\.weight'\].*float64",
    ):
        apply_masks(model, masks)
    assert all(np.array_equal(before[n], p.data) and p.mask is None for n, p in model.named_parameters())


@pytest.mark.library
def test_lottery_prunes_with_the_given_prune_or_the_package_one_looked_up_at_call_time(monkeypatch):
    from tinytorch.compression import magnitude

    train, test = _data()
    kw = dict(rounds=2, prune_fraction=0.5, epochs=1, rewind_steps=1, seed=0)
    package, given = [], []
    monkeypatch.setattr(magnitude, "magnitude_prune", lambda m, s: package.append(s) or magnitude_prune(m, s))
    a = lottery_ticket(make_model, train, test, **kw)
    assert package == [0.5, 0.5, 0.75, 0.75]  # per round: the rewound model, then the fine-tuned one
    b = lottery_ticket(
        make_model, train, test, **kw, prune=lambda m, s: given.append(s) or magnitude_prune(m, s)
    )
    assert given == [0.5, 0.5, 0.75, 0.75] and len(package) == 4 and a == b


@pytest.mark.library
@pytest.mark.parametrize("arg,bad", [("lr", -1.0), ("lr", 0.0), ("seed", -1)])
def test_a_bad_lr_or_seed_is_rejected_before_the_global_generator_is_reseeded_or_a_model_built(arg, bad):
    from tinytorch.core.random import get_rng

    train, test = _data()
    tinytorch.manual_seed(123)
    before, built = get_rng().bit_generator.state, []
    with pytest.raises(ValueError, match=rf"{arg}={bad}"):
        lottery_ticket(lambda: built.append(1) or make_model(), train, test, rounds=1, epochs=1, **{arg: bad})
    assert get_rng().bit_generator.state == before and not built
