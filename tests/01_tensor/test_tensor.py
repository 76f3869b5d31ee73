"""Tensor construction, forward values of every op, broadcasting and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch import Tensor, no_grad
from tinytorch.core.tensor import is_grad_enabled


def test_python_lists_and_integer_arrays_become_float32():
    assert Tensor([1, 2, 3]).dtype == np.float32
    assert Tensor(np.arange(3, dtype=np.int64)).dtype == np.float32
    assert Tensor(2.5).dtype == np.float32


def test_float64_arrays_stay_float64():
    assert Tensor(np.zeros(3, dtype=np.float64)).dtype == np.float64
    assert Tensor(np.float64(1.5)).dtype == np.float64


def test_arithmetic_with_python_scalars_keeps_float32():
    x = Tensor([1.0, 2.0])
    assert (x * 0.1 + 1).dtype == np.float32
    assert (2 - x).dtype == np.float32


def test_non_numeric_data_raises_type_error():
    with pytest.raises(TypeError, match="numeric"):
        Tensor(["a", "b"])


def test_shape_size_ndim_item_and_numpy_report_the_underlying_array():
    x = Tensor(np.arange(6).reshape(2, 3))
    assert (x.shape, x.size, x.ndim) == ((2, 3), 6, 2)
    assert Tensor([[4.0]]).item() == 4.0
    assert x.numpy() is x.data


def test_item_on_a_multi_element_tensor_raises_value_error():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_binary_ops_match_numpy_including_reflected_forms():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([0.5, -2.0])
    ta, tb = Tensor(a), Tensor(b)
    np.testing.assert_array_equal((ta + tb).data, a + b)
    np.testing.assert_array_equal((ta - tb).data, a - b)
    np.testing.assert_array_equal((ta * tb).data, a * b)
    np.testing.assert_array_equal((ta / tb).data, a / b)
    np.testing.assert_array_equal((3.0 - ta).data, 3.0 - a)
    np.testing.assert_array_equal((3.0 / ta).data, 3.0 / a)
    np.testing.assert_array_equal((b + ta).data, b + a)  # ndarray on the left defers to Tensor
    np.testing.assert_array_equal((-ta).data, -a)
    np.testing.assert_array_equal((ta**2).data, a**2)


def test_matmul_matches_numpy_for_2d_batched_and_vector_operands():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 2, 4)), rng.standard_normal((4, 5))
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b, rtol=1e-12)
    v = rng.standard_normal(4)
    np.testing.assert_allclose((Tensor(b.T) @ Tensor(v)).data, b.T @ v, rtol=1e-12)


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"other=.*\(4, 5\).*\(2, 3\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))


def test_pow_with_a_tensor_exponent_raises_type_error():
    with pytest.raises(TypeError, match="exponent"):
        Tensor([1.0]) ** Tensor([2.0])


def test_reductions_over_axes_and_keepdims():
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    t = Tensor(a)
    assert t.sum().item() == a.sum()
    np.testing.assert_array_equal(t.sum(axis=(0, 2), keepdims=True).data, a.sum(axis=(0, 2), keepdims=True))
    np.testing.assert_array_equal(t.mean(axis=1).data, a.mean(axis=1))
    np.testing.assert_array_equal(t.max(axis=-1).data, a.max(axis=-1))


def test_reduction_axis_out_of_range_raises_value_error():
    with pytest.raises(ValueError, match="axis=3"):
        Tensor(np.ones((2, 2))).sum(axis=3)


def test_reshape_transpose_and_getitem_match_numpy():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    t = Tensor(a)
    np.testing.assert_array_equal(t.reshape(4, 3).data, a.reshape(4, 3))
    np.testing.assert_array_equal(t.reshape((2, -1)).data, a.reshape(2, -1))
    np.testing.assert_array_equal(t.T.data, a.T)
    np.testing.assert_array_equal(t[1:, [0, 0, 2]].data, a[1:, [0, 0, 2]])


def test_reshape_to_an_incompatible_shape_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(5,\)"):
        Tensor(np.ones((3, 4))).reshape(5)


def test_no_grad_records_no_graph_and_restores_the_flag():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
    assert is_grad_enabled()
    assert not y.requires_grad
    assert (x * 2).requires_grad


def test_no_grad_works_as_a_decorator():
    @no_grad()
    def double(t):
        return t * 2

    assert not double(Tensor([1.0], requires_grad=True)).requires_grad
    assert double.__name__ == "double"


def test_detach_cuts_the_graph():
    x = Tensor([1.0], requires_grad=True)
    assert not (x * 2).detach().requires_grad


def test_backward_on_a_non_scalar_without_grad_raises_value_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="scalar"):
        (x * 2).backward()


def test_a_tensor_used_twice_gets_the_sum_of_both_gradients():
    x = Tensor([3.0], requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0])  # d(x^2 + x)/dx = 2x + 1


def test_gradients_accumulate_over_backward_calls_until_zero_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=4), elements=st.floats(-10, 10))
)
def test_broadcast_add_gradient_sums_over_the_broadcast_axes(a):
    row = Tensor(np.ones(a.shape[-1]), requires_grad=True)
    (Tensor(a) + row).sum().backward()
    np.testing.assert_array_equal(row.grad, np.full(a.shape[-1], a.size // a.shape[-1], dtype=np.float64))
