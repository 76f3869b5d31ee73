"""Class labels in every form a loss accepts (integer arrays, integer Tensors, one-hot rows), as int64
indices checked against the logits' shape."""

import numpy as np

__all__ = ["as_class_indices"]


def _integral(arr):
    return (
        np.issubdtype(arr.dtype, np.floating)
        and bool(np.all(np.isfinite(arr)))
        and bool(np.all(arr == np.round(arr)))
    )


def as_class_indices(name, labels, batch, classes):
    """Class labels as an int64 (batch,) array in [0, classes): integer arrays, Tensors holding integers
    (a Tensor stores float32) or one-hot rows (batch, classes). TypeError for other dtypes (bool, float
    arrays, str, object); ValueError for a wrong shape, a label out of range or a row that is not one-hot."""
    if (
        type(labels) is np.ndarray
        and labels.dtype.kind in "iu"
        and labels.shape == (batch,)
        and (not batch or (labels.min() >= 0 and labels.max() < classes))
    ):
        return labels.astype(np.int64, copy=False)  # the common case, checked in one pass each way
    is_tensor = hasattr(labels, "data") and not isinstance(labels, np.ndarray)
    y = np.asarray(labels.data if is_tensor else labels)
    numeric = y.dtype == np.bool_ or np.issubdtype(y.dtype, np.number)
    if numeric and y.ndim != 1 and y.shape != (batch, classes):
        raise ValueError(
            f"{name} shape {y.shape} must be ({batch},) to match the logits (class indices) "
            f"or ({batch}, {classes}) (one-hot rows)"
        )
    if numeric and y.ndim == 2:
        if not np.all((y == 0) | (y == 1)) or not np.all(np.count_nonzero(y, axis=1) == 1):
            raise ValueError(
                f"{name} of shape {y.shape} must be one-hot rows (exactly one 1 per row, zeros "
                "elsewhere); pass soft targets to a distillation loss instead"
            )
        return np.argmax(y, axis=1).astype(np.int64)
    integer = np.issubdtype(y.dtype, np.integer) or (is_tensor and y.size and _integral(y))
    if y.dtype == np.bool_ or not (integer or (y.size == 0 and np.issubdtype(y.dtype, np.number))):
        got = (
            "a Tensor with non-integer values"
            if is_tensor and np.issubdtype(y.dtype, np.floating)
            else f"dtype {y.dtype}"
        )
        raise TypeError(
            f"{name} must be an integer array of class indices, got {got}; integer Tensors and "
            f"one-hot rows ({batch}, {classes}) are accepted too"
        )
    if y.shape != (batch,):
        raise ValueError(
            f"{name} shape {y.shape} must be ({batch},) to match the logits (class indices) "
            f"or ({batch}, {classes}) (one-hot rows)"
        )
    if y.size and (y.min() < 0 or y.max() >= classes):
        bad = y[(y < 0) | (y >= classes)][0]
        raise ValueError(f"{name} contains {bad:g}; expected class indices in [0, {classes - 1}]")
    return y.astype(np.int64)
