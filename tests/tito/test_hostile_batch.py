"""One batch of hostile submissions (see the `batch` fixture in conftest.py), collected from two inboxes and
autograded twice with `tito grade autograde 16 --jobs 2 --timeout 10 --memory 1024`, every kernel under real
bubblewrap: every submission gets its exact score or a clear per-student error, nothing submitted is lost,
the repository is unchanged, and no kernel reaches the gradebook, the hidden tests or another submission."""

import json
import re

import nbformat
import pytest

OK_STUDENTS = [
    "blank",
    "deleted",
    "dup",
    "edited",
    "huge",
    "killer",
    "loop",
    "one",
    "oom",
    "pasted",
    "reference",
    "spy",
    "syntax",
]
FAILED = ["crash", "x"]


def _auto(rows, student):
    return {r["grade_id"]: float(r["score"]) for r in rows if r["student"] == student and r["kind"] == "auto"}


def _total(rows, student, which="auto"):
    row = next(r for r in rows if r["student"] == student and r["grade_id"] == which)
    return float(row["score"]), float(row["max_score"])


def _problems(stdout):
    """{student: [status/detail lines]} from the 'Problems found while autograding' table."""
    found = {}
    lines = stdout.split("Problems found while autograding", 1)[1].splitlines()[2:]
    for line in lines:
        student, _, rest = line.partition("  ")
        found.setdefault(student.strip(), []).append(rest.strip())
    return found


def _spy_report(course):
    nb = nbformat.read(course / "autograded" / "spy" / "16_compression" / "compression.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    return json.loads(re.search(r"^SPY (.*)$", text, re.M).group(1))


def test_batch_grades_every_readable_submission_and_reports_exit_1_for_the_two_broken_ones(batch):
    for run in batch["runs"]:
        grade = run["autograde"]
        assert grade.returncode == 1, grade.stdout + grade.stderr
        assert f"autograded {len(OK_STUDENTS)}/{len(OK_STUDENTS) + 2} submissions" in grade.stdout
        assert "kernels sandboxed (bubblewrap)" in grade.stdout
    assert {r["student"] for r in batch["rows"]} == set(OK_STUDENTS + FAILED)  # failed: 0 points, flagged


def test_reference_solution_earns_every_auto_point_inside_the_hostile_batch(batch, notebooks, h):
    auto = {gid: pts for gid, (pts, kind) in h.graded_cells(notebooks["source"]).items() if kind == "auto"}
    assert _auto(batch["rows"], "reference") == auto
    assert _total(batch["rows"], "reference") == (sum(auto.values()), sum(auto.values()))


def test_each_hostile_submission_gets_exactly_the_points_of_its_passing_cells(batch, notebooks, h):
    points = h.graded_cells(notebooks["source"])
    one_cell = batch["one_cell"]  # the points of the test cells of the one filled-in solution
    hostile = ("one", "syntax", "loop", "deleted", "edited", "huge", "spy", "killer", "oom", "pasted", "dup")
    expected = {"blank": 0.0, "crash": 0.0, **{s: one_cell for s in hostile}}
    assert {s: _total(batch["rows"], s)[0] for s in expected} == expected
    for student in hostile:
        assert {g: _auto(batch["rows"], student)[g] for g in batch["filled_tests"]} == {
            g: points[g][0] for g in batch["filled_tests"]
        }, student
        assert {_auto(batch["rows"], student)[g] for g in batch["after_tests"]} == {0.0}, student


def test_kernel_crash_and_garbage_file_are_clear_per_student_errors(batch):
    problems = _problems(batch["autograde"].stdout)
    crash = " ".join(problems["crash"])
    assert "ERROR (not graded, 0 points)" in crash
    assert re.search(rf"the kernel died while running cell \d+ \({batch['after']}\)", crash), crash
    garbage = " ".join(problems["x"])
    assert "ERROR (not graded, 0 points)" in garbage
    assert "compression.ipynb is not a readable Jupyter notebook" in garbage
    assert "reference" not in problems and "one" not in problems and "blank" not in problems


def test_infinite_loop_is_interrupted_by_the_cell_timeout_and_the_rest_still_runs(batch):
    notes = " ".join(_problems(batch["autograde"].stdout)["loop"])
    assert re.search(r"cell \d+ was interrupted after the 10 s timeout", notes), notes


def test_deleted_test_cell_is_restored_and_graded_with_its_hidden_tests(batch):
    notes = " ".join(_problems(batch["autograde"].stdout)["deleted"])
    assert f"graded cell '{batch['first_test']}' was missing from compression.ipynb" in notes
    nb = nbformat.read(
        batch["course"] / "autograded" / "deleted" / "16_compression" / "compression.ipynb", as_version=4
    )
    restored = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == batch["first_test"]
    )
    assert batch["hidden_line"] in restored.source


def test_edited_locked_test_cells_are_reported_and_graded_with_the_original(batch):
    notes = " ".join(_problems(batch["autograde"].stdout)["edited"])
    for gid in (batch["first_test"], batch["later_test"]):
        assert f"locked cell '{gid}' of compression.ipynb was edited (nbgrader checksum differs)" in notes


def test_huge_output_is_truncated_in_the_notebook_and_never_reaches_the_gradebook(batch):
    notes = " ".join(_problems(batch["autograde"].stdout)["huge"])
    assert re.search(r"output of cell \d+ was truncated at 100000 characters", notes), notes
    graded = batch["course"] / "autograded" / "huge" / "16_compression" / "compression.ipynb"
    reference = batch["course"] / "autograded" / "one" / "16_compression" / "compression.ipynb"
    assert graded.stat().st_size < reference.stat().st_size + 110_000
    assert (batch["course"] / "gradebook.db").stat().st_size < 2_000_000


def test_kernel_cwd_has_no_path_to_hidden_tests_gradebook_or_other_submissions(batch):
    spy = _spy_report(batch["course"])
    assert (spy["cwd_files"], spy["secret_paths"], spy["leaks"]) == ([], [], [])


def test_sandboxed_kernel_cannot_read_the_gradebook_or_write_the_package_or_other_submissions(batch):
    attempts = _spy_report(batch["course"])["attempts"]
    assert attempts == {
        "read gradebook": "FileNotFoundError",
        "read source notebook": "FileNotFoundError",
        "write other submission": "FileNotFoundError",
        "write package": "OSError",  # EROFS
        "write relative up": "PermissionError",
        "network": "OSError",
    }, attempts


def test_sandboxed_kernel_sees_no_course_no_tests_and_no_home_files(batch, course_repo):
    import os
    import sys
    from pathlib import Path

    spy = _spy_report(batch["course"])
    assert spy["repo_listing"] == [
        "tinytorch"
    ]  # only the package it imports, read-only; no course/, no tests/
    home = Path(os.path.expanduser("~"))
    python_dirs = {
        Path(p).resolve().relative_to(home).parts[0]
        for p in (sys.prefix, sys.base_prefix)
        if Path(p).resolve().is_relative_to(home)
    }
    assert set(spy["home_listing"]) <= python_dirs  # at most the Python installation, if it lives in $HOME


def test_blocked_writes_are_reported_and_the_repository_is_unchanged(batch, course_repo):
    assert "spy" in _problems(batch["autograde"].stdout)
    status = json.loads((batch["course"] / "tito-autograde.json").read_text())["16_compression"]
    notes = " ".join(
        status["spy"]["notes"]
    )  # the table shows each note on one clipped line; the file keeps it whole
    assert re.search(
        r"tried a write or access that the sandbox blocked: (PermissionError: \[Errno 13\] Permission "
        r"denied|OSError: \[Errno 30\] Read-only file system): '[^']*tinytorch/__init__.py'",
        notes,
    ), notes
    assert batch["repo_after"] == batch["repo_before"]
    assert not list(course_repo.parent.rglob("pwned*"))
    assert list(batch["grading_tmp"].iterdir()) == []  # private trees are removed


def test_a_link_planted_by_the_kernel_does_not_let_nbgrader_overwrite_another_submission(batch):
    spy = _spy_report(batch["course"])
    submitted = batch["course"] / "submitted" / "one" / "16_compression" / "compression.ipynb"
    assert submitted.read_bytes() == (batch["inboxes"][0] / "one.ipynb").read_bytes()
    assert not (batch["course"] / "autograded" / "spy" / "16_compression" / "compression.ipynb").is_symlink()
    assert "compression.ipynb" not in spy["cwd_files"]  # listed before the link was made


def test_killing_its_parent_or_every_process_it_can_signal_costs_nothing_and_processes_are_capped(batch):
    nb = nbformat.read(
        batch["course"] / "autograded" / "killer" / "16_compression" / "compression.ipynb", as_version=4
    )
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    children = int(re.search(r"^CHILDREN (\d+)$", text, re.M).group(1))
    assert 0 < children < 64  # --max-procs 64 counts the kernel's own threads too
    assert "killer" not in _problems(batch["autograde"].stdout) or all(
        not line.startswith("ERROR") for line in _problems(batch["autograde"].stdout)["killer"]
    )


def test_out_of_memory_in_one_cell_is_a_note_and_the_rest_is_graded(batch):
    notes = " ".join(_problems(batch["autograde"].stdout)["oom"])
    assert re.search(
        rf"cell \d+ ran out of memory \(MemoryError; the kernel's limit is {batch['memory_mb']} MB\)", notes
    ), notes


def test_copy_pasted_graded_cells_are_graded_once_with_a_warning(batch):
    notes = " ".join(_problems(batch["autograde"].stdout)["pasted"])
    for gid in (batch["filled_id"], batch["first_test"]):
        assert f"cell '{gid}' appears 2 times in compression.ipynb (copied and pasted?)" in notes, notes


def test_problems_table_has_one_line_per_problem(batch):
    table = batch["autograde"].stdout.split("Problems found while autograding", 1)[1].splitlines()[2:]
    students = {line.split()[0] for line in table if line.strip()}
    assert students <= set(OK_STUDENTS) | {"crash", "x"}  # no continuation lines of multi-line messages
    assert all(len(line) < 260 for line in table)


def test_no_submission_is_lost_or_overwritten(batch, h):
    inbox1, inbox2 = batch["inboxes"]
    assert (h.tree_digest(inbox1), h.tree_digest(inbox2)) == batch["inboxes_before"]
    submitted = batch["course"] / "submitted"
    after = h.tree_digest(submitted)
    dup = [k for k in after if k.startswith("dup/")]
    # after two autogrades and the spy, only dup's third submission (and the backup of its second) were added
    assert {k: v for k, v in after.items() if k not in dup} == {
        k: v for k, v in batch["submitted_before"].items() if not k.startswith("dup/")
    }
    for student in OK_STUDENTS + FAILED:
        if student != "dup":
            assert (submitted / student / "16_compression" / "compression.ipynb").read_bytes() == (
                inbox1 / f"{student}.ipynb"
            ).read_bytes()
    folder = submitted / "dup" / "16_compression"
    assert (folder / "compression.ipynb").read_bytes() == (batch["inbox3"] / "dup.ipynb").read_bytes()
    kept = sorted(folder.glob("compression.*.ipynb.bak"))  # timestamped names sort by time
    assert [p.read_bytes() for p in kept] == [
        (inbox1 / "dup.ipynb").read_bytes(),
        (inbox2 / "dup.ipynb").read_bytes(),
    ]
    assert "previous kept as compression." in batch["collects"][1].stdout


def test_collect_skips_files_that_are_not_student_notebooks_and_says_why(batch):
    first = batch["collects"][0]
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"alice\.txt\s+skipped: not a <student>\.ipynb file", first.stdout)
    assert re.search(r"x\s+new; WARNING compression\.ipynb is not a readable Jupyter notebook", first.stdout)
    assert sorted(p.name for p in (batch["course"] / "submitted").iterdir()) == sorted(OK_STUDENTS + FAILED)


def test_regrading_the_batch_gives_the_same_scores_and_problems(batch):
    first, second = batch["runs"]
    assert first["rows"] == second["rows"]
    assert _problems(first["autograde"].stdout) == _problems(second["autograde"].stdout)


def test_a_resubmission_that_cannot_be_graded_leaves_no_stale_points(batch, h):
    from nbgrader.api import Gradebook

    collect, grade, report = batch["revoke"]
    assert collect.returncode == 0 and grade.returncode == 1, grade.stdout + grade.stderr
    assert _total(batch["rows"], "dup")[0] > 0  # graded before the broken resubmission
    with Gradebook(f"sqlite:///{batch['course'] / 'gradebook.db'}", course_id="tinytorch") as gb:
        grades = [g for nb in gb.find_submission("16_compression", "dup").notebooks for g in nb.grades]
        assert {(g.auto_score, g.needs_manual_grade) for g in grades} == {(0.0, True)}
    assert not (batch["course"] / "autograded" / "dup").joinpath("16_compression").exists()
    problems = _problems(report.stdout)
    assert "ERROR (not graded, 0 points)" in " ".join(problems["dup"])
    # automatic 0; total unknown ('-') while its manual answers are not graded
    assert re.search(r"^dup\s+compression\s.*\s0/\d+\s+-/\d+$", report.stdout, re.M), report.stdout


def test_a_cell_that_ignores_the_interrupt_gets_its_kernel_killed_and_a_clear_error(
    course_repo, notebooks, tmp_path, h
):
    import shutil

    course = tmp_path / "course"  # a copy of the generated course, so the shared batch is not touched
    shutil.copytree(
        course_repo / "course", course, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback")
    )
    stubborn = h.small(
        notebooks["release"],
        insert={
            h.first_tested_solution(notebooks["source"]): (
                "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except KeyboardInterrupt:\n        pass\n"
            )
        },
    )
    folder = course / "submitted" / "stubborn" / "16_compression"
    folder.mkdir(parents=True)
    nbformat.write(stubborn, folder / "compression.ipynb")
    result = h.tito(["grade", "autograde", "16", "--course", course, "--timeout", 1], course_repo)
    assert result.returncode == 1 and "autograded 0/1 submissions" in result.stdout, (
        result.stdout + result.stderr
    )
    problems = " ".join(_problems(result.stdout)["stubborn"])
    assert re.search(
        r"ERROR \(not graded, 0 points\)\s+the kernel did not stop when cell \d+ was interrupted after "
        r"the timeout \(the cell ignores KeyboardInterrupt\); it was killed",
        problems,
    ), problems


def _course_copy(course_repo, dest):
    import shutil

    shutil.copytree(
        course_repo / "course",
        dest,
        ignore=shutil.ignore_patterns("submitted", "autograded", "feedback", "tito-autograde.json"),
    )
    return dest


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_kernel_that_kills_its_grading_process_costs_only_its_own_submission(
    course_repo, notebooks, tmp_path, h, jobs
):
    """Without the sandbox the kernel's parent is the submission's grading process: killing it fails that
    submission only, with --jobs 1 (tito itself survives) and --jobs 2 alike."""
    source, release = notebooks["source"], notebooks["release"]
    filled = h.first_tested_solution(source)
    course = _course_copy(course_repo, tmp_path / "course")
    good = {filled: h.solution_source(source, filled)}
    students = {
        "killparent": h.small(
            release,
            fill=good,
            insert={filled: ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")},
        ),
        "one": h.small(release, fill=good),
        "zed": h.small(release, fill=good),
    }
    for student, nb in students.items():
        (course / "submitted" / student / "16_compression").mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / "16_compression" / "compression.ipynb")
    result = h.tito(
        ["grade", "autograde", "16", "--course", course, "--jobs", jobs, "--no-sandbox"], course_repo
    )
    assert result.returncode == 1 and "autograded 2/3 submissions" in result.stdout, (
        result.stdout + result.stderr
    )
    assert "--no-sandbox: student code runs with your operating-system rights" in result.stderr
    problems = " ".join(_problems(result.stdout)["killparent"])
    assert "ERROR (not graded, 0 points)  its grading process died (killed by SIGKILL)" in problems, problems
    one_cell = sum(h.graded_cells(source)[g][0] for g in h.tests_of(source, filled))
    # the per-student table: automatic points, then '-' for the manual answers nobody has graded yet
    for student in ("one", "zed"):
        assert re.search(rf"^{student}\s+{one_cell:g}\s+-\s", result.stdout, re.M), result.stdout
