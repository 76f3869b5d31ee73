"""Wrong implementations that students really write, one per row, for test_grading_catches_mutants.py.

Each mutant names the solution cell it changes and either (old, new) text patches inside that cell's solution
region, or a whole replacement of the region (`body`)."""

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

CLASSIFIER = """
    keeps = {}
    for a in pos:
        norms = np.linalg.norm(model.layers[a].weight.data.astype(np.float64), axis=0)
        k = min(round(r * norms.size), norms.size - 1)
        keep = np.ones(norms.size, dtype=bool)
        keep[np.argsort(norms, kind="stable")[:k]] = False
        keeps[a] = keep
        layer = model.layers[a]
        if not physical:
            layer.weight.set_mask(_kept(layer.weight) & keep[None, :])
            layer.weight.data[~layer.weight.mask] = 0
            if layer.bias is not None:
                layer.bias.set_mask(_kept(layer.bias) & keep)
                layer.bias.data[~layer.bias.mask] = 0
    for a, b in zip(pos, pos[1:]):
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

STRUCTURED_BLOCK = """    if "structured_prune" in config:
        kept = structured_prune(model, config["structured_prune"], physical=True)
        per_layer["structured_prune"] = {name: len(neurons) for name, neurons in kept.items()}
        stats["applied_techniques"].append(f"structured_{config['structured_prune']}")
"""

MUTANTS = {
    # Task 1
    "sparsity as a fraction": (
        "measure-sparsity",
        [("float(100.0 * zeros / total)", "float(zeros / total)")],
    ),
    "weights_only ignored": (
        "measure-sparsity",
        [("if weights_only else model.parameters()", "if False else model.parameters()")],
    ),
    "division by zero on an empty model": (
        "measure-sparsity",
        [("    if total == 0:\n        return 0.0\n", "")],
    ),
    # Task 2
    "k truncated with int()": (
        "magnitude-prune",
        [
            (
                "    scores = np.concatenate(",
                "    k = int(sparsity * sum(p.data.size for _, p in named)) if isinstance(sparsity, float) else k\n    scores = np.concatenate(",
            )
        ],
    ),
    "k off by one": (
        "magnitude-prune",
        [
            (
                "prune[ties[:k - np.count_nonzero(prune)]] = True",
                "prune[ties[:k + 1 - np.count_nonzero(prune)]] = True",
            )
        ],
    ),
    "every tie at the threshold pruned": (
        "magnitude-prune",
        [("prune = scores < t\n", "prune = scores <= t\n")],
    ),
    "threshold one rank low (k used 0-based)": (
        "magnitude-prune",
        [("kth_smallest(scores, k)", "kth_smallest(scores, max(k - 1, 1))")],
    ),
    "ties taken from the wrong end": (
        "magnitude-prune",
        [("prune[ties[:k - np.count_nonzero(prune)]]", "prune[ties[::-1][:k - np.count_nonzero(prune)]]")],
    ),
    "signed values ranked instead of |w|": ("magnitude-prune", [("np.abs(p.data)", "p.data")]),
    "layer-wise instead of global": ("magnitude-prune", LAYERWISE),
    "percentile threshold": ("magnitude-prune", PERCENTILE),
    "biases pruned too": (
        "magnitude-prune",
        [
            (
                "    scores = np.concatenate(",
                "    named = list(model.named_parameters())\n    scores = np.concatenate(",
            )
        ],
    ),
    "a smaller second target regrows masks": (
        "magnitude-prune",
        [("    k = max(k, int(np.count_nonzero(scores < 0)))", "")],
    ),
    "masked weights scored by |w|": (
        "magnitude-prune",
        [("np.where(_kept(p), np.abs(p.data), -1)", "np.abs(p.data)")],
    ),
    "mask not stored (weights regrow in training)": ("magnitude-prune", [("        p.set_mask(keep)\n", "")]),
    "mask stored but weights not zeroed": ("magnitude-prune", [("        p.data *= keep\n", "")]),
    # Task 3
    "L1 norm instead of L2": (
        "structured-prune",
        [
            (
                "np.linalg.norm(model.layers[a].weight.data.astype(np.float64), axis=0)",
                "np.abs(model.layers[a].weight.data).sum(axis=0)",
            )
        ],
    ),
    "lowest norm kept, highest dropped": (
        "structured-prune",
        [
            (
                'keep[np.argsort(norms, kind="stable")[:k]] = False',
                'keep[np.argsort(-norms, kind="stable")[:k]] = False',
            )
        ],
    ),
    "count truncated with int()": ("structured-prune", [("round(r * norms.size)", "int(r * norms.size)")]),
    "no neuron kept at a high ratio": (
        "structured-prune",
        [("min(round(r * norms.size), norms.size - 1)", "round(r * norms.size)")],
    ),
    "classifier pruned too": ("structured-prune", CLASSIFIER),
    "removed neurons keep their biases (masked)": (
        "structured-prune",
        [("                layer.bias.data[~layer.bias.mask] = 0\n", "")],
    ),
    "removed neurons keep their biases (physical)": (
        "structured-prune",
        [('        if layer.bias is not None:\n            _replace(layer, "bias", keep)\n', "")],
    ),
    "f(0) of removed neurons not folded into the next bias": (
        "structured-prune",
        [("            nxt.bias.data += shift.astype(nxt.bias.data.dtype)\n", "            pass\n")],
    ),
    # Task 4
    "reverse KL": (
        "knowledge-distillation",
        [
            (
                "kl = (Tensor(np.exp(log_pt)) * (Tensor(log_pt) - log_ps)).sum() / batch",
                "kl = (log_ps.exp() * (log_ps - Tensor(log_pt))).sum() / batch",
            )
        ],
    ),
    "no T^2": ("knowledge-distillation", [("self.alpha * T * T * kl", "self.alpha * kl")]),
    "soft term summed over the batch": ("knowledge-distillation", [(").sum() / batch", ").sum()")]),
    "softmax before the cross-entropy": (
        "knowledge-distillation",
        [
            (
                "CrossEntropyLoss()(student_logits, labels)",
                "CrossEntropyLoss()(student_logits.softmax(axis=-1), labels)",
            )
        ],
    ),
    "alpha weights the hard term": (
        "knowledge-distillation",
        [
            (
                "return self.alpha * T * T * kl + (1.0 - self.alpha) * ce",
                "return (1.0 - self.alpha) * T * T * kl + self.alpha * ce",
            )
        ],
    ),
    "teacher left in train mode": (
        "knowledge-distillation",
        [("        self.teacher_model.eval()\n        with no_grad():", "        with no_grad():")],
    ),
    "teacher run with gradients": (
        "knowledge-distillation",
        [
            (
                "        with no_grad():\n            teacher_logits = self.teacher_model(x).data",
                "        if True:\n            teacher_logits = self.teacher_model(x).data",
            )
        ],
    ),
    # Task 5
    "rank floored with int()": ("low-rank-approximate", [("k = round(r * full)", "k = int(r * full)")]),
    "rank rounded up": ("low-rank-approximate", [("k = round(r * full)", "k = int(np.ceil(r * full))")]),
    "V returned instead of Vh": (
        "low-rank-approximate",
        [("factors = (u[:, :k], s[:k], vh[:k])", "factors = (u[:, :k], s[:k], vh[:k].T)")],
    ),
    "energy rank one too small": ("low-rank-approximate", [('side="left")) + 1', 'side="left"))')]),
    "rank not clipped to at least 1": (
        "low-rank-approximate",
        [("k = min(max(k, 1), full)", "k = min(k, full)")],
    ),
    # Task 6
    "singular values dropped": (
        "factorize-linear",
        [("_linear_from(u * s, like=linear)", "_linear_from(u, like=linear)")],
    ),
    "factors swapped and transposed": (
        "factorize-linear",
        [
            (
                "_linear_from(u * s, like=linear), _linear_from(vh, bias, like=linear)",
                "_linear_from((vh.T * s), like=linear), _linear_from(u.T, bias, like=linear)",
            )
        ],
    ),
    "bias on the first factor": (
        "factorize-linear",
        [
            (
                "return Sequential(_linear_from(u * s, like=linear), _linear_from(vh, bias, like=linear))",
                "return Sequential(_linear_from(u * s, None if bias is None else np.zeros(len(s)), like=linear), _linear_from(vh, bias, like=linear))",
            )
        ],
    ),
    # Task 7
    "structured pruning only masked": (
        "compress-model",
        [
            (
                'structured_prune(model, config["structured_prune"], physical=True)',
                'structured_prune(model, config["structured_prune"])',
            )
        ],
    ),
    "magnitude before structured": (
        "compress-model",
        [
            (STRUCTURED_BLOCK, ""),
            ("    stats.update(final_params", STRUCTURED_BLOCK + "    stats.update(final_params"),
        ],
    ),
    "low rank listed when it replaced nothing": (
        "compress-model",
        [('        if per_layer["low_rank"]:\n', "        if True:\n")],
    ),
    "magnitude per-layer share as a fraction": (
        "compress-model",
        [("100.0 * float(np.mean(~mask))", "float(np.mean(~mask))")],
    ),
    "sparsity measured only at the end": (
        "compress-model",
        [
            ('"original_sparsity": measure_sparsity(model),', '"original_sparsity": None,'),
            (
                "final_sparsity=measure_sparsity(model),",
                "final_sparsity=measure_sparsity(model), original_sparsity=measure_sparsity(model),",
            ),
        ],
    ),
}
