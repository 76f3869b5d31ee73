"""The student bundle of one module (`tito grade release`) and its leak audit."""

import json
import re
import shutil
from pathlib import Path

from tito import notebooks
from tito.errors import TitoError
from tito.grading import jupyter_config, release
from tito.paths import Module, notebook_name

TOP_FILES = (
    "pyproject.toml",
    "LICENSE",
    "jupytext.toml",
    ".gitignore",
)  # README.md: the student guide instead
TOP_DIRS = ("bin", "tinytorch")
IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.egg-info", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints"
)
MARKER = ".tito-bundle"
REGION = re.compile(r"^[ \t]*### BEGIN (SOLUTION|HIDDEN TESTS)[^\n]*\n(.*?)^[ \t]*### END \1", re.M | re.S)
STUDENT_TESTS = "student"  # tests/NN_name/student/: the only tests a bundle ships
TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "STUDENT_README.md"
# JupyterLab setting (read through JUPYTER_CONFIG_PATH=<bundle>/.jupyter): double-click opens a .py as a
# notebook
LAB_OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}
}


def student_readme(module: Module) -> str:
    """The bundle's README.md: tito/templates/STUDENT_README.md with the module's number, name and paths."""
    from string import Template

    stem = module.graded_notebooks()[0]
    folder = f"modules/{module.key}"
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        number=module.number,
        name=module.name,
        title=module.name.replace("_", " ").title(),
        notebook=f"{folder}/{stem}.ipynb",
        script=f"{folder}/{stem}.py",
        tests=f"tests/{module.key}/{STUDENT_TESTS}/",
    )


def _copy_student_tests(module: Module, out: Path, regions: list) -> list:
    """tests/conftest.py and tests/NN_name/student/ into the bundle; returns the withheld (leaking) files."""
    src = module.tests / STUDENT_TESTS
    if not src.is_dir():
        raise TitoError(f"{src} does not exist: the bundle ships only the student tests of {module.key}")
    dest = out / "tests" / module.key / STUDENT_TESTS
    shutil.copytree(src, dest, ignore=IGNORE)
    if (module.root / "tests" / "conftest.py").is_file():
        shutil.copy2(module.root / "tests" / "conftest.py", out / "tests" / "conftest.py")
    withheld = []
    for path in sorted((out / "tests").rglob("*.py")):
        if _leaks(path, regions):
            withheld.append(str(path.relative_to(out)))
            path.unlink()
    return withheld


def _write_notebooks(module: Module, release_dir: Path, out: Path) -> None:
    """The release version of each graded notebook (pair + .release copy, exported); others as they are."""
    graded = module.graded_notebooks()
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
        notebooks.write_pair(out, nb, py, ipynb)  # adds the kernelspec
        shutil.copy2(ipynb, folder / release.SHIPPED / ipynb.name)
        notebooks.export(
            out, ipynb
        )  # tinytorch/... now holds the release stubs, not the instructor's answers


def make_bundle(module: Module, course: Path, out: Path) -> list:
    """Write the student bundle for `module` to `out` (replacing a previous bundle there) and audit it.

    Returns the student test files that were withheld because they quote solutions or hidden tests."""
    root = module.root
    if out.exists():
        if not (out / MARKER).exists():
            raise TitoError(f"{out} exists and is not a tito bundle; choose another --out")
        shutil.rmtree(out)
    release_dir = course / "release" / module.key
    missing = [
        s for s in module.graded_notebooks() if not (release_dir / f"{notebook_name(s)}.ipynb").exists()
    ]
    if missing:
        raise TitoError(
            f"no release notebook in {release_dir} for {', '.join(missing)}: "
            f"run `tito grade generate {module.number}` first"
        )
    out.mkdir(parents=True)
    (out / MARKER).write_text(f"student bundle of {module.key}\n", encoding="utf-8")
    for name in TOP_FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, out / name)
    (out / "README.md").write_text(student_readme(module), encoding="utf-8")
    lab = out / ".jupyter" / "labconfig"
    lab.mkdir(parents=True)
    (lab / "default_setting_overrides.json").write_text(
        json.dumps(LAB_OVERRIDES, indent=2) + "\n", encoding="utf-8"
    )
    jupyter_config.write_student_config(out / ".jupyter")  # nbgrader's Validate only, no instructor menus
    for name in TOP_DIRS:
        if (root / name).is_dir():
            shutil.copytree(root / name, out / name, ignore=IGNORE)
    import tito

    shutil.copytree(Path(tito.__file__).parent, out / "tito", ignore=IGNORE)  # the tito that made the bundle
    withheld = _copy_student_tests(module, out, secret_regions(course / "source" / module.key))
    _write_notebooks(module, release_dir, out)
    leaks = audit(out, course / "source" / module.key)
    from tito.grading.audit_behaviour import answering_callables

    leaks += [
        f"{name}: computes what '{gid}' grades" for name, gid in answering_callables(out, module.number)
    ]
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
    found += [
        f"contains a {kind} region starting {body.splitlines()[0]!r}"
        for kind, body in regions
        if "\n" + body + "\n" in flat
    ]
    return found


def audit(out: Path, source_dir: Path) -> list:
    """['<file>: <what>'] for every bundle file containing a BEGIN SOLUTION/HIDDEN TESTS marker or a secret
    region."""
    regions = secret_regions(source_dir)
    return [
        f"{path.relative_to(out)}: {what}"
        for path in sorted(p for p in out.rglob("*") if p.is_file())
        for what in _leaks(path, regions)
    ]
