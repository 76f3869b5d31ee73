"""Where things are: the repository root, course modules (modules/NN_name, tests/NN_name) and their
notebooks."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tito.errors import EXIT_USAGE, TitoError

MODULE_DIR = re.compile(r"^(\d\d)_([a-z][a-z0-9_]*)$")


def find_root(start=None) -> Path:
    """The TinyTorch repository containing `start` (default: cwd): pyproject.toml beside modules/, tinytorch/
    or tests/."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and any(
            (folder / d).is_dir() for d in ("modules", "tinytorch", "tests")
        ):
            return folder
    raise TitoError(
        f"{here} is not inside a TinyTorch repository "
        "(no pyproject.toml beside modules/, tinytorch/ or tests/ above it)"
    )


@dataclass(frozen=True)
class Module:
    """One course module, e.g. number '16', name 'compression', key '16_compression'."""

    root: Path
    number: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.number}_{self.name}"

    @property
    def folder(self) -> Path:
        return self.root / "modules" / self.key

    @property
    def tests(self) -> Path:
        return self.root / "tests" / self.key

    def dev_notebooks(self) -> list:
        """Stems of the paired dev notebooks (`<topic>_dev`, also when only the shipped .release copy is
        left), the graded `<name>_dev` first."""
        stems = {
            p.stem
            for pattern in ("*_dev.py", "*_dev.ipynb", ".release/*_dev.ipynb")
            for p in self.folder.glob(pattern)
        }
        main = f"{self.name}_dev"
        return sorted(stems, key=lambda s: (s != main, s))

    def graded_notebooks(self) -> list:
        """Dev notebook stems whose source carries nbgrader cell metadata (the assignment's notebooks)."""
        found = []
        for stem in self.dev_notebooks():
            candidates = [
                self.folder / f"{stem}.py",
                self.folder / f"{stem}.ipynb",
                self.folder / ".release" / f"{stem}.ipynb",
            ]
            text = next(p for p in candidates if p.exists()).read_text(encoding="utf-8")
            if '"nbgrader"' in text or "nbgrader=" in text:
                found.append(stem)
        return found


def all_modules(root: Path) -> list:
    """Modules found as NN_name folders under modules/ or tests/, sorted by number."""
    seen = {}
    for parent in (root / "modules", root / "tests"):
        if parent.is_dir():
            for entry in parent.iterdir():
                match = MODULE_DIR.match(entry.name)
                if entry.is_dir() and match:
                    seen[entry.name] = Module(root, match.group(1), match.group(2))
    return [seen[k] for k in sorted(seen)]


def resolve_module(root: Path, spec: str) -> Module:
    """Map '16', '16_compression' or 'compression' (any case) to a Module; usage error (exit 2) otherwise."""
    wanted = str(spec).strip().lower()
    modules = all_modules(root)
    for module in modules:
        if wanted in (module.key, module.name) or (wanted.isdigit() and int(wanted) == int(module.number)):
            return module
    known = ", ".join(m.key for m in modules) or "none"
    raise TitoError(f"unknown module {spec!r}; expected a number, NN_name or name of: {known}", EXIT_USAGE)


def notebook_name(stem: str) -> str:
    """Course notebook name for a dev notebook stem: 'compression_dev' -> 'compression'."""
    return stem[: -len("_dev")] if stem.endswith("_dev") else stem


def default_course(root: Path) -> Path:
    return root / "course"
