"""Ctrl-C and concurrent runs: a real `tito grade autograde` subprocess gets SIGINT (sent to its whole process
group, as a terminal's Ctrl-C is) while a slow submission is being graded, and a second run meanwhile is
refused by the course lock. No score is voided or changed; the lock is released; a stale lock is taken
over."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import nbformat

MODULE = "16_compression"
SLEEP = "import time\ntime.sleep(120)\n"


def _course(course_repo, dest):
    shutil.copytree(
        course_repo / "course",
        dest,
        ignore=shutil.ignore_patterns(
            "submitted", "autograded", "feedback", "tito-autograde.json", ".tito-grade.lock"
        ),
    )
    return dest


def _submit(course, student, nb):
    folder = course / "submitted" / student / MODULE
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "compression.ipynb")


def _state(repo, course, h, out, students):
    """(report CSV rows, autograded notebook digests, status entries) of `students`."""
    result = h.tito(["grade", "report", "16", "--course", course, "--csv", out, "--cells"], repo)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["student"] in students]
    status = json.loads((course / "tito-autograde.json").read_text())[MODULE]
    return (
        rows,
        {k: v for k, v in h.tree_digest(course / "autograded").items() if k.split("/")[0] in students},
        {s: status[s] for s in students},
    )


def _start(course_repo, course, env):
    return subprocess.Popen(
        [sys.executable, "-m", "tito", "grade", "autograde", "16", "--course", str(course), "--jobs", "1"],
        cwd=course_repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_ctrl_c_keeps_every_score_and_a_concurrent_run_is_refused(
    graded_course, course_repo, notebooks, tmp_path, h
):
    source, release = notebooks["source"], notebooks["release"]
    filled = h.first_tested_solution(source)
    course = shutil.copytree(graded_course, tmp_path / "course", symlinks=True)  # blank, reference: scored
    students = ("blank", "reference")
    before = _state(course_repo, course, h, tmp_path / "before.csv", students)
    good = h.small(release, fill={filled: h.solution_source(source, filled)})
    _submit(course, "a", good)  # graded first in the run below: then blank is being graded
    slow = h.small(release, fill={filled: h.solution_source(source, filled)}, insert={filled: SLEEP})
    _submit(course, "blank", slow)  # interrupted
    _submit(course, "reference", release)  # would score 0, but is never reached
    grading_tmp = tmp_path / "grading-tmp"
    grading_tmp.mkdir()
    env = dict(os.environ, PYTHONPATH=str(course_repo), TMPDIR=str(grading_tmp))
    run = _start(course_repo, course, env)
    assert run.stdout.readline().startswith("autograding 16_compression: 1/3 a")  # blank is being graded now
    time.sleep(2)
    second = h.tito(["grade", "autograde", "16", "--course", course], course_repo)
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=120)
    assert second.returncode == 1
    assert f"is in use by `tito grade autograde` (pid {run.pid}, user " in second.stderr, second.stderr
    assert run.returncode == 130, out + err
    assert "INTERRUPTED: 2 submission(s) not graded" in out
    assert "interrupted (Ctrl-C) before grading finished; its previous score is unchanged" in out
    assert "not graded: the batch was interrupted (Ctrl-C) first" in out
    assert (
        _state(course_repo, course, h, tmp_path / "after.csv", students) == before
    )  # none voided or changed
    assert list(grading_tmp.iterdir()) == []  # the interrupted grader's private tree is gone
    assert (course / ".tito-grade.lock").read_text() == ""  # released


def test_a_stale_lock_file_is_taken_over_with_a_warning(course_repo, notebooks, tmp_path, h):
    course = _course(course_repo, tmp_path / "course")
    _submit(course, "a", h.small(notebooks["release"]))  # graded cells only: the lock is the claim
    (course / ".tito-grade.lock").write_text(
        json.dumps(
            {
                "command": "autograde",
                "pid": 999999,
                "user": "ghost",
                "host": "old",
                "started": "2020-01-01T00:00:00",
            }
        )
    )
    result = h.tito(["grade", "autograde", "16", "--course", course], course_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "taking over a lock left by `tito grade autograde` (pid 999999, user ghost on old" in result.stderr
