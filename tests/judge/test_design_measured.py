"""The design task is decided by the judge's own measurement of the returned model, rebuilt from plain
arrays: the reference design passes; a model over the byte budget, a model that loses accuracy, and layer
records that do not describe a valid model each fail with a reason, without crashing the judge."""

import numpy as np
import pytest

from tinytorch.claims import claims_of, observe_case, verdict
from tinytorch.claims.module16 import design
from tinytorch.claims.plain import to_plain
from tito.grading import judge

pytestmark = pytest.mark.design_compression
CLAIMS = claims_of("16")
CASE = design.CASE[0]


def decide(gid, layers):
    expected = judge.shipped_expected("16")[gid][0]
    return verdict(CLAIMS[gid], CASE, expected, {"got": {"layers": to_plain(layers)}})


@pytest.fixture(scope="module")
def dense_layers():
    return design.to_layers(design.setup()["dense"])


def test_the_reference_design_is_within_both_budgets():
    ns = judge.reference_ns("16")
    for gid in ("test-design-budget", "test-design-accuracy"):
        outcome = observe_case(CLAIMS[gid], ns, CASE)
        assert verdict(CLAIMS[gid], CASE, judge.shipped_expected("16")[gid][0], outcome) is None


def test_the_dense_model_itself_is_over_the_byte_budget_but_within_the_accuracy_budget(dense_layers):
    assert "within the byte budget" in decide("test-design-budget", dense_layers)
    assert decide("test-design-accuracy", dense_layers) is None


def test_a_model_whose_last_layer_is_zeroed_loses_the_accuracy_claim(dense_layers):
    broken = [dict(rec) for rec in dense_layers]
    broken[-1] = {"type": "linear", "weight": np.zeros_like(broken[-1]["weight"]), "bias": broken[-1]["bias"]}
    assert "within the accuracy budget" in decide("test-design-accuracy", broken)


@pytest.mark.parametrize(
    "layers",
    [
        [],
        [{"type": "conv"}],
        [{"type": "linear", "weight": np.zeros((10, 10), np.float32), "bias": None}],
        [
            {
                "type": "sparse",
                "in": 784,
                "out": 10,
                "values": np.ones(3, np.int8),
                "indices": np.array([0, 1, 9999]),
                "indptr": np.array([0, 3] + [3] * 9),
                "scale": 1.0,
                "bias": None,
            }
        ],
        [
            {
                "type": "sparse",
                "in": 784,
                "out": 10,
                "values": np.ones(3, np.int8),
                "indices": np.array([0, 1, 2]),
                "indptr": np.array([0, 3] + [3] * 9),
                "scale": None,
                "bias": None,
            }
        ],
    ],
    ids=["no layers", "an unknown layer", "wrong input width", "index out of range", "int8 without a scale"],
)
def test_layer_records_that_describe_no_valid_model_fail_with_a_reason(layers):
    message = decide("test-design-budget", layers)
    assert message and "could not be measured" in message
