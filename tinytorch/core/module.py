"""Parameter (a trainable Tensor with an optional pruning mask) and Module (a tree of parameters)."""

from collections import OrderedDict

import numpy as np

from .checks import check_that
from .tensor import Tensor

__all__ = ["Module", "Parameter", "kept_mask"]


class Parameter(Tensor):
    """A Tensor with requires_grad=True and a `mask`: None or a bool array of the same shape.

    Optimizers zero the gradient where mask is False before the update and multiply `data` by the
    mask after it, so a pruned weight stays exactly zero during fine-tuning.
    """

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)
        self.data = self.data.copy()  # own the storage: optimizers update it in place
        self._mask = None

    @property
    def mask(self):
        return self._mask

    @mask.setter
    def mask(self, value):
        self.set_mask(value)

    def set_mask(self, value, *, copy=True):
        """Set (or with None clear) the pruning mask: a bool array of the parameter's shape.

        copy=False hands over `value` itself, made read-only (no second mask-sized allocation).
        """
        if value is None:
            self._mask = None
            return
        m = np.asarray(getattr(value, "data", value))
        check_that(m.dtype == np.bool_, "mask", m, "a bool array", TypeError)
        check_that(m.shape == self.data.shape, "mask", m, f"the parameter's shape {self.data.shape}")
        m = m.copy() if copy else m
        m.flags.writeable = False
        self._mask = m

    def __repr__(self):
        return "Parameter" + super().__repr__()[len("Tensor") :]


def kept_mask(param):
    """The parameter's mask (True = kept), or all True when it has none: a read-only bool array of its shape
    (combine it with &, ~ or np.where; an unmasked parameter costs no allocation)."""
    mask = getattr(param, "mask", None)
    return np.broadcast_to(True, param.data.shape) if mask is None else np.asarray(mask, dtype=bool)


class Module:
    """Base class: attributes that are Parameters, Modules or lists/tuples of Modules are registered
    in assignment order; `forward` does the computation, `__call__` calls it."""

    training = True  # class default, so subclasses that skip super().__init__() still work

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----- traversal -----
    def _named_children(self):
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Module) for v in value):
                for i, v in enumerate(value):
                    yield f"{name}.{i}", v

    def named_modules(self, prefix=""):
        """[(dotted name, module)] in pre-order; the root has name ''."""
        out, seen = [], set()

        def walk(mod, pre):
            if id(mod) in seen:
                return
            seen.add(id(mod))
            out.append((pre, mod))
            for name, child in mod._named_children():
                walk(child, f"{pre}.{name}" if pre else name)

        walk(self, prefix)
        return out

    def children(self):
        """Direct sub-modules, in registration order."""
        return [m for _, m in self._named_children()]

    def modules(self):
        """This module and all its descendants, in pre-order."""
        return [m for _, m in self.named_modules()]

    def named_parameters(self):
        """[(dotted name, Parameter)] e.g. ('layers.0.weight', W); a shared Parameter is listed once."""
        out, seen = [], set()
        for pre, mod in self.named_modules():
            for name, value in vars(mod).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    out.append((f"{pre}.{name}" if pre else name, value))
        return out

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def num_parameters(self):
        """Total number of scalar entries over all parameters."""
        return int(sum(p.size for p in self.parameters()))

    # ----- modes and gradients -----
    def train(self, mode=True):
        """Set `training` on this module and every descendant; returns self."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    # ----- state -----
    def state_dict(self):
        """OrderedDict name -> copy of the parameter's ndarray."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state_dict):
        """Copy arrays into the parameters; every key and shape is checked before anything changes.

        Raises ValueError naming missing/unexpected keys or the key and both shapes on a mismatch.
        """
        params = OrderedDict(self.named_parameters())
        missing = [k for k in params if k not in state_dict]
        unexpected = [k for k in state_dict if k not in params]
        keys = f"the model's keys; missing keys {missing}, unexpected keys {unexpected}"
        check_that(not (missing or unexpected), "state_dict", state_dict, keys)
        arrays = {}
        for name, p in params.items():
            arr = np.asarray(getattr(state_dict[name], "data", state_dict[name]))
            check_that(arr.shape == p.data.shape, f"state_dict[{name!r}]", arr, f"the model's {p.data.shape}")
            check_that(arr.dtype.kind in "fiu", f"state_dict[{name!r}]", arr, "a real dtype", TypeError)
            arrays[name] = arr
        for name, p in params.items():
            p.data = arrays[name].astype(p.data.dtype, copy=True)

    def __repr__(self):
        lines = [f"  ({n}): " + repr(m).replace("\n", "\n  ") for n, m in self._named_children()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self):
        return ""
