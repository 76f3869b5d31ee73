"""Module 16's claims, in notebook order (importing registers them)."""

from . import sparsity, magnitude, structured, distillation, low_rank, pipeline, design  # noqa: F401
