"""Fashion-MNIST (Zalando Research; 60,000 train and 10,000 test 28x28 grey images, 10 classes), shipped
with the package as the original gzipped idx files and checked against their SHA-256 on load."""

import functools
import gzip
import hashlib
from pathlib import Path

import numpy as np

from ..core.checks import check_choice, check_that

__all__ = ["FASHION_MNIST_CLASSES", "FASHION_MNIST_SHA256", "load_fashion_mnist"]

_DIR = Path(__file__).parent
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
_FILES = {"train": ("train", 60000), "test": ("t10k", 10000)}


def _read_idx(name, directory):
    """The array stored in the gzipped idx file `name`, after its SHA-256 matched the documented one."""
    raw = (Path(directory) / name).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    ok = digest == FASHION_MNIST_SHA256[name]
    check_that(ok, f"{name}: SHA-256", digest, "the documented one (see tinytorch/data/README.md)")
    data = gzip.decompress(raw)
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


@functools.lru_cache(maxsize=2)
def _read(split, directory):
    prefix, n = _FILES[split]
    images = _read_idx(f"{prefix}-images-idx3-ubyte.gz", directory)
    labels = _read_idx(f"{prefix}-labels-idx1-ubyte.gz", directory)
    ok = images.shape == (n, 28, 28) and labels.shape == (n,)
    check_that(ok, f"{split} images, labels", (images.shape, labels.shape), f"{n} 28x28 images and labels")
    return images, labels


def load_fashion_mnist(split="train", directory=None):
    """Returns (X float32 (N, 784) = pixel / 255 in [0, 1], y int64 (N,) in 0..9); fresh copies.

    split: "train" (N = 60,000) or "test" (N = 10,000). directory: where the four idx files are (default:
    the copies shipped in tinytorch/data). Each file's SHA-256 is checked; a mismatch raises ValueError.
    """
    split = check_choice("split", split, ("train", "test"))
    images, labels = _read(split, str(_DIR if directory is None else directory))
    X = (images.reshape(len(images), 784) / np.float32(255.0)).astype(np.float32)
    return X, labels.astype(np.int64)
