"""The judge inside a submission's grading (tito/grading/worker.py): after nbgrader has run the notebook (for
the feedback and the manual answers), the student's export is checked by the sandboxed runner, the trusted
judge decides each claim, and its verdicts replace every automatic score nbgrader computed in the kernel.
Canary cells (graded cells worth 0 points whose hidden test always fails) flag a kernel that forges its
own test results."""

import shutil
import tempfile
from pathlib import Path

from tinytorch.claims.module16 import design
from tito.grading import judge, judge_run
from tito.grading.nbgrader_api import CANARIES


def repo_root() -> Path:
    import tinytorch

    return Path(tinytorch.__file__).resolve().parents[1]


def warm_cache(course: Path, assignment: str) -> None:
    """Compute the reference's expected values (visible and hidden) once for a batch, into the course's cache
    folder, before any submission is graded (each grading process then reads them)."""
    from tito.grading.worker import CACHE

    module = assignment.split("_")[0]
    root = repo_root()
    judge.expected_cached(
        module, judge.cases(module, judge.hidden_cases(root, assignment)), root, course / CACHE
    )


def student_export(root: Path, assignment: str, name: str, nb_text: str) -> dict:
    """{path under tinytorch/: text} that nbdev exports from the submitted notebook (nothing is executed)."""
    from tito import notebooks

    with tempfile.TemporaryDirectory(prefix="tito-judge-nb-") as tmp:
        path = Path(tmp) / f"{name}.ipynb"
        path.write_text(nb_text, encoding="utf-8")
        return notebooks.planned_export(root, path, Path("modules") / assignment / f"{name}.ipynb")


def verdicts(
    assignment: str,
    prepared: dict,
    work: Path,
    base: Path,
    *,
    sandbox: bool,
    limits: dict | None,
    hidden: bool = True,
    cache: Path | None = None,
) -> dict:
    """{grade id: judge.Verdict} of the submitted notebooks' exports, judged against the reference. The
    visible cases and (with hidden=True) the hidden ones run in two separate runner processes; `cache` is a
    folder for the reference's expected values (computed once per batch)."""
    module = assignment.split("_")[0]
    root = repo_root()
    export = {}
    for name, text in prepared.items():
        export.update(student_export(root, assignment, name, text))
    all_cases = judge.cases(module, judge.hidden_cases(root, assignment) if hidden else {})
    expected = judge.expected_cached(module, all_cases, root, cache)
    judge_run.package_with(export, base, work / "pkg", root)
    limits = {k: v for k, v in (limits or {}).items() if k != "overlays"}
    setup = judge.setup_file(module, all_cases, root, cache)
    runs = []
    for name, cases in zip(("visible", "hidden"), judge.split(all_cases)):
        (work / name).mkdir()
        if setup is not None:  # the design task's dense model, trained once for the batch
            shutil.copyfile(setup, work / name / design.SETUP_FILE)
        runs.append(
            judge_run.run(
                module,
                cases,
                judge.IMPORTS[module],
                work / name,
                work / "pkg",
                sandbox=sandbox,
                limits=limits,
                explain=name == "visible",
            )
            if cases
            else ({}, {})
        )
    answers, problems = judge.combine(all_cases, *runs)
    return judge.decide(module, all_cases, expected, answers, problems)


def _kernel_passed(cell) -> bool:
    return not any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def annotate(graded_dir: Path, found: dict, points: dict) -> list:
    """Write each verdict into its cell of the autograded notebooks (the feedback shows it); returns at most
    two notes: canaries that passed (forgery), and cells the kernel reported as passing while the judge's
    visible case failed."""
    import nbformat

    canaries, disagree = [], []
    for path in sorted(graded_dir.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in CANARIES and _kernel_passed(cell):
                canaries.append(gid)
            if gid not in found:
                continue
            v, total = found[gid], points.get(gid, 0)
            text = f"judge: {total:g}/{total:g} passed" if v.passed else f"judge: 0/{total:g}: {v.message}"
            if not v.passed and _kernel_passed(cell) and not v.message.startswith("hidden case"):
                disagree.append(gid)
            out = nbformat.v4.new_output("stream", name="stdout", text=text + "\n")
            cell.outputs = [*cell.get("outputs", []), out]
        path.chmod(0o644)
        nbformat.write(nb, str(path))
    notes = []
    if canaries:
        notes.append(
            f"FORGERY: canary cells {', '.join(canaries)} passed in the kernel (they always fail): the "
            "notebook forges its own test results; the judge's scores stand"
        )
    if disagree:
        notes.append(
            f"{len(disagree)} graded cells passed in the kernel but failed the judge's visible cases "
            f"({', '.join(disagree[:3])}{', ...' if len(disagree) > 3 else ''})"
        )
    return notes


def write_scores(db_url: str, assignment: str, student: str, found: dict) -> dict:
    """Every automatic (code test) cell's score from the judge (0 without a verdict); returns {gid: max}."""
    from nbgrader.api import Gradebook

    from tito.grading.nbgrader_api import COURSE_ID

    points = {}
    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        sub = gb.find_submission(assignment, student)
        for nb in sub.notebooks:
            answers = {c.name for c in nb.notebook.solution_cells}
            for grade in nb.grades:
                if grade.cell_type != "code" or grade.name in answers:
                    continue
                points[grade.name] = grade.max_score
                v = found.get(grade.name)
                grade.auto_score = grade.max_score if v is not None and v.passed else 0.0
                grade.needs_manual_grade = False
        gb.db.commit()
    return points
