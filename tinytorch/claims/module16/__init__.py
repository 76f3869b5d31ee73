"""Module 16's claims, in notebook order (importing registers them, so the order of imports matters)."""
# isort: skip_file

from . import sparsity, magnitude, structured, distillation, low_rank, pipeline, design  # noqa: F401
