"""`tito grade ...`: the instructor's nbgrader workflow over the course dir (<repo>/course by default)."""
import argparse
import re
from pathlib import Path

from tito.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, TitoError


def register(sub) -> None:
    group = sub.add_parser("grade", help="instructor: generate, release, collect, autograde, feedback, report, validate",
                           description="nbgrader workflow (Python API) over the course directory.")
    group.set_defaults(group_parser=group)
    cmds = group.add_subparsers(dest="action", metavar="ACTION")

    def add(name, func, text, module=True):
        p = cmds.add_parser(name, help=text, description=text)
        if module:
            p.add_argument("module", help="module number, NN_name or name (16, 16_compression, compression)")
        p.add_argument("--course", type=Path, help="nbgrader course directory (default: <repo>/course)")
        p.set_defaults(func=func)
        return p

    add("generate", cmd_generate, "build course/source/NN_name/<name>.ipynb from the dev .py and run generate_assignment")
    p = add("release", cmd_release, "write the student bundle (release notebook, stub package, visible tests, tito)")
    p.add_argument("--out", type=Path, help="bundle folder (default: <course>/bundles/tinytorch-NN_name)")
    p.add_argument("--zip", action="store_true", help="also write <out>.zip")
    p = add("collect", cmd_collect, "copy DIR/<student>.ipynb into submitted/<student>/NN_name/<name>.ipynb "
                                    "(a replaced submission is kept as a timestamped .bak; other files are skipped)")
    p.add_argument("folder", type=Path, help="folder of <student>.ipynb files")
    p = add("autograde", cmd_autograde, "autograde submissions (forced), each in a private temporary course copy, "
                                        "several in parallel with --jobs; broken submissions are reported per student")
    p.add_argument("--student", help="only this student id")
    p.add_argument("--jobs", "-j", type=int, default=1, help="students graded in parallel (processes), default 1")
    p.add_argument("--timeout", type=int, default=120,
                   help="seconds a cell may run before its kernel is interrupted (the cell then fails), default 120")
    p = add("feedback", cmd_feedback, "generate HTML feedback for autograded submissions")
    p.add_argument("--student", help="only this student id")
    p = add("report", cmd_report, "gradebook table; --csv writes student,notebook,grade_id,score,max_score,kind rows")
    p.add_argument("--csv", type=Path, help="CSV output path")
    p = add("validate", cmd_validate, "self-check a notebook with nbgrader's Validator (exit 1 when a cell fails)",
            module=False)
    p.add_argument("notebook", type=Path, help="path to a .ipynb")


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
            raise TitoError(f"{py.name} has no {notebooks.SOLUTION_MARK} region: generate from the instructor's notebook")
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
        output.say(f"withheld instructor-only test file (it quotes solutions or hidden tests): {rel}")
    output.say(f"student bundle: {out} (audited: no solution or hidden-test region inside)")
    if args.zip:
        archive = shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
        output.say(f"zip: {archive}")
    return EXIT_OK


STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def cmd_collect(args: argparse.Namespace) -> int:
    import os

    from tito import output, state, submission
    from tito.paths import notebook_name

    root, module, course = _context(args)
    graded = module.graded_notebooks()
    if len(graded) != 1:
        raise TitoError(f"collect expects exactly one graded notebook in {module.folder}, found {graded}")
    name = f"{notebook_name(graded[0])}.ipynb"
    if not args.folder.is_dir():
        raise TitoError(f"{args.folder} is not a folder of <student>.ipynb files", EXIT_USAGE)
    rows, collected = [], 0
    for src in sorted(args.folder.iterdir()):
        student = src.stem
        if src.suffix != ".ipynb" or not src.is_file():
            rows.append([src.name, "skipped: not a <student>.ipynb file"])
            continue
        if not STUDENT_ID.fullmatch(student):
            rows.append([src.name, "skipped: a student id is 1-64 letters, digits, '_', '.', '-' starting with a "
                                   "letter or digit"])
            continue
        dest = course / "submitted" / student / module.key / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        note = "new"
        if dest.exists():
            if dest.read_bytes() == src.read_bytes():
                rows.append([student, "unchanged"])
                collected += 1
                continue
            kept = dest.with_name(f"{dest.stem}.{state.timestamp()}.ipynb.bak")
            os.replace(dest, kept)
            note = f"replaced (previous kept as {kept.name})"
        state.atomic_write(dest, src.read_bytes())
        try:
            submission.read_notebook(dest)
        except submission.SubmissionError as err:
            note += f"; WARNING {err} (autograde will report it)"
        rows.append([student, note])
        collected += 1
    if not collected:
        output.table(f"Nothing collected from {args.folder}", ["file", "submission"], rows)
        raise TitoError(f"no <student>.ipynb files in {args.folder}")
    output.table(f"Collected into {course / 'submitted'}", ["student", "submission"], rows)
    return EXIT_OK


def _students(course: Path, key: str, only: str | None) -> list:
    submitted = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{key}") if p.is_dir())
    if only:
        if only not in submitted:
            raise TitoError(f"no submission of {key} for student {only!r} in {course / 'submitted'}")
        return [only]
    return submitted


def cmd_autograde(args: argparse.Namespace) -> int:
    import time

    from tito import autograde, grading, output

    root, module, course = _context(args)
    if args.jobs < 1:
        raise TitoError(f"--jobs={args.jobs} is out of range; expected an int >= 1", EXIT_USAGE)
    if args.timeout <= 0:
        raise TitoError(f"--timeout={args.timeout} is out of range; expected seconds > 0", EXIT_USAGE)
    grading.ensure_gradebook(course, module.key)
    students = _students(course, module.key, args.student)
    if not students:
        raise TitoError(f"no submissions in {course / 'submitted'}/*/{module.key}: run `tito grade collect` first")
    start = time.perf_counter()
    with output.Progress(f"autograding {module.key}", len(students)) as bar:
        results = autograde.autograde_many(course, module.key, students, args.jobs,
                                           lambda r: bar.advance(r["student"] if r["ok"] else f"{r['student']} FAILED"),
                                           timeout=args.timeout)
    autograde.save_status(course, module.key, results)
    elapsed = time.perf_counter() - start
    failed = sorted((r for r in results if not r["ok"]), key=lambda r: r["student"])
    output.say(f"autograded {len(students) - len(failed)}/{len(students)} submissions in {elapsed:.1f} s "
               f"with {args.jobs} job(s)")
    _print_scores(grading.scores(course, module.key, [s for s in students if s not in {r["student"] for r in failed}]))
    _print_problems({r["student"]: r for r in results})
    return EXIT_FAILURE if failed else EXIT_OK


def _print_problems(status: dict) -> None:
    """One row per note or error, per student (from autograde results or the saved status)."""
    from tito import output

    rows = []
    for student in sorted(status):
        entry = status[student]
        if not entry["ok"]:
            rows.append([student, "ERROR (not graded, 0 points)", entry["message"]])
        rows += [[student, "note", note] for note in entry["notes"]]
    if rows:
        output.table("Problems found while autograding", ["student", "status", "detail"], rows)


def cmd_feedback(args: argparse.Namespace) -> int:
    from tito import grading, output

    root, module, course = _context(args)
    grading.ensure_gradebook(course, module.key)
    grading.feedback(course, module.key, args.student)
    files = sorted((course / "feedback").glob(f"*/{module.key}/*.html"))
    output.say(f"{len(files)} feedback file(s) under {course / 'feedback'}")
    return EXIT_OK


def _print_scores(rows: list) -> None:
    from tito import output

    grade_ids = list(dict.fromkeys(c[0] for r in rows for c in r["grades"]))
    maxima = {c[0]: c[2] for r in rows for c in r["grades"]}
    manual = {c[0] for r in rows for c in r["grades"] if c[3] == "manual"}
    table = [[r["student"], r["notebook"], *[f"{dict((c[0], c[1]) for c in r['grades']).get(g, 0):g}" for g in grade_ids],
              f"{r['auto_score']:g}/{r['auto_max']:g}", f"{r['score']:g}/{r['max_score']:g}"] for r in rows]
    headers = [f"{g} /{maxima[g]:g}" + (" (manual)" if g in manual else "") for g in grade_ids]
    output.table("Scores", ["student", "notebook", *headers, "auto", "total"], table)


def cmd_report(args: argparse.Namespace) -> int:
    import csv

    from tito import autograde, grading, output

    root, module, course = _context(args)
    grading.ensure_gradebook(course, module.key)
    rows = grading.scores(course, module.key)
    _print_scores(rows)
    _print_problems(autograde.load_status(course, module.key))
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student", "notebook", "grade_id", "score", "max_score", "kind"])
            for r in rows:
                for gid, score, max_score, kind in r["grades"]:
                    writer.writerow([r["student"], r["notebook"], gid, f"{score:g}", f"{max_score:g}", kind])
                writer.writerow([r["student"], r["notebook"], "auto", f"{r['auto_score']:g}", f"{r['auto_max']:g}", "total"])
                writer.writerow([r["student"], r["notebook"], "total", f"{r['score']:g}", f"{r['max_score']:g}", "total"])
        output.say(f"wrote {args.csv}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from tito import grading, output
    from tito.paths import find_root

    if not args.notebook.is_file():
        raise TitoError(f"{args.notebook} is not a notebook file", EXIT_USAGE)
    try:
        grading.prepare_env(find_root(args.notebook.resolve().parent))
    except TitoError:
        grading.prepare_env()
    problems = grading.validate(args.notebook.resolve())
    for kind, source, error in problems:
        output.say(f"--- {kind}: {source.splitlines()[0] if source else ''}")
        output.say(error.splitlines()[-1] if error else "")
    output.say(f"VALIDATION FAILED on {len(problems)} cell(s)" if problems else "all graded cells pass")
    return EXIT_FAILURE if problems else EXIT_OK
