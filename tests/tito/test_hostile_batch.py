"""One batch of hostile submissions (see the `batch` fixture in conftest.py), collected from two inboxes and
autograded twice with `tito grade autograde 16 --jobs 2 --timeout 10`: every submission gets its exact score
or a clear per-student error, nothing submitted is lost, and the kernel finds no hidden test near it."""
import json
import re

import nbformat

OK_STUDENTS = ["blank", "deleted", "dup", "edited", "huge", "loop", "one", "reference", "spy", "syntax"]
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
        assert "autograded 10/12 submissions" in grade.stdout
    assert {r["student"] for r in batch["rows"]} == set(OK_STUDENTS) | {"crash"}


def test_reference_solution_earns_all_85_auto_points_inside_the_hostile_batch(batch, notebooks, h):
    auto = {gid: pts for gid, (pts, kind) in h.graded_cells(notebooks["source"]).items() if kind == "auto"}
    assert sum(auto.values()) == 85.0
    assert _auto(batch["rows"], "reference") == auto
    assert _total(batch["rows"], "reference") == (85.0, 85.0)


def test_each_hostile_submission_gets_exactly_the_points_of_its_passing_cells(batch, notebooks, h):
    points = h.graded_cells(notebooks["source"])
    test_id, after_id = f"test-{batch['filled_id']}", f"test-{batch['after']}"
    one_cell = points[test_id][0]
    expected = {"blank": 0.0, "one": one_cell, "syntax": one_cell, "loop": one_cell, "deleted": one_cell,
                "edited": one_cell, "huge": one_cell, "spy": one_cell, "dup": one_cell, "crash": 0.0}
    assert {s: _total(batch["rows"], s)[0] for s in expected} == expected
    for student in ("one", "syntax", "loop", "deleted", "edited", "huge", "spy", "dup"):
        assert _auto(batch["rows"], student)[test_id] == one_cell, student
        assert _auto(batch["rows"], student)[after_id] == 0.0, student


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
    assert f"graded cell 'test-{batch['filled_id']}' was missing from compression.ipynb" in notes
    nb = nbformat.read(batch["course"] / "autograded" / "deleted" / "16_compression" / "compression.ipynb",
                       as_version=4)
    restored = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"test-{batch['filled_id']}")
    assert batch["hidden_line"] in restored.source


def test_edited_locked_test_cells_are_reported_and_graded_with_the_original(batch):
    notes = " ".join(_problems(batch["autograde"].stdout)["edited"])
    for gid in (f"test-{batch['filled_id']}", f"test-{batch['after']}"):
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


def test_a_link_planted_by_the_kernel_does_not_let_nbgrader_overwrite_another_submission(batch):
    spy = _spy_report(batch["course"])
    assert spy["planted_link_to_existing_file"] is True
    submitted = batch["course"] / "submitted" / "one" / "16_compression" / "compression.ipynb"
    assert submitted.read_bytes() == (batch["inboxes"][0] / "one.ipynb").read_bytes()
    assert not (batch["course"] / "autograded" / "spy" / "16_compression" / "compression.ipynb").is_symlink()


def test_documented_limit_the_kernel_can_still_read_the_course_by_absolute_path(batch):
    """Not a protection: student code runs with the grader's OS rights (see README). This test keeps the README honest."""
    assert _spy_report(batch["course"])["real_gradebook_readable_by_absolute_path"] is True


def test_writes_outside_the_notebook_folder_are_discarded_and_reported(batch, course_repo):
    notes = " ".join(_problems(batch["autograde"].stdout)["spy"])
    assert "wrote files outside its folder (discarded): ../../../../pwned.txt, ../../../gradebook.db" in notes
    assert not list(course_repo.parent.rglob("pwned.txt"))
    tmp = batch["grading_tmp"]  # the graders' TMPDIR: private trees were made (and are removed) here
    assert not list(tmp.rglob("pwned.txt")) and not (tmp.parent / "pwned.txt").exists()
    assert list(tmp.iterdir()) == []


def test_no_submission_is_lost_or_overwritten(batch, h):
    inbox1, inbox2 = batch["inboxes"]
    assert (h.tree_digest(inbox1), h.tree_digest(inbox2)) == batch["inboxes_before"]
    submitted = batch["course"] / "submitted"
    after = h.tree_digest(submitted)
    dup = [k for k in after if k.startswith("dup/")]
    # after two autogrades and the spy, only dup's third submission (and the backup of its second) were added
    assert {k: v for k, v in after.items() if k not in dup} == {k: v for k, v in batch["submitted_before"].items()
                                                               if not k.startswith("dup/")}
    for student in OK_STUDENTS + FAILED:
        if student != "dup":
            assert (submitted / student / "16_compression" / "compression.ipynb").read_bytes() == \
                (inbox1 / f"{student}.ipynb").read_bytes()
    folder = submitted / "dup" / "16_compression"
    assert (folder / "compression.ipynb").read_bytes() == (batch["inbox3"] / "dup.ipynb").read_bytes()
    kept = sorted(folder.glob("compression.*.ipynb.bak"))  # timestamped names sort by time
    assert [p.read_bytes() for p in kept] == [(inbox1 / "dup.ipynb").read_bytes(), (inbox2 / "dup.ipynb").read_bytes()]
    assert "previous kept as compression." in batch["collects"][1].stdout


def test_collect_skips_files_that_are_not_student_notebooks_and_says_why(batch):
    first = batch["collects"][0]
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"alice\.txt\s+skipped: not a <student>\.ipynb file", first.stdout)
    assert re.search(r"\.\.evil\.ipynb\s+skipped: a student id is", first.stdout)
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
    assert re.search(r"^dup\s+compression\s.*\s0/85\s+0/100$", report.stdout, re.M), report.stdout


def test_a_cell_that_ignores_the_interrupt_gets_its_kernel_killed_and_a_clear_error(course_repo, notebooks, tmp_path, h):
    import shutil

    course = tmp_path / "course"  # a copy of the generated course, so the shared batch is not touched
    shutil.copytree(course_repo / "course", course, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback"))
    stubborn = h.small(notebooks["release"], insert={h.first_tested_solution(notebooks["source"]): (
        "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except KeyboardInterrupt:\n        pass\n")})
    folder = course / "submitted" / "stubborn" / "16_compression"
    folder.mkdir(parents=True)
    nbformat.write(stubborn, folder / "compression.ipynb")
    result = h.tito(["grade", "autograde", "16", "--course", course, "--timeout", 1], course_repo)
    assert result.returncode == 1 and "autograded 0/1 submissions" in result.stdout, result.stdout + result.stderr
    problems = " ".join(_problems(result.stdout)["stubborn"])
    assert re.search(r"ERROR \(not graded, 0 points\)\s+the kernel did not stop when cell \d+ was interrupted after "
                     r"the timeout \(the cell ignores KeyboardInterrupt\); it was killed", problems), problems
