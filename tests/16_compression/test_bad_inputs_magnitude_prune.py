"""Bad inputs to the graded task magnitude_prune: each row (callable, argument, bad value, exception[, said])
is rejected with that exception, naming the argument and showing the value (see bad_input_check), and
changes nothing."""

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
    NOT_EMPTY,
    Make,
    late_rows,
    poisoned,
)

from tinytorch.compression import magnitude_prune
from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential

ROWS = [
    ("magnitude_prune", "sparsity", np.float32(NAN), ValueError),
    ("magnitude_prune", "sparsity", -INF, ValueError),
    ("magnitude_prune", "sparsity", np.float64(1.5), ValueError),
    ("magnitude_prune", "sparsity", 1.0000001, ValueError),
    ("magnitude_prune", "sparsity", np.int64(-3), ValueError),
    ("magnitude_prune", "sparsity", 2**40, ValueError),
    ("magnitude_prune", "sparsity", np.int64(25), ValueError),
    ("magnitude_prune", "sparsity", np.bool_(True), TypeError),
    ("magnitude_prune", "sparsity", [0.5], TypeError),
    ("magnitude_prune", "sparsity", 0.5j, TypeError),
    ("magnitude_prune", "model", EMPTY, ValueError, ("model",)),
    ("magnitude_prune", "model", NAN_NET, ValueError, ("model", "'layers.2.weight'")),
    ("magnitude_prune", "model", INF_NET, ValueError, ("model", "'layers.2.weight'")),
    ("magnitude_prune", "model", [LINEAR], TypeError),
    ("magnitude_prune", "sparsity", -0.1, ValueError),
    ("magnitude_prune", "sparsity", 1.5, ValueError, ("sparsity", "1.5")),
    ("magnitude_prune", "sparsity", NAN, ValueError),
    ("magnitude_prune", "sparsity", INF, ValueError),
    ("magnitude_prune", "sparsity", -1, ValueError),
    ("magnitude_prune", "sparsity", 25, ValueError),
    ("magnitude_prune", "sparsity", "0.9", TypeError),
    ("magnitude_prune", "sparsity", True, TypeError),
    ("magnitude_prune", "sparsity", None, TypeError),
    (
        "magnitude_prune",
        "model",
        Make("Sequential(ReLU(), Flatten())", lambda: Sequential(ReLU(), Flatten())),
        ValueError,
        ("model",),
    ),
]
ROWS += late_rows("magnitude_prune", NOT_EMPTY)

ROWS += [("magnitude_prune", "model", bad, TypeError) for bad in (None, "model", Linear)]


@pytest.mark.magnitude_prune
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_magnitude_prune_rejects_each_bad_argument_naming_it_and_changes_nothing(target, arg, bad, exc, said):
    check_rejects(target, arg, bad, exc, said)


@pytest.mark.magnitude_prune
def test_magnitude_prune_with_a_nan_weight_names_the_parameter_and_keeps_existing_masks():
    net = poisoned(NAN)()
    before = net.layers[0].weight.mask.copy()
    with pytest.raises(ValueError, match=r"'layers\.2\.weight'"):
        magnitude_prune(net, 2)
    np.testing.assert_array_equal(net.layers[0].weight.mask, before)
    assert net.layers[2].weight.mask is None
