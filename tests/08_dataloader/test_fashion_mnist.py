"""The shipped Fashion-MNIST files and their loader."""

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import tinytorch.data
from tinytorch.data import FASHION_MNIST_CLASSES, load_fashion_mnist
from tinytorch.data.fashion_mnist import FASHION_MNIST_SHA256

DATA = Path(tinytorch.data.__file__).parent


@pytest.mark.parametrize("name", sorted(FASHION_MNIST_SHA256))
def test_each_shipped_file_matches_the_sha256_in_the_readme(name):
    digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
    assert digest == FASHION_MNIST_SHA256[name]
    assert digest in (DATA / "README.md").read_text()


@pytest.mark.parametrize("split, n", [("train", 60000), ("test", 10000)])
def test_each_split_has_n_float32_rows_of_784_pixels_and_int64_labels(split, n):
    X, y = load_fashion_mnist(split)
    assert X.shape == (n, 784) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64


@pytest.mark.parametrize("split, per_class", [("train", 6000), ("test", 1000)])
def test_every_class_has_the_same_number_of_images(split, per_class):
    _, y = load_fashion_mnist(split)
    assert np.bincount(y).tolist() == [per_class] * 10
    assert len(FASHION_MNIST_CLASSES) == 10


def test_pixels_are_scaled_to_the_unit_interval_in_steps_of_one_255th():
    X, _ = load_fashion_mnist("test")
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X * 255, np.round(X * 255), atol=1e-4)


def test_load_fashion_mnist_returns_fresh_copies():
    X, y = load_fashion_mnist("test")
    X[:] = 5
    y[:] = 3
    X2, y2 = load_fashion_mnist("test")
    assert X2.max() == 1.0 and np.bincount(y2).tolist() == [1000] * 10


def test_first_test_labels_are_the_published_ones():
    _, y = load_fashion_mnist("test")
    assert y[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]


def test_a_file_whose_checksum_does_not_match_raises_value_error_naming_it(tmp_path):
    for name in FASHION_MNIST_SHA256:
        shutil.copy(DATA / name, tmp_path / name)
    damaged = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(damaged.read_bytes())
    raw[-1] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz: SHA-256"):
        load_fashion_mnist("test", directory=tmp_path)


def test_an_unknown_split_raises_value_error_naming_it():
    with pytest.raises(ValueError, match="split='valid'"):
        load_fashion_mnist("valid")
