"""The bodies of `tito grade generate|release|collect|feedback|validate` (registered in
tito/commands/grade.py; autograde is in tito/grading/autograde_cmd.py, report in tito/grading/report.py)."""

import argparse

from tito.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, TitoError


def context(args):
    from tito.grading import nbgrader_api as grading
    from tito.paths import default_course, find_root, resolve_module

    root = find_root()
    module = resolve_module(root, args.module)
    course = (args.course or default_course(root)).resolve()
    grading.use_database(course, getattr(args, "db", None))
    grading.prepare_env(root)
    return root, module, course


def cmd_generate(args: argparse.Namespace) -> int:
    from tito import notebooks, output
    from tito.grading import nbgrader_api as grading
    from tito.grading import release

    root, module, course = context(args)
    grading.check_gradebook(course)  # nbgrader would replace a damaged one by an empty one
    stems = module.graded_notebooks()
    for stem in stems:
        py, ipynb = notebooks.pair_paths(module.folder, stem)
        if not (notebooks.has_solutions(py) or notebooks.has_solutions(ipynb)):
            raise TitoError(
                f"{py.name} has no {notebooks.SOLUTION_MARK} region: generate from the instructor's notebook"
            )
        notebooks.sync_pair(root, py, ipynb)
    grading.write_course_config(course)
    release.build_sources(module, course)
    grading.generate(course, module.key)
    rows = []
    for stem in stems:
        name = stem.removesuffix("_dev")
        nb = notebooks.read_ipynb(course / "source" / module.key / f"{name}.ipynb")
        rows += [[f"{name}.ipynb", gid, f"{pts:g}"] for gid, pts in notebooks.graded_cells(nb)]
    output.table(f"Generated {course / 'release' / module.key}", ["notebook", "grade_id", "points"], rows)
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    import shutil

    from tito import output
    from tito.grading import bundle

    _root, module, course = context(args)
    out = (args.out or course / "bundles" / f"tinytorch-{module.key}").resolve()
    withheld = bundle.make_bundle(module, course, out)
    for rel in withheld:
        output.warn(f"withheld a student test file that quotes solutions or hidden tests: {rel}")
    output.say(f"student bundle: {out} (audited: no solution or hidden-test region inside)")
    output.say(
        f"  README.md: the student guide; tests: tests/{module.key}/{bundle.STUDENT_TESTS}/ only; "
        f"JupyterLab settings: .jupyter/"
    )
    if args.zip:
        archive = shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
        output.say(f"zip: {archive}")
    return EXIT_OK


def cmd_collect(args: argparse.Namespace) -> int:
    from tito import output
    from tito.grading import lock, submission
    from tito.paths import notebook_name

    _root, module, course = context(args)
    graded = module.graded_notebooks()
    if len(graded) != 1:
        raise TitoError(f"collect expects exactly one graded notebook in {module.folder}, found {graded}")
    if not args.folder.is_dir():
        raise TitoError(f"{args.folder} is not a folder of <student>.ipynb files", EXIT_USAGE)
    files, skipped, invalid = submission.inbox(args.folder)
    if invalid:  # checked before anything is copied: rename the files, then collect again
        output.table(
            f"Nothing collected from {args.folder}: rename these files", ["file", "problem"], invalid
        )
        raise TitoError(
            f"{len(invalid)} file name(s) in {args.folder} are not valid student ids "
            f"({submission.ID_RULE}); nothing was collected"
        )
    if not files:
        output.table(f"Nothing collected from {args.folder}", ["file", "submission"], skipped)
        raise TitoError(f"no <student>.ipynb files in {args.folder}")
    with lock.course_lock(course, "collect", output.warn):
        submission.clean_staged(course / "submitted", module.key)
        rows = [
            submission.collect_one(
                src,
                course / "submitted" / student / module.key / f"{notebook_name(graded[0])}.ipynb",
                student,
            )
            for student, src in files
        ]
    output.table(f"Collected into {course / 'submitted'}", ["student", "submission"], rows + skipped)
    return EXIT_OK


def cmd_feedback(args: argparse.Namespace) -> int:
    from tito import output
    from tito.grading import commit, lock
    from tito.grading import nbgrader_api as grading

    _root, module, course = context(args)
    grading.ensure_gradebook(course, module.key)
    with lock.course_lock(course, "feedback", output.warn):
        commit.clean_leftovers(course, module.key)
        scored = {r["student"] for r in grading.scores(course, module.key)}
        wanted = [args.student] if args.student else sorted(scored)
        missing = [s for s in wanted if s in scored and not (course / "autograded" / s / module.key).is_dir()]
        for student in missing:
            line = (
                f"{student} has scores but no autograded notebook: no feedback for them; "
                f"run `tito grade autograde {module.number} --student {student}` first"
            )
            if args.student:
                raise TitoError(line)
            output.warn(line)
        if set(wanted) - set(missing):
            grading.feedback(course, module.key, args.student)
    files = sorted((course / "feedback").glob(f"*/{module.key}/*.html"))
    output.say(f"{len(files)} feedback file(s) under {course / 'feedback'}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    import time

    from tito import output
    from tito.grading import selfgrade, submission
    from tito.paths import find_root

    start = time.perf_counter()
    if not args.notebook.is_file():
        raise TitoError(f"{args.notebook} is not a notebook file", EXIT_USAGE)
    try:
        root = find_root(args.notebook.resolve().parent)
    except TitoError:
        root = None
    try:
        nb = submission.read_notebook(args.notebook)
    except submission.SubmissionError as err:
        raise TitoError(str(err)) from None
    log = output.log_path(root, f"validate-{args.notebook.stem}")
    output.say(f"graded cells of {args.notebook} (the judge, on the visible cases)")
    result = selfgrade.grade(root, {args.notebook.stem: nb}, None if args.verbose else log)
    cells = result["cells"]
    selfgrade.print_cells(cells, result["notes"], args.verbose)
    score, max_score = selfgrade.totals(cells)
    failed = [c for c in cells if c["kind"] == "auto" and c["status"] != "pass"]
    output.say(
        f"VALIDATION FAILED on {len(failed)} cell(s): {score:g}/{max_score:g} auto-graded points"
        if failed
        else f"all graded cells pass: {score:g}/{max_score:g} auto-graded points"
    )
    output.say(f"full log: {log}")
    todo = (
        f"fix '{failed[0]['grade_id']}' ({failed[0]['detail']}), then validate again"
        if failed
        else "submit the notebook renamed to <your-student-id>.ipynb"
    )
    output.say(f"done in {time.perf_counter() - start:.1f} s; next: {todo}")
    return EXIT_FAILURE if failed else EXIT_OK
