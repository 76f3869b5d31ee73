"""Small guarantees of the grading code: one exit code for Ctrl-C, kernel uids that cannot collide, read-only
trees removed, one documented report function."""

import os
import stat

import pytest

from tito import main, results
from tito.errors import EXIT_INTERRUPTED
from tito.grading import bwrap, commit


def test_ctrl_c_in_any_command_exits_130(monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(main, "build_parser", lambda: _parser_running(interrupted))
    assert main.run([]) == EXIT_INTERRUPTED == 130


def _parser_running(func):
    import argparse

    parser = argparse.ArgumentParser()
    parser.set_defaults(func=func)
    return parser


def test_kernel_uid_is_the_base_plus_the_pid_so_live_kernels_never_share_one(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "getpid", lambda: 123_456)
    assert bwrap.kernel_uid() == bwrap.KERNEL_UID_BASE + 123_456
    monkeypatch.setattr(os, "getpid", lambda: 100_000 + 123_456)  # collided under the old pid % 100000
    assert bwrap.kernel_uid() == bwrap.KERNEL_UID_BASE + 223_456


def test_kernel_uid_refuses_a_pid_outside_the_documented_range(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "getpid", lambda: bwrap.PID_MAX_LIMIT)
    with pytest.raises(RuntimeError, match="outside 1..4194303"):
        bwrap.kernel_uid()


def test_kernel_uid_is_none_when_not_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert bwrap.kernel_uid() is None


def test_remove_tree_removes_a_tree_with_read_only_parts_and_accepts_a_missing_path(tmp_path):
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    (folder / "x.ipynb").write_text("{}")
    os.chmod(folder / "x.ipynb", stat.S_IRUSR)
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    commit.remove_tree(tmp_path / "a")
    commit.remove_tree(tmp_path / "missing")  # a missing path is fine
    assert list(tmp_path.iterdir()) == []


def test_results_ignores_other_report_function_names_and_calls_summary_report(monkeypatch):
    import types

    fake = types.ModuleType("tinytorch.compression.report")
    fake.report = lambda: {"guessed": 1}  # one of the names that used to be tried
    monkeypatch.setitem(__import__("sys").modules, "tinytorch.compression.report", fake)
    assert results._report() is None
    fake.summary_report = lambda: {"measured": 2}
    assert results._report() == {
        "source": "tinytorch.compression.report.summary_report()",
        "columns": ["metric", "value"],
        "rows": [["measured", 2]],
    }
