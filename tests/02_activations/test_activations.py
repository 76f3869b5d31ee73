"""ReLU, Sigmoid, Tanh, softmax and log_softmax: exact values and numerical stability."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch import Tensor
from tinytorch.core import functional as F
from tinytorch.core.layers import ReLU, Sigmoid, Tanh


def test_relu_zeroes_negatives_and_keeps_positives():
    np.testing.assert_array_equal(ReLU()(Tensor([-2.0, 0.0, 3.0])).data, [0.0, 0.0, 3.0])


def test_sigmoid_of_zero_is_one_half_and_large_inputs_saturate_without_overflow():
    with np.errstate(over="raise"):
        out = Sigmoid()(Tensor(np.array([0.0, 1000.0, -1000.0]))).data
    np.testing.assert_array_equal(out, [0.5, 1.0, 0.0])


def test_tanh_matches_numpy():
    a = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(Tanh()(Tensor(a)).data, np.tanh(a), rtol=1e-15)


def test_softmax_of_equal_logits_is_uniform():
    np.testing.assert_allclose(F.softmax(Tensor(np.zeros((2, 4)))).data, np.full((2, 4), 0.25))


def test_log_softmax_is_exact_for_logits_of_magnitude_1e4():
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [5e3, 1e4, 1e4]])
    # hand-derived float64 values: exp(-1e4) underflows to 0, equal logits share log(n)
    ref = np.array([[0.0, -1e4, -2e4], [-np.log(3)] * 3, [-5e3 - np.log(2), -np.log(2), -np.log(2)]])
    out = F.log_softmax(Tensor(logits)).data
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref, rtol=1e-15, atol=0)


def test_log_softmax_of_huge_float32_logits_is_finite_with_finite_gradient():
    x = Tensor(np.array([[1e4, -1e4, 3e4]], dtype=np.float32), requires_grad=True)
    out = x.log_softmax()
    out.sum().backward()
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))
    np.testing.assert_array_equal(out.data, [[-2e4, -4e4, 0.0]])


def test_softmax_along_axis_0():
    a = np.array([[0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(F.softmax(Tensor(a), axis=0).data, np.full((2, 2), 0.5))


@given(hnp.arrays(np.float64, (3, 5), elements=st.floats(-50, 50)))
def test_softmax_rows_are_probabilities_and_equal_exp_log_softmax(a):
    p = F.softmax(Tensor(a)).data
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(F.log_softmax(Tensor(a)).data), p, rtol=1e-12, atol=1e-300)
