"""The body of `tito grade autograde` (registered in tito/commands/grade.py): checks, the sandbox choice,
the course lock, then tito/grading/autograde.py's scheduler, the status file and the tables."""

import argparse
import contextlib
from pathlib import Path

from tito.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, TitoError
from tito.grading.grade_cmds import context
from tito.grading.options import GradeOptions


def _students(course: Path, key: str, only: str | None) -> list:
    submitted = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{key}") if p.is_dir())
    if only:
        if only not in submitted:
            raise TitoError(f"no submission of {key} for student {only!r} in {course / 'submitted'}")
        return [only]
    return submitted


def _sandbox_choice(args) -> bool:
    from tito import output
    from tito.grading import bwrap

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
    from tito import output
    from tito.grading import autograde, bwrap, commit, lock
    from tito.grading import nbgrader_api as grading

    _root, module, course = context(args)
    if not _on_cluster(args, course):
        autograde.start_fork_server()  # imports nbgrader in the background while the checks below run
    grading.ensure_gradebook(course, module.key)
    students = _students(course, module.key, args.student)
    if not students:
        raise TitoError(
            f"no submissions in {course / 'submitted'}/*/{module.key}: run `tito grade collect` first"
        )
    sandbox = _sandbox_choice(args)
    limits = bwrap.Limits(memory_mb=args.memory, processes=args.max_procs, cpu_seconds=args.cpu_time)
    opts = GradeOptions(
        timeout=args.timeout, sandbox=sandbox, limits=limits, db=args.db, scheduler=args.scheduler
    )
    with lock.course_lock(course, "autograde", output.warn), _stubs(module, course, sandbox) as overlays:
        commit.clean_leftovers(course, module.key)
        return _autograde_locked(args, course, module.key, students, opts.with_overlays(overlays))


def _on_cluster(args, course: Path) -> bool:
    """Dask (a --scheduler, or a LocalCluster of --jobs workers) when asked to, or for a --db gradebook: its
    private per-submission gradebooks are snapshots sent as bytes (tito/grading/payload.py)."""
    return bool(args.scheduler or args.db)


def _grade(args, course: Path, key: str, students: list, opts: GradeOptions, on_done) -> list:
    from tito.grading import autograde, cluster

    if _on_cluster(args, course):
        return cluster.autograde_cluster(course, key, students, args.jobs, on_done, opts)
    return autograde.autograde_many(
        course,
        key,
        students,
        args.jobs,
        on_done,
        timeout=opts.timeout,
        sandbox=opts.sandbox,
        limits=opts.kernel_limits(),
        max_seconds=opts.max_seconds,
    )


@contextlib.contextmanager
def _stubs(module, course: Path, sandbox: bool):
    """The release (stub) export of the graded modules, which sandboxed kernels import instead of the
    solutions, and the base package the judge lays each student's export over (sandboxed or not)."""
    from tito.grading import commit, release

    tmp = commit.temp_folder()  # named after this process: a killed run's copy is cleaned by the next
    try:
        yield release.stub_package(module, course, tmp)
    finally:
        commit.remove_tree(tmp)


def _autograde_locked(args, course: Path, key: str, students: list, opts: GradeOptions) -> int:
    import time

    from tito import output
    from tito.grading import commit, gradereport, report
    from tito.grading import nbgrader_api as grading

    start = time.perf_counter()
    sandbox = opts.sandbox
    from tito.grading import judge_apply

    judge_apply.warm_cache(course, key)  # the reference's expected values, once for the batch
    with output.Progress(f"autograding {key}", len(students)) as bar:
        results = _grade(
            args,
            course,
            key,
            students,
            opts,
            lambda r: bar.advance(r["student"] if r["ok"] else f"{r['student']} FAILED"),
        )
    commit.save_status(course, key, results)
    elapsed = time.perf_counter() - start
    stopped = [r for r in results if r.get("interrupted")]
    failed = sorted(
        (r for r in results if not r["ok"] and not r.get("interrupted")), key=lambda r: r["student"]
    )
    done = len(results) - len(stopped)
    output.say(
        f"autograded {done - len(failed)}/{len(students)} submissions in {elapsed:.1f} s with "
        f"{_where(args)}, kernels {'sandboxed (bubblewrap)' if sandbox else 'NOT sandboxed'}"
    )
    bad = {r["student"] for r in failed} | {r["student"] for r in stopped}
    done_rows = grading.scores(course, key, [s for s in students if s not in bad])
    report.print_students(report.per_student(done_rows, {r["student"]: r for r in results}))
    gradereport.print_problems({r["student"]: r for r in results})
    if stopped:
        output.say(
            f"INTERRUPTED: {len(stopped)} submission(s) not graded (listed above); their previous scores "
            f"are unchanged. Run the same command again to grade them."
        )
        return EXIT_INTERRUPTED
    return EXIT_FAILURE if failed else EXIT_OK


def _where(args) -> str:
    return f"the Dask cluster at {args.scheduler}" if args.scheduler else f"{args.jobs} job(s)"
