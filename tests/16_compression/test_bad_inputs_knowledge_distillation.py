"""Bad inputs to the graded task knowledge_distillation: each row (callable, argument, bad value, exception[,
said]) is rejected with that exception, naming the argument and showing the value (see bad_input_check),
and changes nothing."""

import numpy as np
import pytest
from bad_input_check import assert_names_argument_and_value, check_rejects, params, rejected
from bad_input_values import INF, LINEAR, NAN, X8, Y8, Make, Overflow, base_net, kd, kd_late_rows

from tinytorch.core.layers import Linear
from tinytorch.core.optim import Adam
from tinytorch.core.tensor import Tensor

ROWS = [
    ("KnowledgeDistillation", "teacher_model", None, TypeError),
    ("KnowledgeDistillation", "teacher_model", Linear, TypeError),
    ("KnowledgeDistillation", "student_model", 3, TypeError),
    ("KnowledgeDistillation", "temperature", None, TypeError),
    ("KnowledgeDistillation", "temperature", True, TypeError),
    ("KnowledgeDistillation", "temperature", INF, ValueError),
    ("KnowledgeDistillation", "temperature", NAN, ValueError),
    ("KnowledgeDistillation", "temperature", [3.0], TypeError),
    ("KnowledgeDistillation", "alpha", None, TypeError),
    ("KnowledgeDistillation", "alpha", True, TypeError),
    ("KnowledgeDistillation", "alpha", "0.5", TypeError),
    ("KnowledgeDistillation", "alpha", INF, ValueError),
    ("KnowledgeDistillation", "alpha", 1.0001, ValueError),
    ("KD.distillation_loss", "student_logits", "abc", TypeError, ("student_logits", "<U3")),
    ("KD.distillation_loss", "student_logits", None, TypeError, ("student_logits", "object")),
    (
        "KD.distillation_loss",
        "student_logits",
        np.array([[1, None, 2]] * 2, dtype=object),
        TypeError,
        ("student_logits", "object"),
    ),
    (
        "KD.distillation_loss",
        "student_logits",
        Make("Tensor with NaN", lambda: Tensor(np.full((2, 3), NAN))),
        ValueError,
        ("student_logits",),
    ),
    (
        "KD.distillation_loss",
        "student_logits",
        np.array([[0.0, INF, 0.0]] * 2),
        ValueError,
        ("student_logits", "NaN"),
    ),
    ("KD.distillation_loss", "student_logits", Tensor(np.zeros(6)), ValueError),
    ("KD.distillation_loss", "teacher_logits", "abc", TypeError, ("teacher_logits", "<U3")),
    ("KD.distillation_loss", "teacher_logits", None, TypeError, ("teacher_logits", "object")),
    ("KD.distillation_loss", "teacher_logits", np.full((2, 3), NAN), ValueError, ("teacher_logits", "NaN")),
    (
        "KD.distillation_loss",
        "teacher_logits",
        np.array([[0.0, -INF, 0.0]] * 2),
        ValueError,
        ("teacher_logits", "NaN"),
    ),
    ("KD.distillation_loss", "true_labels", None, TypeError, ("true_labels", "object")),
    ("KD.distillation_loss", "true_labels", np.array([True, False]), TypeError, ("true_labels", "bool")),
    ("KD.distillation_loss", "true_labels", "ab", TypeError),
    ("KD.distillation_loss", "true_labels", np.array([[0, 1]]), ValueError, ("true_labels", "(1, 2)")),
    ("KD.train_step", "optimizer", None, TypeError),
    ("KD.train_step", "optimizer", "sgd", TypeError),
    ("KD.train_step", "optimizer", LINEAR, TypeError, ("optimizer",)),
    ("KD.train_step", "x", "abc", TypeError, ("x", "<U3")),
    ("KD.train_step", "x", None, TypeError, ("x", "object")),
    ("KD.train_step", "x", np.full((4, 4), NAN), ValueError, ("x", "NaN")),
    ("KD.train_step", "x", np.zeros((4, 3)), ValueError, ("x", "(4, 3)")),
    ("KD.fit", "loader", None, TypeError),
    ("KD.fit", "loader", 5, TypeError),
    ("KD.fit", "loader", "abc", TypeError),
    ("KD.fit", "loader", [], ValueError, ("loader", "empty")),
    ("KD.fit", "optimizer", None, TypeError),
    ("KD.fit", "epochs", 0, ValueError),
    ("KD.fit", "epochs", 1.5, TypeError),
    ("KD.fit", "epochs", True, TypeError),
    ("KnowledgeDistillation", "temperature", 0, ValueError),
    ("KnowledgeDistillation", "temperature", 0.049, ValueError),
    ("KnowledgeDistillation", "temperature", 100.5, ValueError),
    ("KnowledgeDistillation", "temperature", -1.0, ValueError),
    ("KnowledgeDistillation", "temperature", "3", TypeError),
    ("KnowledgeDistillation", "alpha", 1.5, ValueError),
    ("KnowledgeDistillation", "alpha", -0.1, ValueError),
    ("KnowledgeDistillation", "alpha", NAN, ValueError),
    ("KnowledgeDistillation", "student_model", "student", TypeError),
    ("KD.distillation_loss", "teacher_logits", np.zeros((2, 4)), ValueError, ("teacher_logits", "(2, 4)")),
    ("KD.distillation_loss", "teacher_logits", np.zeros(6), ValueError, ("teacher_logits", "(6,)")),
    ("KD.distillation_loss", "true_labels", np.array([0, 3]), ValueError, ("true_labels", "3")),
    ("KD.distillation_loss", "true_labels", np.array([-1, 0]), ValueError, ("true_labels", "-1")),
    ("KD.distillation_loss", "true_labels", np.array([0, 1, 2]), ValueError, ("true_labels", "(3,)")),
    ("KD.distillation_loss", "true_labels", np.array([0.0, 1.0]), TypeError, ("true_labels", "float64")),
    ("KD.train_step", "y", np.array([0, 5, 0, 1]), ValueError, ("true_labels", "5")),
    ("KD.distillation_loss", "true_labels", Tensor([0.5, 1.0]), TypeError),
    ("KD.distillation_loss", "true_labels", Tensor([0.0, 3.0]), ValueError, ("true_labels", "3")),
    (
        "KD.distillation_loss",
        "true_labels",
        np.array([[1, 1, 0], [0, 1, 0]]),
        ValueError,
        ("true_labels", "(2, 3)"),
    ),
    ("KD.distillation_loss", "true_labels", np.eye(4)[:2], ValueError, ("true_labels", "(2, 4)")),
    (
        "KD.train_step",
        "kd",
        Make("KD whose student outputs inf", lambda: kd(Overflow(base_net()))),
        ValueError,
        ("student_logits",),
    ),
]
ROWS += kd_late_rows()


@pytest.mark.knowledge_distillation
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_knowledge_distillation_rejects_each_bad_argument_naming_it_and_changes_nothing(
    target, arg, bad, exc, said
):
    check_rejects(target, arg, bad, exc, said)


@pytest.mark.knowledge_distillation
def test_rejected_train_step_leaves_teacher_student_and_optimizer_state_untouched():
    net = base_net()
    distiller = kd(net)
    opt = Adam(net.parameters(), lr=0.1)
    distiller.train_step(X8[:4], Y8[:4], opt)  # one good step creates Adam moments
    moments = [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in st.items()} for st in opt.state]
    with rejected([distiller], net) as err:
        distiller.train_step(np.full((4, 4), NAN), Y8[:4], opt)
    assert err.type is ValueError
    assert_names_argument_and_value(str(err.value), "x", None, ValueError, ("x", "NaN"))
    assert [bool(st) for st in opt.state] == [p.requires_grad for p in net.parameters()]  # frozen: no moments
    for before, after in ((b, a) for b, a in zip(moments, opt.state) if b):
        assert before["t"] == after["t"] == 1
        np.testing.assert_array_equal(before["m"], after["m"])
        np.testing.assert_array_equal(before["v"], after["v"])
