"""`tito export MODULE`: jupytext --sync the module's notebook pairs and nbdev-export them into tinytorch/."""

import argparse

from tito.errors import EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="sync a module's .py/.ipynb pairs and export them into tinytorch/ with nbdev",
        description="Sync (jupytext --sync) and export (nbdev nb_export, atomic writes) a module's "
        "dev notebooks. No tests are run.",
    )
    p.add_argument("module", help="module number, NN_name or name (16, 16_compression, compression)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from tito import workflow
    from tito.paths import find_root, resolve_module

    root = find_root()
    workflow.print_export(workflow.sync_and_export(resolve_module(root, args.module)))
    return EXIT_OK
