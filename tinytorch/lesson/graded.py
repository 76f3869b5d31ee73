"""The graded functions, looked up at call time, for companions that build on them."""

import importlib

from ..core.checks import check_that

_GRADED = {
    "measure_sparsity": "sparsity",
    "magnitude_prune": "magnitude",
    "structured_prune": "structured",
    "KnowledgeDistillation": "distillation",
    "low_rank_approximate": "low_rank",
    "factorize_linear": "low_rank",
    "compress_model": "pipeline",
    "design_compression": "design",
}


def graded(name, fn=None, arg=None):
    """`fn` when given (checked callable; `arg` names it in the error), else the graded function `name`
    (e.g. "magnitude_prune") of tinytorch.compression, looked up now rather than at import time, so a
    companion always calls the package's current export: in the student bundle, the student's own."""
    check_that(name in _GRADED, "name", name, f"a graded function, one of {sorted(_GRADED)}")
    if fn is None:
        return getattr(importlib.import_module(f"tinytorch.compression.{_GRADED[name]}"), name)
    return check_that(callable(fn), arg or name, fn, f"None or a callable like {name}", TypeError)
