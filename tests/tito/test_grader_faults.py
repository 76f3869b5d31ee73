"""Faults on the instructor's side, injected into real nbgrader runs: a full disk while a result is saved or a
submission collected, a damaged gradebook, the leftovers of a killed run, and feedback for a student whose
autograded notebook is gone. No valid score is ever voided by them."""

import errno
import shutil
import subprocess
import sys

import pytest

from tito.grading import commit, submission, worker
from tito.grading import nbgrader_api as grading

MODULE = "16_compression"


@pytest.fixture
def course(graded_course, tmp_path):
    return shutil.copytree(graded_course, tmp_path / "course", symlinks=True)


@pytest.fixture(scope="module")
def regraded(graded_course, course_repo, tmp_path_factory):
    """A fresh grading result of "reference" (its private folder), ready to be committed to a copy of the
    course."""
    grading.prepare_env(course_repo)
    tmp = tmp_path_factory.mktemp("regraded")
    result = worker.grade(graded_course, MODULE, "reference", tmp, 60)
    assert result["ok"], result
    return tmp, result


def _state(course, h):
    """Scores of every student and every file under autograded/."""
    return grading.scores(course, MODULE), h.tree_digest(course / "autograded")


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["notebook copy", "score merge"])
def test_a_full_disk_while_saving_keeps_the_previous_score_and_notebook(
    course, regraded, h, monkeypatch, where
):
    tmp, result = regraded
    before = _state(course, h)
    if where == "notebook copy":
        monkeypatch.setattr(commit.shutil, "copy2", _no_space)
    else:
        monkeypatch.setattr(grading, "merge_grades", _no_space)
    saved = commit._commit(course, MODULE, "reference", tmp, result)
    assert (saved["ok"], saved["not_saved"]) == (False, True)
    assert "No space left on device" in saved["message"] and "previous score" in saved["message"]
    assert _state(course, h) == before
    assert sorted(p.name for p in (course / "autograded" / "reference").iterdir()) == [MODULE]


def test_without_a_fault_the_staged_result_replaces_the_old_one(course, regraded, h):
    tmp, result = regraded
    (course / "autograded" / "reference" / MODULE / "stale.txt").write_text("from an older run")
    assert commit._commit(course, MODULE, "reference", tmp, result)["ok"]
    files = sorted(p.name for p in (course / "autograded" / "reference").iterdir())
    assert files == [MODULE] and not (course / "autograded" / "reference" / MODULE / "stale.txt").exists()


def test_collect_on_a_full_disk_leaves_the_current_submission_and_no_partial_file(tmp_path, monkeypatch):
    dest = tmp_path / "submitted" / "ann" / MODULE / "compression.ipynb"
    dest.parent.mkdir(parents=True)
    dest.write_text('{"cells": [], "old": 1}')
    new = tmp_path / "ann.ipynb"
    new.write_text('{"cells": [], "new": 1}')
    monkeypatch.setattr("os.fsync", _no_space)
    with pytest.raises(OSError, match="No space left"):
        submission.collect_one(new, dest, "ann")
    assert [p.name for p in dest.parent.iterdir()] == ["compression.ipynb"]
    assert dest.read_text() == '{"cells": [], "old": 1}'


def test_collect_of_a_resubmission_keeps_the_old_file_as_bak_and_installs_the_new_one(tmp_path):
    dest = tmp_path / "compression.ipynb"
    dest.write_text('{"old": 1}')
    new = tmp_path / "ann.ipynb"
    new.write_text('{"new": 1}')
    submission.collect_one(new, dest, "ann")
    baks = list(tmp_path.glob("compression.*.ipynb.bak"))
    assert dest.read_text() == '{"new": 1}' and [b.read_text() for b in baks] == ['{"old": 1}']


@pytest.mark.parametrize("content", [b"", b"this is not a database" * 100], ids=["empty", "garbage"])
@pytest.mark.parametrize("command", ["report", "autograde", "feedback", "generate"])
def test_a_damaged_gradebook_is_refused_with_its_path_and_never_recreated(
    course, course_repo, h, content, command
):
    db = course / "gradebook.db"
    db.write_bytes(content)
    result = h.tito(["grade", command, "16", "--course", course], course_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the gradebook is damaged: restore it from a backup" in result.stderr and str(db) in result.stderr
    assert db.read_bytes() == content


def test_the_next_run_cleans_what_a_killed_run_left_behind(course, course_repo, h, tmp_path):
    ref, blank = course / "autograded" / "reference", course / "autograded" / "blank"
    shutil.copytree(ref / MODULE, ref / f".{MODULE}.old")  # killed after the swap, before removing .old
    shutil.copytree(blank / MODULE, blank / f".{MODULE}.new")  # killed between the two renames
    (blank / MODULE).rename(blank / f".{MODULE}.old")
    (ref / f".{MODULE}.tmp").mkdir()  # killed while staging
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True
    )
    temp = tmp_path / "tmpdir"
    stale = temp / f"{commit.TEMP_PREFIX}{int(dead.stdout)}-abc"
    live = temp / f"{commit.TEMP_PREFIX}{1}-def"  # pid 1 is alive
    for folder in (stale / "sandbox", live):
        folder.mkdir(parents=True)
    result = h.tito(
        ["grade", "feedback", "16", "--course", course], course_repo, extra_env={"TMPDIR": str(temp)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in ref.iterdir()) == sorted(p.name for p in blank.iterdir()) == [MODULE]
    assert sorted(p.name for p in temp.iterdir()) == [live.name]
    assert len(list((course / "feedback").glob(f"*/{MODULE}/*.html"))) == 2


def test_feedback_for_a_student_with_scores_but_no_autograded_notebook_says_so_in_one_line(
    course, course_repo, h
):
    shutil.rmtree(course / "autograded" / "blank")
    everyone = h.tito(["grade", "feedback", "16", "--course", course], course_repo)
    assert everyone.returncode == 0, everyone.stdout + everyone.stderr
    lines = [line for line in everyone.stderr.splitlines() if "blank" in line]
    expected = (
        "warning: blank has scores but no autograded notebook: no feedback for them; "
        "run `tito grade autograde 16 --student blank` first"
    )
    assert lines == [expected]
    assert [p.parts[-3] for p in (course / "feedback").glob(f"*/{MODULE}/*.html")] == ["reference"]
    alone = h.tito(["grade", "feedback", "16", "--course", course, "--student", "blank"], course_repo)
    assert alone.returncode == 1 and alone.stderr.count("\n") == 1, alone.stderr
