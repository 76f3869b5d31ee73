"""SGD and Adam against hand-computed updates; masked parameters never regrow."""

import math

import numpy as np
import pytest

from tinytorch import Parameter
from tinytorch.core.optim import SGD, Adam


def _param(values, grad):
    p = Parameter(np.array(values, dtype=np.float64))
    p.grad = np.array(grad, dtype=np.float64)
    return p


def test_plain_sgd_step_is_p_minus_lr_grad():
    p = _param([1.0, -2.0], [0.5, -1.0])
    SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, [1.0 - 0.05, -2.0 + 0.1])


def test_sgd_momentum_and_weight_decay_two_steps_match_hand_computation():
    p = _param([1.0, -2.0], [0.5, 0.5])
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    opt.step()
    # g1 = grad + 0.01 p = [0.51, 0.48]; buf = g1; p = p - 0.1 buf
    np.testing.assert_allclose(p.data, [0.949, -2.048], rtol=1e-14)
    opt.step()
    # g2 = [0.5 + 0.00949, 0.5 - 0.02048]; buf = 0.9 [0.51, 0.48] + g2 = [0.96849, 0.91152]
    np.testing.assert_allclose(p.data, [0.949 - 0.096849, -2.048 - 0.091152], rtol=1e-14)


def test_adam_two_steps_match_hand_computation():
    p = _param([1.0], [0.5])
    opt = Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    # m = 0.05, v = 0.00025; m_hat = 0.5, v_hat = 0.25
    p1 = 1.0 - 0.1 * 0.5 / (math.sqrt(0.25) + 1e-8)
    np.testing.assert_allclose(p.data, [p1], rtol=1e-14)
    p.grad = np.array([-1.0])
    opt.step()
    # m = 0.9*0.05 - 0.1 = -0.055, v = 0.999*0.00025 + 0.001 = 0.00124975
    m_hat, v_hat = -0.055 / (1 - 0.9**2), 0.00124975 / (1 - 0.999**2)
    np.testing.assert_allclose(p.data, [p1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)], rtol=1e-13)


def test_adam_weight_decay_is_added_to_the_gradient():
    p = _param([2.0], [0.0])
    Adam([p], lr=0.1, weight_decay=0.5).step()
    # g = 0.5 * 2 = 1 -> m_hat = 1, v_hat = 1 -> step 0.1 / (1 + 1e-8)
    np.testing.assert_allclose(p.data, [2.0 - 0.1 / (1 + 1e-8)], rtol=1e-14)


def test_parameters_without_grad_are_skipped():
    p = Parameter(np.array([1.0]))
    SGD([p], lr=0.1, momentum=0.9).step()
    Adam([p]).step()
    np.testing.assert_array_equal(p.data, [1.0])


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
    ],
    ids=["sgd", "sgd_momentum_weight_decay", "adam_weight_decay"],
)
def test_masked_weights_stay_exactly_zero_after_steps_with_nonzero_gradients(make):
    mask = np.array([[True, False], [False, True]])
    p = Parameter(np.array([[1.0, 0.0], [0.0, -1.0]], dtype=np.float32))
    p.mask = mask
    opt = make([p])
    for _ in range(3):
        p.grad = np.ones((2, 2), dtype=np.float32)
        opt.step()
    assert np.all(p.data[~mask] == 0.0)
    assert np.all(p.data[mask] != np.array([1.0, -1.0], dtype=np.float32))


def test_a_masked_weight_that_was_nonzero_is_zeroed_by_the_step():
    p = _param([[3.0, 4.0]], [[0.0, 0.0]])
    p.mask = np.array([[True, False]])
    SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, [[3.0, 0.0]])


def test_zero_grad_clears_every_gradient():
    p, q = _param([1.0], [1.0]), _param([2.0], [2.0])
    opt = SGD([p, q], lr=0.1)
    opt.zero_grad()
    assert p.grad is None and q.grad is None


def test_optimizers_reject_bad_hyperparameters():
    p = _param([1.0], [1.0])
    with pytest.raises(ValueError, match="lr=0"):
        SGD([p], lr=0)
    with pytest.raises(ValueError, match="momentum=1.0"):
        SGD([p], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"betas\[1\]=1.5"):
        Adam([p], betas=(0.9, 1.5))
    with pytest.raises(ValueError, match="weight_decay=-1"):
        Adam([p], weight_decay=-1)
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[0\]"):
        SGD([np.ones(2)], lr=0.1)
