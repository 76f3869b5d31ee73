"""Class labels in every form a loss accepts (integer arrays, integer Tensors, one-hot rows), as int64
indices checked against the logits' shape."""

import numpy as np

from .checks import check_that

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
    forms = f"shape ({batch},) (class indices) or ({batch}, {classes}) (one-hot rows)"
    check_that(not numeric or y.ndim == 1 or y.shape == (batch, classes), name, y, forms)
    if numeric and y.ndim == 2:
        onehot = np.all((y == 0) | (y == 1)) and np.all(np.count_nonzero(y, axis=1) == 1)
        check_that(onehot, name, y, "one-hot rows (one 1 per row); soft targets go to a distillation loss")
        return np.argmax(y, axis=1).astype(np.int64)
    integer = np.issubdtype(y.dtype, np.integer) or (is_tensor and y.size and _integral(y))
    ok = y.dtype != np.bool_ and (integer or (y.size == 0 and np.issubdtype(y.dtype, np.number)))
    check_that(ok, name, labels, f"integer class indices, not dtype {y.dtype} (or {forms})", TypeError)
    check_that(y.shape == (batch,), name, y, forms)
    bad = y[(y < 0) | (y >= classes)]
    check_that(not bad.size, name, y, f"class indices in [0, {classes - 1}], not {bad[:1]}")
    return y.astype(np.int64)
