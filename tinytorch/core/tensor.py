"""Tensor: a NumPy array plus reverse-mode automatic differentiation. Every op records its parents and a
closure mapping the output gradient to the parent gradients; `backward()` walks the graph in reverse
topological order; broadcasting ops sum the gradient back to each parent's shape (`_unbroadcast`)."""

import numpy as np

from .autograd import _norm_axes, _unbroadcast, backpropagate, is_grad_enabled, no_grad, row_max
from .checks import check_that

__all__ = ["Tensor", "is_grad_enabled", "no_grad"]
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _as_array(data):
    """float64 ndarrays (and np.float64 scalars) stay float64; everything else (Python scalars, lists,
    ints, float16/32) becomes float32."""
    if isinstance(data, Tensor):
        data = data.data
    if type(data) is np.ndarray and data.dtype in _FLOATS:  # the hot path: nothing to convert or check
        return data
    keep64 = isinstance(data, (np.ndarray, np.float64))
    arr = np.asarray(data)
    ok = arr.dtype.kind in "biuf"  # bool, int, float: no object, str or complex
    check_that(ok, "data", data, f"numeric real data, not dtype {arr.dtype}", TypeError)
    if arr.dtype != np.float32 and not (keep64 and arr.dtype == np.float64):
        arr = arr.astype(np.float32)
    return arr


class Tensor:
    """An n-d array `data` with optional gradient tracking; `grad` has the shape of `data`."""

    __array_ufunc__ = None  # make `ndarray op Tensor` call the Tensor's reflected operator

    def __init__(self, data, requires_grad=False):
        self.data = _as_array(data)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._parents = ()
        self._backward = None

    # ----- construction helpers -----
    @classmethod
    def _make(cls, data, parents, backward):
        """Result of an op: `backward(g)` returns one gradient (or None) per parent."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad = data, None
        track = is_grad_enabled() and any(p.requires_grad for p in parents)
        out.requires_grad = track
        out._parents = tuple(parents) if track else ()
        out._backward = backward if track else None
        return out

    def _lift(self, x):
        """Wrap an operand: ndarrays follow the Tensor dtype rules; Python scalars/lists take self's dtype."""
        if isinstance(x, Tensor):
            return x
        if isinstance(x, np.ndarray):
            return Tensor(x)
        if type(x) not in (int, float):
            _as_array(x)  # type check only: converting through float32 would round float64 constants
        return Tensor(np.asarray(x, dtype=self.data.dtype))

    # ----- properties -----
    shape = property(lambda self: self.data.shape)
    size = property(lambda self: self.data.size)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    T = property(lambda self: self.transpose())

    def numpy(self):
        return self.data

    def item(self):
        check_that(self.data.size == 1, "tensor", self, "one element for item()")
        return self.data.item()

    def detach(self):
        return Tensor(self.data)

    def zero_grad(self):
        self.grad = None

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4, threshold=20)}, dtype={self.dtype}{flag})"

    # ----- autograd -----
    def backward(self, grad=None):
        """Accumulate d(self)/d(leaf) * grad into every leaf's `.grad`; grad defaults to 1 for a scalar."""
        if not self.requires_grad:
            raise RuntimeError("backward() called on a tensor that does not require grad")
        scalar = grad is not None or self.data.size == 1
        check_that(scalar, "grad", grad, f"a gradient for the non-scalar output {self.data.shape}")
        grad = np.ones_like(self.data) if grad is None else grad
        grad = np.asarray(getattr(grad, "data", grad), dtype=self.data.dtype)
        check_that(grad.shape == self.data.shape, "grad", grad, f"the tensor's shape {self.data.shape}")
        backpropagate(self, grad)

    # ----- arithmetic -----
    def __add__(self, other):
        other = self._lift(other)
        return Tensor._make(self.data + other.data, (self, other), lambda g: (g, g))

    def __sub__(self, other):
        other = self._lift(other)
        return Tensor._make(self.data - other.data, (self, other), lambda g: (g, -g))

    def __mul__(self, other):
        other = self._lift(other)
        a, b = self.data, other.data
        return Tensor._make(a * b, (self, other), lambda g: (g * b, g * a))

    def __truediv__(self, other):
        other = self._lift(other)
        a, b = self.data, other.data
        return Tensor._make(a / b, (self, other), lambda g: (g / b, -g * a / (b * b)))

    def __radd__(self, other):
        return self._lift(other) + self

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rmul__(self, other):
        return self._lift(other) * self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __neg__(self):
        return Tensor._make(-self.data, (self,), lambda g: (-g,))

    def __pow__(self, exponent):
        ok = np.isscalar(exponent) and not isinstance(exponent, (Tensor, bool, str))
        check_that(ok, "exponent", exponent, "a Python or NumPy scalar", TypeError)
        a, p = self.data, exponent
        return Tensor._make(a**p, (self,), lambda g: (g * p * a ** (p - 1),))

    def __matmul__(self, other):
        other = self._lift(other)
        a, b = self.data, other.data
        check_that(a.ndim and b.ndim, "other", other, f"a matmul with {a.shape}: >= 1 dimension each")
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        n = a2.shape[-1]
        check_that(n == b2.shape[-2], "other", other, f"inner dimension {n} (self {a.shape})")
        try:
            out2 = a2 @ b2
        except ValueError as err:
            raise ValueError(f"matmul batch shapes do not broadcast: {a.shape} @ {b.shape}") from err
        out = out2
        if a.ndim == 1:
            out = out.squeeze(-2)
        if b.ndim == 1:
            out = out.squeeze(-1)

        def backward(g):
            if (
                a.ndim == b.ndim == 2
            ):  # the common case (Linear): no reshapes; no product for a constant input
                return (g @ b.T if self.requires_grad else None), (a.T @ g if other.requires_grad else None)
            g2 = g.reshape(out2.shape)
            ga = _unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
            gb = _unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
            return ga, gb

        return Tensor._make(out, (self, other), backward)

    def __rmatmul__(self, other):
        return self._lift(other) @ self

    # ----- elementwise functions -----
    def exp(self):
        out = np.exp(self.data)
        return Tensor._make(out, (self,), lambda g: (g * out,))

    def log(self):
        a = self.data
        return Tensor._make(np.log(a), (self,), lambda g: (g / a,))

    def relu(self):
        a = self.data
        return Tensor._make(np.maximum(a, 0), (self,), lambda g: (g * (a > 0),))

    def sigmoid(self):
        a = self.data
        # exp of a non-positive number only, so no overflow for large |a|
        e = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        return Tensor._make(out, (self,), lambda g: (g * out * (1 - out),))

    def tanh(self):
        out = np.tanh(self.data)
        return Tensor._make(out, (self,), lambda g: (g * (1 - out * out),))

    # ----- reductions -----
    def sum(self, axis=None, keepdims=False):
        axes, shape = _norm_axes(axis, self.ndim), self.shape
        out = self.data.sum(axis=axes, keepdims=keepdims)

        def backward(g):
            g = g if keepdims else np.expand_dims(g, axes)
            return (np.broadcast_to(g, shape),)

        return Tensor._make(out, (self,), backward)

    def mean(self, axis=None, keepdims=False):
        axes = _norm_axes(axis, self.ndim)
        n = int(np.prod([self.shape[a] for a in axes])) if axes else 1
        return self.sum(axis=axis, keepdims=keepdims) / max(n, 1)

    def max(self, axis=None, keepdims=False):
        """Maximum over `axis`; the gradient is shared equally between tied maxima."""
        axes, a = _norm_axes(axis, self.ndim), self.data
        check_that(a.size, "tensor", self, "a non-empty tensor for max()")
        m = a.max(axis=axes, keepdims=True)
        out = m if keepdims else m.reshape([n for i, n in enumerate(a.shape) if i not in axes])

        def backward(g):
            g = g if keepdims else np.expand_dims(g, axes)
            hit = a == m
            return (hit * (g / hit.sum(axis=axes, keepdims=True)),)

        return Tensor._make(out, (self,), backward)

    # ----- shape ops -----
    def reshape(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        old = self.shape
        try:
            out = self.data.reshape(shape)
        except ValueError as err:
            raise ValueError(f"cannot reshape tensor of shape {old} into shape {shape}") from err
        return Tensor._make(out, (self,), lambda g: (g.reshape(old),))

    def transpose(self, *axes):
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = axes or tuple(reversed(range(self.ndim)))
        ok = sorted(a % max(self.ndim, 1) for a in axes) == list(range(self.ndim))
        check_that(ok, "axes", axes, f"a permutation of the {self.ndim} axes of shape {self.shape}")
        inv = tuple(np.argsort([a % self.ndim for a in axes]))
        return Tensor._make(self.data.transpose(axes), (self,), lambda g: (g.transpose(inv),))

    def __getitem__(self, idx):
        idx = (
            tuple(i.data if isinstance(i, Tensor) else i for i in idx)
            if isinstance(idx, tuple)
            else (idx.data if isinstance(idx, Tensor) else idx)
        )
        shape, dtype = self.shape, self.dtype

        def backward(g):
            full = np.zeros(shape, dtype=dtype)
            np.add.at(full, idx, g)  # add.at: repeated fancy indices accumulate
            return (full,)

        return Tensor._make(self.data[idx], (self,), backward)

    # ----- softmax family (stable: shift by the max) -----
    def softmax(self, axis=-1):
        """exp(x - max) / sum(exp(x - max)) along `axis`; same shape as x."""
        _norm_axes(axis, self.ndim)
        z = self.data - row_max(self.data, axis)
        e = np.exp(z)
        out = e / e.sum(axis=axis, keepdims=True)
        return Tensor._make(out, (self,), lambda g: (out * (g - (g * out).sum(axis=axis, keepdims=True)),))

    def log_softmax(self, axis=-1):
        """x - logsumexp(x) along `axis`, computed as (x - max) - log(sum(exp(x - max)))."""
        _norm_axes(axis, self.ndim)
        z = self.data - row_max(self.data, axis)
        e = np.exp(z)
        out = z - np.log(total := e.sum(axis=axis, keepdims=True))
        return Tensor._make(out, (self,), lambda g: (g - (e / total) * g.sum(axis=axis, keepdims=True),))
