"""The bad-input tables (test_bad_inputs_*.py) cover every public name of tinytorch.compression and its
submodules, every row names a known callable and one of its arguments, and the "changes nothing" check
catches each kind of change it guards against."""

import importlib.util
import inspect
from pathlib import Path

import numpy as np
import pytest
from bad_input_calls import CALLS
from bad_input_check import assert_names_argument_and_value, assert_unchanged, snapshot
from bad_input_values import base_net

import tinytorch.compression as comp
from tinytorch.compression import conv_prune, lottery, nm, report, schedule, sensitivity, sparse
from tinytorch.core.layers import Sigmoid


def _all_rows():
    rows = []
    for path in sorted(Path(__file__).parent.glob("test_bad_inputs_*.py")):
        if path.name == Path(__file__).name:
            continue
        spec = importlib.util.spec_from_file_location(f"rows_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        rows += module.ROWS
    return rows


ROWS = _all_rows()


@pytest.mark.library
def test_tables_cover_every_public_name_of_tinytorch_compression_and_its_submodules():
    wanted = set(comp.__all__) | {"KD.distillation_loss", "KD.train_step", "KD.fit"}
    for mod in (sparse, nm, schedule, sensitivity, conv_prune, lottery, report):
        short = mod.__name__.rsplit(".", 1)[1]
        wanted |= {f"{short}.{name}" for name in mod.__all__}
    no_arguments = {"sparse.blas_threads"}
    covered = {row[0] for row in ROWS}
    assert wanted - covered == no_arguments


@pytest.mark.library
def test_every_row_names_a_known_callable_and_one_of_its_arguments():
    for target, arg, *_ in ROWS:
        fn, valid = CALLS[target]
        assert arg in valid(base_net()) or arg in inspect.signature(fn).parameters, (target, arg)


@pytest.mark.library
def test_snapshot_detects_each_kind_of_change():
    """The "changes nothing" check is not vacuous: every single change it guards against is caught."""
    changes = [
        lambda n: n.layers[2].weight.data.__setitem__((0, 0), 9.0),
        lambda n: setattr(n.layers[0].weight, "mask", None),
        lambda n: setattr(n.layers[2].bias, "grad", None),
        lambda n: setattr(n.layers[0].bias, "requires_grad", True),
        lambda n: setattr(n.layers[2].weight, "data", n.layers[2].weight.data.astype(np.float64)),
        lambda n: setattr(n.layers[2].weight.data.flags, "writeable", False),
        lambda n: n.layers.__setitem__(1, Sigmoid()),
    ]
    for change in changes:
        net = base_net()
        snap = snapshot(net)
        change(net)
        with pytest.raises(AssertionError):
            assert_unchanged(net, snap)


@pytest.mark.library
def test_message_check_needs_both_the_argument_name_and_the_value():
    assert_names_argument_and_value("sparsity=1.5 is out of range", "sparsity", 1.5, ValueError)
    for message in ("sparse=1.5 is out of range", "sparsity=2.5 is out of range"):
        with pytest.raises(AssertionError):
            assert_names_argument_and_value(message, "sparsity", 1.5, ValueError)
    with pytest.raises(AssertionError):
        assert_names_argument_and_value("layer 1 is bad", "layers", None, ValueError, ("layer 1", "Linear"))
