"""Terminal output: rich tables and progress on a terminal, plain aligned text when stdout is piped;
a command's full log in a file (stderr of tools and kernels redirected there)."""

import contextlib
import os
import sys
from pathlib import Path


def is_terminal() -> bool:
    return sys.stdout.isatty()


def say(message: str = "") -> None:
    print(message, flush=True)


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def table(title: str, columns: list, rows: list) -> None:
    """Print rows (lists of values) under column headers."""
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    if is_terminal():
        from rich.console import Console
        from rich.table import Table

        tab = Table(title=title, title_justify="left")
        for col in columns:
            tab.add_column(str(col), overflow="fold")
        for row in rows:
            tab.add_row(*row)
        Console().print(tab)
        return
    widths = [max([len(str(c))] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    if title:
        print(title)
    print("  ".join(str(c).ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    sys.stdout.flush()


class Progress:
    """Progress over `total` items: a rich bar on a terminal, one line per finished item otherwise."""

    def __init__(self, description: str, total: int):
        self.description, self.total, self.done = description, total, 0
        self._bar = None
        if is_terminal():
            from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )

    def __enter__(self):
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def advance(self, label: str) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=f"{self.description} ({label})")
        else:
            print(f"{self.description}: {self.done}/{self.total} {label}", flush=True)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()
        return False


def log_path(root: Path | None, name: str) -> Path:
    """<root>/.tito/logs/<name>.log (the current folder when not in a repository), emptied for this run."""
    path = Path(root or Path.cwd()) / ".tito" / "logs" / f"{name}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    return path


def append(path: Path | None, text: str) -> None:
    if path is not None:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")


@contextlib.contextmanager
def stderr_to(path: Path | None):
    """Send file descriptor 2 to `path` (appending) for the block: Python's stderr, tools' log handlers and
    the kernels started inside (they inherit it) all land in the log. path=None leaves stderr alone."""
    if path is None:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "ab") as handle:
            os.dup2(handle.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)
