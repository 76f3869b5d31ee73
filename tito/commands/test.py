"""`tito test --module M | --all`: pytest as a subprocess; the exit code is pytest's (5 = no tests
collected)."""

import argparse


def register(sub) -> None:
    p = sub.add_parser(
        "test",
        help="run a module's tests (tests/NN_name) or all tests with pytest",
        description="Run pytest on tests/NN_name (or tests/ with --all). Exit code is pytest's: "
        "0 passed, 1 failed, 2 interrupted, 3 internal error, 4 usage, 5 no tests collected.",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--module", "-m", help="module number, NN_name or name (16, 16_compression, compression)"
    )
    which.add_argument("--all", action="store_true", help="run every test under tests/")
    p.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments after --, e.g. -- -k prune"
    )
    p.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    from tito import output, workflow
    from tito.paths import find_root, resolve_module

    root = find_root()
    extra = [a for a in args.pytest_args if a != "--"]
    if args.all:
        return workflow.pytest(root, [root / "tests"], extra)
    module = resolve_module(root, args.module)
    if not module.tests.is_dir():
        output.warn(f"module {module.key} has no tests folder tests/{module.key}")
    return workflow.pytest(root, [module.tests], extra)
