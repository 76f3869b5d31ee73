"""Tasks 5 and 6 claims: low_rank_approximate and factorize_linear."""

import numpy as np

from tinytorch.core.tensor import Tensor

from .. import register
from . import nets

D3 = np.diag([5.0, 3.0, 1.0]).tolist()
M53 = (np.arange(15, dtype=np.float64).reshape(5, 3) ** 1.5).tolist()
LIN43 = {"w": [[2.0, 0, 0], [0, 1, 0], [0, 0, 0.5], [1, 1, 1]], "b": [1.0, -1.0, 0.5]}
X4 = [[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 0.0, 2.0]]


def matrix(case):
    if "m" in case:
        return np.array(case["m"], dtype=case.get("dtype", "float64")) * case.get("scale", 1.0)
    if "diag" in case:
        return np.eye(*case["shape"]) * np.arange(case["diag"], 0, -1)[: min(case["shape"])].max()
    rng = np.random.default_rng(case["seed"])
    return rng.normal(size=case["shape"])


def approx(ns, case):
    kwargs = {"energy": case["energy"]} if "energy" in case else {"rank_ratio": case["ratio"]}
    return ns["low_rank_approximate"](matrix(case), **kwargs)


@register(
    "test-lowrank-shapes",
    "16",
    "low_rank_approximate returns U (m, k), S (k,) and Vh (k, n), and the full rank reconstructs W.",
    ("low_rank_approximate",),
    [
        {"label": "5 x 3 at rank_ratio 2/3", "m": M53, "ratio": 2 / 3},
        {"label": "a random 3 x 7 at rank_ratio 1", "seed": 1, "shape": [3, 7], "ratio": 1.0},
    ],
)
def shapes(ns, case):
    u, s, vh = approx(ns, case)
    return {
        "shapes": [list(np.shape(a)) for a in (u, s, vh)],
        "reconstructs at full rank": bool(
            case["ratio"] < 1 or np.allclose((np.asarray(u) * s) @ vh, matrix(case))
        ),
    }


@register(
    "test-lowrank-error",
    "16",
    "The rank-k factors keep the k largest singular values and meet the Eckart-Young error "
    "sqrt(sum(S[k:]**2)).",
    ("low_rank_approximate",),
    [
        {"label": "diag(5, 3, 1) at rank 1", "m": D3, "ratio": 1 / 3},
        {"label": "a random 6 x 4 at rank_ratio 0.5", "seed": 0, "shape": [6, 4], "ratio": 0.5},
    ],
)
def error(ns, case):
    u, s, vh = approx(ns, case)
    return {"S": np.asarray(s, dtype=np.float64), "error": float(np.linalg.norm(matrix(case) - (u * s) @ vh))}


@register(
    "test-lowrank-rounding",
    "16",
    "The rank is k = round(rank_ratio * min(m, n)), clipped to at least 1.",
    ("low_rank_approximate",),
    [
        {
            "label": f"{a} x {b} at rank_ratio={r}",
            "m": (np.eye(a, b) * np.arange(max(a, b), 0, -1)[:b]).tolist(),
            "ratio": r,
        }
        for (a, b), r in (((100, 100), 0.29), ((10, 10), 0.21), ((10, 10), 0.01))
    ],
)
def rounding(ns, case):
    return {"k": len(approx(ns, case)[1])}


@register(
    "test-lowrank-energy",
    "16",
    "With energy tau, k is the smallest rank whose share of sum(S**2) reaches tau, also for huge values.",
    ("low_rank_approximate",),
    [
        *({"label": f"diag(5, 3, 1) at energy={t}", "m": D3, "energy": t} for t in (0.9, 0.5, 1.0)),
        {
            "label": "diag(5, 3, 1) * 1e200 at energy=0.9 (S**2 overflows)",
            "m": D3,
            "scale": 1e200,
            "energy": 0.9,
        },
        {"label": "an all-zero 3 x 2 at energy=0.5 (every rank)", "m": [[0.0, 0.0]] * 3, "energy": 0.5},
    ],
)
def energy(ns, case):
    return {"k": len(approx(ns, case)[1])}


def factorized(ns, case):
    lin = nets.linear(case["w"], case.get("b"), case.get("dtype", "float32"))
    return lin, ns["factorize_linear"](lin, case["rank"])


@register(
    "test-factorize-shapes",
    "16",
    "factorize_linear builds Linear(m, k, bias=False) then Linear(k, n) with the bias, in the layer's dtype.",
    ("factorize_linear",),
    [
        {"label": "the 4 x 3 layer at rank 1", **LIN43, "rank": 1},
        {"label": "the 4 x 3 layer in float64 at rank 2", **LIN43, "rank": 2, "dtype": "float64"},
    ],
)
def factor_shapes(ns, case):
    _, f = factorized(ns, case)
    first, second = f.layers[0], f.layers[1]
    return {
        "shapes": [list(first.weight.data.shape), list(second.weight.data.shape)],
        "first has no bias": first.bias is None,
        "second bias": None if second.bias is None else np.asarray(second.bias.data),
        "dtypes": [str(first.weight.data.dtype), str(second.weight.data.dtype)],
        "parameters": f.num_parameters(),
    }


@register(
    "test-factorize-output",
    "16",
    "The factorized layer computes x @ (U_k * S_k) @ Vh_k + b, leaves the layer unchanged, and the full rank "
    "reproduces it.",
    ("factorize_linear",),
    [{"label": f"the 4 x 3 layer at rank {k}", **LIN43, "rank": k, "x": X4} for k in (1, 3)],
    rtol=1e-5,
    atol=1e-5,
)
def factor_output(ns, case):
    lin, f = factorized(ns, case)
    before = nets.linear(case["w"], case.get("b"), case.get("dtype", "float32"))
    x = Tensor(np.array(case["x"], dtype=np.float32))
    return {
        "output": np.asarray(f(x).data, dtype=np.float64),
        "layer unchanged": bool(np.array_equal(lin.weight.data, before.weight.data)),
    }
