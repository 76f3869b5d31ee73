"""Symmetric INT8 quantization: exact small cases, round-trip bound, zero preservation, byte counts."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch as tt
from tinytorch import Tensor
from tinytorch.core.conv import Conv2d
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.quantization import (
    dequantize_int8,
    model_nbytes,
    quantize_int8,
    quantize_model,
    quantized_nbytes,
)

weights = hnp.arrays(
    np.float32, hnp.array_shapes(min_dims=2, max_dims=3, max_side=6), elements=st.floats(-100, 100, width=32)
)


def _bound(w, scale):
    """Allowed |w - w_hat|: scale / 2, plus one float32 rounding of the dequantized value."""
    return scale / 2 + np.spacing(np.abs(w).astype(np.float32))


def test_per_tensor_quantization_of_a_hand_example():
    q, scale = quantize_int8(np.array([-1.27, 0.0, 0.5, 1.27], dtype=np.float32))
    assert q.dtype == np.int8 and q.tolist() == [-127, 0, 50, 127]
    assert scale == np.float32(0.01)


def test_per_channel_scales_are_channel_max_over_127():
    w = np.array([[1.27, -0.254], [-0.5, 0.1]], dtype=np.float32)
    q, scale = quantize_int8(w, axis=1)
    np.testing.assert_array_equal(scale, np.array([1.27 / 127, 0.254 / 127], dtype=np.float32))
    assert q.tolist() == [[127, -127], [-50, 50]]


def test_zero_maps_to_zero_and_an_all_zero_channel_gets_scale_one():
    w = np.zeros((3, 2), dtype=np.float32)
    w[0, 0] = 2.0
    q, scale = quantize_int8(w, axis=1)
    assert scale.tolist() == [np.float32(2.0 / 127), 1.0]
    assert np.all(q[w == 0] == 0)
    assert np.all(dequantize_int8(q, scale, axis=1)[w == 0] == 0.0)


@given(weights)
def test_per_tensor_round_trip_error_is_at_most_half_a_step(w):
    q, scale = quantize_int8(w)
    w_hat = dequantize_int8(q, scale)
    assert w_hat.dtype == np.float32
    assert np.all(np.abs(w_hat.astype(np.float64) - w) <= _bound(w, np.float64(scale)))
    assert np.all(q[w == 0] == 0)


@given(weights, st.integers(0, 1))
def test_per_channel_round_trip_error_is_at_most_half_a_step_of_that_channel(w, axis):
    q, scale = quantize_int8(w, axis=axis)
    assert scale.shape == (w.shape[axis],)
    w_hat = dequantize_int8(q, scale, axis=axis)
    s = np.expand_dims(scale.astype(np.float64), tuple(i for i in range(w.ndim) if i != axis))
    assert np.all(np.abs(w_hat.astype(np.float64) - w) <= _bound(w, s))
    assert np.all(q[w == 0] == 0) and np.all(np.abs(q.astype(int)) <= 127)


@given(weights)
def test_per_channel_scales_never_exceed_the_per_tensor_scale(w):
    _, scale = quantize_int8(w, axis=0)
    per_tensor_scale = quantize_int8(w)[1]
    nonzero = np.abs(w).reshape(len(w), -1).max(axis=1) > 0  # all-zero channels get scale 1.0
    assert np.all(scale[nonzero] <= per_tensor_scale)


def _tiny_mlp():
    tt.manual_seed(0)
    return Sequential(Linear(3, 4), ReLU(), Linear(4, 2))


def test_byte_counts_on_a_tiny_mlp_are_exact():
    m = _tiny_mlp()
    assert model_nbytes(m) == 4 * (12 + 4 + 8 + 2)  # 104
    # int8 weights 12 + 8, per output channel scales (4 + 2) * 4, float32 biases (4 + 2) * 4
    assert quantized_nbytes(m, per_channel=True) == 20 + 24 + 24
    assert quantized_nbytes(m, per_channel=False) == 20 + 2 * 4 + 24


def test_conv_weights_use_one_scale_per_output_channel():
    tt.manual_seed(0)
    conv = Conv2d(1, 2, 3)
    assert quantized_nbytes(conv) == 18 + 2 * 4 + 2 * 4


def test_quantize_model_keeps_pruned_zeros_and_leaves_the_original_untouched():
    m = _tiny_mlp()
    m.layers[0].weight.data[0, :] = 0.0
    original = m.state_dict()
    qm = quantize_model(m)
    assert np.all(qm.layers[0].weight.data[0, :] == 0.0)
    for name, value in m.state_dict().items():
        np.testing.assert_array_equal(value, original[name])
    x = Tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    np.testing.assert_allclose(qm(x).data, m(x).data, atol=0.02)


def test_quantization_rejects_bad_axis_dtype_scale_shape_and_nan():
    with pytest.raises(ValueError, match="axis=2"):
        quantize_int8(np.ones((2, 2)), axis=2)
    with pytest.raises(TypeError, match="int8"):
        dequantize_int8(np.ones(3), 1.0)
    with pytest.raises(ValueError, match=r"scale=.*\(3,\).*\(2, 2\)"):
        dequantize_int8(np.ones((2, 2), dtype=np.int8), np.ones(3), axis=0)
    with pytest.raises(ValueError, match="NaN"):
        quantize_int8(np.array([np.nan]))
