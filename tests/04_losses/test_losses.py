"""CrossEntropyLoss, MSELoss, kl_div: hand-computed values, gradients in closed form, bad input."""

import numpy as np
import pytest

from tinytorch import Tensor
from tinytorch.core import functional as F
from tinytorch.core.losses import CrossEntropyLoss, MSELoss

S = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
T_ = np.array([[3.0, 2.0, 1.0], [1.0, 0.0, -1.0]])
Y = np.array([2, 0])


def test_cross_entropy_of_uniform_logits_is_log_c():
    loss = CrossEntropyLoss()(Tensor(np.zeros((4, 10))), np.array([0, 3, 9, 1]))
    np.testing.assert_allclose(loss.item(), np.log(10), rtol=1e-6)


def test_cross_entropy_matches_the_reference_value():
    # -(log softmax([1,2,3])[2] + log softmax([0,0,0])[0]) / 2 = 0.753109 (compression-conventions anchor)
    loss = CrossEntropyLoss()(Tensor(S), Y).item()
    by_hand = -((3 - np.log(np.exp(1) + np.exp(2) + np.exp(3))) + (0 - np.log(3))) / 2
    assert abs(loss - by_hand) < 1e-15 and abs(loss - 0.753109) < 1e-6


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_batch():
    x = Tensor(S, requires_grad=True)
    F.cross_entropy(x, Y).backward()
    p = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad, (p - np.eye(3)[Y]) / 2, rtol=1e-12)


def test_cross_entropy_is_finite_for_logits_of_magnitude_1e4():
    loss = F.cross_entropy(Tensor(np.array([[1e4, -1e4], [-1e4, 1e4]])), np.array([1, 1]))
    np.testing.assert_allclose(loss.item(), 1e4)  # (2e4 + 0) / 2


def test_cross_entropy_label_out_of_range_raises_value_error():
    with pytest.raises(ValueError, match=r"labels.*\b3\b"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"labels=.*-1"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([-1, 0]))


def test_cross_entropy_label_count_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"labels.*\(3,\).*\(2,\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1, 2]))


def test_cross_entropy_rejects_non_integer_labels_and_non_2d_logits():
    with pytest.raises(TypeError, match=r"labels.*float64"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.5, 1.0]))
    with pytest.raises(
        TypeError, match="labels=.*dtype float64"
    ):  # integral floats too: same rule as distillation
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"logits=.*\(3,\).*\(B, C\)"):
        F.cross_entropy(Tensor(np.zeros(3)), np.array([0]))


LOGITS = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [3.0, 1.0, 0.0]])
IDX = np.array([2, 0, 1])


@pytest.mark.parametrize(
    "labels",
    [
        IDX,
        IDX.astype(np.int8),
        Tensor(IDX),
        np.eye(3)[IDX],
        np.eye(3, dtype=np.int64)[IDX],
        np.eye(3, dtype=bool)[IDX],
        Tensor(np.eye(3)[IDX]),
    ],
    ids=["int64", "int8", "Tensor", "onehot-float", "onehot-int", "onehot-bool", "onehot-Tensor"],
)
def test_cross_entropy_gives_the_same_loss_and_gradient_for_every_label_form(labels):
    ref = Tensor(LOGITS, requires_grad=True)
    F.cross_entropy(ref, IDX).backward()
    x = Tensor(LOGITS, requires_grad=True)
    loss = CrossEntropyLoss()(x, labels)
    loss.backward()
    assert loss.item() == F.cross_entropy(Tensor(LOGITS), IDX).item()
    np.testing.assert_array_equal(x.grad, ref.grad)


@pytest.mark.parametrize(
    "labels,exc,match",
    [
        (
            Tensor([0.5, 1.0, 2.0]),
            TypeError,
            r"labels=<Tensor shape \(3,\).*integer class indices",
        ),
        (
            np.array([[1, 1, 0], [1, 0, 0], [0, 1, 0]]),
            ValueError,
            r"labels=.*\(3, 3\).*one-hot rows",
        ),
        (np.array([[0.5, 0.5, 0], [1, 0, 0], [0, 1, 0]]), ValueError, r"labels=.*one-hot rows"),
        (np.zeros((3, 3)), ValueError, r"labels=.*one-hot rows"),
        (
            np.eye(4)[:3],
            ValueError,
            r"labels=.*\(3, 4\).*\(3,\).*\(3, 3\) \(one-hot",
        ),
        (Tensor([0.0, 3.0, 1.0]), ValueError, r"labels.*\b3\b"),
        (np.array([True, False, True]), TypeError, r"labels=.*dtype bool"),
    ],
)
def test_cross_entropy_rejects_labels_that_are_neither_indices_nor_one_hot(labels, exc, match):
    with pytest.raises(exc, match=match):
        CrossEntropyLoss()(Tensor(LOGITS), labels)


def test_kl_div_batchmean_matches_the_reference_value_and_torch_semantics():
    log_q = F.log_softmax(Tensor(S / 2))
    p_t = F.softmax(Tensor(T_ / 2))
    kl = F.kl_div(log_q, p_t).item()
    p, q = p_t.data, np.exp(log_q.data)
    assert abs(kl - np.sum(p * np.log(p / q)) / 2) < 1e-15
    assert abs(kl - 0.199289) < 1e-6


def test_kl_div_treats_zero_target_probability_as_zero_contribution():
    log_q = Tensor(np.log(np.array([[0.5, 0.5]])))
    assert F.kl_div(log_q, np.array([[1.0, 0.0]])).item() == pytest.approx(np.log(2), rel=1e-12)


def test_kl_div_distillation_gradient_is_t_times_ps_minus_pt_over_b():
    s = Tensor(S, requires_grad=True)
    loss = F.kl_div(F.log_softmax(s / 2), F.softmax(Tensor(T_ / 2))) * 4
    loss.backward()
    expected = np.array([[-0.320157, 0.0, 0.320157], [-0.173147, 0.026137, 0.147010]])
    np.testing.assert_allclose(s.grad, expected, atol=1e-6)


def test_kl_div_shape_mismatch_and_bad_reduction_raise_value_error():
    with pytest.raises(ValueError, match=r"p=.*\(2, 2\).*\(2, 3\)"):
        F.kl_div(Tensor(np.zeros((2, 3))), np.ones((2, 2)))
    with pytest.raises(ValueError, match="reduction='max'"):
        F.kl_div(Tensor(np.zeros((2, 3))), np.ones((2, 3)), reduction="max")


def test_mse_is_the_mean_squared_difference():
    loss = MSELoss()(Tensor([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 1.0]))
    assert loss.item() == pytest.approx((0 + 4 + 9) / 3, rel=1e-7)


def test_mse_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"target=.*\(3, 1\).*\(3,\)"):
        MSELoss()(Tensor([1.0, 2.0, 4.0]), np.zeros((3, 1)))
