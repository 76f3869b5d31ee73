"""Bad inputs to the graded task compress_model: each row (callable, argument, bad value, exception[, said])
is rejected with that exception, naming the argument and showing the value (see bad_input_check), and
changes nothing."""

import pytest
from bad_input_check import assert_names_argument_and_value, check_rejects, params, rejected
from bad_input_values import (
    ALL,
    EMPTY,
    INF,
    INF_NET,
    LINEAR,
    NAN,
    NAN_NET,
    NO_WEIGHTS,
    ONE_LINEAR,
    X8,
    late_rows,
)

from tinytorch.compression import compress_model
from tinytorch.core.layers import Linear

ROWS = [
    ("compress_model", "compression_config", None, TypeError),
    ("compress_model", "compression_config", "magnitude_prune", TypeError),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": None},
        TypeError,
        ("magnitude_prune", "None"),
    ),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": True},
        TypeError,
        ("magnitude_prune", "True"),
    ),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": NAN},
        ValueError,
        ("magnitude_prune", "nan"),
    ),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": -0.1},
        ValueError,
        ("magnitude_prune", "-0.1"),
    ),
    (
        "compress_model",
        "compression_config",
        {"structured_prune": None},
        TypeError,
        ("structured_prune", "None"),
    ),
    (
        "compress_model",
        "compression_config",
        {"structured_prune": INF},
        ValueError,
        ("structured_prune", "inf"),
    ),
    ("compress_model", "compression_config", {"low_rank": "0.5"}, TypeError, ("low_rank", "'0.5'")),
    ("compress_model", "compression_config", {"low_rank": True}, TypeError, ("low_rank", "True")),
    ("compress_model", "compression_config", {"low_rank": 1.5}, ValueError, ("low_rank", "1.5")),
    ("compress_model", "compression_config", {1: 0.5}, ValueError, ("compression_config", "1")),
    ("compress_model", "eval_loader", "abc", TypeError),
    ("compress_model", "eval_loader", 5, TypeError),
    ("compress_model", "eval_loader", X8, TypeError),
    ("compress_model", "model", EMPTY, ValueError, ("model",)),
    ("compress_model", "model", NAN_NET, ValueError, ("model", "'layers.2.weight'")),
    ("compress_model", "model", INF_NET, ValueError, ("model", "'layers.2.weight'")),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": 0.5, "quantize": 8},
        ValueError,
        ("compression_config", "'quantize'"),
    ),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": 1.5},
        ValueError,
        ("magnitude_prune", "1.5"),
    ),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": 0.5, "structured_prune": 1.0},
        ValueError,
        ("structured_prune", "1.0"),
    ),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": 0.5, "low_rank": 0},
        ValueError,
        ("low_rank", "0"),
    ),
    (
        "compress_model",
        "compression_config",
        {"magnitude_prune": "0.5"},
        TypeError,
        ("magnitude_prune", "'0.5'"),
    ),
    ("compress_model", "compression_config", [("magnitude_prune", 0.5)], TypeError),
]
ROWS += late_rows("compress_model", ALL)

ROWS += [("compress_model", "model", bad, TypeError) for bad in (None, "model", Linear)]


@pytest.mark.compress_model
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_compress_model_rejects_each_bad_argument_naming_it_and_changes_nothing(target, arg, bad, exc, said):
    check_rejects(target, arg, bad, exc, said)


# A model and a config that it cannot take, each valid alone: rejected before anything changes.
PAIRS = [
    (NO_WEIGHTS, {"low_rank": 0.5}, ValueError, ("model", "1")),
    (LINEAR, {"low_rank": 0.5}, TypeError, ("model", "Linear")),
    (NAN_NET, {"low_rank": 0.5}, ValueError, ("model", "'layers.2.weight'")),
    (NAN_NET, {"structured_prune": 0.5}, ValueError, ("model", "'layers.2.weight'")),
    (EMPTY, {"structured_prune": 0.5}, ValueError, ("Sequential", "0")),
    (ONE_LINEAR, {"magnitude_prune": 0.5, "structured_prune": 0.5}, ValueError, ("Sequential", "1")),
]


@pytest.mark.compress_model
@pytest.mark.parametrize("model,config,exc,said", PAIRS, ids=[f"{m!r}-{c}" for m, c, _, _ in PAIRS])
def test_compress_model_rejects_a_config_the_model_cannot_take_before_changing_it(model, config, exc, said):
    model = model.factory()
    with rejected([], model) as err:
        compress_model(model, config)
    assert err.type is exc
    assert_names_argument_and_value(str(err.value), "model", None, exc, said)
