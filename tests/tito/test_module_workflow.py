"""Student flow end to end in temporary repository copies: start/reset with backups, export, complete."""

import json
import re

import nbformat

SOLUTION = "### BEGIN " + "SOLUTION"


def _dev(root, h, suffix):
    return root / "modules" / h.MODULE / f"compression_dev.{suffix}"


def _backups(root, verb):
    return sorted((root / ".tito" / "backups").glob(f"*-{verb}-16_compression"))


def test_start_refuses_a_notebook_with_solutions_and_force_keeps_a_backup(tmp_path, h, started_repo):
    root = h.make_repo(tmp_path / "repo")
    original = _dev(root, h, "py").read_bytes()
    refused = h.tito(["module", "start", "16"], root)
    assert refused.returncode == 1
    assert "contain solutions" in refused.stderr and "--force" in refused.stderr
    assert _dev(root, h, "py").read_bytes() == original and not _backups(root, "start")

    # started_repo is the same copy after `tito module start 16 --force`
    [backup] = _backups(started_repo, "start")
    assert (backup / "modules" / h.MODULE / "compression_dev.py").read_bytes() == original
    for suffix in ("py", "ipynb"):
        text = _dev(started_repo, h, suffix).read_text()
        assert SOLUTION not in text and "raise NotImplementedError()" in text
    status = h.tito(["module", "status"], started_repo)
    assert re.search(r"16_compression\s+compression_dev\s+synced", status.stdout), status.stdout


def test_export_refuses_when_both_sides_of_the_pair_changed(tmp_path, h):
    root = h.make_repo(tmp_path / "repo")
    assert h.tito(["export", "16"], root).returncode == 0
    py, ipynb = _dev(root, h, "py"), _dev(root, h, "ipynb")
    py.write_text(py.read_text() + "\n\n# %%\nfrom_py = 1\n")
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("from_ipynb = 2"))
    nbformat.write(nb, ipynb)
    before = (py.read_text(), ipynb.read_text())
    refused = h.tito(["export", "16"], root)
    assert (
        refused.returncode == 1
        and "both" in refused.stderr
        and "changed since the last sync" in refused.stderr
    )
    assert (py.read_text(), ipynb.read_text()) == before


def test_export_writes_the_notebook_code_into_the_package(tmp_path, h):
    root = h.make_repo(tmp_path / "repo")
    py = _dev(root, h, "py")
    py.write_text(py.read_text() + "\n\n# %%\n#| export\nEXPORT_MARKER = 'from the notebook'\n")
    result = h.tito(["export", "16"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "EXPORT_MARKER = 'from the notebook'"
        in (root / "tinytorch" / "compression" / "__init__.py").read_text()
    )
    assert "EXPORT_MARKER" in _dev(root, h, "ipynb").read_text()


def _break_one_function(py_text, gid):
    """Replace the solution region of the solution cell `gid` by the release stub."""
    head, sep, rest = py_text.partition(f'"grade_id": "{gid}"')
    assert sep, gid
    start = rest.index(SOLUTION)
    end = rest.index("### END SOLUTION", start) + len("### END SOLUTION")
    return head + sep + rest[:start] + "raise NotImplementedError()  # broken on purpose" + rest[end:]


def test_complete_exports_and_grades_the_students_own_code(tmp_path, h, notebooks):
    # the module's tests of the broken function only: `complete` runs every test it finds (the whole suite
    # runs them all already)
    root = h.make_repo(tmp_path / "repo", test_files=("test_sparsity_and_magnitude_prune.py",))
    gid = h.first_tested_solution(notebooks["source"])
    points = h.graded_cells(notebooks["source"])
    auto_total = sum(p for p, kind in points.values() if kind == "auto")
    py = _dev(root, h, "py")
    py.write_text(_break_one_function(py.read_text(), gid))

    result = h.tito(["module", "complete", "16"], root)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "broken on purpose" in "".join(
        p.read_text() for p in (root / "tinytorch" / "compression").glob("*.py")
    )
    tested = h.tests_of(notebooks["source"], gid)
    for test in tested:
        assert re.search(
            rf"not done yet\s+{test}\s+0/{points[test][0]:g}\s+\S+ raises NotImplementedError", out
        ), out
    earned = float(re.search(r"auto-graded points: ([\d.]+) / ([\d.]+)", out).group(1))
    assert earned <= auto_total - sum(points[t][0] for t in tested)
    assert re.search(r"tests\s+FAIL \(pytest exit 1\)", out) and "NOT COMPLETE" in out
    state = json.loads((root / ".tito" / "state.json").read_text())
    assert state["complete"]["16_compression"]["ok"] is False
    assert state["complete"]["16_compression"]["score"] == earned


def test_status_after_reset_shows_no_result_of_the_replaced_notebook(tmp_path, h, started_repo):
    root = h.copy_repo(started_repo, tmp_path / "repo")
    state_file = root / ".tito" / "state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    done = {"ok": True, "score": 70.0, "max_score": 70.0, "tests_exit": 0, "when": "2026-01-01T00:00:00"}
    state.setdefault("complete", {})[h.MODULE] = done
    state.setdefault("tests", {})[f"tests/{h.MODULE}"] = {"exit": 0, "when": "2026-01-01T00:00:00"}
    state_file.write_text(json.dumps(state))
    assert "70/70 ok=True" in h.tito(["module", "status"], root).stdout
    assert h.tito(["module", "reset", "16"], root).returncode == 0
    status = h.tito(["module", "status"], root).stdout
    row = next(line for line in status.splitlines() if line.startswith(h.MODULE))
    assert row.split()[-2:] == ["-", "-"], status
