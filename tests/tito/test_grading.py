"""Instructor flow end to end: generate, collect, autograde in parallel, report CSV, release bundle,
validate."""

import zipfile

import nbformat

from tito.grading.judge_apply import CANARIES

SOLUTION, HIDDEN = "### BEGIN " + "SOLUTION", "### BEGIN " + "HIDDEN TESTS"


def _auto_rows(rows, student):
    """{grade id: (score, max)} of a student's automatic cells, the 0-point canary cells left out."""
    return {
        r["grade_id"]: (float(r["score"]), float(r["max_score"]))
        for r in rows
        if r["student"] == student and r["kind"] == "auto" and r["grade_id"] not in CANARIES
    }


def _total(rows, student, which="auto"):
    row = next(r for r in rows if r["student"] == student and r["grade_id"] == which)
    return float(row["score"]), float(row["max_score"])


def test_autograde_with_two_jobs_grades_every_submission(autograded):
    """The batch (see conftest): every submission is graded except a kernel crash and a non-notebook."""
    result, total = autograded["autograde"], len(autograded["students"]) + 1
    assert result.returncode == 1 and f"autograded {total - 2}/{total} submissions" in result.stdout, (
        result.stdout + result.stderr
    )
    assert {"reference", "blank", "one"} <= {r["student"] for r in autograded["rows"]}


def test_reference_solution_earns_every_autograded_point(autograded, notebooks, h):
    expected = {
        gid: pts for gid, (pts, kind) in h.graded_cells(notebooks["source"]).items() if kind == "auto"
    }
    assert _auto_rows(autograded["rows"], "reference") == {gid: (pts, pts) for gid, pts in expected.items()}
    assert _total(autograded["rows"], "reference") == (sum(expected.values()), sum(expected.values()))


def test_blank_release_scores_zero_without_crashing(autograded, notebooks, h):
    expected = {
        gid: pts for gid, (pts, kind) in h.graded_cells(notebooks["source"]).items() if kind == "auto"
    }
    assert _auto_rows(autograded["rows"], "blank") == {gid: (0.0, pts) for gid, pts in expected.items()}
    assert _total(autograded["rows"], "blank", "total")[0] == 0.0


def test_one_filled_solution_cell_earns_exactly_its_test_points(autograded, notebooks, h):
    cells = h.graded_cells(notebooks["source"])
    tests = autograded["filled_tests"]
    rows = _auto_rows(autograded["rows"], "one")
    assert {g: rows[g] for g in tests} == {g: (cells[g][0], cells[g][0]) for g in tests}
    assert sum(score for gid, (score, _) in rows.items() if gid not in tests) == 0.0
    assert _total(autograded["rows"], "one")[0] == sum(cells[g][0] for g in tests)


def test_report_csv_has_one_row_per_grade_cell_plus_totals(autograded, notebooks, h):
    cells = h.graded_cells(notebooks["source"])
    for student in ("reference", "blank", "one"):
        mine = [r for r in autograded["rows"] if r["student"] == student and r["grade_id"] not in CANARIES]
        assert [r["grade_id"] for r in mine] == [*cells, "auto", "total"]
        assert all(r["notebook"] == "compression" for r in mine)
        total_max = sum(p for p, _ in cells.values())
        assert _total(autograded["rows"], student, "total")[1] == total_max
    assert list(autograded["rows"][0]) == ["student", "notebook", "grade_id", "score", "max_score", "kind"]


def test_release_removes_solutions_and_hidden_tests(notebooks, h):
    text = "\n".join(c.source for c in notebooks["release"].cells)
    assert SOLUTION not in text and HIDDEN not in text
    assert text.count("raise NotImplementedError()") >= len(h.solution_cells(notebooks["source"]))


def _secret_regions(nb):
    regions = []
    for cell in nb.cells:
        lines, inside = [], False
        for line in cell.source.splitlines():
            if line.strip().startswith("### BEGIN "):
                inside, lines = True, []
            elif line.strip().startswith("### END ") and inside:
                inside = False
                body = [x.strip() for x in lines if x.strip()]
                if len(body) >= 2:
                    regions.append("\n".join(body))
            elif inside:
                lines.append(line)
    return regions


def test_release_bundle_contains_no_solution_code_or_hidden_tests(course_repo, notebooks, tmp_path, h):
    import shutil
    from pathlib import Path

    student = (
        Path(__file__).parent / "fixtures" / "student"
    )  # make_repo copies tests/16_compression/*.py only
    shutil.copytree(
        h.REPO / "tests" / h.MODULE / "student" if h.uses_real_notebook() else student,
        course_repo / "tests" / h.MODULE / "student",
        dirs_exist_ok=True,
    )
    out = tmp_path / "bundle"
    result = h.tito(["grade", "release", "16", "--out", out, "--zip"], course_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    regions = _secret_regions(notebooks["source"])
    assert regions, "the source notebook should have multi-line solution regions to look for"
    scanned = 0
    for path in out.rglob("*"):
        if not path.is_file() or path.suffix in (".gz", ".db"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        flat = "\n" + "\n".join(x.strip() for x in text.splitlines() if x.strip()) + "\n"
        assert SOLUTION not in text and HIDDEN not in text, path
        assert not [r for r in regions if "\n" + r + "\n" in flat], path
        scanned += 1
    assert scanned > 20
    for rel in (
        "modules/16_compression/compression_dev.ipynb",
        "modules/16_compression/compression_dev.py",
        "tinytorch/compression/__init__.py",
        "tito/__main__.py",
        "pyproject.toml",
        "README.md",
    ):
        assert (out / rel).is_file(), rel
    assert any((out / "tests" / h.MODULE / "student").glob("test_*.py"))
    assert not (out / "tests" / "tito").exists()
    exported = "".join(p.read_text() for p in (out / "tinytorch" / "compression").glob("*.py"))
    assert exported.count("raise NotImplementedError()") >= len(h.solution_cells(notebooks["source"]))
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        assert "bundle/tinytorch/compression/__init__.py" in archive.namelist()


def _prefix(nb, upto_grade_id, h):
    """The short form of nb (h.small: its graded structure without the training demos) up to and including the
    graded cell `upto_grade_id`."""
    short = h.small(nb)
    cut = next(
        i
        for i, c in enumerate(short.cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") == upto_grade_id
    )
    short.cells = short.cells[: cut + 1]
    return short


def test_validate_exits_0_when_graded_cells_pass_and_1_when_one_fails(course_repo, notebooks, tmp_path, h):
    tests = h.tests_of(notebooks["source"], h.first_tested_solution(notebooks["source"]))
    nbformat.write(_prefix(notebooks["source"], tests[-1], h), tmp_path / "good.ipynb")
    nbformat.write(_prefix(notebooks["release"], tests[-1], h), tmp_path / "bad.ipynb")
    good = h.tito(["grade", "validate", tmp_path / "good.ipynb"], course_repo)
    bad = h.tito(["grade", "validate", tmp_path / "bad.ipynb"], course_repo)
    assert good.returncode == 0, good.stdout + good.stderr
    assert bad.returncode == 1 and f"VALIDATION FAILED on {len(tests)} cell(s)" in bad.stdout, bad.stdout
    assert h.tito(["grade", "validate", tmp_path / "missing.ipynb"], course_repo).returncode == 2


def test_collect_keeps_a_timestamped_copy_instead_of_overwriting(course_repo, notebooks, tmp_path, h):
    course, inbox = tmp_path / "course", tmp_path / "inbox"
    inbox.mkdir()
    nbformat.write(notebooks["release"], inbox / "dana.ipynb")
    assert h.tito(["grade", "collect", "16", inbox, "--course", course], course_repo).returncode == 0
    first = (course / "submitted" / "dana" / h.MODULE / "compression.ipynb").read_bytes()
    nbformat.write(notebooks["source"], inbox / "dana.ipynb")
    again = h.tito(["grade", "collect", "16", inbox, "--course", course], course_repo)
    assert again.returncode == 0 and "previous kept as" in again.stdout
    folder = course / "submitted" / "dana" / h.MODULE
    kept = list(folder.glob("compression.*.ipynb.bak"))
    assert len(kept) == 1 and kept[0].read_bytes() == first
    assert (folder / "compression.ipynb").read_bytes() == (inbox / "dana.ipynb").read_bytes()


def test_autograde_before_generate_fails_with_exit_1(course_repo, tmp_path, h):
    result = h.tito(["grade", "autograde", "16", "--course", tmp_path / "empty"], course_repo)
    assert result.returncode == 1 and "tito grade generate" in result.stderr


def test_feedback_writes_one_html_report_per_autograded_student(course_repo, autograded, h):
    result = h.tito(["grade", "feedback", "16"], course_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    feedback = course_repo / "course" / "feedback"
    graded = sorted(set(autograded["students"]) - {"crash"})
    assert sorted(p.parent.parent.name for p in feedback.glob(f"*/{h.MODULE}/compression.html")) == graded


def test_collect_refuses_invalid_or_non_ascii_student_ids_and_copies_nothing(
    course_repo, notebooks, tmp_path, h
):
    course, inbox = tmp_path / "course", tmp_path / "inbox"
    inbox.mkdir()
    for name in ("ok", "..evil", "José", "-dash", "a b"):
        nbformat.write(notebooks["release"], inbox / f"{name}.ipynb")
    (inbox / "notes.txt").write_text("not a notebook")
    result = h.tito(["grade", "collect", "16", inbox, "--course", course], course_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "4 file name(s)" in result.stderr and "nothing was collected" in result.stderr
    invalid = [line.split()[0] for line in result.stdout.splitlines() if "INVALID: a student id is" in line]
    assert sorted(invalid) == sorted(["..evil.ipynb", "José.ipynb", "-dash.ipynb", "a"])  # 'a b.ipynb' splits
    assert not (course / "submitted").exists()
