"""SGD (momentum, weight decay) and Adam, with torch's update rules; both honour `Parameter.mask`.

For a masked parameter the gradient is zeroed where mask is False before the update and the data
is multiplied by the mask after it, so pruned weights stay exactly zero.
"""

import numpy as np

from .checks import check_fraction, check_real, check_that
from .tensor import Tensor

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Holds a list of parameters; subclasses implement `_update(i, p, g)` on one parameter."""

    def __init__(self, params, lr, weight_decay=0.0):
        ok = hasattr(params, "__iter__") and not hasattr(params, "forward")
        ok = ok and not isinstance(params, (Tensor, str, bytes))
        check_that(ok, "params", params, "an iterable of Parameters, e.g. model.parameters()", TypeError)
        params = list(params)
        check_that(params, "params", params, "a non-empty list of Parameters")
        for i, p in enumerate(params):
            check_that(isinstance(p, Tensor), f"params[{i}]", p, "a Parameter", TypeError)
        self.params = params
        self.lr = check_real("lr", lr, low=0.0, low_open=True)
        self.weight_decay = check_real("weight_decay", weight_decay, low=0.0)
        self.state = [{} for _ in params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        """One update of every parameter that has a gradient."""
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = np.asarray(p.grad, dtype=p.data.dtype)
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            mask = getattr(p, "mask", None)
            if mask is not None:
                g = g * mask
            self._update(i, p, g)
            if mask is not None:
                p.data *= mask

    def _update(self, i, p, g):
        raise NotImplementedError


class SGD(Optimizer):
    """g = grad + wd*p; buf = momentum*buf + g (buf = g on the first step); p -= lr * buf."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum = check_fraction("momentum", momentum, high_open=True)

    def _update(self, i, p, g):
        if self.momentum:
            buf = self.state[i].get("momentum")
            buf = g.copy() if buf is None else self.momentum * buf + g
            self.state[i]["momentum"] = buf
            g = buf
        p.data -= (self.lr * g).astype(p.data.dtype, copy=False)


class Adam(Optimizer):
    """torch.optim.Adam (L2 weight decay added to the gradient):
    m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g**2; p -= lr * (m/(1-b1**t)) / (sqrt(v/(1-b2**t)) + eps)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        pair = isinstance(betas, (tuple, list)) and len(betas) == 2
        check_that(pair, "betas", betas, "a pair (beta1, beta2)", TypeError)
        self.betas = tuple(check_fraction(f"betas[{i}]", b, high_open=True) for i, b in enumerate(betas))
        self.eps = check_real("eps", eps, low=0.0, low_open=True)

    def _update(self, i, p, g):
        b1, b2 = self.betas
        st = self.state[i]
        if not st:
            st.update(t=0, m=np.zeros_like(p.data), v=np.zeros_like(p.data))
        st["t"] += 1
        m, v = st["m"], st["v"]  # updated in place: the same arithmetic as the formula, fewer temporaries
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        step = m / (1 - b1 ** st["t"])
        step *= self.lr
        denom = np.sqrt(v / (1 - b2 ** st["t"]))
        denom += self.eps
        step /= denom
        p.data -= step.astype(p.data.dtype, copy=False)
