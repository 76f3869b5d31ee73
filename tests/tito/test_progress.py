"""`tito module complete` shows pytest's progress: one line per test file as it finishes
(tito/pytest_progress.py), while the rest of pytest's output goes to the log only."""

from tito import workflow


def test_pytest_progress_prints_one_line_per_test_file_with_its_counts(tmp_path, capsys):
    (tmp_path / "test_a.py").write_text("def test_one():\n    pass\n\ndef test_two():\n    assert 1 == 2\n")
    (tmp_path / "test_b.py").write_text("import pytest\n\n@pytest.mark.skip\ndef test_three():\n    pass\n")
    log = tmp_path / "log.txt"
    code = workflow.pytest(
        tmp_path, [tmp_path], ["-p", "no:cacheprovider"], log=log, echo=False, progress=True
    )
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert [line.split(" [")[0] for line in lines] == [
        "  test_a.py: 1 failed, 1 passed",
        "  test_b.py: 1 skipped",
    ]
    assert [line.split(" [")[1].split(" tests")[0] for line in lines] == ["2/3", "3/3"]
    assert "assert 1 == 2" in log.read_text()
