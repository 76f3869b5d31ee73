"""tinytorch.testing.expect, the notebooks' self-check: one printed line and no return value, so a cell that
ends with it shows no stray True/False."""

import numpy as np

from tinytorch.testing import expect


def test_expect_prints_one_ok_line_and_returns_none(capsys):
    assert expect("sum", 6, int(np.sum([1, 2, 3]))) is None
    assert capsys.readouterr().out == "ok   sum: expected 6, got 6\n"


def test_expect_prints_one_diff_line_and_returns_none_when_values_differ(capsys):
    assert expect("rows", [[1, 2]], np.array([[1, 3]])) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("DIFF rows: expected ")
