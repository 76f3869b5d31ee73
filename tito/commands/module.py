"""`tito module list|status|start|complete|reset`: a student's work on one course module."""

import argparse

from tito import complete
from tito.errors import EXIT_OK, TitoError


def register(sub) -> None:
    group = sub.add_parser(
        "module",
        help="list, start, complete and reset course modules",
        description="Work on a course module (NN_name folder under modules/).",
    )
    group.set_defaults(group_parser=group)
    cmds = group.add_subparsers(dest="action", metavar="ACTION")
    cmds.add_parser("list", help="list the course modules").set_defaults(func=cmd_list)
    cmds.add_parser(
        "status", help="notebook, pair sync, export and last test result per module"
    ).set_defaults(func=cmd_status)
    for name, func, text in (
        (
            "start",
            cmd_start,
            "write the release (stub) notebook as your working notebook (backs up an existing one)",
        ),
        ("reset", cmd_reset, "back up your notebook and restore the release (stub) version"),
        (
            "complete",
            complete.cmd_complete,
            "sync + export your notebook, run the module's tests, grade it, show results",
        ),
    ):
        p = cmds.add_parser(name, help=text, description=text)
        p.add_argument("module", help="module number, NN_name or name (16, 16_compression, compression)")
        if name != "complete":
            p.add_argument(
                "--force",
                action="store_true",
                help="overwrite even a notebook that contains solutions or your edits (a backup is kept)",
            )
        else:
            p.add_argument(
                "--verbose",
                "-v",
                action="store_true",
                help="print everything (pytest output, tracebacks, export table), not only the summary",
            )
        p.set_defaults(func=func)


def _root_module(args):
    from tito.paths import find_root, resolve_module

    root = find_root()
    return root, resolve_module(root, args.module)


def cmd_list(args: argparse.Namespace) -> int:
    from tito import output
    from tito.paths import all_modules, find_root

    rows = [
        [
            m.number,
            m.name,
            "yes" if m.folder.is_dir() else "no",
            "yes" if m.tests.is_dir() else "no",
            ", ".join(m.dev_notebooks()) or "-",
        ]
        for m in all_modules(find_root())
    ]
    output.table("Modules", ["no", "name", "modules/", "tests/", "notebooks"], rows)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from tito import notebooks, output, state
    from tito.paths import all_modules, find_root

    root = find_root()
    tests = state.load(root).get("tests", {})
    completes = state.load(root).get("complete", {})
    rows = []
    for m in all_modules(root):
        stems = m.dev_notebooks() or [None]
        for stem in stems:
            if stem is None:
                pair, exported = "no notebook", "-"
            else:
                py, ipynb = notebooks.pair_paths(m.folder, stem)
                pair = notebooks.pair_state(py, ipynb)
                exported = notebooks.export_state(root, ipynb) if ipynb.exists() else "-"
            last = tests.get(f"tests/{m.key}")
            done = completes.get(m.key)
            rows.append(
                [
                    m.key,
                    stem or "-",
                    pair,
                    exported,
                    f"exit {last['exit']} ({last['when']})" if last else "-",
                    f"{done['score']:g}/{done['max_score']:g} ok={done['ok']}" if done else "-",
                ]
            )
    output.table(
        "Module status",
        ["module", "notebook", ".py/.ipynb", "tinytorch export", "last tests", "last complete"],
        rows,
    )
    return EXIT_OK


def _install_release(args, verb: str) -> int:
    from tito import notebooks, output, state
    from tito.grading import release

    root, module = _root_module(args)
    stems = module.graded_notebooks()
    if not stems:
        raise TitoError(f"{module.folder} has no graded notebook (no *_dev notebook with nbgrader cells)")
    files = [p for s in stems for p in notebooks.pair_paths(module.folder, s)]
    with_solutions = [p.name for p in files if notebooks.has_solutions(p)]
    if with_solutions and not args.force:
        raise TitoError(
            f"{', '.join(with_solutions)} contain solutions ({notebooks.SOLUTION_MARK}): "
            "this is the instructor's source, "
            f"and {verb} would replace it with the student stubs. Re-run with --force to do it anyway "
            f"(a timestamped backup goes to .tito/backups/), or work in a student bundle "
            f"from `tito grade release`."
        )
    release_nbs = release.release_notebooks(module)
    if verb == "start" and not args.force:

        def differs(stem):
            py, ipynb = notebooks.pair_paths(module.folder, stem)
            want = notebooks.fingerprint(release_nbs[stem])
            return (py.exists() and notebooks.fingerprint(notebooks.read_py(py)) != want) or (
                ipynb.exists() and notebooks.fingerprint(notebooks.read_ipynb(ipynb)) != want
            )

        edited = [s for s in stems if differs(s)]
        if edited:
            raise TitoError(
                f"{', '.join(edited)} already has your edits; `tito module start` "
                f"does not replace work in progress. Use `tito module reset {module.number}` to start "
                f"over (your notebook is backed up first), or --force."
            )
    saved = state.backup(root, files, f"{verb}-{module.key}")
    if saved:
        output.say(f"backed up {', '.join(p.name for p in files if p.exists())} to {saved.relative_to(root)}")
    for stem, nb in release_nbs.items():
        py, ipynb = notebooks.pair_paths(module.folder, stem)
        notebooks.write_pair(root, nb, py, ipynb)
        output.say(f"wrote release version: {ipynb.relative_to(root)} + {py.name}")
    state.forget(root, "complete", module.key)  # results of the replaced notebook: stale now
    state.forget(root, "tests", f"tests/{module.key}")
    output.say(f"next: edit the notebook, then run `tito module complete {module.number}`")
    return EXIT_OK


def cmd_start(args: argparse.Namespace) -> int:
    return _install_release(args, "start")


def cmd_reset(args: argparse.Namespace) -> int:
    return _install_release(args, "reset")
