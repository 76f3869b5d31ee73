"""TinyTorch: a small NumPy deep-learning framework built module by module."""

from .core.module import Module, Parameter
from .core.random import manual_seed
from .core.tensor import Tensor, no_grad

__all__ = ["manual_seed", "Tensor", "no_grad", "Parameter", "Module"]
