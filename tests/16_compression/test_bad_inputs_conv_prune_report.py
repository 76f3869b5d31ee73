"""Bad inputs to tinytorch.compression.conv_prune and report: each row (callable, argument, bad value,
exception[, said]) is rejected with that exception, naming the argument and showing the value (see
bad_input_check), and changes nothing."""

import numpy as np
import pytest
from bad_input_check import check_rejects, params
from bad_input_values import (
    DROP,
    EMPTY,
    INF,
    LINEAR,
    NAN,
    NOT_RO,
    Make,
    base_net,
    conv_net,
    conv_net_with,
    late_rows,
    nan_conv,
    report_row,
    shared_conv,
)

ROWS = [
    ("conv_prune.filter_norms", "conv", LINEAR, TypeError, ("conv",)),
    ("conv_prune.channel_prune", "model", Make("MLP", base_net), ValueError, ("model",)),
    ("conv_prune.channel_prune", "model", EMPTY, ValueError, ("model",)),
    ("conv_prune.channel_prune", "model", LINEAR, TypeError, ("model",)),
    ("conv_prune.channel_prune", "prune_ratio", 1.0, ValueError),
    ("conv_prune.channel_prune", "prune_ratio", "0.5", TypeError),
    ("conv_prune.channel_prune", "physical", 1, TypeError),
    ("report.storage", "model", None, TypeError),
    ("report.compression_report", "variants", {}, ValueError, ("variants", "empty")),
    ("report.compression_report", "variants", Make("[net]", lambda: [base_net()]), ValueError, ("variants",)),
    (
        "report.compression_report",
        "variants",
        Make("{'a': (net, 'zip')}", lambda: {"a": (base_net(), "zip")}),
        ValueError,
        ("'a'", "'zip'"),
    ),
    ("report.compression_report", "repeats", 0, ValueError),
    ("report.digits_variants", "seed", -1, ValueError),
    ("report.digits_variants", "epochs", 0, ValueError),
    ("report.digits_variants", "finetune_epochs", 1.5, TypeError),
    ("report.summary_report", "seed", "0", TypeError),
    ("report.compression_report", "latency_input", "abc", TypeError, ("latency_input", "<U3")),
    ("report.compression_report", "latency_input", np.ones(4), ValueError, ("latency_input", "empty")),
    ("report.compression_report", "latency_input", np.ones((0, 4)), ValueError, ("latency_input", "empty")),
    (
        "report.compression_report",
        "latency_input",
        np.full((2, 4), NAN),
        ValueError,
        ("latency_input", "NaN"),
    ),
    ("report.compression_report", "eval_loader", None, TypeError),
    ("report.compression_report", "eval_loader", [], ValueError, ("eval_loader", "empty")),
    ("report.format_report", "rows", None, TypeError),
    ("report.format_report", "rows", "abc", TypeError),
    ("report.format_report", "rows", [], ValueError),
    ("report.format_report", "rows", [{}], ValueError, ("rows",)),
    (
        "report.format_report",
        "rows",
        Make("[row, row without accuracy]", lambda: [report_row(), report_row(accuracy=DROP)]),
        ValueError,
        ("rows", "'accuracy'"),
    ),
    ("report.format_report", "rows", [5], TypeError, ("rows",)),
    (
        "report.format_report",
        "rows",
        Make("[row with params='10']", lambda: [report_row(params="10")]),
        TypeError,
        ("rows", "'params'"),
    ),
    (
        "report.format_report",
        "rows",
        Make("[row with accuracy=True]", lambda: [report_row(accuracy=True)]),
        TypeError,
        ("rows", "'accuracy'"),
    ),
    (
        "report.format_report",
        "rows",
        Make("[row with technique=None]", lambda: [report_row(technique=None)]),
        TypeError,
        ("rows", "'technique'"),
    ),
    ("report.plot_report", "rows", None, TypeError),
    ("report.plot_report", "rows", [], ValueError),
    ("report.plot_report", "rows", [{}], ValueError, ("rows",)),
    (
        "report.plot_report",
        "rows",
        Make("[row without size]", lambda: [report_row(size=DROP)]),
        ValueError,
        ("rows", "'size'"),
    ),
    (
        "conv_prune.channel_prune",
        "model",
        Make("conv net with a NaN filter weight", conv_net_with(0, NAN)),
        ValueError,
        ("model", "'layers.0.weight'"),
    ),
    (
        "conv_prune.channel_prune",
        "model",
        Make("conv net with an inf conv weight", conv_net_with(2, INF)),
        ValueError,
        ("model", "'layers.2.weight'"),
    ),
    (
        "conv_prune.channel_prune",
        "model",
        Make("conv net with a NaN classifier weight", conv_net_with(4, NAN)),
        ValueError,
        ("model", "'layers.4.weight'"),
    ),
    ("conv_prune.filter_norms", "conv", Make("Conv2d with a NaN weight", nan_conv), ValueError, ("conv",)),
    (
        "conv_prune.channel_prune",
        "model",
        Make("conv net using one Conv2d twice", lambda: shared_conv(False)),
        ValueError,
        ("model",),
    ),
    (
        "conv_prune.channel_prune",
        "model",
        Make("two Conv2d sharing a weight", lambda: shared_conv(True)),
        ValueError,
        ("model",),
    ),
    (
        "conv_prune.channel_prune(masked)",
        "model",
        Make("conv net using one Conv2d twice", lambda: shared_conv(False)),
        ValueError,
        ("model",),
    ),
]
ROWS += late_rows("conv_prune.channel_prune", NOT_RO, conv_net, 4)
ROWS += late_rows("conv_prune.channel_prune(masked)", ("read-only",), conv_net, 2)


@pytest.mark.library
@pytest.mark.parametrize("target,arg,bad,exc,said", params(ROWS))
def test_each_bad_argument_is_rejected_naming_it_and_changes_nothing(target, arg, bad, exc, said):
    check_rejects(target, arg, bad, exc, said)
