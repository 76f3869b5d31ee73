"""Wrong implementations of tasks 4-7 (KnowledgeDistillation, low_rank_approximate, factorize_linear,
compress_model) that students really write; the format is mutants.py's."""

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
RETURN_KD = "return self.alpha * T * T * kl + (1.0 - self.alpha) * ce"
KL = "kl = (Tensor(np.exp(log_pt)) * (Tensor(log_pt) - log_ps)).sum() / batch"
CE = "CrossEntropyLoss()(student_logits, labels)"
FACTORS = "_linear_from(u * s, like=linear), _linear_from(vh, bias, like=linear)"
NO_GRAD = "        with no_grad():\n            teacher_logits = self.teacher_model(x).data"


MUTANTS = {
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
