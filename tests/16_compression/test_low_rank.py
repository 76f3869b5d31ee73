"""low_rank_approximate, factorize_linear and low_rank_compress against numpy SVD and Eckart-Young."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import Tensor
from tinytorch.compression import factorize_linear, low_rank_approximate, low_rank_compress
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.random import get_rng

D = np.diag([5.0, 3.0, 1.0])


def _matrix(m=8, n=5, seed=0):
    return np.random.default_rng(seed).normal(size=(m, n))


@pytest.mark.low_rank_approximate
def test_low_rank_approximate_matches_numpy_svd_factors():
    w = _matrix()
    u, s, vh = low_rank_approximate(w, rank_ratio=0.6)  # round(0.6 * 5) == 3
    U, S, Vh = np.linalg.svd(w, full_matrices=False)
    assert u.shape == (8, 3) and s.shape == (3,) and vh.shape == (3, 5)
    np.testing.assert_allclose(s, S[:3], rtol=1e-12)
    np.testing.assert_allclose(u * s @ vh, U[:, :3] * S[:3] @ Vh[:3], atol=1e-12)


@pytest.mark.low_rank_approximate
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_low_rank_frobenius_error_is_the_eckart_young_bound(k):
    w = _matrix()
    u, s, vh = low_rank_approximate(w, rank_ratio=k / 5)
    S = np.linalg.svd(w, compute_uv=False)
    assert len(s) == k
    assert abs(np.linalg.norm(w - u @ np.diag(s) @ vh) - np.sqrt(np.sum(S[k:] ** 2))) < 1e-10
    if k < 5:
        assert abs(np.linalg.norm(w - u @ np.diag(s) @ vh, 2) - S[k]) < 1e-10


@pytest.mark.low_rank_approximate
def test_low_rank_diag_5_3_1_anchors():
    u, s, vh = low_rank_approximate(D, rank_ratio=1 / 3)
    assert abs(np.linalg.norm(D - u @ np.diag(s) @ vh) - 3.162278) < 1e-6
    assert abs(np.linalg.norm(D - u @ np.diag(s) @ vh, 2) - 3.0) < 1e-12
    assert [
        len(low_rank_approximate(D, energy=tau)[1]) for tau in (0.5, 0.714, 0.72, 0.9, 0.971, 0.98, 1.0)
    ] == [1, 1, 2, 2, 2, 3, 3]


@pytest.mark.low_rank_approximate
def test_low_rank_full_rank_reconstructs_the_matrix():
    w = _matrix(4, 7)
    u, s, vh = low_rank_approximate(w, rank_ratio=1.0)
    np.testing.assert_allclose(u @ np.diag(s) @ vh, w, atol=1e-12)


@pytest.mark.low_rank_approximate
def test_low_rank_rank_is_round_r_min_mn_clipped_to_at_least_one():
    w = _matrix(100, 120)
    assert len(low_rank_approximate(w, rank_ratio=0.29)[1]) == 29  # int() would give 28
    assert len(low_rank_approximate(_matrix(6, 3), rank_ratio=0.1)[1]) == 1
    assert len(low_rank_approximate(_matrix(4, 4), rank_ratio=0.5)[1]) == 2


@pytest.mark.low_rank_approximate
def test_low_rank_keeps_float32_and_promotes_integers_to_float64():
    assert low_rank_approximate(_matrix().astype(np.float32))[1].dtype == np.float32
    assert low_rank_approximate(np.arange(12).reshape(3, 4))[1].dtype == np.float64


@pytest.mark.low_rank_approximate
def test_low_rank_accepts_a_tensor():
    u, s, vh = low_rank_approximate(Tensor(D), rank_ratio=1.0)
    np.testing.assert_allclose(np.sort(s)[::-1], [5, 3, 1])


def _linear(w, b):
    lin = Linear(*np.shape(w))
    lin.weight = tt.Parameter(np.asarray(w, dtype=np.float64))
    lin.bias = tt.Parameter(np.asarray(b, dtype=np.float64))
    return lin


@pytest.mark.factorize_linear
def test_factorized_linear_output_equals_x_u_k_diag_s_k_vh_k_plus_b():
    w, b = _matrix(6, 4), np.array([1.0, -1.0, 0.5, 2.0])
    x = np.random.default_rng(9).normal(size=(3, 6))
    U, S, Vh = np.linalg.svd(w, full_matrices=False)
    for k in (1, 2, 3, 4):
        f = factorize_linear(_linear(w, b), k)
        np.testing.assert_allclose(f(Tensor(x)).data, x @ U[:, :k] @ np.diag(S[:k]) @ Vh[:k] + b, atol=1e-12)


@pytest.mark.factorize_linear
def test_factorized_linear_has_k_times_m_plus_n_plus_n_parameters_and_the_right_shapes():
    f = factorize_linear(_linear(_matrix(6, 4), np.zeros(4)), 2)
    assert isinstance(f, Sequential) and len(f) == 2
    a, b = f.layers
    assert a.weight.shape == (6, 2) and a.bias is None and (a.in_features, a.out_features) == (6, 2)
    assert b.weight.shape == (2, 4) and b.bias.shape == (4,) and (b.in_features, b.out_features) == (2, 4)
    assert f.num_parameters() == 2 * (6 + 4) + 4


@pytest.mark.factorize_linear
def test_factorize_linear_at_full_rank_reproduces_the_layer_and_copies_the_bias():
    tt.manual_seed(0)
    lin = Linear(5, 3)
    lin.bias.data[:] = [1, 2, 3]
    x = Tensor(np.random.default_rng(0).normal(size=(4, 5)))
    f = factorize_linear(lin, 3)
    np.testing.assert_allclose(f(x).data, lin(x).data, atol=1e-5)
    assert f.layers[1].bias is not lin.bias
    f.layers[1].bias.data[0] = 100
    assert lin.bias.data[0] == 1


@pytest.mark.factorize_linear
def test_factorize_linear_without_bias_has_no_bias():
    tt.manual_seed(0)
    f = factorize_linear(Linear(4, 4, bias=False), 1)
    assert f.layers[1].bias is None and f.num_parameters() == 8


@pytest.mark.factorize_linear
def test_factorize_linear_does_not_consume_the_global_random_generator():
    tt.manual_seed(0)
    lin = Linear(6, 4)
    state = get_rng().bit_generator.state
    factorize_linear(lin, 2)
    assert get_rng().bit_generator.state == state


@pytest.mark.library
def test_low_rank_compress_replaces_only_layers_below_the_break_even_rank():
    tt.manual_seed(0)
    net = Sequential(Linear(100, 100), ReLU(), Linear(100, 10))
    # 100x100 at k = 50: 50 * 200 == 10,000 is not < 10,000; 100x10 at k = 5: 5 * 110 = 550 < 1,000
    assert low_rank_compress(net, rank_ratio=0.5) == {"layers.2": 5}
    assert isinstance(net.layers[0], Linear) and isinstance(net.layers[2], Sequential)
    assert net.num_parameters() == (100 * 100 + 100) + (5 * 110 + 10)


@pytest.mark.library
def test_low_rank_compress_break_even_for_784_by_512_is_rank_309():
    tt.manual_seed(0)
    assert low_rank_compress(Sequential(Linear(784, 512)), rank_ratio=309 / 512) == {"layers.0": 309}
    assert low_rank_compress(Sequential(Linear(784, 512)), rank_ratio=310 / 512) == {}


@pytest.mark.library
def test_low_rank_compress_by_energy_keeps_the_outputs_of_an_exactly_low_rank_layer():
    tt.manual_seed(0)
    net = Sequential(Linear(20, 20), ReLU(), Linear(20, 3))
    rng = np.random.default_rng(0)
    net.layers[0].weight.data = (rng.normal(size=(20, 2)) @ rng.normal(size=(2, 20))).astype(np.float32)
    x = Tensor(rng.normal(size=(5, 20)))
    before = net(x).data
    assert low_rank_compress(net, energy=0.999999)["layers.0"] == 2
    np.testing.assert_allclose(net(x).data, before, atol=1e-4)
    assert [n for n, _ in net.named_parameters()][:3] == [
        "layers.0.layers.0.weight",
        "layers.0.layers.1.weight",
        "layers.0.layers.1.bias",
    ]


@pytest.mark.library
def test_low_rank_compress_needs_exactly_one_of_rank_ratio_or_energy():
    net = Sequential(Linear(4, 4))
    for kwargs in ({}, {"rank_ratio": 0.5, "energy": 0.9}):
        with pytest.raises(ValueError, match=r"rank_ratio.*energy"):
            low_rank_compress(net, **kwargs)
