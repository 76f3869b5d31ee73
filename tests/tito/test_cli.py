"""The command line itself: help, exit codes, module-name mapping, lazy imports, doctor, list/status."""

import re
import subprocess
import sys
from pathlib import Path


def test_help_exits_0_and_usage_errors_exit_2(tmp_path, h):
    root = h.make_repo(tmp_path / "repo")
    assert h.tito(["--help"], root).returncode == 0
    for args in (
        ["module", "complete", "--help"],
        ["grade", "autograde", "--help"],
        ["test", "--help"],
        ["doctor", "--help"],
        ["export", "--help"],
    ):
        assert h.tito(args, root).returncode == 0, args
    for args in (
        [],
        ["module"],
        ["grade"],
        ["nonsense"],
        ["test"],
        ["module", "start", "99"],
        ["test", "--module", "nosuchmodule"],
    ):
        assert h.tito(args, root).returncode == 2, args


def test_console_script_and_python_dash_m_print_the_same_help(tmp_path):
    script = Path(sys.executable).parent / "tito"
    via_script = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=tmp_path)
    via_module = subprocess.run(
        [sys.executable, "-m", "tito", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert via_script.returncode == via_module.returncode == 0
    assert via_script.stdout.replace("tito", "") == via_module.stdout.replace("tito", "")
    assert "exit codes: 0 success, 1 failure" in via_module.stdout


def test_help_imports_none_of_the_heavy_tools():
    code = (
        "import sys, contextlib, io\nfrom tito.main import build_parser\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: build_parser().parse_args(['--help'])\n    except SystemExit: pass\n"
        "print(sorted(m for m in ('nbgrader', 'jupytext', 'nbdev', 'nbformat', 'rich', 'traitlets', 'numpy')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_importing_tito_creates_no_files(tmp_path):
    code = (
        "import pkgutil, importlib, tito, tito.commands\n"
        "for m in pkgutil.walk_packages(tito.__path__, 'tito.'):\n"
        "    importlib.import_module(m.name)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
    assert list(tmp_path.iterdir()) == []


def _test_repo(tmp_path):
    root = tmp_path / "repo"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '--import-mode=importlib'\n")
    for key, body in (
        ("15_quantization", "def test_q():\n    assert 1 + 1 == 2\n"),
        ("16_compression", "def test_c():\n    assert 2 * 2 == 4\n"),
        ("07_training", "def test_t():\n    assert 1 == 2\n"),
    ):
        (root / "tests" / key).mkdir()
        (root / "tests" / key / f"test_{key}.py").write_text(body)
    (root / "tests" / "09_spatial").mkdir()
    return root


def test_test_module_accepts_number_full_name_or_name(tmp_path, h):
    from tito.paths import resolve_module

    root = _test_repo(tmp_path)
    for spec, folder in (
        ("16", "16_compression"),
        ("16_compression", "16_compression"),
        ("compression", "16_compression"),
        ("15", "15_quantization"),
        ("quantization", "15_quantization"),
        ("Quantization", "15_quantization"),
    ):
        assert resolve_module(root, spec).tests == root / "tests" / folder, spec
    result = h.tito(["test", "--module", "compression"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pytest -q tests/16_compression" in result.stdout and "1 passed" in result.stdout


def test_test_exit_code_is_pytests_including_5_for_no_tests(tmp_path, h):
    root = _test_repo(tmp_path)
    assert h.tito(["test", "--module", "training"], root).returncode == 1
    assert h.tito(["test", "--module", "9"], root).returncode == 5
    assert h.tito(["test", "--all"], root).returncode == 1
    assert h.tito(["test", "--module", "16", "--", "-k", "nothing_matches"], root).returncode == 5


def test_list_and_status_show_modules_and_the_last_test_result(tmp_path, h):
    root = h.make_repo(tmp_path / "repo")
    listed = h.tito(["module", "list"], root)
    assert listed.returncode == 0 and re.search(
        r"16\s+compression\s+yes\s+yes\s+compression_dev", listed.stdout
    )
    assert h.tito(["export", "16"], root).returncode == 0
    assert h.tito(["test", "--module", "16", "--", "-x", "-q", "-k", "sparsity"], root).returncode == 0
    status = h.tito(["module", "status"], root)
    assert re.search(r"16_compression\s+compression_dev\s+synced\s+in sync\s+exit 0", status.stdout), (
        status.stdout
    )


def test_doctor_passes_on_a_fresh_export_and_flags_a_hand_edited_package_file(tmp_path, h):
    root = h.make_repo(tmp_path / "repo")
    assert h.tito(["export", "16"], root).returncode == 0
    healthy = h.tito(["doctor"], root)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert re.search(r"nbgrader\s+0\.9\.6\s+ok == 0\.9\.6", healthy.stdout)
    assert re.search(r"kernel\s+python3\s+python3 -> this interpreter\s+ok", healthy.stdout)
    target = root / "tinytorch" / "compression" / "__init__.py"
    target.write_text(target.read_text() + "\n# hand edit\n")
    stale = h.tito(["doctor"], root)
    assert stale.returncode == 1 and "stale: compression/__init__.py" in stale.stdout
