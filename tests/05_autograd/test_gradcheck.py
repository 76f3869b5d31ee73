"""Finite-difference gradient checks (float64, central differences, eps=1e-6) for every
differentiable op and layer. The loss is sum(out * R) with a fixed random R, so every output
entry counts. Expected error is ~1e-9 (truncation O(eps^2) + rounding ~1e-16/eps); we require
rel_error < 1e-6."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch as tt
from tinytorch import Tensor
from tinytorch.core import functional as F
from tinytorch.core.conv import Conv2d, MaxPool2d
from tinytorch.core.layers import Dropout, Flatten, Linear, ReLU, Sequential, Sigmoid, Tanh
from tinytorch.testing import check_gradients, check_module_gradients, numerical_gradient, rel_error

TOL = 1e-6
rng = np.random.default_rng(0)


def r(*shape):
    return rng.standard_normal(shape)


def away_from_zero(*shape):
    """Entries with |x| in [0.2, 1.2]: keeps relu kinks and division poles out of the eps window."""
    return rng.uniform(0.2, 1.2, shape) * rng.choice([-1.0, 1.0], shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


_W = positive(3, 4)
PROBS = _W / _W.sum(axis=1, keepdims=True)  # rows of probabilities, each entry >= 0.5 / 8
LABELS = np.array([0, 3, 1])

CASES = {
    "add_same_shape": (lambda a, b: a + b, [r(3, 4), r(3, 4)]),
    "add_broadcast_row": (lambda a, b: a + b, [r(3, 4), r(4)]),
    "add_broadcast_left_operand": (lambda a, b: a + b, [r(3, 1), r(2, 3, 4)]),
    "sub_broadcast_both_ways": (lambda a, b: a - b, [r(3, 1), r(1, 4)]),
    "mul_broadcast_both_ways": (lambda a, b: a * b, [r(2, 1, 4), r(3, 1)]),
    "div_broadcast_both_ways": (lambda a, b: a / b, [r(3, 1), away_from_zero(1, 4)]),
    "radd_rsub_rmul_rtruediv_scalars": (lambda a: 2.0 + (3.0 - a) * 0.5 + 1.5 / a, [away_from_zero(3, 2)]),
    "ops_with_numpy_array_constant": (lambda a: a * np.arange(4.0) - np.ones(4), [r(2, 4)]),
    "matmul_2d": (lambda a, b: a @ b, [r(3, 4), r(4, 5)]),
    "matmul_batched_broadcast": (lambda a, b: a @ b, [r(2, 3, 4), r(4, 5)]),
    "matmul_batched_both": (lambda a, b: a @ b, [r(2, 3, 4), r(2, 4, 2)]),
    "matmul_vector": (lambda a, b: a @ b, [r(3, 4), r(4)]),
    "neg": (lambda a: -a, [r(3, 4)]),
    "pow_integer": (lambda a: a**3, [r(3, 4)]),
    "pow_fractional": (lambda a: a**0.5, [positive(3, 4)]),
    "pow_negative": (lambda a: a**-2, [away_from_zero(3, 4)]),
    "exp": (lambda a: a.exp(), [r(3, 4)]),
    "log": (lambda a: a.log(), [positive(3, 4)]),
    "sum_all": (lambda a: a.sum(), [r(2, 3, 4)]),
    "sum_axis": (lambda a: a.sum(axis=1), [r(2, 3, 4)]),
    "sum_axes_keepdims": (lambda a: a.sum(axis=(0, 2), keepdims=True), [r(2, 3, 4)]),
    "mean_all": (lambda a: a.mean(), [r(2, 3, 4)]),
    "mean_axis_keepdims": (lambda a: a.mean(axis=-1, keepdims=True), [r(2, 3, 4)]),
    "max_all": (lambda a: a.max(), [r(3, 4)]),
    "max_axis": (lambda a: a.max(axis=0), [r(3, 4)]),
    "max_axis_keepdims": (lambda a: a.max(axis=1, keepdims=True), [r(2, 3, 4)]),
    "reshape": (lambda a: a.reshape(4, 6) * np.arange(24.0).reshape(4, 6), [r(2, 3, 4)]),
    "transpose_default": (lambda a: a.transpose(), [r(2, 3, 4)]),
    "transpose_axes": (lambda a: a.transpose(1, 2, 0), [r(2, 3, 4)]),
    "T": (lambda a: a.T @ a, [r(3, 2)]),
    "getitem_slice": (lambda a: a[1:, ::2], [r(3, 4)]),
    "getitem_int": (lambda a: a[2], [r(3, 4)]),
    "getitem_fancy_repeated": (lambda a: a[[0, 0, 2], [1, 1, 3]], [r(3, 4)]),
    "getitem_bool_mask": (lambda a: a[np.array([True, False, True])], [r(3, 4)]),
    "relu": (lambda a: a.relu(), [away_from_zero(3, 4)]),
    "sigmoid": (lambda a: a.sigmoid(), [r(3, 4) * 3]),
    "tanh": (lambda a: a.tanh(), [r(3, 4)]),
    "softmax_last_axis": (lambda a: F.softmax(a), [r(3, 4)]),
    "softmax_axis_0": (lambda a: a.softmax(axis=0), [r(3, 4)]),
    "log_softmax_last_axis": (lambda a: F.log_softmax(a), [r(3, 4)]),
    "log_softmax_axis_1_of_3d": (lambda a: a.log_softmax(axis=1), [r(2, 3, 4)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, LABELS), [r(3, 4)]),
    "kl_div_batchmean_wrt_both": (lambda lq, p: F.kl_div(lq, p), [np.log(PROBS[::-1]), PROBS]),
    "kl_div_sum_of_log_softmax": (lambda s: F.kl_div(s.log_softmax(), PROBS, reduction="sum"), [r(3, 4)]),
    "kl_div_mean": (lambda s: F.kl_div(s.log_softmax(), PROBS, reduction="mean"), [r(3, 4)]),
    "mse": (lambda a, b: F.mse(a, b), [r(3, 4), r(3, 4)]),
    "composite_mlp_expression": (
        lambda x, w: ((x @ w).tanh() * 2 - 1).exp().mean(axis=0),
        [r(5, 3), r(3, 2)],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_op_gradient_matches_central_differences(name):
    fn, inputs = CASES[name]
    errors = check_gradients(fn, *inputs)
    assert max(errors) < TOL, (name, errors)


def _seeded(build):
    tt.manual_seed(0)
    return build()


LAYERS = {
    "linear": (lambda: Linear(4, 3), r(5, 4)),
    "linear_no_bias": (lambda: Linear(4, 3, bias=False), r(5, 4)),
    "conv2d_basic": (lambda: Conv2d(2, 3, 3), r(2, 2, 5, 5)),
    "conv2d_stride_2_padding_1": (lambda: Conv2d(2, 3, 3, stride=2, padding=1), r(2, 2, 6, 5)),
    "conv2d_rect_kernel_stride_no_bias": (
        lambda: Conv2d(1, 2, (2, 3), stride=(2, 1), bias=False),
        r(2, 1, 5, 6),
    ),
    "maxpool2d_2x2": (lambda: MaxPool2d(2), r(2, 3, 4, 6)),
    "maxpool2d_overlapping": (lambda: MaxPool2d(3, stride=1), r(1, 2, 5, 5)),
    "flatten": (lambda: Flatten(), r(2, 3, 2, 2)),
    "sequential_mlp": (
        lambda: Sequential(Linear(4, 6), Tanh(), Linear(6, 5), Sigmoid(), Linear(5, 2)),
        r(3, 4),
    ),
    "sequential_cnn": (
        lambda: Sequential(Conv2d(1, 2, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(8, 3)),
        r(2, 1, 4, 4),
    ),
    "dropout_eval": (lambda: Dropout(0.5).eval(), r(3, 4)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_gradients_for_input_and_every_parameter_match_central_differences(name):
    build, x = LAYERS[name]
    errors = check_module_gradients(_seeded(build), x)
    assert max(errors.values()) < TOL, (name, errors)


def test_numerical_gradient_of_a_quadratic_is_exact_to_rounding():
    x = np.array([1.0, -2.0, 3.0])
    g = numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8)


def test_rel_error_is_zero_for_equal_arrays_and_scale_free():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(np.array([1e-9]), np.array([3e-9])) == pytest.approx(0.5)


def test_gradient_check_detects_a_wrong_backward():
    x = Tensor(r(3), requires_grad=True)
    wrong = Tensor._make(x.data**2, (x,), lambda g: (g * x.data,))  # should be 2x
    wrong.backward(np.ones(3))
    assert rel_error(x.grad, numerical_gradient(lambda v: np.sum(v**2), x.data)) > 0.3


@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 4)), elements=st.floats(-3, 3)),
    st.sampled_from(["sigmoid", "tanh", "exp", "softmax", "log_softmax"]),
)
def test_elementwise_and_softmax_gradients_hold_for_arbitrary_inputs(a, op):
    errors = check_gradients(lambda t: getattr(t, op)(), a)
    assert errors[0] < TOL
