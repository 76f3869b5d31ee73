"""Datasets shipped with TinyTorch and a minimal DataLoader."""

from .digits import load_digits, train_test_split
from .loader import DataLoader

__all__ = ["load_digits", "train_test_split", "DataLoader"]
