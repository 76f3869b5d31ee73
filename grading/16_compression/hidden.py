"""Hidden cases of module 16's claims (instructor only: never in a student bundle, never in a notebook).

{grade id: [case]}: same form as the visible cases in tinytorch/claims/module16/. The judge sends them to
the sandboxed runner's stdin only; their expected values are computed from the reference by the judge."""

import numpy as np

TWO = [[[1, 4], [2, 6]], [[1, 5], [3, 2]]]
W = "mlp"

HIDDEN = {
    "test-sparsity-percent": [
        {
            "label": "a 3-2-5 net, 10 zeros of 23",
            "net": W,
            "w": [np.ones((3, 2)).tolist(), np.zeros((2, 5)).tolist()],
            "b": [[1, 1], [2] * 5],
        },
    ],
    "test-sparsity-weights-only": [
        {
            "label": "a 3-2-5 net, 6 zero weights of 16",
            "net": W,
            "w": [np.zeros((3, 2)).tolist(), np.ones((2, 5)).tolist()],
            "b": [[0, 0], [0] * 5],
            "weights_only": True,
        },
    ],
    "test-sparsity-empty": [
        {"label": "a model with no weights, weights only", "net": "relu", "weights_only": True},
        {"label": "an all-zero 3-2 layer, all parameters", "net": W, "w": [np.zeros((3, 2)).tolist()]},
    ],
    "test-magnitude-count": [
        {"label": f"N={a * b}, sparsity={s!r}", "net": "arange", "shape": [a, b], "sparsity": s}
        for (a, b), s in (
            ((5, 1), 0.5),
            ((2, 5), 0.25),
            ((3, 3), 0.0),
            ((3, 3), 1.0),
            ((3, 3), 9),
            ((8, 8), 0.3),
            ((6, 6), 1),
        )
    ],
    "test-magnitude-smallest": [
        {
            "label": "signed 2 x 3 at 0.5",
            "net": W,
            "w": [[[-9.0, 0.5, 3.0], [-0.1, 7.0, -2.0]]],
            "sparsity": 0.5,
        },
    ],
    "test-magnitude-global": [
        {
            "label": "one layer all small, 0.6",
            "net": W,
            "w": [(np.arange(1, 10).reshape(3, 3) * 0.01).tolist(), np.arange(1, 7).reshape(3, 2).tolist()],
            "sparsity": 0.6,
        },
        {
            "label": "interleaved magnitudes, 0.5",
            "net": W,
            "w": [[[0.5, 8], [3, 0.25]], [[6, 0.75], [2, 7]]],
            "sparsity": 0.5,
        },
    ],
    "test-magnitude-ties": [
        {
            "label": "ties across layers, 4 pruned",
            "net": W,
            "w": [[[2, -1, 2], [1, 3, -1]], [[-1], [2], [1]]],
            "sparsity": 4,
        },
    ],
    "test-magnitude-masks": [
        {"label": "two layers at 0.25", "net": W, "w": TWO, "sparsity": 0.25},
    ],
    "test-magnitude-cumulative": [
        {"label": "two layers at 0.25 then 0.5 then 0.25", "net": W, "w": TWO, "sparsity": [0.25, 0.5, 0.25]},
        {
            "label": "a hand mask on the second layer, then 3 pruned",
            "net": W,
            "w": TWO,
            "masks": {"2": [[True, True], [False, True]]},
            "sparsity": 3,
        },
    ],
    "test-magnitude-finetune": [
        {
            "label": "two layers at 0.5, three Adam steps",
            "net": W,
            "w": TWO,
            "sparsity": 0.5,
            "optimizer": "adam",
            "steps": 3,
        },
    ],
    "test-structured-scores": [
        {
            "label": "3-5-2 at 0.4",
            "net": W,
            "w": [[[1, 0, 4, 0, 2], [1, 3, 0, 0, 2], [1, 0, 0, 1.5, 2]], np.ones((5, 2)).tolist()],
            "ratio": 0.4,
        },
        {
            "label": "L1 and L2 disagree",
            "net": W,
            "w": [[[3, 2, 0.5], [0, 2, 0.5]], np.ones((3, 2)).tolist()],
            "ratio": 0.34,
        },
    ],
    "test-structured-count": [
        {
            "label": "eight neurons at 0.3125 (round(2.5) = 2)",
            "net": W,
            "w": [np.tile(np.arange(1, 9), (2, 1)).tolist(), np.ones((8, 3)).tolist()],
            "ratio": 0.3125,
        },
        {"label": "six equal neurons at 0.3", "net": "uniform", "shape": [2, 6], "ratio": 0.3},
    ],
    "test-structured-classifier": [
        {
            "label": "a 3-6-4-2 net at 0.5",
            "net": W,
            "w": [
                np.arange(18).reshape(3, 6).tolist(),
                np.arange(24).reshape(6, 4).tolist(),
                np.arange(8).reshape(4, 2).tolist(),
            ],
            "ratio": 0.5,
        },
    ],
    "test-structured-masked": [
        {
            "label": "neuron_net at 0.75 with two weights masked before",
            "net": "neuron",
            "ratio": 0.75,
            "masks": {"0": [[False, True, True, True], [True, True, True, False]]},
        },
    ],
    "test-structured-physical": [
        {"label": "neuron_net at 0.25, physical", "net": "neuron", "ratio": 0.25},
    ],
    "test-structured-equivalence": [
        {"label": "neuron_net (sigmoid) at 0.75", "net": "neuron", "act": "sigmoid", "ratio": 0.75},
    ],
    "test-kd-loss": [
        {
            "label": "alpha=0.25, T=4",
            "s": [[3.0, 2.0, 1.0], [1.0, 0.0, -1.0]],
            "t": [[1.0, 2.0, 3.0], [0, 0, 0]],
            "y": [0, 1],
            "alpha": 0.25,
            "T": 4.0,
        },
    ],
    "test-kd-soft-term": [
        {"label": "one row at T=1", "s": [[1.0, 2.0, 3.0]], "t": [[3.0, 2.0, 1.0]], "y": [2], "T": 1.0},
        {"label": "one row at T=5", "s": [[0.5, -1.0, 2.0]], "t": [[1.0, 0.0, -1.0]], "y": [0], "T": 5.0},
        {
            "label": "identical logits at T=5",
            "s": [[3.0, 2.0, 1.0]],
            "t": [[3.0, 2.0, 1.0]],
            "y": [0],
            "T": 5.0,
        },
    ],
    "test-kd-hard-term": [
        {"label": "label 1, T=7", "s": [[3.0, 2.0, 1.0]], "t": [[1.0, 2.0, 3.0]], "y": [1], "T": 7.0},
    ],
    "test-kd-batchmean": [
        {
            "label": "alpha=0.5 rows",
            "s": [[3.0, 2.0, 1.0], [0.5, -1.0, 2.0]],
            "t": [[1.0, 2.0, 3.0], [0, 0, 0]],
            "y": [1, 2],
            "alpha": 0.5,
        },
    ],
    "test-kd-gradient": [
        {
            "label": "alpha=0.3, T=4",
            "s": [[0.5, -1.0, 2.0]],
            "t": [[1.0, 0.0, -1.0]],
            "y": [0],
            "alpha": 0.3,
            "T": 4.0,
        },
    ],
    "test-kd-teacher-frozen": [{"label": "another seed", "seed": 5}],
    "test-lowrank-shapes": [
        {"label": "a random 7 x 3 at 1/3", "seed": 4, "shape": [7, 3], "ratio": 1 / 3},
    ],
    "test-lowrank-error": [
        {"label": "a random 5 x 8 at 0.6", "seed": 2, "shape": [5, 8], "ratio": 0.6},
    ],
    "test-lowrank-rounding": [
        {
            "label": f"{a} x {b} at rank_ratio={r}",
            "m": (np.eye(a, b) * np.arange(max(a, b), 0, -1)[:b]).tolist(),
            "ratio": r,
        }
        for (a, b), r in (((6, 8), 0.25), ((8, 8), 0.5625), ((20, 5), 0.7))
    ],
    "test-lowrank-energy": [
        {"label": f"diag(5, 3, 1) at energy={t:.6f}", "m": np.diag([5.0, 3.0, 1.0]).tolist(), "energy": t}
        for t in (25 / 35, 0.72, 34 / 35, 0.98)
    ],
    "test-factorize-shapes": [
        {
            "label": "a 6 x 5 layer at rank 2",
            "w": (np.arange(30).reshape(6, 5) / 7).tolist(),
            "b": [0.5] * 5,
            "rank": 2,
        },
    ],
    "test-factorize-output": [
        {
            "label": "a 7 x 5 layer at rank 2",
            "w": np.sin(np.arange(35)).reshape(7, 5).tolist(),
            "b": [0.1] * 5,
            "rank": 2,
            "x": np.linspace(-1, 1, 21).reshape(3, 7).tolist(),
        },
    ],
    "test-pipeline-order": [
        {"label": "magnitude only", "config": {"magnitude_prune": 0.8}},
        {"label": "structured 0.5, then low rank 0.5", "config": {"low_rank": 0.5, "structured_prune": 0.5}},
    ],
    "test-pipeline-stats": [
        {
            "label": "structured 0.5 and low rank 0.5, no loader",
            "config": {"low_rank": 0.5, "structured_prune": 0.5},
        },
    ],
}
