"""`tito doctor`: Python and package versions, the pins, the Jupyter kernel, and generated-file freshness."""

import argparse

from tito.errors import EXIT_FAILURE, EXIT_OK

PACKAGES = (
    "numpy",
    "rich",
    "jupytext",
    "nbdev",
    "nbgrader",
    "jsonschema",
    "nbformat",
    "nbclient",
    "nbconvert",
    "ipykernel",
    "jupyter_client",
    "traitlets",
    "sqlalchemy",
    "pytest",
    "hypothesis",
    "matplotlib",
)


def register(sub) -> None:
    p = sub.add_parser(
        "doctor",
        help="check versions, pins (nbgrader==0.9.6, nbdev 3, jsonschema<4.25), the "
        "python3 kernel, the grading sandbox (bubblewrap) and that exported files "
        "match their notebooks",
    )
    p.add_argument(
        "--install-sandbox",
        action="store_true",
        help="instructors: install bubblewrap for `tito grade autograde` (apt-get as root; otherwise "
        "prints the command to run)",
    )
    p.set_defaults(func=cmd_doctor)


def _version(name: str):
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _release(version: str) -> tuple:
    import re

    return tuple(int(x) for x in re.findall(r"\d+", version)[:3])


PINS = {  # package -> (rule text, check on the parsed version)
    "nbgrader": ("== 0.9.6", lambda v: v == (0, 9, 6)),
    "nbdev": (">= 3, < 4", lambda v: v[0] == 3),
    "jsonschema": ("< 4.25 (4.25+ adds ~2.5 s to every nbformat import)", lambda v: v < (4, 25)),
}


def _kernel_check() -> tuple:
    import sys
    from pathlib import Path

    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec("python3")
    except Exception as exc:  # noqa: BLE001
        return False, f"python3 kernel not available: {exc}"
    exe = spec.argv[0]
    same = exe in ("python", "python3", "{python}") or Path(exe).resolve() == Path(sys.executable).resolve()
    where = "this interpreter" if same else f"{exe} (not {sys.executable})"
    return same, f"python3 -> {where}"


def install_sandbox() -> int:
    """apt-get install -y bubblewrap when root and apt-get exist (apt-get update first if needed); else the
    command."""
    import os
    import shutil
    import subprocess

    from tito import output
    from tito.grading import bwrap

    if bwrap.check()[0]:
        output.say(f"sandbox already installed: {bwrap.check()[1]}")
        return EXIT_OK
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        output.say(
            f"install bubblewrap as root, then run `tito doctor` again:\n  sudo {bwrap.INSTALL}\n"
            "(Fedora: sudo dnf install bubblewrap; Arch: sudo pacman -S bubblewrap)"
        )
        return EXIT_FAILURE
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "bubblewrap"]
    if subprocess.call(install, env=env) != 0:
        subprocess.call(["apt-get", "update", "-q"], env=env)
        subprocess.call(install, env=env)
    ok, detail = bwrap.check()
    output.say(f"sandbox: {detail}")
    return EXIT_OK if ok else EXIT_FAILURE


def cmd_doctor(args: argparse.Namespace) -> int:
    import platform
    import sys

    from tito import notebooks, output
    from tito.grading import bwrap
    from tito.paths import all_modules, find_root

    if args.install_sandbox:
        return install_sandbox()
    problems = 0
    ok_py = sys.version_info >= (3, 11)
    problems += not ok_py
    rows = [["python", platform.python_version(), sys.executable, "ok" if ok_py else "FAIL: need >= 3.11"]]
    for name in PACKAGES:
        version = _version(name)
        rule, check = PINS.get(name, ("", None))
        if version is None:
            status = (
                "FAIL: not installed"
                if name in PINS or name in ("numpy", "rich", "jupytext", "pytest")
                else "not installed"
            )
        elif check is not None and not check(_release(version)):
            status = f"FAIL: need {rule}"
        else:
            status = f"ok {rule}".strip()
        problems += status.startswith("FAIL")
        rows.append([name, version or "-", "", status])
    kernel_ok, kernel_text = _kernel_check()
    problems += not kernel_ok
    rows.append(["kernel", "python3", kernel_text, "ok" if kernel_ok else "FAIL"])
    sandbox_ok, sandbox_text = bwrap.check()  # instructors only: students never need it
    rows.append(
        [
            "sandbox",
            "bubblewrap",
            sandbox_text,
            "ok" if sandbox_ok else "missing (instructors: tito doctor --install-sandbox)",
        ]
    )
    output.table("Environment", ["item", "version", "detail", "status"], rows)

    root = find_root()
    rows = []
    for module in all_modules(root):
        for stem in module.dev_notebooks():
            py, ipynb = notebooks.pair_paths(module.folder, stem)
            pair = notebooks.pair_state(py, ipynb)
            try:
                exported = notebooks.export_state(root, ipynb) if ipynb.exists() else "no .ipynb"
            except Exception as exc:  # noqa: BLE001 - report, keep checking the others
                exported = f"export failed: {exc}"
            bad = pair != "synced" or exported != "in sync"
            problems += bad
            rows.append([module.key, stem, pair, exported, "FAIL" if bad else "ok"])
    output.table("Generated files", ["module", "notebook", ".py/.ipynb", "tinytorch export", "status"], rows)
    output.say(f"{problems} problem(s) found" if problems else "all checks passed")
    return EXIT_FAILURE if problems else EXIT_OK
