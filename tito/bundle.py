"""The student bundle of one module (`tito grade release`) and its leak audit."""
import re
import shutil
from pathlib import Path

from tito import notebooks, release
from tito.errors import TitoError
from tito.paths import Module, notebook_name

TOP_FILES = ("pyproject.toml", "README.md", "LICENSE", "jupytext.toml", ".gitignore")
TOP_DIRS = ("bin", "tinytorch")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints")
MARKER = ".tito-bundle"
REGION = re.compile(r"^[ \t]*### BEGIN (SOLUTION|HIDDEN TESTS)[^\n]*\n(.*?)^[ \t]*### END \1", re.M | re.S)


def make_bundle(module: Module, course: Path, out: Path) -> list:
    """Write the student bundle for `module` to `out` (replacing a previous bundle there) and audit it.

    Returns the instructor-only test files that were withheld."""
    root = module.root
    if out.exists():
        if not (out / MARKER).exists():
            raise TitoError(f"{out} exists and is not a tito bundle; choose another --out")
        shutil.rmtree(out)
    release_dir = course / "release" / module.key
    graded = module.graded_notebooks()
    missing = [s for s in graded if not (release_dir / f"{notebook_name(s)}.ipynb").exists()]
    if missing:
        raise TitoError(f"no release notebook in {release_dir} for {', '.join(missing)}: "
                        f"run `tito grade generate {module.number}` first")
    out.mkdir(parents=True)
    withheld = []
    (out / MARKER).write_text(f"student bundle of {module.key}\n", encoding="utf-8")
    for name in TOP_FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, out / name)
    for name in TOP_DIRS:
        if (root / name).is_dir():
            shutil.copytree(root / name, out / name, ignore=IGNORE)
    import tito

    shutil.copytree(Path(tito.__file__).parent, out / "tito", ignore=IGNORE)  # the tito that made the bundle
    regions = secret_regions(course / "source" / module.key)
    if (root / "tests").is_dir():
        # tito's own tests and any test file quoting solution/hidden-test material inspect the instructor's
        # source: they are instructor-only and stay out of the bundle
        shutil.copytree(root / "tests", out / "tests", ignore=shutil.ignore_patterns(
            "tito", "__pycache__", "*.pyc", ".pytest_cache", ".hypothesis"))
        for path in sorted((out / "tests").rglob("*.py")):
            if _leaks(path, regions):
                withheld.append(str(path.relative_to(out)))
                path.unlink()
    folder = out / "modules" / module.key
    (folder / release.SHIPPED).mkdir(parents=True)
    for stem in module.dev_notebooks():
        if stem not in graded:  # ungraded dev notebooks (library code, no tasks) ship as they are
            for src in notebooks.pair_paths(module.folder, stem):
                if src.exists():
                    shutil.copy2(src, folder / src.name)
            continue
        nb = notebooks.read_ipynb(release_dir / f"{notebook_name(stem)}.ipynb")
        py, ipynb = notebooks.pair_paths(folder, stem)
        notebooks.write_pair(out, nb, py, ipynb)
        shutil.copy2(ipynb, folder / release.SHIPPED / ipynb.name)
        notebooks.export(out, ipynb)  # tinytorch/... now holds the release stubs, not the instructor's answers
    leaks = audit(out, course / "source" / module.key)
    if leaks:
        shutil.rmtree(out)
        raise TitoError("the bundle would leak instructor material, not released:\n  " + "\n  ".join(leaks))
    return withheld


def _normalise(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def secret_regions(source_dir: Path) -> list:
    """Normalised text of every solution and hidden-test region in the source notebooks."""
    regions = []
    for path in sorted(source_dir.glob("*.ipynb")):
        for cell in notebooks.read_ipynb(path).cells:
            for match in REGION.finditer(cell.source):
                body = _normalise(match.group(2))
                if body and (body.count("\n") >= 1 or len(body) >= 40):  # skip one-liners like `return w`
                    regions.append((match.group(1).lower(), body))
    return regions


def _leaks(path: Path, regions: list) -> list:
    """What of the instructor's material `path` contains: markers and solution/hidden-test regions."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    if path.suffix == ".ipynb":  # compare cell sources, not JSON-escaped text
        text = "\n".join(c.source for c in notebooks.read_ipynb(path).cells)
    found = [f"contains '{m}'" for m in (notebooks.SOLUTION_MARK, notebooks.HIDDEN_MARK) if m in text]
    flat = "\n" + _normalise(text) + "\n"
    found += [f"contains a {kind} region starting {body.splitlines()[0]!r}"
              for kind, body in regions if "\n" + body + "\n" in flat]
    return found


def audit(out: Path, source_dir: Path) -> list:
    """['<file>: <what>'] for every bundle file containing a BEGIN SOLUTION/HIDDEN TESTS marker or a secret region."""
    regions = secret_regions(source_dir)
    return [f"{path.relative_to(out)}: {what}" for path in sorted(p for p in out.rglob("*") if p.is_file())
            for what in _leaks(path, regions)]
