"""Bad inputs to the graded task measure_sparsity: each row (callable, argument, bad value, exception[,
said]) is rejected with that exception, naming the argument and showing the value (see bad_input_check),
and changes nothing."""

import pytest
from bad_input_check import check_rejects, params
from bad_input_values import LINEAR

from tinytorch.core.layers import Linear

ROWS = [
    ("prunable_parameters", "model", None, TypeError),
    ("prunable_parameters", "model", "net", TypeError),
    ("prunable_parameters", "model", [LINEAR], TypeError),
    ("count_parameters", "model", None, TypeError),
    ("count_parameters", "nonzero_only", 1, TypeError),
    ("count_parameters", "nonzero_only", None, TypeError),
    ("count_parameters", "nonzero_only", "no", TypeError),
    ("measure_sparsity", "weights_only", 0, TypeError),
    ("measure_sparsity", "weights_only", None, TypeError),
    ("measure_sparsity", "model", 3.5, TypeError),
    ("measure_sparsity", "weights_only", "yes", TypeError),
]

ROWS += [("measure_sparsity", "model", bad, TypeError) for bad in (None, "model", Linear)]


@pytest.mark.measure_sparsity
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_measure_sparsity_rejects_each_bad_argument_naming_it_and_changes_nothing(
    target, arg, bad, exc, said
):
    check_rejects(target, arg, bad, exc, said)
