"""Given helpers of the module-16 lesson and its companions (nothing here is graded): data and models,
statistics over seeds, MAC and byte counts, interleaved timing, and call-time lookup of graded functions.
The main notebook's experiment loops and printed tables are the submodules experiments and tables."""

from .cost import count_bytes, count_macs
from .data import LENET, accuracy, digits_split, fashion_data, make_mlp, planted_power_law, reduced_run, train
from .graded import graded
from .stats import ci, compare, mean_ci
from .timing import interleaved_ms, interleaved_runs, speedup

__all__ = [
    "LENET",
    "accuracy",
    "ci",
    "compare",
    "count_bytes",
    "count_macs",
    "digits_split",
    "fashion_data",
    "graded",
    "interleaved_ms",
    "interleaved_runs",
    "make_mlp",
    "planted_power_law",
    "mean_ci",
    "reduced_run",
    "speedup",
    "train",
]
