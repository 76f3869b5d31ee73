"""Numerical robustness of the distillation loss and its gradient at extreme logits and temperatures,
against an independent float64 NumPy reference."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinytorch as tt
from tinytorch.compression import KnowledgeDistillation
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.tensor import Tensor

TEMPERATURES = [0.5, 1.0, 2.0, 5.0, 20.0]
DTYPES = [np.float16, np.float32, np.float64]


# ----------------------------------------------------------------------------------------------------
# Independent float64 reference for the distillation loss
# ----------------------------------------------------------------------------------------------------
def _logsumexp(a):
    m = a.max(axis=1, keepdims=True)
    return m + np.log(np.exp(a - m).sum(axis=1, keepdims=True))


def _reference(zs, zt, y, T, alpha):
    """(loss, d loss / d zs) in float64: alpha*T^2*KL(p_t||p_s) (batchmean) + (1-alpha)*CE(zs, y)."""
    zs, zt = np.asarray(zs, np.float64), np.asarray(zt, np.float64)
    b = zs.shape[0]
    log_pt = zt / T - _logsumexp(zt / T)
    log_ps = zs / T - _logsumexp(zs / T)
    p_t, p_s = np.exp(log_pt), np.exp(log_ps)
    kl = np.where(p_t > 0, p_t * (log_pt - log_ps), 0.0).sum() / b
    log_q = zs - _logsumexp(zs)
    ce = -log_q[np.arange(b), y].mean()
    onehot = np.eye(zs.shape[1])[y]
    grad = alpha * T * (p_s - p_t) / b + (1 - alpha) * (np.exp(log_q) - onehot) / b
    return alpha * T * T * kl + (1 - alpha) * ce, grad


def _kd(T, alpha=0.7):
    tt.manual_seed(0)
    return KnowledgeDistillation(
        Sequential(Linear(2, 2)), Sequential(Linear(2, 2)), temperature=T, alpha=alpha
    )


def _big_logits(scale=1e4, seed=0):
    rng = np.random.default_rng(seed)
    zs = rng.standard_normal((4, 5)) * scale
    zt = rng.standard_normal((4, 5)) * scale
    zs[0] = [scale, -scale, 0.0, 0.5 * scale, -0.5 * scale]  # probabilities that underflow to exactly 0
    zt[0] = [-scale, scale, 0.0, -0.5 * scale, 0.5 * scale]
    return zs, zt, np.array([0, 4, 2, 1])


def _loss_and_grad(kd, zs, zt, y):
    s = Tensor(zs, requires_grad=True)
    loss = kd.distillation_loss(s, zt, y)
    loss.backward()
    return float(loss.item()), s.grad


@pytest.mark.knowledge_distillation
@pytest.mark.parametrize("T", TEMPERATURES)
def test_distillation_loss_at_logit_magnitude_1e4_equals_the_float64_logsumexp_reference(T):
    zs, zt, y = _big_logits()
    loss, grad = _loss_and_grad(_kd(T), zs, zt, y)
    ref_loss, ref_grad = _reference(zs, zt, y, T, 0.7)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-15)


@pytest.mark.knowledge_distillation
@pytest.mark.parametrize("T", TEMPERATURES)
def test_distillation_loss_on_float32_logits_of_magnitude_1e4_is_finite_and_within_1e_minus_6(T):
    zs, zt, y = _big_logits()
    zs32, zt32 = zs.astype(np.float32), zt.astype(np.float32)
    loss, grad = _loss_and_grad(_kd(T), zs32, zt32, y)
    ref_loss, ref_grad = _reference(zs32, zt32, y, T, 0.7)
    assert grad.dtype == np.float32
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-4, atol=1e-6)


@pytest.mark.knowledge_distillation
@pytest.mark.parametrize("T", TEMPERATURES)
def test_distillation_loss_is_invariant_to_adding_1e4_to_every_logit(T):
    zs, zt, y = _big_logits(scale=3.0)
    kd = _kd(T)
    loss, grad = _loss_and_grad(kd, zs, zt, y)
    shifted, shifted_grad = _loss_and_grad(kd, zs + 1e4, zt - 1e4, y)
    np.testing.assert_allclose(shifted, loss, rtol=1e-9)
    np.testing.assert_allclose(shifted_grad, grad, rtol=1e-6, atol=1e-12)


@pytest.mark.knowledge_distillation
@pytest.mark.parametrize("T", TEMPERATURES)
def test_distillation_loss_is_exactly_zero_for_identical_logits_of_magnitude_1e4_and_alpha_1(T):
    zs, _, y = _big_logits()
    loss, grad = _loss_and_grad(_kd(T, alpha=1.0), zs, zs.copy(), y)
    assert loss == 0.0
    np.testing.assert_array_equal(grad, np.zeros_like(zs))


@pytest.mark.knowledge_distillation
@given(
    T=st.floats(0.5, 20.0),
    scale=st.sampled_from([1e-3, 1.0, 1e2, 1e4]),
    alpha=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_distillation_loss_and_gradient_match_the_reference_for_any_temperature_and_scale(
    T, scale, alpha, seed
):
    zs, zt, y = _big_logits(scale, seed)
    loss, grad = _loss_and_grad(_kd(T, alpha), zs, zt, y)
    ref_loss, ref_grad = _reference(zs, zt, y, T, alpha)
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-8, atol=1e-12)
