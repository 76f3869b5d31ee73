"""`tito grade ...`: the instructor's nbgrader workflow over the course dir (<repo>/course by default)."""

import argparse
import contextlib
from pathlib import Path

from tito.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, TitoError


def register(sub) -> None:
    group = sub.add_parser(
        "grade",
        help="instructor: generate, release, collect, autograde, feedback, report, validate",
        description="nbgrader workflow (Python API) over the course directory.",
    )
    group.set_defaults(group_parser=group)
    cmds = group.add_subparsers(dest="action", metavar="ACTION")

    def add(name, func, text, module=True):
        p = cmds.add_parser(name, help=text, description=text)
        if module:
            p.add_argument("module", help="module number, NN_name or name (16, 16_compression, compression)")
        p.add_argument("--course", type=Path, help="nbgrader course directory (default: <repo>/course)")
        p.set_defaults(func=func)
        return p

    add(
        "generate",
        cmd_generate,
        "build course/source/NN_name/<name>.ipynb from the dev .py and run generate_assignment",
    )
    p = add(
        "release",
        cmd_release,
        "write the student bundle (release notebook, stub package, visible tests, tito)",
    )
    p.add_argument("--out", type=Path, help="bundle folder (default: <course>/bundles/tinytorch-NN_name)")
    p.add_argument("--zip", action="store_true", help="also write <out>.zip")
    p = add(
        "collect",
        cmd_collect,
        "copy DIR/<student>.ipynb into submitted/<student>/NN_name/<name>.ipynb "
        "(a replaced submission is kept as a timestamped .bak; other files are skipped)",
    )
    p.add_argument("folder", type=Path, help="folder of <student>.ipynb files")
    p = add(
        "autograde",
        cmd_autograde,
        "autograde submissions (forced), each in a private temporary course copy, "
        "several in parallel with --jobs; broken submissions are reported per student",
    )
    p.add_argument("--student", help="only this student id")
    p.add_argument(
        "--jobs", "-j", type=int, default=1, help="students graded in parallel (processes), default 1"
    )
    p.add_argument(
        "--timeout",
        type=int,
        default=120,
        help="seconds a cell may run before its kernel is interrupted (the cell then fails), default 120",
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run kernels without bubblewrap (NOT protected: student code gets your rights; see README)",
    )
    p.add_argument(
        "--memory", type=int, default=4096, help="address-space limit per kernel in MB, default 4096"
    )
    p.add_argument("--max-procs", type=int, default=64, help="process/thread limit per kernel, default 64")
    p.add_argument(
        "--cpu-time", type=int, default=1800, help="CPU seconds per kernel (whole notebook), default 1800"
    )
    p = add("feedback", cmd_feedback, "generate HTML feedback for autograded submissions")
    p.add_argument("--student", help="only this student id")
    p = add(
        "report",
        cmd_report,
        "gradebook table; --csv writes student,notebook,grade_id,score,max_score,kind rows",
    )
    p.add_argument("--csv", type=Path, help="CSV output path")
    p = add(
        "validate",
        cmd_validate,
        "self-check a notebook with nbgrader's Validator (exit 1 when a cell fails)",
        module=False,
    )
    p.add_argument("notebook", type=Path, help="path to a .ipynb")
    p.add_argument(
        "--verbose", "-v", action="store_true", help="print tracebacks and nbgrader's messages too"
    )


def _context(args):
    from tito import grading
    from tito.paths import default_course, find_root, resolve_module

    root = find_root()
    module = resolve_module(root, args.module)
    course = (args.course or default_course(root)).resolve()
    grading.prepare_env(root)
    return root, module, course


def cmd_generate(args: argparse.Namespace) -> int:
    from tito import grading, notebooks, output, release

    root, module, course = _context(args)
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
        name = stem[:-4] if stem.endswith("_dev") else stem
        nb = notebooks.read_ipynb(course / "source" / module.key / f"{name}.ipynb")
        rows += [[f"{name}.ipynb", gid, f"{pts:g}"] for gid, pts in notebooks.graded_cells(nb)]
    output.table(f"Generated {course / 'release' / module.key}", ["notebook", "grade_id", "points"], rows)
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    import shutil

    from tito import bundle, output

    root, module, course = _context(args)
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
    from tito import lock, output, submission
    from tito.paths import notebook_name

    root, module, course = _context(args)
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


def _students(course: Path, key: str, only: str | None) -> list:
    submitted = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{key}") if p.is_dir())
    if only:
        if only not in submitted:
            raise TitoError(f"no submission of {key} for student {only!r} in {course / 'submitted'}")
        return [only]
    return submitted


def _sandbox_choice(args) -> bool:
    from tito import bwrap, output

    if args.no_sandbox:
        output.warn(bwrap.NOT_PROTECTED)
        return False
    ok, detail = bwrap.check()
    if not ok:
        raise TitoError(
            f"autograde runs every kernel under bubblewrap, and {detail}. Check with `tito doctor`; "
            f"install with `tito doctor --install-sandbox`. To grade without it (not protected, see "
            f"README) pass --no-sandbox."
        )
    hidden = bwrap.unreadable_package_files() if bwrap.kernel_uid() is not None else []
    if hidden:  # as root, kernels run under their own uid: they must be able to read the package they import
        raise TitoError(
            f"the sandboxed kernels could not read {', '.join(map(str, hidden))} (no read permission "
            f"for other users); run `chmod -R a+rX {hidden[0].parent}` or re-export, then try again"
        )
    return True


def cmd_autograde(args: argparse.Namespace) -> int:
    from tito import autograde, bwrap, grading, lock, output

    root, module, course = _context(args)
    autograde.start_fork_server()  # imports nbgrader in the background while the checks below run
    for name, value, low in (
        ("--jobs", args.jobs, 1),
        ("--timeout", args.timeout, 1),
        ("--memory", args.memory, 256),
        ("--max-procs", args.max_procs, 16),
        ("--cpu-time", args.cpu_time, 1),
    ):
        if value < low:
            raise TitoError(f"{name}={value} is out of range; expected an int >= {low}", EXIT_USAGE)
    grading.ensure_gradebook(course, module.key)
    students = _students(course, module.key, args.student)
    if not students:
        raise TitoError(
            f"no submissions in {course / 'submitted'}/*/{module.key}: run `tito grade collect` first"
        )
    sandbox = _sandbox_choice(args)
    limits = vars(bwrap.Limits(memory_mb=args.memory, processes=args.max_procs, cpu_seconds=args.cpu_time))
    with lock.course_lock(course, "autograde", output.warn), _stubs(module, course, sandbox) as overlays:
        return _autograde_locked(
            args, course, module.key, students, sandbox, {**limits, "overlays": overlays}
        )


@contextlib.contextmanager
def _stubs(module, course: Path, sandbox: bool):
    """The release (stub) export of the graded modules, which sandboxed kernels import instead of the solutions."""
    import shutil
    import tempfile

    from tito import release

    tmp = Path(tempfile.mkdtemp(prefix="tito-stubs-"))  # also the judge's base package, sandboxed or not
    try:
        yield release.stub_package(module, course, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _autograde_locked(args, course: Path, key: str, students: list, sandbox: bool, limits: dict) -> int:
    import time

    from tito import autograde, grading, gradereport, output

    start = time.perf_counter()
    with output.Progress(f"autograding {key}", len(students)) as bar:
        results = autograde.autograde_many(
            course,
            key,
            students,
            args.jobs,
            lambda r: bar.advance(r["student"] if r["ok"] else f"{r['student']} FAILED"),
            timeout=args.timeout,
            sandbox=sandbox,
            limits=limits,
        )
    autograde.save_status(course, key, results)
    elapsed = time.perf_counter() - start
    stopped = [r for r in results if r.get("interrupted")]
    failed = sorted(
        (r for r in results if not r["ok"] and not r.get("interrupted")), key=lambda r: r["student"]
    )
    done = len(results) - len(stopped)
    output.say(
        f"autograded {done - len(failed)}/{len(students)} submissions in {elapsed:.1f} s with "
        f"{args.jobs} job(s), kernels {'sandboxed (bubblewrap)' if sandbox else 'NOT sandboxed'}"
    )
    bad = {r["student"] for r in failed} | {r["student"] for r in stopped}
    gradereport.print_scores(grading.scores(course, key, [s for s in students if s not in bad]))
    gradereport.print_problems({r["student"]: r for r in results})
    if stopped:
        output.say(
            f"INTERRUPTED: {len(stopped)} submission(s) not graded (listed above); their previous scores "
            f"are unchanged. Run the same command again to grade them."
        )
        return 130
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_feedback(args: argparse.Namespace) -> int:
    from tito import grading, lock, output

    root, module, course = _context(args)
    grading.ensure_gradebook(course, module.key)
    with lock.course_lock(course, "feedback", output.warn):
        grading.feedback(course, module.key, args.student)
    files = sorted((course / "feedback").glob(f"*/{module.key}/*.html"))
    output.say(f"{len(files)} feedback file(s) under {course / 'feedback'}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    import csv

    from tito import autograde, gradereport, grading, output

    root, module, course = _context(args)
    grading.ensure_gradebook(course, module.key)
    rows = grading.scores(course, module.key)
    gradereport.print_scores(rows)
    gradereport.print_problems(autograde.load_status(course, module.key))
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student", "notebook", "grade_id", "score", "max_score", "kind"])
            for r in rows:
                for gid, score, max_score, kind in r["grades"]:
                    writer.writerow([r["student"], r["notebook"], gid, f"{score:g}", f"{max_score:g}", kind])
                writer.writerow(
                    [
                        r["student"],
                        r["notebook"],
                        "auto",
                        f"{r['auto_score']:g}",
                        f"{r['auto_max']:g}",
                        "total",
                    ]
                )
                writer.writerow(
                    [r["student"], r["notebook"], "total", f"{r['score']:g}", f"{r['max_score']:g}", "total"]
                )
        output.say(f"wrote {args.csv}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    import time

    from tito import output, selfgrade, submission
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
    output.say(f"graded cells of {args.notebook} (nbgrader autograde in a temporary course)")
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
