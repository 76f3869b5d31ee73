"""The shipped digits data, the stratified split and the DataLoader."""

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinytorch as tt
import tinytorch.data
from tinytorch import Tensor
from tinytorch.data import DataLoader, load_digits, train_test_split

COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_file_matches_the_documented_sha256():
    raw = (Path(tinytorch.data.__file__).parent / "digits.csv.gz").read_bytes()
    assert (
        hashlib.sha256(raw).hexdigest() == "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
    )


def test_load_digits_has_1797_by_64_float32_and_the_documented_class_counts():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == COUNTS


def test_pixels_are_scaled_to_the_unit_interval_in_steps_of_one_sixteenth():
    X, _ = load_digits()
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, np.round(X * 16))


def test_load_digits_returns_fresh_copies():
    X, _ = load_digits()
    X[:] = 5
    assert load_digits()[0].max() == 1.0


def test_split_sizes_follow_sklearn_ceil_rule():
    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=0)
    assert (len(Xtr), len(Xte), len(ytr), len(yte)) == (1347, 450, 1347, 450)


def test_split_is_stratified_by_largest_remainder():
    _, y = load_digits()
    _, _, ytr, yte = train_test_split(np.arange(1797), y, test_size=0.25)
    test_counts = np.bincount(yte, minlength=10)
    quota = np.array(COUNTS) * 450 / 1797
    assert np.all((test_counts == np.floor(quota)) | (test_counts == np.ceil(quota)))
    assert test_counts.sum() == 450
    assert (np.bincount(ytr, minlength=10) + test_counts).tolist() == COUNTS


def test_split_is_a_deterministic_partition():
    _, y = load_digits()
    idx = np.arange(1797)
    a = train_test_split(idx, y, seed=0)
    b = train_test_split(idx, y, seed=0)
    c = train_test_split(idx, y, seed=1)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])
    np.testing.assert_array_equal(np.sort(np.concatenate([a[0], a[1]])), idx)
    np.testing.assert_array_equal(y[a[1]], a[3])


def test_split_rejects_bad_arguments():
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(ValueError, match="test_size=1.5"):
        train_test_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match="test_size=10"):
        train_test_split(X, y, test_size=10)
    with pytest.raises(ValueError, match=r"\(9, 2\).*\(10,\)"):
        train_test_split(X[:9], y)


def test_loader_without_shuffle_yields_ceil_n_over_b_batches_in_order():
    X = np.arange(70, dtype=np.float32).reshape(35, 2)
    y = np.arange(35)
    loader = DataLoader(X, y, batch_size=16)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [len(b[1]) for b in batches] == [16, 16, 3]
    assert isinstance(batches[0][0], Tensor) and isinstance(batches[0][1], np.ndarray)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    assert len(DataLoader(X, y, batch_size=16, drop_last=True)) == 2


def test_shuffle_with_a_seed_is_reproducible_and_differs_between_epochs():
    y = np.arange(100)
    a, b = (
        DataLoader(y, y, batch_size=10, shuffle=True, seed=3),
        DataLoader(y, y, batch_size=10, shuffle=True, seed=3),
    )
    ea1, ea2 = [np.concatenate([yb for _, yb in a]) for _ in range(2)]
    eb1, eb2 = [np.concatenate([yb for _, yb in b]) for _ in range(2)]
    np.testing.assert_array_equal(ea1, eb1)
    np.testing.assert_array_equal(ea2, eb2)
    assert not np.array_equal(ea1, ea2)
    np.testing.assert_array_equal(np.sort(ea1), y)


def test_shuffle_without_a_seed_follows_manual_seed():
    y = np.arange(50)
    tt.manual_seed(7)
    first = np.concatenate([yb for _, yb in DataLoader(y, y, shuffle=True)])
    tt.manual_seed(7)
    again = np.concatenate([yb for _, yb in DataLoader(y, y, shuffle=True)])
    np.testing.assert_array_equal(first, again)


def test_loader_rejects_mismatched_lengths_and_bad_batch_size():
    with pytest.raises(ValueError, match=r"y=.*\(4,\).*\(3, 2\)"):
        DataLoader(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size=0"):
        DataLoader(np.zeros((3, 2)), np.zeros(3), batch_size=0)


@given(st.integers(1, 40), st.integers(1, 12), st.booleans())
def test_every_sample_appears_exactly_once_per_epoch(n, batch_size, shuffle):
    y = np.arange(n)
    loader = DataLoader(y.astype(np.float32), y, batch_size=batch_size, shuffle=shuffle, seed=0)
    seen = np.concatenate([yb for _, yb in loader])
    np.testing.assert_array_equal(np.sort(seen), y)
    assert len(loader) == math.ceil(n / batch_size)
