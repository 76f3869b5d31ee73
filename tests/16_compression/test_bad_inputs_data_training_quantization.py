"""Bad inputs to the core calls module 16 relies on: data, training, quantization: each row (callable,
argument, bad value, exception[, said]) is rejected with that exception, naming the argument and showing
the value (see bad_input_check), and changes nothing."""

import numpy as np
import pytest
from bad_input_check import check_rejects, params
from bad_input_values import ALL, DIVERGED, EMPTY, INF, NAN, NAN_LOSS, Y8, late_rows

ROWS = [
    ("DataLoader", "X", None, TypeError, ("X", "object")),
    ("DataLoader", "X", "abc", TypeError, ("X", "<U3")),
    ("DataLoader", "X", np.array([[1, None]] * 8, dtype=object), TypeError, ("X", "object")),
    ("DataLoader", "X", np.ones((8, 4), dtype=bool), TypeError, ("X", "bool")),
    ("DataLoader", "X", np.zeros((7, 4)), ValueError, ("X", "(7, 4)")),
    ("DataLoader", "y", np.array([None] * 8, dtype=object), TypeError, ("y", "object")),
    ("DataLoader", "y", np.array(["a"] * 8), TypeError, ("y", "<U1")),
    ("DataLoader", "batch_size", 0, ValueError),
    ("DataLoader", "batch_size", 2.0, TypeError),
    ("DataLoader", "batch_size", True, TypeError),
    ("DataLoader", "batch_size", None, TypeError),
    ("DataLoader", "shuffle", 1, TypeError),
    ("DataLoader", "shuffle", "yes", TypeError),
    ("DataLoader", "seed", -1, ValueError),
    ("DataLoader", "seed", "0", TypeError),
    ("DataLoader", "seed", 1.5, TypeError),
    ("DataLoader", "drop_last", "no", TypeError),
    ("DataLoader", "drop_last", 1, TypeError),
    ("DataLoader", "drop_last", None, TypeError),
    ("train_test_split", "X", np.array([[1, None]] * 8, dtype=object), TypeError, ("X", "object")),
    ("train_test_split", "X", "abcdefgh", TypeError, ("X", "<U8")),
    ("train_test_split", "X", np.zeros((7, 4)), ValueError, ("X", "7")),
    ("train_test_split", "y", Y8.astype(float), TypeError, ("y", "float64")),
    ("train_test_split", "y", Y8[:, None], ValueError, ("y", "(8, 1)")),
    ("train_test_split", "y", None, TypeError, ("y", "object")),
    ("train_test_split", "test_size", 0.0, ValueError),
    ("train_test_split", "test_size", 1.0, ValueError),
    ("train_test_split", "test_size", 8, ValueError),
    ("train_test_split", "test_size", 0, ValueError),
    ("train_test_split", "test_size", True, TypeError),
    ("train_test_split", "test_size", "0.25", TypeError),
    ("train_test_split", "test_size", NAN, ValueError),
    ("train_test_split", "seed", -1, ValueError),
    ("train_test_split", "seed", None, TypeError),
    ("train_test_split", "seed", 1.5, TypeError),
    ("fit", "model", None, TypeError),
    ("fit", "model", EMPTY, ValueError, ("model",)),
    ("fit", "loader", None, TypeError),
    ("fit", "loader", 5, TypeError),
    ("fit", "loader", "abc", TypeError),
    ("fit", "loader", [], ValueError, ("loader", "empty")),
    ("fit", "loss_fn", "ce", TypeError),
    ("fit", "loss_fn", None, TypeError),
    ("fit", "optimizer", None, TypeError),
    ("fit", "optimizer", "sgd", TypeError),
    ("fit", "epochs", 1.0, TypeError),
    ("fit", "epochs", True, TypeError),
    ("fit", "epochs", -2, ValueError),
    ("evaluate", "model", None, TypeError),
    ("evaluate", "loader", None, TypeError),
    ("evaluate", "loader", 5, TypeError),
    ("evaluate", "loader", "abc", TypeError),
    ("evaluate", "loader", [], ValueError, ("loader",)),
    ("quantize_int8", "w", None, TypeError, ("w", "object")),
    ("quantize_int8", "w", "abc", TypeError, ("w", "<U3")),
    ("quantize_int8", "w", np.array([1, None], dtype=object), TypeError, ("w", "object")),
    ("quantize_int8", "w", np.array([True, False]), TypeError, ("w", "bool")),
    ("quantize_int8", "w", np.array([NAN, 1.0]), ValueError, ("w", "NaN")),
    ("quantize_int8", "w", np.array([-INF, 1.0]), ValueError, ("w", "NaN")),
    ("quantize_int8", "axis", 2, ValueError),
    ("quantize_int8", "axis", -3, ValueError),
    ("quantize_int8", "axis", True, TypeError),
    ("quantize_int8", "axis", 1.0, TypeError),
    ("quantize_int8", "axis", "0", TypeError),
    ("quantize_int8(axis=0)", "w", np.float64(2.0), ValueError, ("axis=0", "0-d")),
    ("quantize_int8(axis=0)", "w", np.array([[1.0, NAN]]), ValueError, ("w", "NaN")),
    ("train_step", "loss_fn", NAN_LOSS, ValueError, ("loss", "nan")),
    ("train_step", "model", DIVERGED, ValueError, ("loss", "nan")),
    ("fit", "loss_fn", NAN_LOSS, ValueError, ("loss", "nan")),
    ("fit", "model", DIVERGED, ValueError, ("loss", "nan")),
]
ROWS += late_rows("train_step", ALL)
ROWS += late_rows("fit", ALL)


@pytest.mark.library
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_each_bad_argument_is_rejected_naming_it_and_changes_nothing(target, arg, bad, exc, said):
    check_rejects(target, arg, bad, exc, said)
