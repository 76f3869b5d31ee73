"""`tito grade ...`: the instructor's nbgrader workflow over the course dir (<repo>/course by default).
This file registers the commands; their bodies are in tito/grading/grade_cmds.py and
tito/grading/autograde_cmd.py."""

from pathlib import Path

from tito.grading import autograde_cmd, grade_cmds, options, report


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
        if module:
            p.add_argument(
                "--db",
                type=options.database_url,
                metavar="URL",
                help="the course gradebook: any SQLAlchemy URL nbgrader takes, e.g. "
                "postgresql+psycopg://user@host/course (default: sqlite <course>/gradebook.db)",
            )
        p.set_defaults(func=func)
        return p

    add(
        "generate",
        grade_cmds.cmd_generate,
        "build course/source/NN_name/<name>.ipynb from the dev .py and run generate_assignment",
    )
    p = add(
        "release",
        grade_cmds.cmd_release,
        "write the student bundle (release notebook, stub package, visible tests, tito)",
    )
    p.add_argument("--out", type=Path, help="bundle folder (default: <course>/bundles/tinytorch-NN_name)")
    p.add_argument("--zip", action="store_true", help="also write <out>.zip")
    p = add(
        "collect",
        grade_cmds.cmd_collect,
        "copy DIR/<student>.ipynb into submitted/<student>/NN_name/<name>.ipynb "
        "(a replaced submission is kept as a timestamped .bak; other files are skipped)",
    )
    p.add_argument("folder", type=Path, help="folder of <student>.ipynb files")
    _autograde_options(add)
    p = add("feedback", grade_cmds.cmd_feedback, "generate HTML feedback for autograded submissions")
    p.add_argument("--student", help="only this student id")
    _report_options(add)
    p = add(
        "validate",
        grade_cmds.cmd_validate,
        "self-check a notebook with nbgrader's Validator (exit 1 when a cell fails)",
        module=False,
    )
    p.add_argument("notebook", type=Path, help="path to a .ipynb")
    p.add_argument(
        "--verbose", "-v", action="store_true", help="print tracebacks and nbgrader's messages too"
    )


def _autograde_options(add) -> None:
    p = add(
        "autograde",
        autograde_cmd.cmd_autograde,
        "autograde submissions (forced), each in a private temporary course copy, "
        "several in parallel with --jobs; broken submissions are reported per student",
    )
    p.add_argument("--student", help="only this student id")
    p.add_argument(
        "--jobs",
        "-j",
        type=options.int_at_least(1),
        default=1,
        help="students graded in parallel (processes, or LocalCluster workers with a --db server), default 1",
    )
    p.add_argument(
        "--timeout",
        type=options.int_at_least(1),
        default=options.DEFAULT_TIMEOUT,
        help="seconds a cell may run before its kernel is interrupted (the cell then fails), default 120",
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run kernels without bubblewrap (NOT protected: student code gets your rights; see README)",
    )
    p.add_argument(
        "--memory",
        type=options.int_at_least(256),
        default=4096,
        help="address-space limit per kernel in MB, default 4096",
    )
    p.add_argument(
        "--max-procs",
        type=options.int_at_least(16),
        default=64,
        help="process/thread limit per kernel, default 64",
    )
    p.add_argument(
        "--cpu-time",
        type=options.int_at_least(1),
        default=1800,
        help="CPU seconds per kernel (whole notebook), default 1800",
    )
    p.add_argument(
        "--scheduler",
        type=options.scheduler_address,
        metavar="tcp://HOST:PORT",
        help="grade on this Dask cluster (`dask scheduler`, `dask worker` on machines with the project and "
        "bubblewrap); submissions travel as bytes, this process alone writes the course",
    )


def _report_options(add) -> None:
    p = add(
        "report",
        report.cmd_report,
        "one row per student (automatic, manual, total, max, problems; '-' = manual answer not graded yet); "
        "--cells: one row per graded cell",
    )
    p.add_argument(
        "--csv",
        type=Path,
        help="also write a CSV: one row per student with nbgrader export's columns (per cell with --cells)",
    )
    p.add_argument("--cells", action="store_true", help="per graded cell instead of per student")
