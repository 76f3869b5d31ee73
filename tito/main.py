"""Argument parsing and dispatch. One command group per file, registered in COMMANDS below.

Command modules only import argparse-level things at import time; the real tools (jupytext, nbdev,
nbgrader, pytest, rich) are imported inside the functions that use them, so `tito --help` stays fast.
"""

import argparse
import importlib
import sys

from tito.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, TitoError

# name -> module defining register(subparsers); order is the order shown in --help.
COMMANDS = {
    "module": "tito.commands.module",
    "export": "tito.commands.export",
    "test": "tito.commands.test",
    "doctor": "tito.commands.doctor",
    "grade": "tito.commands.grade",
}

EPILOG = """\
exit codes: 0 success, 1 failure (failed tests, lost points, tool errors), 2 usage error, 130 Ctrl-C.
Student flow:    tito module start 16 -> edit the notebook -> tito module complete 16
Instructor flow: tito grade generate 16 -> release -> collect -> autograde -> feedback -> report
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tito",
        description="TinyTorch course CLI: work on modules, export them into tinytorch, test and grade.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        importlib.import_module(module_name).register(sub)
    return parser


def run(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        # `tito` or `tito module` without a subcommand: show the matching help.
        (getattr(args, "group_parser", None) or parser).print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code = func(args)
    except TitoError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - an unexpected bug: show where, exit 1 (never 0)
        import traceback

        traceback.print_exc()
        print("error: tito failed unexpectedly (traceback above)", file=sys.stderr)
        return EXIT_FAILURE
    return int(code or 0)
