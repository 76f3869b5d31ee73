"""The module-16 lesson's printed tables (given, not graded): each returns one string of lines built from
numbers the notebook measured, for the notebook to print."""

import numpy as np

from ..compression.sparse import SparseLinear
from .cost import count_bytes, count_macs


def knee_table(curves):
    """One line per kind of knee(): '% of weights -> accuracy' at every point."""
    return "\n".join(
        f"{kind}, no fine-tuning: " + ", ".join(f"{g:.0f} % of weights -> {a:.4f}" for g, a in points)
        for kind, points in curves.items()
    )


def csr_table(model):
    """Per SparseLinear of `model`: its non-zeros and the bytes of its values, indices, row pointers, bias."""
    lines = []
    for i, layer in enumerate(m for m in model.layers if isinstance(m, SparseLinear)):
        c = layer.weight_csr
        lines.append(
            f"layer {i}: {c.nnz} non-zeros: values {c.data.nbytes} B, indices {c.indices.nbytes} B, "
            f"row pointers {c.indptr.nbytes} B, bias {layer.bias.nbytes} B"
        )
    return "\n".join(lines)


def cost_table(zoo, reference):
    """Per model of {name: model}: MACs per image and bytes, each also as the ratio reference / model."""
    macs, size = count_macs(reference), count_bytes(reference)
    return "\n".join(
        f"{name:20s} MACs {count_macs(m):7d} ({macs / count_macs(m):5.2f}x fewer), "
        f"bytes {count_bytes(m):8d} ({size / count_bytes(m):5.2f}x fewer)"
        for name, m in zoo.items()
    )


def speed_table(zoo, ms, measured, predicted, reference="dense", scaled=("structured physical", "low rank")):
    """Per model but the reference: the predicted speedup, the MAC ratio and the measured (median, min, max)
    speedup over the interleaved rounds of `ms` ({name: per-round ms}); then, for the models named in
    `scaled`, the time the MAC ratio would predict against the time measured."""
    base = zoo[reference]
    lines = []
    for name in [n for n in zoo if n != reference]:
        s, lo, hi = measured[name]
        mac = count_macs(base) / count_macs(zoo[name])
        lines.append(
            f"{name:20s} predicted {predicted[name]:.2f}x, MAC ratio {mac:.2f}x, "
            f"measured {s:.2f}x [{lo:.2f}, {hi:.2f}] (median of {len(ms[reference])} interleaved rounds)"
        )
    for name in scaled:
        if_macs = np.median(ms[reference]) * count_macs(zoo[name]) / count_macs(base)
        lines.append(
            f"{name}: {if_macs:.2f} ms if time followed the MACs, {np.median(ms[name]):.2f} ms measured"
        )
    return "\n".join(lines)
