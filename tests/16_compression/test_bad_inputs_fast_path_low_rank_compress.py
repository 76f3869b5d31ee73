"""Bad inputs to magnitude_prune_fast and low_rank_compress (given library code, not graded tasks): each row
(callable, argument, bad value, exception[, said]) is rejected with that exception, naming the argument
and showing the value (see bad_input_check), and changes nothing."""

import pytest
from bad_input_check import check_rejects, params
from bad_input_values import (
    EMPTY,
    INF_NET,
    LINEAR,
    NAN,
    NAN_NET,
    NO_WEIGHTS,
    NOT_EMPTY,
    NOT_RO,
    late_rows,
)

ROWS = [
    ("low_rank_compress", "model", None, TypeError),
    ("low_rank_compress", "model", LINEAR, TypeError, ("model",)),
    ("low_rank_compress", "model", EMPTY, ValueError, ("model",)),
    ("low_rank_compress", "model", NO_WEIGHTS, ValueError, ("model",)),
    ("low_rank_compress", "model", NAN_NET, ValueError, ("model", "'layers.2.weight'")),
    ("low_rank_compress", "model", INF_NET, ValueError, ("model", "'layers.2.weight'")),
    ("low_rank_compress", "rank_ratio", 1.5, ValueError),
    ("low_rank_compress", "rank_ratio", "0.5", TypeError),
    ("low_rank_compress", "rank_ratio", True, TypeError),
    ("low_rank_compress", "rank_ratio", NAN, ValueError),
    ("low_rank_compress", "energy", 0.5, ValueError),
    ("low_rank_compress", "rank_ratio", None, ValueError),
    ("magnitude_prune_fast", "sparsity", 1.5, ValueError, ("sparsity", "1.5")),
    ("magnitude_prune_fast", "sparsity", "0.9", TypeError),
    ("magnitude_prune_fast", "sparsity", 25, ValueError),
    ("magnitude_prune_fast", "model", None, TypeError),
    ("magnitude_prune_fast", "model", NAN_NET, ValueError, ("model", "'layers.2.weight'")),
    ("low_rank_compress", "rank_ratio", 0, ValueError),
]
ROWS += late_rows("magnitude_prune_fast", NOT_EMPTY)
ROWS += late_rows("low_rank_compress", NOT_RO)


@pytest.mark.library
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_each_bad_argument_is_rejected_naming_it_and_changes_nothing(target, arg, bad, exc, said):
    check_rejects(target, arg, bad, exc, said)
