"""Task 4 claims: KnowledgeDistillation. Each claim isolates one term: the soft and hard terms are checked on
one-row batches (so batch averaging cannot change them), the mix and the batch mean by relations between
the student's own losses, and the gradient against central differences of the student's own loss."""

import numpy as np

from tinytorch.core.layers import Dropout, Linear, Sequential
from tinytorch.core.module import Module
from tinytorch.core.optim import SGD
from tinytorch.core.tensor import Tensor, is_grad_enabled

from .. import register
from . import nets

NEEDS = ("KnowledgeDistillation",)
S = [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
T = [[3.0, 2.0, 1.0], [1.0, 0.0, -1.0]]


def loss(ns, student, teacher, labels, alpha, temperature, requires_grad=False):
    kd = ns["KnowledgeDistillation"](Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature, alpha)
    logits = Tensor(np.array(student, dtype=np.float64), requires_grad=requires_grad)
    return logits, kd.distillation_loss(logits, np.array(teacher, dtype=np.float64), np.array(labels))


def value(ns, *args):
    out = loss(ns, *args)[1]
    if not isinstance(out, Tensor):
        raise TypeError(f"distillation_loss returned a {type(out).__name__}, not a Tensor")
    return float(out.item())


@register(
    "test-kd-loss",
    "16",
    "distillation_loss returns a scalar Tensor equal to alpha * (its alpha=1 value) + (1 - alpha) * (its "
    "alpha=0 value).",
    NEEDS,
    [{"label": "s, t, labels [2, 0] at T=2, alpha=0.7", "s": S, "t": T, "y": [2, 0], "alpha": 0.7, "T": 2.0}],
)
def mix(ns, case):
    args = (case["s"], case["t"], case["y"])
    out = loss(ns, *args, case["alpha"], case["T"])[1]
    soft, hard = value(ns, *args, 1.0, case["T"]), value(ns, *args, 0.0, case["T"])
    return {
        "a Tensor": isinstance(out, Tensor),
        "one value": isinstance(out, Tensor) and out.data.size == 1,
        "mix of the two terms": bool(
            abs(float(out.item()) - (case["alpha"] * soft + (1 - case["alpha"]) * hard)) < 1e-6
        ),
        "soft term is positive for different logits": soft > 1e-3,
    }


@register(
    "test-kd-soft-term",
    "16",
    "The soft term is T^2 * KL(p_t || p_s): teacher to student, scaled by T^2, finite for logits far apart.",
    NEEDS,
    [
        {
            "label": "one row s=[1, 2, 3], t=[3, 2, 1], alpha=1, T=2",
            "s": S[:1],
            "t": T[:1],
            "y": [2],
            "T": 2.0,
        },
        {
            "label": "one row s=[0, -1500, 0], t=[0, 0, 1], alpha=1, T=1",
            "s": [[0.0, -1500.0, 0.0]],
            "t": [[0.0, 0.0, 1.0]],
            "y": [0],
            "T": 1.0,
        },
    ],
    rtol=1e-6,
)
def soft(ns, case):
    return {"loss": value(ns, case["s"], case["t"], case["y"], 1.0, case["T"])}


@register(
    "test-kd-hard-term",
    "16",
    "The hard term is the cross-entropy of the student's logits (no softmax before it), independent of T.",
    NEEDS,
    [
        {"label": f"one row s=[1, 2, 3], label 2, alpha=0, T={t}", "s": S[:1], "t": T[:1], "y": [2], "T": t}
        for t in (1.0, 4.0)
    ],
)
def hard(ns, case):
    return {"loss": value(ns, case["s"], case["t"], case["y"], 0.0, case["T"])}


@register(
    "test-kd-batchmean",
    "16",
    "Both terms are means over the batch: a batch's loss is the mean of its rows' losses.",
    NEEDS,
    [
        {"label": f"rows of s, t at alpha={a}, T=2", "s": S, "t": T, "y": [2, 0], "alpha": a}
        for a in (1.0, 0.0)
    ],
)
def batchmean(ns, case):
    rows = [value(ns, [s], [t], [y], case["alpha"], 2.0) for s, t, y in zip(case["s"], case["t"], case["y"])]
    both = value(ns, case["s"], case["t"], case["y"], case["alpha"], 2.0)
    return {
        "the batch's loss is the mean of the rows' losses": bool(abs(both - np.mean(rows)) < 1e-6),
        "the two rows' losses differ": bool(abs(rows[0] - rows[1]) > 1e-3),
    }


@register(
    "test-kd-gradient",
    "16",
    "backward() of the loss reaches the student logits with the gradient of that same loss.",
    NEEDS,
    [{"label": "s, t at alpha=0.7, T=2", "s": S, "t": T, "y": [2, 0], "alpha": 0.7, "T": 2.0}],
)
def gradient(ns, case):
    args = (case["y"], case["alpha"], case["T"])
    logits, out = loss(ns, case["s"], case["t"], *args, requires_grad=True)
    out.backward()
    s, eps = np.array(case["s"]), 1e-6
    numeric = np.zeros_like(s)
    for i in np.ndindex(s.shape):
        up, down = s.copy(), s.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (
            value(ns, up.tolist(), case["t"], *args) - value(ns, down.tolist(), case["t"], *args)
        ) / (2 * eps)
    grad = logits.grad
    return {
        "a gradient reached the student logits": grad is not None and bool(np.any(grad)),
        "it matches central differences of the loss": grad is not None
        and bool(np.allclose(grad, numeric, atol=1e-5)),
    }


class Spy(Module):
    """A teacher that records whether gradients were enabled and its mode when it ran."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.seen = inner, []

    def forward(self, x):
        self.seen.append((is_grad_enabled(), self.training))
        return self.inner(x)


@register(
    "test-kd-teacher-frozen",
    "16",
    "train_step updates the student only, run in train mode: the teacher runs in eval mode under no_grad and "
    "stays unchanged.",
    NEEDS,
    [{"label": "a 4-3 teacher left in train mode, one SGD step", "seed": 0}],
)
def frozen(ns, case):
    teacher, student = Spy(nets.seeded((4, 3), case["seed"])), Spy(nets.seeded((4, 3), case["seed"] + 1))
    before_t = [p.data.copy() for p in teacher.parameters()]
    before_s = [p.data.copy() for p in student.parameters()]
    distiller = ns["KnowledgeDistillation"](teacher, student, 2.0, 0.5)
    teacher.train()
    student.eval()
    x = np.linspace(0, 1, 8, dtype=np.float32).reshape(2, 4)
    distiller.train_step(x, np.array([0, 2]), SGD(student.parameters(), lr=0.1))
    return {
        "teacher runs (grad enabled, training)": [list(s) for s in teacher.seen],
        "student runs (training)": [s[1] for s in student.seen],
        "no gradient reached the teacher": all(
            p.grad is None or not np.any(p.grad) for p in teacher.parameters()
        ),
        "teacher unchanged": all(np.array_equal(a, p.data) for a, p in zip(before_t, teacher.parameters())),
        "student moved": any(not np.array_equal(a, p.data) for a, p in zip(before_s, student.parameters())),
    }


def dropout_teacher():  # hidden cases: a teacher whose train mode would change its outputs
    return Sequential(Linear(4, 8), Dropout(0.5), Linear(8, 3))
