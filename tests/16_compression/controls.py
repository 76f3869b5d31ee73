"""Correct implementations written differently from the reference, which must keep full marks; the format
is mutants.py's."""

from mutants_pruning import NORM
from mutants_training import KL

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
