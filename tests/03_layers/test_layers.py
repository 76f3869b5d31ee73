"""Linear, activations as modules, Flatten, Dropout, Sequential and the Module API."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import Module, Parameter, Tensor
from tinytorch.core.layers import Dropout, Flatten, Linear, ReLU, Sequential


def _mlp():
    tt.manual_seed(0)
    return Sequential(Linear(3, 4), ReLU(), Linear(4, 2))


def test_linear_weight_is_in_by_out_and_bias_is_zero():
    tt.manual_seed(0)
    lin = Linear(64, 10)
    assert lin.weight.shape == (64, 10) and lin.bias.shape == (10,)
    assert np.all(lin.bias.data == 0)
    assert np.all(np.abs(lin.weight.data) <= 1 / 8)  # U(-1/sqrt(64), 1/sqrt(64))


def test_linear_init_is_deterministic_after_manual_seed():
    tt.manual_seed(0)
    a = Linear(64, 10).weight.data
    tt.manual_seed(0)
    b = Linear(64, 10).weight.data
    np.testing.assert_array_equal(a, b)


def test_linear_computes_x_at_w_plus_b():
    lin = Linear(2, 3)
    lin.weight.data = np.arange(6, dtype=np.float32).reshape(2, 3)
    lin.bias.data = np.array([1, 2, 3], dtype=np.float32)
    np.testing.assert_array_equal(lin(Tensor([[1.0, 1.0]])).data, [[4.0, 7.0, 10.0]])


def test_linear_without_bias_has_bias_none_and_one_parameter():
    lin = Linear(2, 3, bias=False)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]


def test_linear_input_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(5, 3\).*\(4, 2\)"):
        Linear(4, 2)(Tensor(np.ones((5, 3))))


def test_linear_rejects_non_positive_sizes():
    with pytest.raises(ValueError, match="in_features=0"):
        Linear(0, 2)


def test_flatten_keeps_the_batch_dimension():
    assert Flatten()(Tensor(np.ones((5, 2, 3, 4)))).shape == (5, 24)


def test_named_parameters_names_and_order():
    names = [n for n, _ in _mlp().named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]


def test_custom_module_registers_parameters_and_submodules_in_assignment_order():
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.scale = Parameter(np.ones(1))
            self.body = Linear(2, 2)
            self.heads = [Linear(2, 1), Linear(2, 1)]

        def forward(self, x):
            return self.body(x) * self.scale

    names = [n for n, _ in Net().named_parameters()]
    assert names == [
        "scale",
        "body.weight",
        "body.bias",
        "heads.0.weight",
        "heads.0.bias",
        "heads.1.weight",
        "heads.1.bias",
    ]
    assert Net().num_parameters() == 1 + 6 + 3 + 3


def test_children_are_direct_submodules_and_modules_include_self_in_preorder():
    m = _mlp()
    assert m.children() == m.layers
    assert m.modules() == [m] + m.layers


def test_state_dict_round_trip_restores_every_parameter():
    m = _mlp()
    sd = m.state_dict()
    assert list(sd) == [n for n, _ in m.named_parameters()]
    for p in m.parameters():
        p.data = p.data + 1
    m.load_state_dict(sd)
    for name, p in m.named_parameters():
        np.testing.assert_array_equal(p.data, sd[name])


def test_state_dict_holds_copies():
    m = _mlp()
    sd = m.state_dict()
    sd["layers.0.bias"][:] = 5
    assert np.all(m.layers[0].bias.data == 0)


def test_load_state_dict_shape_mismatch_names_key_and_both_shapes_and_changes_nothing():
    m = _mlp()
    before = m.state_dict()
    sd = {k: v + 1 for k, v in before.items()}
    sd["layers.2.weight"] = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"layers\.2\.weight.*\(5, 2\).*\(4, 2\)"):
        m.load_state_dict(sd)
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_missing_or_unexpected_keys_raise_value_error():
    m = _mlp()
    sd = m.state_dict()
    del sd["layers.0.bias"]
    with pytest.raises(ValueError, match=r"missing keys \['layers.0.bias'\]"):
        m.load_state_dict(sd)
    sd = m.state_dict()
    sd["extra"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"unexpected keys \['extra'\]"):
        m.load_state_dict(sd)


def test_train_and_eval_set_the_flag_on_every_submodule():
    m = _mlp()
    m.eval()
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())


def test_dropout_is_identity_in_eval_mode():
    x = Tensor(np.arange(10.0))
    d = Dropout(0.5).eval()
    assert d(x) is x


def test_dropout_in_training_zeroes_entries_and_scales_survivors_by_one_over_keep():
    tt.manual_seed(0)
    out = Dropout(0.25)(Tensor(np.ones((100, 100)))).data
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    expected_kept = np.random.default_rng(0).random((100, 100)) >= 0.25  # same draw as the layer
    np.testing.assert_array_equal(kept, expected_kept)


def test_dropout_rejects_p_outside_unit_interval():
    with pytest.raises(ValueError, match=r"p=1.5"):
        Dropout(1.5)


def test_sequential_supports_indexing_slicing_len_iter_and_append():
    m = _mlp()
    assert len(m) == 3 and isinstance(m[0], Linear) and list(m) == m.layers
    assert isinstance(m[:2], Sequential) and len(m[:2]) == 2
    m.append(ReLU())
    assert len(m) == 4


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="layer 1"):
        Sequential(Linear(2, 2), "relu")


def test_parameter_owns_a_copy_of_its_data():
    a = np.ones(3, dtype=np.float32)
    p = Parameter(a)
    p.data -= 1
    assert np.all(a == 1)


def test_module_repr_lists_children():
    assert repr(_mlp()).splitlines()[1] == "  (layers.0): Linear(in_features=3, out_features=4, bias=True)"


def test_parameter_mask_must_be_bool_with_the_same_shape():
    p = Parameter(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 2\)"):
        p.mask = np.ones(3, dtype=bool)
    with pytest.raises(TypeError, match="bool"):
        p.mask = np.ones((2, 2))
    p.mask = np.eye(2, dtype=bool)
    assert p.mask.dtype == np.bool_ and p.requires_grad
