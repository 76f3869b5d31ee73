"""Bad inputs to the core calls module 16 relies on: layers, losses, functional, optimizers: each row
(callable, argument, bad value, exception[, said]) is rejected with that exception, naming the argument
and showing the value (see bad_input_check), and changes nothing."""

import numpy as np
import pytest
from bad_input_check import check_rejects, params
from bad_input_values import EMPTY, INF, LINEAR, NAN

from tinytorch.core.layers import Linear, ReLU
from tinytorch.core.tensor import Tensor

ROWS = [
    ("Linear", "in_features", None, TypeError),
    ("Linear", "in_features", 4.0, TypeError),
    ("Linear", "in_features", True, TypeError),
    ("Linear", "in_features", NAN, TypeError),
    ("Linear", "in_features", "4", TypeError),
    ("Linear", "in_features", 0, ValueError),
    ("Linear", "in_features", -1, ValueError),
    ("Linear", "out_features", 0, ValueError),
    ("Linear", "out_features", [2], TypeError),
    ("Linear", "bias", "yes", TypeError),
    ("Linear", "bias", None, TypeError),
    ("Linear", "bias", 1, TypeError),
    ("Sequential", "layers", ["relu"], TypeError, ("layer 0", "str")),
    ("Sequential", "layers", [None], TypeError, ("layer 0", "NoneType")),
    ("Sequential", "layers", [ReLU(), Linear], TypeError, ("layer 1", "type")),
    ("CrossEntropyLoss", "logits", np.zeros((2, 3)), TypeError),
    ("CrossEntropyLoss", "logits", [[0.0, 0.0, 0.0]] * 2, TypeError),
    ("CrossEntropyLoss", "logits", Tensor(np.zeros(3)), ValueError),
    ("CrossEntropyLoss", "logits", Tensor(np.zeros((0, 3))), ValueError),
    ("CrossEntropyLoss", "labels", None, TypeError, ("labels", "object")),
    ("CrossEntropyLoss", "labels", "ab", TypeError),
    ("CrossEntropyLoss", "labels", np.array([True, False]), TypeError, ("labels", "bool")),
    ("CrossEntropyLoss", "labels", np.array([0.5, 1.0]), TypeError, ("labels", "float64")),
    ("CrossEntropyLoss", "labels", np.array([NAN, 1.0]), TypeError, ("labels", "float64")),
    ("CrossEntropyLoss", "labels", np.array([0.0, 1.0]), TypeError, ("labels", "float64")),
    ("CrossEntropyLoss", "labels", np.array([[0, 1]]), ValueError, ("labels", "(1, 2)")),
    ("CrossEntropyLoss", "labels", np.array([0, 3]), ValueError, ("labels", "3")),
    ("CrossEntropyLoss", "labels", np.array([-1, 0]), ValueError, ("labels", "-1")),
    ("functional.kl_div", "log_q", np.zeros((2, 2)), TypeError),
    ("functional.kl_div", "log_q", Tensor(np.full((2, 2), NAN)), ValueError),
    ("functional.kl_div", "p", "ab", TypeError, ("p", "<U2")),
    ("functional.kl_div", "p", None, TypeError, ("p", "object")),
    ("functional.kl_div", "p", np.array([[NAN, 0.5], [0.5, 0.5]]), ValueError, ("p", "NaN")),
    ("functional.kl_div", "p", np.array([[INF, 0.5], [0.5, 0.5]]), ValueError, ("p", "NaN")),
    ("functional.kl_div", "p", -np.ones((2, 2)), ValueError, ("p",)),
    ("functional.kl_div", "p", np.full((2, 3), 1 / 3), ValueError, ("p",)),
    ("functional.kl_div", "reduction", "none", ValueError),
    ("functional.kl_div", "reduction", None, ValueError),
    ("functional.log_softmax", "x", np.zeros((2, 3)), TypeError),
    ("functional.log_softmax", "x", [[0.0, 1.0]], TypeError),
    ("functional.log_softmax", "axis", 2, ValueError),
    ("functional.log_softmax", "axis", -3, ValueError),
    ("functional.log_softmax", "axis", True, TypeError),
    ("functional.log_softmax", "axis", "a", TypeError),
    ("functional.log_softmax", "axis", 1.0, TypeError),
    ("SGD", "params", None, TypeError),
    ("SGD", "params", 3, TypeError),
    ("SGD", "params", "w", TypeError),
    ("SGD", "params", LINEAR, TypeError, ("params",)),
    ("SGD", "params", EMPTY, TypeError, ("params",)),
    ("SGD", "params", [], ValueError, ("params", "empty")),
    ("SGD", "params", ["w"], TypeError, ("params",)),
    ("SGD", "lr", None, TypeError),
    ("SGD", "lr", "0.1", TypeError),
    ("SGD", "lr", True, TypeError),
    ("SGD", "lr", 0, ValueError),
    ("SGD", "lr", -0.1, ValueError),
    ("SGD", "lr", NAN, ValueError),
    ("SGD", "lr", INF, ValueError),
    ("SGD", "momentum", 1.0, ValueError),
    ("SGD", "momentum", -0.1, ValueError),
    ("SGD", "momentum", None, TypeError),
    ("SGD", "momentum", True, TypeError),
    ("SGD", "weight_decay", -1, ValueError),
    ("SGD", "weight_decay", INF, ValueError),
    ("SGD", "weight_decay", "0", TypeError),
    ("Adam", "params", None, TypeError),
    ("Adam", "lr", 0.0, ValueError),
    ("Adam", "betas", None, TypeError),
    ("Adam", "betas", (0.9,), TypeError),
    ("Adam", "betas", "ab", TypeError),
    ("Adam", "betas", (1.0, 0.999), ValueError, ("betas", "1.0")),
    ("Adam", "betas", (0.9, -0.1), ValueError, ("betas", "-0.1")),
    ("Adam", "betas", (0.9, NAN), ValueError, ("betas", "nan")),
    ("Adam", "betas", ("0.9", 0.999), TypeError, ("betas", "'0.9'")),
    ("Adam", "eps", 0, ValueError),
    ("Adam", "eps", NAN, ValueError),
    ("Adam", "eps", None, TypeError),
    ("Adam", "weight_decay", -1.0, ValueError),
    ("CrossEntropyLoss", "labels", Tensor([0.5, 1.0]), TypeError),
    ("CrossEntropyLoss", "labels", Tensor([0.0, 3.0]), ValueError, ("labels", "3")),
    ("CrossEntropyLoss", "labels", np.array([[1, 1, 0], [0, 1, 0]]), ValueError, ("labels", "(2, 3)")),
    ("CrossEntropyLoss", "labels", np.full((2, 3), 1 / 3), ValueError, ("labels", "(2, 3)")),
    ("CrossEntropyLoss", "labels", np.eye(4)[:2], ValueError, ("labels", "(2, 4)")),
]


@pytest.mark.library
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_each_bad_argument_is_rejected_naming_it_and_changes_nothing(target, arg, bad, exc, said):
    check_rejects(target, arg, bad, exc, said)
