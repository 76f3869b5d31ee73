"""Bad inputs to the graded task structured_prune: each row (callable, argument, bad value, exception[,
said]) is rejected with that exception, naming the argument and showing the value (see bad_input_check),
and changes nothing."""

import numpy as np
import pytest
from bad_input_check import check_rejects, params
from bad_input_values import (
    EMPTY,
    INF,
    INF_NET,
    LINEAR,
    NAN,
    NAN_NET,
    NO_WEIGHTS,
    NOT_RO,
    ONE_LINEAR,
    Make,
    late_rows,
)

import tinytorch as tt
from tinytorch.core.layers import Linear, Sequential, Sigmoid

ROWS = [
    ("structured_prune", "model", EMPTY, ValueError, ("Sequential", "0")),
    ("structured_prune", "model", NO_WEIGHTS, ValueError, ("Sequential", "0")),
    ("structured_prune", "model", LINEAR, TypeError, ("model",)),
    ("structured_prune", "model", NAN_NET, ValueError, ("model", "'layers.2.weight'")),
    ("structured_prune", "model", INF_NET, ValueError, ("model", "'layers.2.weight'")),
    ("structured_prune", "prune_ratio", None, TypeError),
    ("structured_prune", "prune_ratio", INF, ValueError),
    ("structured_prune", "prune_ratio", np.float64(1.0), ValueError),
    ("structured_prune", "prune_ratio", [0.5], TypeError),
    ("structured_prune", "physical", None, TypeError),
    ("structured_prune", "physical", "True", TypeError),
    ("structured_prune", "physical", 0, TypeError),
    ("structured_prune", "prune_ratio", 1.0, ValueError),
    ("structured_prune", "prune_ratio", 1.5, ValueError),
    ("structured_prune", "prune_ratio", -0.1, ValueError),
    ("structured_prune", "prune_ratio", NAN, ValueError),
    ("structured_prune", "prune_ratio", "0.5", TypeError),
    ("structured_prune", "prune_ratio", True, TypeError),
    ("structured_prune", "physical", 1, TypeError),
    ("structured_prune", "model", ONE_LINEAR, ValueError, ("Sequential", "1")),
    (
        "structured_prune",
        "model",
        Make(
            "Linear, Sequential(Linear), Linear",
            lambda: (tt.manual_seed(0), Sequential(Linear(3, 4), Sequential(Linear(4, 4)), Linear(4, 2)))[1],
        ),
        ValueError,
        ("layer 1", "Sequential"),
    ),
    (
        "structured_prune",
        "model",
        Make(
            "Linear, Linear, Sigmoid, Linear without bias",
            lambda: (
                tt.manual_seed(0),
                Sequential(Linear(3, 4), Linear(4, 4), Sigmoid(), Linear(4, 2, bias=False)),
            )[1],
        ),
        ValueError,
        ("layer 3", "bias"),
    ),
]
ROWS += late_rows("structured_prune", NOT_RO)

ROWS += [("structured_prune", "model", bad, TypeError) for bad in (None, "model", Linear)]


@pytest.mark.structured_prune
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_structured_prune_rejects_each_bad_argument_naming_it_and_changes_nothing(
    target, arg, bad, exc, said
):
    check_rejects(target, arg, bad, exc, said)
