"""Datasets shipped with TinyTorch and a minimal DataLoader."""

from .digits import load_digits, train_test_split
from .fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist
from .loader import DataLoader

__all__ = ["load_digits", "load_fashion_mnist", "FASHION_MNIST_CLASSES", "train_test_split", "DataLoader"]
