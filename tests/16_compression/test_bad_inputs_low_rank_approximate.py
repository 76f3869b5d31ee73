"""Bad inputs to the graded task low_rank_approximate: each row (callable, argument, bad value, exception[,
said]) is rejected with that exception, naming the argument and showing the value (see bad_input_check),
and changes nothing."""

import numpy as np
import pytest
from bad_input_check import check_rejects, params
from bad_input_values import INF, NAN

ROWS = [
    ("low_rank_approximate", "weight_matrix", None, TypeError, ("weight_matrix", "object")),
    ("low_rank_approximate", "weight_matrix", "abc", TypeError, ("weight_matrix", "<U3")),
    (
        "low_rank_approximate",
        "weight_matrix",
        np.ones((2, 2), dtype=bool),
        TypeError,
        ("weight_matrix", "bool"),
    ),
    (
        "low_rank_approximate",
        "weight_matrix",
        np.array([[1.0, None]], dtype=object),
        TypeError,
        ("weight_matrix", "object"),
    ),
    (
        "low_rank_approximate",
        "weight_matrix",
        np.array([[1.0, INF], [0.0, 1.0]]),
        ValueError,
        ("weight_matrix", "NaN"),
    ),
    ("low_rank_approximate", "weight_matrix", np.ones((2, 2, 2)), ValueError, ("weight_matrix", "(2, 2, 2)")),
    ("low_rank_approximate", "rank_ratio", None, TypeError),
    ("low_rank_approximate", "rank_ratio", True, TypeError),
    ("low_rank_approximate", "rank_ratio", NAN, ValueError),
    ("low_rank_approximate", "rank_ratio", INF, ValueError),
    ("low_rank_approximate", "energy", "0.9", TypeError),
    ("low_rank_approximate", "energy", True, TypeError),
    ("low_rank_approximate", "energy", NAN, ValueError),
    ("low_rank_approximate", "energy", -0.1, ValueError),
    ("low_rank_approximate", "rank_ratio", 0, ValueError),
    ("low_rank_approximate", "rank_ratio", 1.5, ValueError),
    ("low_rank_approximate", "rank_ratio", -0.5, ValueError),
    ("low_rank_approximate", "rank_ratio", "half", TypeError),
    ("low_rank_approximate", "energy", 0.0, ValueError),
    ("low_rank_approximate", "energy", 1.01, ValueError),
    ("low_rank_approximate", "weight_matrix", np.ones(3), ValueError, ("weight_matrix", "(3,)")),
    ("low_rank_approximate", "weight_matrix", np.ones((0, 3)), ValueError, ("weight_matrix", "empty")),
    ("low_rank_approximate", "weight_matrix", np.array([[1.0, NAN]]), ValueError, ("weight_matrix", "NaN")),
]


@pytest.mark.low_rank_approximate
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_low_rank_approximate_rejects_each_bad_argument_naming_it_and_changes_nothing(
    target, arg, bad, exc, said
):
    check_rejects(target, arg, bad, exc, said)
