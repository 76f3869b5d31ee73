"""Conv2d and MaxPool2d against direct-loop oracles; shapes, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinytorch as tt
from tinytorch import Tensor
from tinytorch.core.conv import Conv2d, MaxPool2d, col2im, im2col


def conv_loop(x, w, b, stride, padding):
    """Reference cross-correlation with explicit loops: x (N,C,H,W), w (O,C,kh,kw)."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    o, _, kh, kw = w.shape
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w) + b
    return out


def pool_loop(x, k, s):
    oh, ow = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
    out = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * s : i * s + k, j * s : j * s + k].max(axis=(2, 3))
    return out


@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(0, 2),
    st.integers(4, 7),
    st.integers(4, 7),
)
def test_conv2d_matches_a_direct_loop(cin, cout, k, stride, padding, h, w):
    tt.manual_seed(0)
    conv = Conv2d(cin, cout, k, stride=stride, padding=padding)
    conv.weight.data = conv.weight.data.astype(np.float64)
    conv.bias.data = np.arange(cout, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((2, cin, h, w))
    ref = conv_loop(x, conv.weight.data, conv.bias.data, (stride, stride), (padding, padding))
    np.testing.assert_allclose(conv(Tensor(x)).data, ref, rtol=1e-12, atol=1e-12)


def test_conv2d_weight_is_out_in_kh_kw_and_output_shape_follows_the_formula():
    tt.manual_seed(0)
    conv = Conv2d(3, 8, 3, stride=2, padding=1)
    assert conv.weight.shape == (8, 3, 3, 3) and conv.bias.shape == (8,)
    assert conv(Tensor(np.zeros((4, 3, 8, 8)))).shape == (4, 8, 4, 4)


def test_conv2d_with_an_all_ones_kernel_sums_each_window():
    conv = Conv2d(1, 1, 2, bias=False)
    conv.weight.data = np.ones((1, 1, 2, 2), dtype=np.float32)
    x = Tensor(np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3))
    np.testing.assert_array_equal(conv(x).data, [[[[8, 12], [20, 24]]]])


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 5))
    args = ((3, 2), (2, 1), (1, 1))
    cols = im2col(x, *args)
    c = rng.standard_normal(cols.shape)
    # <im2col(x), c> == <x, col2im(c)>
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * col2im(c, x.shape, *args)), rtol=1e-12)


def test_conv2d_channel_mismatch_names_both_shapes():
    conv = Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"x=.*\(1, 2, 5, 5\).*\(N, 3, H, W\)"):
        conv(Tensor(np.zeros((1, 2, 5, 5))))


def test_conv2d_input_smaller_than_kernel_raises_value_error():
    with pytest.raises(ValueError, match=r"x=.*\(1, 1, 3, 3\).*kernel \(5, 5\)"):
        Conv2d(1, 1, 5)(Tensor(np.zeros((1, 1, 3, 3))))


def test_conv2d_rejects_bad_hyperparameters():
    with pytest.raises(ValueError, match="stride=0"):
        Conv2d(1, 1, 3, stride=0)
    with pytest.raises(ValueError, match="padding=-1"):
        Conv2d(1, 1, 3, padding=-1)


def test_maxpool2d_picks_each_window_maximum():
    x = Tensor(np.array([[[[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 9, 8], [7, 1, 6, 6]]]], dtype=np.float32))
    np.testing.assert_array_equal(MaxPool2d(2)(x).data, [[[[4, 5], [7, 9]]]])


def test_maxpool2d_gradient_goes_to_the_first_maximum_only():
    x = Tensor(np.array([[[[2.0, 2.0], [1.0, 0.0]]]]), requires_grad=True)
    MaxPool2d(2)(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [[[[1.0, 0.0], [0.0, 0.0]]]])


@given(st.integers(1, 3), st.integers(1, 3), st.integers(3, 7), st.integers(3, 7))
def test_maxpool2d_matches_a_direct_loop(k, s, h, w):
    x = np.random.default_rng(h * 10 + w).standard_normal((2, 2, h, w))
    np.testing.assert_array_equal(MaxPool2d(k, stride=s)(Tensor(x)).data, pool_loop(x, k, s))


def test_maxpool2d_rejects_non_4d_input():
    with pytest.raises(ValueError, match=r"x=.*\(3, 4\).*\(N, C, H, W\)"):
        MaxPool2d(2)(Tensor(np.zeros((3, 4))))
