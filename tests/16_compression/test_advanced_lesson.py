"""The shared lesson set-up (tinytorch.lesson): one MLP builder, one digits split, one interleaved timer."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import tinytorch
from tinytorch.core.layers import Linear, ReLU
from tinytorch.data import load_digits, train_test_split
from tinytorch.lesson import digits_split, graded, interleaved_ms, interleaved_runs, make_mlp, speedup


@pytest.mark.library
def test_make_mlp_builds_linear_relu_layers_from_widths_and_seed():
    a, b = make_mlp((64, 32, 16, 10), seed=3), make_mlp((64, 32, 16, 10), seed=3)
    assert [type(m) for m in a.layers] == [Linear, ReLU, Linear, ReLU, Linear]
    assert [m.weight.shape for m in a.layers[::2]] == [(64, 32), (32, 16), (16, 10)]
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))
    assert not np.array_equal(
        a.layers[0].weight.data, make_mlp((64, 32, 16, 10), seed=4).layers[0].weight.data
    )


@pytest.mark.library
def test_make_mlp_with_seed_none_draws_from_the_global_generator_as_it_stands():
    tinytorch.manual_seed(5)
    a = make_mlp((4, 3), seed=None)
    assert np.array_equal(a.layers[0].weight.data, make_mlp((4, 3), seed=5).layers[0].weight.data)
    with pytest.raises(ValueError, match=r"widths=\(4,\): expected .* at least two ints"):
        make_mlp((4,))


@pytest.mark.library
def test_digits_split_is_the_quarter_test_split_every_notebook_used():
    X, y = load_digits()
    for got, want in zip(digits_split(), train_test_split(X, y, test_size=0.25, seed=0)):
        assert np.array_equal(got, want)
    assert [len(a) for a in digits_split()] == [1347, 450, 1347, 450]


@pytest.mark.library
def test_interleaved_ms_times_each_model_once_per_round_in_turn_on_one_blas_thread():
    order = []

    class Probe(tinytorch.Module):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def forward(self, x):
            order.append((self.name, self.training, [i["num_threads"] for i in threadpool_info()]))
            return x

    a, b = Probe("a"), Probe("b")
    ms = interleaved_ms({"a": a, "b": b}, np.zeros((2, 3), np.float32), rounds=3, inner=2)
    assert [name for name, _, _ in order] == ["a", "b"] + ["a", "a", "b", "b"] * 3
    assert all(not training and set(threads) <= {1} for _, training, threads in order)
    assert a.training and b.training  # modes restored
    assert {k: v.shape for k, v in ms.items()} == {"a": (3,), "b": (3,)} and (ms["a"] > 0).all()


@pytest.mark.library
def test_speedup_is_the_median_and_range_of_per_round_ratios():
    assert speedup(np.array([2.0, 4.0, 9.0]), np.array([1.0, 1.0, 3.0])) == (3.0, 2.0, 4.0)


@pytest.mark.library
def test_graded_returns_the_package_function_at_call_time_or_the_given_callable(monkeypatch):
    from tinytorch.compression import magnitude

    monkeypatch.setattr(magnitude, "magnitude_prune", len)
    assert graded("magnitude_prune") is len
    assert graded("magnitude_prune", abs) is abs
    with pytest.raises(TypeError, match=r"prune=3 of type int: expected None or a callable"):
        graded("magnitude_prune", 3, "prune")
    with pytest.raises(ValueError, match=r"name='nm_prune': expected a graded function"):
        graded("nm_prune")


@pytest.mark.library
def test_interleaved_runs_calls_each_callable_in_turn_and_keeps_the_last_result():
    calls = []
    fns = {"a": lambda: calls.append("a") or len(calls), "b": lambda: calls.append("b") or len(calls)}
    seconds, results = interleaved_runs(fns, rounds=2, inner=1, warmup=False)
    assert calls == ["a", "b", "a", "b"] and results == {"a": 3, "b": 4}
    assert {k: v.shape for k, v in seconds.items()} == {"a": (2,), "b": (2,)}
    with pytest.raises(ValueError, match=r"fns=\{'a': 3\}: expected a non-empty dict"):
        interleaved_runs({"a": 3})
