"""The grading sandbox itself (tito/grading/bwrap.py, real bubblewrap): what a kernel may write, its CPU-time
limit, the refusal without bubblewrap, and `tito doctor`'s report. The hostile batch (test_hostile_batch.py)
covers the escapes a notebook tries."""

import os
import re
import shutil
import sys
from pathlib import Path

import nbformat

from tito.grading import bwrap


def _binds(argv, flag):
    return [argv[i + 2] for i, a in enumerate(argv) if a == flag]


def test_only_the_kernel_folder_and_its_socket_folder_are_mounted_writable(tmp_path):
    folder, sockets = tmp_path / "kernel", tmp_path / "sockets"
    argv = bwrap.wrap(["python", "-m", "ipykernel_launcher"], folder, sockets, bwrap.Limits(), uid=None)
    assert _binds(argv, "--bind") == [str(folder), str(sockets)]
    readonly = _binds(argv, "--ro-bind") + _binds(argv, "--ro-bind-try")
    import tinytorch

    package = Path(tinytorch.__file__).resolve().parent
    assert str(package) in readonly and str(package.parent) not in readonly  # the package, not the repository
    assert not [
        p
        for p in readonly
        if p.startswith(str(Path.home()) + "/") and not Path(sys.base_prefix).resolve().is_relative_to(p)
    ]  # of $HOME, at most the Python installation
    assert {"--unshare-net", "--unshare-pid", "--die-with-parent", "--clearenv"} <= set(argv)


def _course_with(course_repo, tmp_path, student, nb):
    course = tmp_path / "course"
    shutil.copytree(
        course_repo / "course",
        course,
        ignore=shutil.ignore_patterns("submitted", "autograded", "feedback", "tito-autograde.json"),
    )
    (course / "submitted" / student / "16_compression").mkdir(parents=True)
    nbformat.write(nb, course / "submitted" / student / "16_compression" / "compression.ipynb")
    return course


def test_a_kernel_over_its_cpu_time_limit_is_killed_and_reported(course_repo, notebooks, tmp_path, h):
    burner = h.small(
        notebooks["release"], insert={h.first_tested_solution(notebooks["source"]): "while True:\n    pass\n"}
    )
    course = _course_with(course_repo, tmp_path, "burner", burner)
    result = h.tito(
        ["grade", "autograde", "16", "--course", course, "--cpu-time", 2, "--timeout", 60], course_repo
    )
    assert result.returncode == 1 and "autograded 0/1 submissions" in result.stdout, (
        result.stdout + result.stderr
    )
    assert re.search(
        r"burner\s+ERROR \(not graded, 0 points\)\s+the kernel died while running cell \d+", result.stdout
    )


def test_without_bubblewrap_autograde_refuses_unless_no_sandbox_is_given(course_repo, notebooks, tmp_path, h):
    course = _course_with(course_repo, tmp_path, "blank", h.small(notebooks["release"]))
    no_bwrap = {"PATH": str(Path(sys.executable).parent)}  # bwrap lives in /usr/bin
    refused = h.tito(["grade", "autograde", "16", "--course", course], course_repo, extra_env=no_bwrap)
    assert refused.returncode == 1
    assert "bubblewrap (bwrap) is not installed" in refused.stderr and "--no-sandbox" in refused.stderr
    assert "tito doctor --install-sandbox" in refused.stderr
    assert not (course / "autograded").exists()
    unsafe = h.tito(
        ["grade", "autograde", "16", "--course", course, "--no-sandbox"], course_repo, extra_env=no_bwrap
    )
    assert unsafe.returncode == 0, unsafe.stdout + unsafe.stderr
    assert "kernels NOT sandboxed" in unsafe.stdout
    assert "can read the gradebook and the hidden cases" in unsafe.stderr  # what is not protected


def test_doctor_reports_the_sandbox(course_repo, h):
    result = h.tito(["doctor"], course_repo)
    version = os.popen(f"{shutil.which('bwrap')} --version").read().strip()
    assert re.search(
        rf"^sandbox\s+bubblewrap\s+{re.escape(version)} at \S*bwrap\s+ok$", result.stdout, re.M
    ), result.stdout


def test_a_sandboxed_kernel_imports_the_release_stubs_not_the_instructors_exported_solutions(
    course_repo, notebooks, tmp_path, h
):
    import csv

    gid = h.first_tested_solution(notebooks["source"])
    name = next(
        line.split("(")[0][4:]
        for line in h.solution_source(notebooks["source"], gid).splitlines()
        if line.startswith("def ")
    )
    cheat = h.small(notebooks["release"], fill={gid: f"from tinytorch.compression import {name}\n"})
    course = _course_with(course_repo, tmp_path, "cheat", cheat)
    result = h.tito(["grade", "autograde", "16", "--course", course], course_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    report = h.tito(
        ["grade", "report", "16", "--course", course, "--csv", tmp_path / "grades.csv", "--cells"],
        course_repo,
    )
    assert report.returncode == 0, report.stdout + report.stderr
    with open(tmp_path / "grades.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["student"] == "cheat" and r["kind"] == "auto"]
        scores = {r["grade_id"]: float(r["score"]) for r in rows}
    tested = h.tests_of(notebooks["source"], gid)
    assert tested and all(scores[t] == 0.0 for t in tested), scores


def test_an_unsandboxed_kernel_talks_over_ipc_sockets_in_the_graders_folder_not_tcp_ports(tmp_path):
    """Two graders (--jobs 2) each pick 'free' TCP ports and a kernel started meanwhile can take one: the
    other kernel then dies before replying, costing an innocent submission. ipc sockets in a private folder
    cannot collide."""
    from nbformat.v4 import new_code_cell, new_notebook

    from tito.grading.sandbox import SOCKETS, CappedExecute

    ex = CappedExecute(sandbox=False, socket_dir=str(tmp_path))
    ex.nb, ex.resources = new_notebook(), {"metadata": {"path": str(tmp_path)}}
    km = ex.create_kernel_manager()
    folder = Path(km.connection_file).parent
    assert km.transport == "ipc" and folder.parent == tmp_path and folder.name.startswith(SOCKETS)
    assert Path(km.ip).parent == folder
    nb, _ = CappedExecute(sandbox=False, socket_dir=str(tmp_path)).preprocess(
        new_notebook(cells=[new_code_cell("print(6 * 7)")]), {"metadata": {"path": str(tmp_path)}}
    )
    assert nb.cells[0].outputs[0]["text"] == "42\n"  # a real kernel ran over those sockets
