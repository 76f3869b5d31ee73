"""The graded functions, looked up at call time, for companions that build on them."""

import importlib

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
    if name not in _GRADED:
        raise ValueError(f"name={name!r} is not a graded function; expected one of {sorted(_GRADED)}")
    if fn is None:
        return getattr(importlib.import_module(f"tinytorch.compression.{_GRADED[name]}"), name)
    if not callable(fn):
        raise TypeError(
            f"{arg or name} must be None or a callable like {name}, got {fn!r} of type {type(fn).__name__}"
        )
    return fn
