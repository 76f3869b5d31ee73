"""Entry point for `tito` (console script) and `python -m tito`."""

import sys


def main(argv=None) -> int:
    """Run the tito command line; returns the process exit code (0 ok, 1 failure, 2 usage)."""
    from tito.main import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
