"""One batch of hostile submissions (see the `batch` fixture in conftest.py), collected from two inboxes and
autograded twice with `tito grade autograde 16 --jobs 2 --timeout 10`: every submission gets its exact score
or a clear per-student error, nothing submitted is lost, and the kernel finds no hidden test near it."""
import json
import re
import tempfile
from pathlib import Path

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
    assert re.search(r"cell \d+ was stopped after the 10 s timeout", notes), notes


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
    assert spy == {"cwd_files": [], "secret_paths": [], "leaks": []}


def test_writes_outside_the_notebook_folder_are_discarded_and_reported(batch, course_repo):
    notes = " ".join(_problems(batch["autograde"].stdout)["spy"])
    assert "wrote files outside its folder (discarded): ../../../../pwned.txt, ../../../gradebook.db" in notes
    assert not list(course_repo.parent.rglob("pwned.txt"))
    assert not (Path(tempfile.gettempdir()) / "pwned.txt").exists()
    assert not list(Path(tempfile.gettempdir()).glob("tito-grade-*"))  # private trees are removed


def test_no_submission_is_lost_or_overwritten(batch, h):
    inbox1, inbox2 = batch["inboxes"]
    assert (h.tree_digest(inbox1), h.tree_digest(inbox2)) == batch["inboxes_before"]
    submitted = batch["course"] / "submitted"
    assert h.tree_digest(submitted) == batch["submitted_before"]  # after two autogrades and the spy
    for student in OK_STUDENTS + FAILED:
        newest = inbox2 / f"{student}.ipynb" if student == "dup" else inbox1 / f"{student}.ipynb"
        assert (submitted / student / "16_compression" / "compression.ipynb").read_bytes() == newest.read_bytes()
    [kept] = (submitted / "dup" / "16_compression").glob("compression.*.ipynb.bak")
    assert kept.read_bytes() == (inbox1 / "dup.ipynb").read_bytes()
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
