"""Wrong implementations that students really write, and correct ones written in other ways, for
test_grading_catches_mutants.py.

MUTANTS: {name: (solution grade id, change, claims lost)}. The change is either (old, new) text patches
inside that function's solution regions, or a whole replacement of its first region (a str). Claims lost:
the suffixes of the grade ids the judge must fail (exactly those, all in the task's own claims), e.g.
"count ties" for test-magnitude-count and test-magnitude-ties.
CONTROLS: {name: (solution grade id, change)}, correct code that must keep full marks."""

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

FLOAT64_FACTORS = """
    first = Linear(u.shape[0], u.shape[1], bias=False)
    first.weight.data = (u * s).astype(np.float64)
    second = Linear(vh.shape[0], vh.shape[1])
    second.weight.data = vh.astype(np.float64)
    second.bias.data = np.array(linear.bias.data, dtype=np.float64)
    return Sequential(first, second)
"""

STRUCTURED_BLOCK = """    if "structured_prune" in config:
        kept = structured_prune(model, config["structured_prune"], physical=True)
        per_layer["structured_prune"] = {name: len(neurons) for name, neurons in kept.items()}
        stats["applied_techniques"].append(f"structured_{config['structured_prune']}")
"""
PER_LAYER = '    per_layer = stats["per_layer"] = {}\n'
FINAL_BLOCK = """    stats.update(
        final_params=count_parameters(model),
        final_nonzeros=count_parameters(model, nonzero_only=True),
        final_sparsity=measure_sparsity(model),
        final_bytes=model_nbytes(model),
        final_int8_bytes=quantized_nbytes(model),
    )
"""
FINAL_ACCURACY = '    if eval_loader is not None:\n        stats["accuracy"] = evaluate(model, eval_loader)\n'
TIES = "prune[ties[: k - np.count_nonzero(prune)]]"
INT_K = "    k = int(sparsity * sum(p.data.size for _, p in named)) if isinstance(sparsity, float) else k\n"
SCORES = "    scores = np.concatenate("
NORM = "np.linalg.norm(model.layers[a].weight.data.astype(np.float64), axis=0)"
RETURN_KD = "return self.alpha * T * T * kl + (1.0 - self.alpha) * ce"
KL = "kl = (Tensor(np.exp(log_pt)) * (Tensor(log_pt) - log_ps)).sum() / batch"
CE = "CrossEntropyLoss()(student_logits, labels)"
FACTORS = "_linear_from(u * s, like=linear), _linear_from(vh, bias, like=linear)"
BIAS_REPLACE = '        if layer.bias is not None:\n            _replace(layer, "bias", keep)\n'
NO_GRAD = "        with no_grad():\n            teacher_logits = self.teacher_model(x).data"

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
    "reverse KL": (
        "knowledge-distillation",
        [(KL, "kl = (log_ps.exp() * (log_ps - Tensor(log_pt))).sum() / batch")],
        "soft-term",
    ),
    "no T^2": ("knowledge-distillation", [("self.alpha * T * T * kl", "self.alpha * kl")], "soft-term"),
    "T instead of T^2": (
        "knowledge-distillation",
        [("self.alpha * T * T * kl", "self.alpha * T * kl")],
        "soft-term",
    ),
    "log(softmax(x)) for the student": (
        "knowledge-distillation",
        [("(student_logits / T).log_softmax(axis=-1)", "(student_logits / T).softmax(axis=-1).log()")],
        "soft-term",
    ),
    "student's log-softmax taken in NumPy (no gradient)": (
        "knowledge-distillation",
        [("(student_logits / T).log_softmax(axis=-1)", "Tensor(_log_softmax(student_logits.data / T))")],
        "gradient",
    ),
    "soft term left per row (not one value)": (
        "knowledge-distillation",
        [(").sum() / batch", ").sum(axis=-1) / batch")],
        "loss batchmean gradient teacher-frozen",
    ),
    "soft term summed over the batch": (
        "knowledge-distillation",
        [(").sum() / batch", ").sum()")],
        "batchmean",
    ),
    "hard term summed over the batch": ("knowledge-distillation", [(CE, CE + " * batch")], "batchmean"),
    "softmax before the cross-entropy": (
        "knowledge-distillation",
        [(CE, "CrossEntropyLoss()(student_logits.softmax(axis=-1), labels)")],
        "hard-term",
    ),
    "alpha weights the hard term": (
        "knowledge-distillation",
        [(RETURN_KD, "return (1.0 - self.alpha) * T * T * kl + self.alpha * ce")],
        "hard-term soft-term",
    ),
    "teacher left in train mode": (
        "knowledge-distillation",
        [("        self.teacher_model.eval()\n        with no_grad():", "        with no_grad():")],
        "teacher-frozen",
    ),
    "teacher run with gradients": (
        "knowledge-distillation",
        [(NO_GRAD, NO_GRAD.replace("with no_grad():", "if True:"))],
        "teacher-frozen",
    ),
    "student left in eval mode": (
        "knowledge-distillation",
        [("        self.student_model.train()\n", "")],
        "teacher-frozen",
    ),
    # Task 5
    "rank floored with int()": (
        "low-rank-approximate",
        [("k = round(r * full)", "k = int(r * full)")],
        "rounding",
    ),
    "rank rounded up": (
        "low-rank-approximate",
        [("k = round(r * full)", "k = int(np.ceil(r * full))")],
        "rounding",
    ),
    "V returned instead of Vh": (
        "low-rank-approximate",
        [("factors = (u[:, :k], s[:k], vh[:k])", "factors = (u[:, :k], s[:k], vh[:k].T)")],
        "error shapes",
    ),
    "energy rank one too small": ("low-rank-approximate", [('side="left")) + 1', 'side="left"))')], "energy"),
    "energy on S**2 without dividing by S[0] (overflows)": (
        "low-rank-approximate",
        [("np.cumsum((s / s[0]) ** 2)", "np.cumsum(s**2)")],
        "energy",
    ),
    "an all-zero matrix kept at rank 1 under energy": (
        "low-rank-approximate",
        [("elif s[0] == 0:\n            k = full", "elif s[0] == 0:\n            k = 1")],
        "energy",
    ),
    "rank not clipped to at least 1": (
        "low-rank-approximate",
        [("k = min(max(k, 1), full)", "k = min(k, full)")],
        "rounding",
    ),
    # Task 6
    "singular values dropped": (
        "factorize-linear",
        [("_linear_from(u * s, like=linear)", "_linear_from(u, like=linear)")],
        "output",
    ),
    "factors swapped and transposed": (
        "factorize-linear",
        [(FACTORS, "_linear_from((vh.T * s), like=linear), _linear_from(u.T, bias, like=linear)")],
        "output shapes",
    ),
    "bias on the first factor": (
        "factorize-linear",
        [("_linear_from(u * s, like=linear)", "_linear_from(u * s, np.zeros(len(s)), like=linear)")],
        "shapes",
    ),
    "factors stored in float64 whatever the layer's dtype": ("factorize-linear", FLOAT64_FACTORS, "shapes"),
    # Task 7
    "structured pruning only masked": (
        "compress-model",
        [("physical=True", "physical=False")],
        "order",
    ),
    "magnitude before structured": (
        "compress-model",
        [(STRUCTURED_BLOCK, ""), (FINAL_BLOCK, STRUCTURED_BLOCK + FINAL_BLOCK)],
        "order stats",  # the stand-ins fail on the model in the wrong order, as the real functions do
    ),
    "low rank listed when it replaced nothing": (
        "compress-model",
        [('        if per_layer["low_rank"]:\n', "        if True:\n")],
        "order",
    ),
    "magnitude per-layer share as a fraction": (
        "compress-model",
        [("100.0 * float(np.mean(~mask))", "float(np.mean(~mask))")],
        "stats",
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
        "stats",
    ),
    "final statistics measured before the techniques": (
        "compress-model",
        [(FINAL_BLOCK, ""), (PER_LAYER, PER_LAYER + FINAL_BLOCK)],
        "stats",
    ),
    "final bytes of the original model": (
        "compress-model",
        [("final_bytes=model_nbytes(model)", 'final_bytes=stats["original_bytes"]')],
        "stats",
    ),
    "accuracy measured before the techniques": (
        "compress-model",
        [
            (FINAL_ACCURACY, ""),
            ('stats["original_accuracy"] =', 'stats["original_accuracy"] = stats["accuracy"] ='),
        ],
        "stats",
    ),
}

SCORED = """
    scores = np.concatenate([np.where(_kept(p), np.abs(p.data), -1).ravel() for _, p in named])
    k = max(k, int(np.count_nonzero(scores < 0)))
    prune = np.zeros(scores.size, dtype=bool)
"""
THRESHOLD_TIES = """
        prune = scores < t
        ties = np.flatnonzero(scores == t)
        prune[ties[: k - np.count_nonzero(prune)]] = True
"""
LOOPED = """
    values = []
    for _, p in named:
        kept = _kept(p).ravel()
        for i, w in enumerate(p.data.ravel()):
            values.append(abs(float(w)) if kept[i] else -1.0)
    k = max(k, sum(1 for v in values if v < 0))
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    prune = np.zeros(len(values), dtype=bool)
    prune[order[:k]] = True
"""
SPLIT_MASKS = """
    masks, start = {}, 0
    for name, p in named:
        keep = ~prune[start : start + p.data.size].reshape(p.data.shape)
        start += p.data.size
        p.data *= keep
        p.set_mask(keep)
        masks[name] = p.mask
    return masks
"""
ZEROS = "zeros = sum(p.data.size - np.count_nonzero(p.data) for p in params)\n    return float(100.0 * zeros / total)"
NONZERO = "nonzero = sum(np.count_nonzero(p.data) for p in params)\n    return 100 * (1 - nonzero / total)"
KL_SUMS = (
    "p_t = np.exp(log_pt)\n        kl = (float((p_t * log_pt).sum()) - (Tensor(p_t) * log_ps).sum()) / batch"
)
KL_CE = (
    "p_t = np.exp(log_pt)\n        soft_ce = -(Tensor(p_t) * log_ps).sum(axis=-1).mean()\n"
    "        kl = soft_ce - float(-(p_t * log_pt).sum(axis=-1).mean())"
)
SVD_T = "v, s, ut = np.linalg.svd(w.T, full_matrices=False)\n        u, vh = ut.T, v.T\n        full = len(s)"

CONTROLS = {
    "measure_sparsity as 100 * (1 - nonzero / total)": ("measure-sparsity", [(ZEROS, NONZERO)]),
    "weights_only by ndim, written inline": (
        "measure-sparsity",
        [
            (
                "[p for _, p in prunable_parameters(model)]",
                "[p for p in model.parameters() if p.data.ndim >= 2]",
            )
        ],
    ),
    "magnitude_prune by one stable argsort": (
        "magnitude-prune",
        SCORED + '    prune[np.argsort(scores, kind="stable")[:k]] = True\n' + SPLIT_MASKS,
    ),
    "magnitude_prune by a full sort for the threshold": (
        "magnitude-prune",
        SCORED + "    if k > 0:\n        t = np.sort(scores)[k - 1]\n" + THRESHOLD_TIES + SPLIT_MASKS,
    ),
    "magnitude_prune by np.partition for the threshold": (
        "magnitude-prune",
        SCORED
        + "    if k > 0:\n        t = np.partition(scores, k - 1)[k - 1]\n"
        + THRESHOLD_TIES
        + SPLIT_MASKS,
    ),
    "magnitude_prune by a Python loop over layers building one score vector": (
        "magnitude-prune",
        LOOPED + SPLIT_MASKS,
    ),
    "structured scores by np.sqrt((w**2).sum(0))": (
        "structured-prune",
        [(NORM, "np.sqrt((model.layers[a].weight.data ** 2).sum(0))")],
    ),
    "KL as sum p_t log p_t - sum p_t log p_s": ("knowledge-distillation", [(KL, KL_SUMS)]),
    "KL as soft cross-entropy minus the teacher's entropy": ("knowledge-distillation", [(KL, KL_CE)]),
    "low_rank_approximate by the SVD of the transpose": ("low-rank-approximate", [("full = len(s)", SVD_T)]),
    "factorize_linear with U @ diag(S)": (
        "factorize-linear",
        [("_linear_from(u * s, like=linear)", "_linear_from(u @ np.diag(s), like=linear)")],
    ),
    "compress_model's magnitude share counted, not averaged": (
        "compress-model",
        [("100.0 * float(np.mean(~mask))", "100.0 * np.count_nonzero(~mask) / mask.size")],
    ),
}
