"""The lesson's experiment loops and printed tables (tinytorch/lesson/experiments.py, tables.py): each runs
the functions it is given, leaves the models it reads unchanged, and reports what it measured."""

import copy

import numpy as np
import pytest

from tinytorch.compression.schedule import cubic_schedule
from tinytorch.compression.sparse import to_sparse
from tinytorch.lesson import accuracy, digits_split, make_mlp, tables, train
from tinytorch.lesson import experiments as runs

pytestmark = pytest.mark.library
X, X_TEST, Y, Y_TEST = digits_split()
DATA = (X[:300], Y[:300], X_TEST[:100], Y_TEST[:100])
WIDTHS = (64, 12, 8, 10)


def _same(a, b):
    return all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))


def test_fine_tune_trains_each_model_in_place_with_data_order_from_offset_plus_seed():
    models = {seed: make_mlp(WIDTHS, seed=seed) for seed in (0, 1)}
    by_hand = copy.deepcopy(models)
    accs = runs.fine_tune(models, DATA, epochs=1, offset=100)
    for seed, model in by_hand.items():
        train(model, DATA[0], DATA[1], 1, seed=100 + seed)
        assert _same(model, models[seed])
    assert accs == [accuracy(m, DATA[2], DATA[3]) for m in by_hand.values()]


def test_knee_prunes_copies_with_the_given_functions_and_reports_the_share_of_weights_removed():
    model, calls = make_mlp(WIDTHS, seed=0), []
    before = copy.deepcopy(model)

    def magnitude(m, sparsity):
        calls.append(("magnitude", sparsity))

    def structured(m, prune_ratio, physical):
        calls.append(("structured", prune_ratio, physical))
        m.layers = make_mlp((64, 6, 8, 10), seed=0).layers  # 64*6 + 6*8 + 8*10 weights left of 944

    curves = runs.knee(model, magnitude, structured, DATA[2], DATA[3], sparsities=(0.0, 0.5), ratios=(0.25,))
    assert calls == [("magnitude", 0.0), ("magnitude", 0.5), ("structured", 0.25, True)]
    assert [x for x, _ in curves["magnitude"]] == [0.0, 50.0]
    assert curves["structured"][0][0] == pytest.approx(100 * (1 - 512 / 944))
    assert _same(model, before)


def test_kd_arms_trains_three_students_and_distills_at_alpha_1_with_the_given_temperature():
    teacher, seen = make_mlp((64, 16, 10), seed=0), {}
    train(teacher, DATA[0], DATA[1], 2)

    class Distiller:
        def __init__(self, teacher_model, student_model, temperature, alpha):
            seen.update(teacher=teacher_model, temperature=temperature, alpha=alpha)

        def fit(self, loader, optimizer, epochs):
            seen.update(epochs=epochs, batches=len(loader))

    accs = runs.kd_arms(teacher, Distiller, 0, 2.0, DATA[:2], DATA[2:], (64, 6, 10), n_labeled=20, epochs=1)
    assert len(accs) == 3 and all(0.0 <= a <= 1.0 for a in accs)
    assert seen == {"teacher": teacher, "temperature": 2.0, "alpha": 1.0, "epochs": 1, "batches": 3}
    untrained = accuracy(make_mlp((64, 6, 10), seed=0), *DATA[2:])
    assert accs[2] == untrained  # the stand-in distiller never trains: the student is its initialisation


def test_gradual_prunes_along_the_cubic_schedule_and_one_shot_prunes_once_to_the_final_target():
    dense, targets = {0: make_mlp(WIDTHS, seed=0)}, []
    gradual, one_shot, start = runs.gradual_and_one_shot(
        dense, lambda m, s: targets.append(s), DATA, final=0.9, epochs=3
    )
    assert targets == [s for _, s in cubic_schedule(0.0, 0.9, 2)] + [0.9]
    assert len(gradual) == len(one_shot) == len(start) == 1
    assert start == [accuracy(dense[0], DATA[2], DATA[3])]  # the stand-in prunes nothing


def test_knee_table_prints_one_line_per_kind_with_percent_and_accuracy():
    text = tables.knee_table({"magnitude": [(0.0, 0.85), (90.0, 0.3)], "structured": [(53.4, 0.62)]})
    assert text == (
        "magnitude, no fine-tuning: 0 % of weights -> 0.8500, 90 % of weights -> 0.3000\n"
        "structured, no fine-tuning: 53 % of weights -> 0.6200"
    )


def test_cost_and_csr_tables_count_macs_bytes_and_csr_arrays():
    dense = make_mlp((4, 3, 2), seed=0)
    text = tables.cost_table({"dense": dense, "csr": to_sparse(dense)}, dense)
    assert text.splitlines()[0] == f"{'dense':20s} MACs      18 ( 1.00x fewer), bytes       92 ( 1.00x fewer)"
    csr = tables.csr_table(to_sparse(dense, index_dtype=np.int16, quantize=True))
    assert (
        csr.splitlines()[0]
        == "layer 0: 12 non-zeros: values 12 B, indices 24 B, row pointers 16 B, bias 12 B"
    )


def test_speed_table_sets_prediction_mac_ratio_and_measured_speedup_side_by_side():
    zoo = {"dense": make_mlp((4, 4, 2), seed=0), "low rank": make_mlp((4, 2, 2), seed=0)}
    ms = {"dense": np.array([2.0, 2.0]), "low rank": np.array([1.0, 1.0])}
    text = tables.speed_table(zoo, ms, {"low rank": (2.0, 1.9, 2.1)}, {"low rank": 1.5}, scaled=("low rank",))
    assert text.splitlines() == [
        f"{'low rank':20s} predicted 1.50x, MAC ratio 2.00x, measured 2.00x [1.90, 2.10] "
        "(median of 2 interleaved rounds)",
        "low rank: 1.00 ms if time followed the MACs, 1.00 ms measured",
    ]
