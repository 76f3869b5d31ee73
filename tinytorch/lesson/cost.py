"""What a model costs: multiply-adds per input row and bytes to store it (indices and scales counted)."""

from ..compression.sparse import SparseLinear
from ..core.layers import Linear, Sequential


def _leaves(model):
    if isinstance(model, Sequential):
        for layer in model.layers:
            yield from _leaves(layer)
    else:
        yield model


def count_macs(model):
    """Multiply-adds per input row: in*out per Linear (zeros stored densely are still multiplied), one per
    stored non-zero of a SparseLinear."""
    total = 0
    for layer in _leaves(model):
        if isinstance(layer, Linear):
            total += layer.weight.data.size
        elif isinstance(layer, SparseLinear):
            total += layer.nnz
    return int(total)


def count_bytes(model):
    """Bytes to store the model: every Linear parameter at its dtype's size (zeros included), every
    SparseLinear's CSR values, column indices, row pointers, scale and bias (SparseLinear.nbytes)."""
    total = 0
    for layer in _leaves(model):
        if isinstance(layer, Linear):
            total += sum(p.data.nbytes for p in layer.parameters())
        elif isinstance(layer, SparseLinear):
            total += layer.nbytes
    return int(total)
