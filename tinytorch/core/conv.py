"""Conv2d (im2col + one matmul) and MaxPool2d on NCHW inputs, both fully vectorised.

im2col views the padded input as sliding windows (np.lib.stride_tricks.sliding_window_view), so
the forward pass is a single (N*OH*OW, C*kh*kw) @ (C*kh*kw, out_c) product. col2im (backward)
loops only over the kh*kw kernel offsets, adding one strided slab per offset.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .checks import check_int, check_tensor, check_that
from .module import Module, Parameter
from .random import get_rng
from .tensor import Tensor

__all__ = ["Conv2d", "MaxPool2d", "col2im", "im2col"]


def _pair(name, value, low):
    if not isinstance(value, (tuple, list)):
        return (check_int(name, value, low=low),) * 2
    check_that(len(value) == 2, name, value, "an int or a pair of ints")
    return tuple(check_int(f"{name}[{i}]", v, low=low) for i, v in enumerate(value))


def _out_size(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def im2col(x, kernel, stride, padding):
    """x (N, C, H, W) -> cols (N, OH, OW, C, kh, kw) (a strided view of the padded input)."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]  # (N, C, OH, OW, kh, kw)
    return win.transpose(0, 2, 3, 1, 4, 5)


def col2im(cols, x_shape, kernel, stride, padding):
    """Adjoint of im2col: cols (N, OH, OW, C, kh, kw) -> (N, C, H, W), summing overlapping windows."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    n, c, h, w = x_shape
    oh, ow = cols.shape[1], cols.shape[2]
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    slabs = cols.transpose(0, 3, 4, 5, 1, 2)  # (N, C, kh, kw, OH, OW)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] += slabs[:, :, i, j]
    return out[:, :, ph : ph + h, pw : pw + w]


def _check_input(name, x, channels):
    ok = check_tensor("x", x).ndim == 4 and channels in (None, x.shape[1])
    check_that(ok, "x", x, f"{name} input of shape (N, {channels or 'C'}, H, W)")


class Conv2d(Module):
    """y[n, o] = sum_c W[o, c] * x[n, c] (cross-correlation) + b[o].

    x (N, in_c, H, W) -> y (N, out_c, OH, OW), OH = (H + 2*ph - kh) // sh + 1 (same for W).
    weight (out_c, in_c, kh, kw) ~ U(-1/sqrt(in_c*kh*kw), +) from the global generator, bias zeros (out_c,).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels, low=1)
        self.out_channels = check_int("out_channels", out_channels, low=1)
        self.kernel_size = _pair("kernel_size", kernel_size, 1)
        self.stride = _pair("stride", stride, 1)
        self.padding = _pair("padding", padding, 0)
        kh, kw = self.kernel_size
        bound = 1.0 / np.sqrt(self.in_channels * kh * kw)
        w = get_rng().uniform(-bound, bound, (self.out_channels, self.in_channels, kh, kw))
        self.weight = Parameter(w.astype(np.float32))
        self.bias = Parameter(np.zeros(self.out_channels, dtype=np.float32)) if bias else None

    def forward(self, x):
        _check_input("Conv2d", x, self.weight.shape[1])
        w_t, b_t = self.weight, self.bias
        out_c = w_t.shape[0]
        k, s, p = w_t.shape[2:], self.stride, self.padding
        n, _, h, w = x.shape
        oh, ow = _out_size(h, k[0], s[0], p[0]), _out_size(w, k[1], s[1], p[1])
        check_that(oh >= 1 and ow >= 1, "x", x, f"H, W with padding {p} >= kernel {tuple(k)}")
        cols = im2col(x.data, k, s, p).reshape(n * oh * ow, -1)
        wmat = w_t.data.reshape(out_c, -1)
        out = cols @ wmat.T
        if b_t is not None:
            out = out + b_t.data
        y = out.reshape(n, oh, ow, out_c).transpose(0, 3, 1, 2)

        def backward(g):
            g2 = g.transpose(0, 2, 3, 1).reshape(-1, out_c)
            gw = (g2.T @ cols).reshape(w_t.shape)
            gx = col2im((g2 @ wmat).reshape(n, oh, ow, *w_t.shape[1:]), x.shape, k, s, p)
            gb = g2.sum(axis=0) if b_t is not None else None
            return gx, gw, gb

        parents = (x, w_t) if b_t is None else (x, w_t, b_t)
        return Tensor._make(np.ascontiguousarray(y), parents, lambda g: backward(g)[: len(parents)])

    def extra_repr(self):
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )


class MaxPool2d(Module):
    """Max over k x k windows: x (N, C, H, W) -> (N, C, (H - kh) // sh + 1, (W - kw) // sw + 1).

    stride defaults to kernel_size; no padding. The gradient goes to the first maximum of each window.
    """

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size = _pair("kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else _pair("stride", stride, 1)

    def forward(self, x):
        _check_input("MaxPool2d", x, None)
        (kh, kw), s = self.kernel_size, self.stride
        n, c, h, w = x.shape
        check_that(h >= kh and w >= kw, "x", x, f"H, W >= kernel {(kh, kw)}")
        win = im2col(x.data, (kh, kw), s, (0, 0))  # (N, OH, OW, C, kh, kw)
        oh, ow = win.shape[1], win.shape[2]
        flat = win.reshape(n, oh, ow, c, kh * kw)
        arg = flat.argmax(axis=-1)
        y = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0].transpose(0, 3, 1, 2)

        def backward(g):
            hit = arg[..., None] == np.arange(kh * kw)  # one-hot of the argmax, (N, OH, OW, C, kh*kw)
            cols = hit * g.transpose(0, 2, 3, 1)[..., None]
            return (col2im(cols.reshape(n, oh, ow, c, kh, kw), x.shape, (kh, kw), s, (0, 0)),)

        return Tensor._make(np.ascontiguousarray(y), (x,), backward)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
