"""KnowledgeDistillation: the loss table (T=2, alpha=0.7), its gradient (closed form, autograd, finite
differences), a frozen teacher and real training."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import Tensor
from tinytorch.compression import KnowledgeDistillation
from tinytorch.core.layers import Dropout, Linear, ReLU, Sequential
from tinytorch.core.optim import SGD, Adam
from tinytorch.data import DataLoader
from tinytorch.testing import numerical_gradient, rel_error

S = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
T_LOGITS = np.array([[3.0, 2.0, 1.0], [1.0, 0.0, -1.0]])
Y = np.array([2, 0])


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _kd(temperature=2.0, alpha=0.7):
    tt.manual_seed(0)
    return KnowledgeDistillation(Sequential(Linear(3, 3)), Sequential(Linear(3, 3)), temperature, alpha)


@pytest.mark.knowledge_distillation
def test_distillation_loss_matches_the_reference_value_0_783941():
    loss = _kd().distillation_loss(Tensor(S), T_LOGITS, Y)
    assert isinstance(loss, Tensor) and loss.data.size == 1
    assert abs(loss.item() - 0.783941) < 1e-6


@pytest.mark.knowledge_distillation
def test_distillation_loss_in_float32_matches_within_1e_6():
    loss = _kd().distillation_loss(Tensor(S.tolist()), Tensor(T_LOGITS.tolist()), Y)
    assert loss.data.dtype == np.float32
    assert abs(loss.item() - 0.783941) < 1e-6


@pytest.mark.knowledge_distillation
def test_distillation_loss_table_soft_and_hard_terms():
    soft_only = _kd(alpha=1.0).distillation_loss(Tensor(S), T_LOGITS, Y).item()
    hard_only = _kd(alpha=0.0).distillation_loss(Tensor(S), T_LOGITS, Y).item()
    assert abs(soft_only - 0.797155) < 1e-6  # T^2 * KL(p_t || p_s), batchmean
    assert abs(soft_only / 4 - 0.199289) < 1e-6  # KL itself
    assert abs(hard_only - 0.753109) < 1e-6  # CE on logits, mean over the batch
    assert abs(soft_only / 4 - 0.200907) > 1e-3  # not the reverse KL(p_s || p_t)


@pytest.mark.knowledge_distillation
def test_distillation_loss_equals_an_independent_numpy_oracle_on_random_logits():
    rng = np.random.default_rng(0)
    s, t, y = rng.normal(size=(6, 5)) * 3, rng.normal(size=(6, 5)) * 3, rng.integers(0, 5, 6)
    for temp, alpha in ((1.0, 0.5), (4.0, 0.9), (0.5, 0.2)):
        ps, pt = _softmax(s / temp), _softmax(t / temp)
        kl = np.sum(pt * (np.log(pt) - np.log(ps))) / 6
        ce = -np.mean(np.log(_softmax(s)[np.arange(6), y]))
        expected = alpha * temp**2 * kl + (1 - alpha) * ce
        got = _kd(temp, alpha).distillation_loss(Tensor(s), t, y).item()
        assert abs(got - expected) < 1e-10


@pytest.mark.knowledge_distillation
def test_distillation_loss_is_zero_when_student_equals_teacher_and_alpha_is_one():
    assert abs(_kd(alpha=1.0).distillation_loss(Tensor(T_LOGITS), T_LOGITS, Y).item()) < 1e-12


@pytest.mark.knowledge_distillation
def test_soft_gradient_is_t_times_ps_minus_pt_over_b_by_autograd_and_finite_differences():
    kd = _kd(alpha=1.0)
    s = Tensor(S, requires_grad=True)
    kd.distillation_loss(s, T_LOGITS, Y).backward()
    expected = np.array([[-0.320157, 0.0, 0.320157], [-0.173147, 0.026137, 0.147010]])
    np.testing.assert_allclose(s.grad, expected, atol=1e-6)
    closed = 2.0 * (_softmax(S / 2) - _softmax(T_LOGITS / 2)) / 2
    np.testing.assert_allclose(s.grad, closed, atol=1e-12)
    numeric = numerical_gradient(lambda z: kd.distillation_loss(Tensor(z), T_LOGITS, Y).item(), S)
    assert rel_error(s.grad, numeric) < 1e-8


@pytest.mark.knowledge_distillation
def test_total_gradient_matches_closed_form_and_finite_differences():
    kd = _kd()
    s = Tensor(S, requires_grad=True)
    kd.distillation_loss(s, T_LOGITS, Y).backward()
    closed = 0.7 * 2 * (_softmax(S / 2) - _softmax(T_LOGITS / 2)) / 2 + 0.3 * (_softmax(S) - np.eye(3)[Y]) / 2
    np.testing.assert_allclose(s.grad, closed, atol=1e-12)
    numeric = numerical_gradient(lambda z: kd.distillation_loss(Tensor(z), T_LOGITS, Y).item(), S)
    assert rel_error(s.grad, numeric) < 1e-8


@pytest.mark.knowledge_distillation
def test_t_squared_keeps_soft_gradient_norms_roughly_temperature_invariant_at_large_t():
    rng = np.random.default_rng(1)
    s, t = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    norms = []
    for temp in (10.0, 20.0, 40.0):
        z = Tensor(s, requires_grad=True)
        _kd(temp, 1.0).distillation_loss(z, t, np.zeros(4, dtype=int)).backward()
        norms.append(np.linalg.norm(z.grad))
    assert max(norms) / min(norms) < 1.05  # without T^2 they would shrink 16x from T=10 to T=40


@pytest.mark.knowledge_distillation
def test_gradients_reach_the_student_parameters_but_never_the_teacher():
    tt.manual_seed(0)
    teacher, student = Sequential(Linear(4, 8), ReLU(), Linear(8, 3)), Sequential(Linear(4, 3))
    kd = KnowledgeDistillation(teacher, student)
    x = Tensor(np.random.default_rng(0).normal(size=(5, 4)))
    with tt.no_grad():
        t = teacher(x)
    kd.distillation_loss(student(x), t, np.array([0, 1, 2, 0, 1])).backward()
    assert student.layers[0].weight.grad is not None and np.any(student.layers[0].weight.grad != 0)
    assert all(p.grad is None for p in teacher.parameters())


@pytest.mark.knowledge_distillation
def test_train_step_updates_the_student_and_leaves_the_teacher_frozen_in_eval_mode():
    tt.manual_seed(0)
    teacher = Sequential(Linear(4, 8), ReLU(), Dropout(0.5), Linear(8, 3))
    student = Sequential(Linear(4, 3))
    kd = KnowledgeDistillation(teacher, student, temperature=2.0, alpha=0.5)
    assert teacher.training is False and teacher.layers[2].training is False
    t_before, s_before = teacher.state_dict(), student.state_dict()
    x, y = np.random.default_rng(0).normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2])
    teacher.train()  # a caller that left the teacher in train mode
    loss = kd.train_step(x, y, SGD(student.parameters(), lr=0.1))
    assert teacher.training is False and teacher.layers[2].training is False
    assert isinstance(loss, float) and np.isfinite(loss)
    for k, v in t_before.items():
        np.testing.assert_array_equal(teacher.state_dict()[k], v)
    assert not np.array_equal(s_before["layers.0.weight"], student.layers[0].weight.data)
    assert all(p.grad is None for p in teacher.parameters())


@pytest.mark.knowledge_distillation
def test_train_step_loss_equals_distillation_loss_before_the_update():
    tt.manual_seed(0)
    teacher, student = Sequential(Linear(4, 3)), Sequential(Linear(4, 3))
    kd = KnowledgeDistillation(teacher, student)
    x, y = Tensor(np.ones((2, 4))), np.array([1, 2])
    expected = kd.distillation_loss(student(x), teacher(x).data, y).item()
    assert kd.train_step(x, y, SGD(student.parameters(), lr=0.1)) == pytest.approx(expected, abs=1e-7)


@pytest.mark.knowledge_distillation
def test_fit_reduces_the_distillation_loss_and_returns_one_mean_per_epoch():
    tt.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    teacher = Sequential(Linear(5, 16), ReLU(), Linear(16, 2))
    student = Sequential(Linear(5, 2))
    kd = KnowledgeDistillation(teacher, student, temperature=2.0, alpha=0.5)
    history = kd.fit(
        DataLoader(X, y, batch_size=16, shuffle=True, seed=0), Adam(student.parameters(), lr=0.05), epochs=5
    )
    assert len(history) == 5 and history[-1] < history[0]


@pytest.mark.knowledge_distillation
def test_fit_rejects_a_non_integer_epoch_count():
    kd = _kd()
    with pytest.raises(TypeError, match="epochs"):
        kd.fit([(np.ones((2, 3)), np.array([0, 1]))], SGD(kd.student_model.parameters(), lr=0.1), epochs=1.5)
