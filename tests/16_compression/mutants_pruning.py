"""Wrong implementations of tasks 1-3 (measure_sparsity, magnitude_prune, structured_prune) that students
really write; the format is mutants.py's."""

LAYERWISE = """
    masks = {}
    for name, p in named:
        scores = np.where(_kept(p), np.abs(p.data), -1).ravel()
        k_layer = max(round(k / sum(q.data.size for _, q in named) * scores.size), int(np.count_nonzero(scores < 0)))
        order = np.argsort(scores, kind="stable")
        keep = np.ones(scores.size, dtype=bool)
        keep[order[:k_layer]] = False
        keep = keep.reshape(p.data.shape)
        p.data[~keep] = 0
        p.set_mask(keep)
        masks[name] = p.mask
    return masks
"""

PERCENTILE = """
    scores = np.concatenate([np.where(_kept(p), np.abs(p.data), -1).ravel() for _, p in named])
    threshold = np.percentile(scores, 100.0 * k / scores.size)
    masks = {}
    for name, p in named:
        keep = np.where(_kept(p), np.abs(p.data), -1) >= threshold if k else np.ones(p.data.shape, dtype=bool)
        p.data[~keep] = 0
        p.set_mask(keep)
        masks[name] = p.mask
    return masks
"""

MASKING = """
        if not physical:
            layer.weight.set_mask(_kept(layer.weight) & keep[None, :])
            layer.weight.data[~layer.weight.mask] = 0
            if layer.bias is not None:
                layer.bias.set_mask(_kept(layer.bias) & keep)
                layer.bias.data[~layer.bias.mask] = 0
"""
CLASSIFIER = (
    """
    keeps = {}
    for a in pos:
        norms = np.linalg.norm(model.layers[a].weight.data.astype(np.float64), axis=0)
        k = min(round(r * norms.size), norms.size - 1)
        keep = np.ones(norms.size, dtype=bool)
        keep[np.argsort(norms, kind="stable")[:k]] = False
        keeps[a] = keep
        layer = model.layers[a]"""
    + MASKING
    + """    for a, b in zip(pos, pos[1:]):
        if physical:
            layer, nxt, keep = model.layers[a], model.layers[b], keeps[a]
            shift = _zero_response(model.layers[a + 1:b]) * nxt.weight.data[~keep].sum(axis=0)
            if nxt.bias is not None:
                nxt.bias.data += shift.astype(nxt.bias.data.dtype)
            _replace(layer, "weight", np.s_[:, keep])
            if layer.bias is not None:
                _replace(layer, "bias", keep)
            _replace(nxt, "weight", keep)
    return {f"layers.{a}": np.flatnonzero(keep) for a, keep in keeps.items()}
"""
)

NORMS_AFTER_CHANGES = (  # each layer scored inside the loop that already removed the previous layer's rows
    """
    keeps = {}
    for a, b in zip(pos, pos[1:]):
        layer, nxt = model.layers[a], model.layers[b]
        norms = np.linalg.norm(layer.weight.data.astype(np.float64), axis=0)
        k = min(round(r * norms.size), norms.size - 1)
        keep = np.ones(norms.size, dtype=bool)
        keep[np.argsort(norms, kind="stable")[:k]] = False
        keeps[a] = keep"""
    + MASKING
    + """            continue
        shift = _zero_response(model.layers[a + 1 : b]) * nxt.weight.data[~keep].sum(axis=0)
        if nxt.bias is not None:
            nxt.bias.data += shift.astype(nxt.bias.data.dtype)
        _replace(layer, "weight", np.s_[:, keep])
        if layer.bias is not None:
            _replace(layer, "bias", keep)
        _replace(nxt, "weight", keep)
    return {f"layers.{a}": np.flatnonzero(keep) for a, keep in keeps.items()}
"""
)

TIES = "prune[ties[: k - np.count_nonzero(prune)]]"
INT_K = "    k = int(sparsity * sum(p.data.size for _, p in named)) if isinstance(sparsity, float) else k\n"
SCORES = "    scores = np.concatenate("
NORM = "np.linalg.norm(model.layers[a].weight.data.astype(np.float64), axis=0)"
BIAS_REPLACE = '        if layer.bias is not None:\n            _replace(layer, "bias", keep)\n'


MUTANTS = {
    # Task 1
    "sparsity as a fraction": (
        "measure-sparsity",
        [("float(100.0 * zeros / total)", "float(zeros / total)")],
        "percent weights-only empty",
    ),
    "weights_only ignored": (
        "measure-sparsity",
        [("if weights_only else model.parameters()", "if False else model.parameters()")],
        "weights-only",
    ),
    "division by zero on an empty model": (
        "measure-sparsity",
        [("    if total == 0:\n        return 0.0\n", "")],
        "empty",
    ),
    "near-zeros counted as zeros (np.isclose)": (
        "measure-sparsity",
        [("p.data.size - np.count_nonzero(p.data)", "int(np.count_nonzero(np.isclose(p.data, 0)))")],
        "percent",
    ),
    "weights chosen by name, not by ndim": (
        "measure-sparsity",
        [
            (
                "[p for _, p in prunable_parameters(model)]",
                '[p for n, p in model.named_parameters() if "weight" in n]',
            )
        ],
        "weights-only",
    ),
    # Task 2
    "k truncated with int()": ("magnitude-prune", [(SCORES, INT_K + SCORES)], "count masks smallest ties"),
    "k off by one": (
        "magnitude-prune",
        [(TIES, "prune[ties[: k + 1 - np.count_nonzero(prune)]]")],
        "cumulative masks ties",
    ),
    "every tie at the threshold pruned (<=)": (
        "magnitude-prune",
        [("prune = scores < t\n", "prune = scores <= t\n")],
        "cumulative masks ties",
    ),
    "threshold one rank low (k used 0-based)": (
        "magnitude-prune",
        [("kth_smallest(scores, k)", "kth_smallest(scores, max(k - 1, 1))")],
        "count cumulative global masks smallest ties",
    ),
    "ties taken from the wrong end": (
        "magnitude-prune",
        [(TIES, "prune[ties[::-1][: k - np.count_nonzero(prune)]]")],
        "cumulative masks ties",
    ),
    "signed values ranked instead of |w|": (
        "magnitude-prune",
        [("np.abs(p.data)", "p.data")],
        "cumulative masks smallest",
    ),
    "layer-wise instead of global": ("magnitude-prune", LAYERWISE, "cumulative global ties"),
    "percentile threshold": ("magnitude-prune", PERCENTILE, "count cumulative masks ties"),
    "biases pruned too": (
        "magnitude-prune",
        [(SCORES, "    named = list(model.named_parameters())\n" + SCORES)],
        "count cumulative finetune global masks smallest ties",
    ),
    "a smaller second target regrows masks": (
        "magnitude-prune",
        [("    k = max(k, int(np.count_nonzero(scores < 0)))", "")],
        "cumulative",
    ),
    "masked weights scored by |w|": (
        "magnitude-prune",
        [("np.where(_kept(p), np.abs(p.data), -1)", "np.abs(p.data)")],
        "cumulative",
    ),
    "mask not stored (weights regrow in training)": (
        "magnitude-prune",
        [("        p.set_mask(keep)\n", "")],
        "cumulative finetune masks",
    ),
    "mask stored but weights not zeroed": (
        "magnitude-prune",
        [("        p.data *= keep\n", "")],
        "count global smallest ties",
    ),
    "mask built from w != 0": ("magnitude-prune", [("p.set_mask(keep)", "p.set_mask(p.data != 0)")], "masks"),
    # Task 3: a scoring bug costs only the scoring claim
    "L1 norm instead of L2": (
        "structured-prune",
        [(NORM, "np.abs(model.layers[a].weight.data).sum(axis=0)")],
        "scores",
    ),
    "lowest norm kept, highest dropped": (
        "structured-prune",
        [('keep[np.argsort(norms, kind="stable")[:k]]', 'keep[np.argsort(-norms, kind="stable")[:k]]')],
        "scores",
    ),
    "norms taken after earlier layers changed": ("structured-prune", NORMS_AFTER_CHANGES, "scores"),
    "count truncated with int()": (
        "structured-prune",
        [("round(r * norms.size)", "int(r * norms.size)")],
        "count",
    ),
    "no neuron kept at a high ratio": (
        "structured-prune",
        [("min(round(r * norms.size), norms.size - 1)", "round(r * norms.size)")],
        "count",
    ),
    "classifier pruned too": ("structured-prune", CLASSIFIER, "classifier equivalence"),
    "removed neurons keep their biases (masked)": (
        "structured-prune",
        [("                layer.bias.data[~layer.bias.mask] = 0\n", "")],
        "equivalence masked",
    ),
    "removed neurons keep their biases (physical)": (
        "structured-prune",
        [(BIAS_REPLACE, "")],
        "equivalence physical",
    ),
    "physical pruning drops existing masks": (
        "structured-prune",
        [
            (
                '_replace(layer, "weight", np.s_[:, keep])',
                (
                    "layer.weight = Parameter(np.ascontiguousarray(layer.weight.data[:, keep]))\n"
                    "        layer.in_features, layer.out_features = layer.weight.data.shape"
                ),
            )
        ],
        "physical",
    ),
    "physical pruning drops the next layer's mask": (
        "structured-prune",
        [
            (
                '_replace(nxt, "weight", keep)',
                (
                    "nxt.weight = Parameter(np.ascontiguousarray(nxt.weight.data[keep]))\n"
                    "        nxt.in_features, nxt.out_features = nxt.weight.data.shape"
                ),
            )
        ],
        "physical",
    ),
    "physical pruning drops the bias mask": (
        "structured-prune",
        [
            (
                '_replace(layer, "bias", keep)',
                "layer.bias = Parameter(np.ascontiguousarray(layer.bias.data[keep]))",
            )
        ],
        "physical",
    ),
    "f(0) of removed neurons not folded into the next bias": (
        "structured-prune",
        [("            nxt.bias.data += shift.astype(nxt.bias.data.dtype)\n", "            pass\n")],
        "equivalence",
    ),
    # Task 4: T instead of T^2 and sums instead of batch means cost one claim each
}
