"""Datasets shipped with TinyTorch and a minimal DataLoader."""

from .digits import load_digits, train_test_split
from .fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist
from .loader import DataLoader

__all__ = ["FASHION_MNIST_CLASSES", "DataLoader", "load_digits", "load_fashion_mnist", "train_test_split"]
