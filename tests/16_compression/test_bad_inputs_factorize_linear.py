"""Bad inputs to the graded task factorize_linear: each row (callable, argument, bad value, exception[,
said]) is rejected with that exception, naming the argument and showing the value (see bad_input_check),
and changes nothing."""

import numpy as np
import pytest
from bad_input_check import check_rejects, params
from bad_input_values import EMPTY, INF, NAN, Make, linear_with

ROWS = [
    ("factorize_linear", "linear", None, TypeError),
    ("factorize_linear", "linear", EMPTY, TypeError, ("linear",)),
    (
        "factorize_linear",
        "linear",
        Make("Linear with a NaN weight", linear_with(NAN)),
        ValueError,
        ("linear",),
    ),
    (
        "factorize_linear",
        "linear",
        Make("Linear with an inf weight", linear_with(INF)),
        ValueError,
        ("linear",),
    ),
    ("factorize_linear", "rank", None, TypeError),
    ("factorize_linear", "rank", "1", TypeError),
    ("factorize_linear", "rank", np.float64(1.0), TypeError),
    ("factorize_linear", "rank", -1, ValueError),
    ("factorize_linear(5x3)", "rank", 0, ValueError),
    ("factorize_linear(5x3)", "rank", 4, ValueError),
    ("factorize_linear(5x3)", "rank", 2.0, TypeError),
    ("factorize_linear(5x3)", "rank", True, TypeError),
]


@pytest.mark.factorize_linear
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_factorize_linear_rejects_each_bad_argument_naming_it_and_changes_nothing(
    target, arg, bad, exc, said
):
    check_rejects(target, arg, bad, exc, said)
